import type { Key } from '../../ports';
import type { CanonicalEvent } from '../events/schemas';
import { profileKey } from './items';

/** One event of a batch and the queue record that delivered it. */
export type Delivery = { event: CanonicalEvent; recordId: string };
export type CustomerBatch = { profileKey: Key; events: CanonicalEvent[]; recordIds: string[] };

export function groupByCustomer(deliveries: readonly Delivery[]): CustomerBatch[] {
  const groups = new Map<string, CustomerBatch>();
  for (const { event, recordId } of deliveries) {
    const key = profileKey(event.tenantId, event.customerId);
    let group = groups.get(key.pk);
    if (!group) {
      group = { profileKey: key, events: [], recordIds: [] };
      groups.set(key.pk, group);
    }
    group.events.push(event);
    group.recordIds.push(recordId);
  }
  return [...groups.values()];
}
