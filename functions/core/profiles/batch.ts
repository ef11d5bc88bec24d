import type { Key } from '../../ports';
import type { CanonicalEvent } from '../events/schemas';
import { profileKey } from './items';

/** One event of a batch, the queue record that delivered it and when it was put on the bus. */
export type Delivery = { event: CanonicalEvent; recordId: string; receivedAt?: string | undefined };
/** One customer's events, with their records and receive times in the same order. */
export type CustomerBatch = {
  profileKey: Key;
  events: CanonicalEvent[];
  recordIds: string[];
  receivedAt: (string | undefined)[];
};

export function groupByCustomer(deliveries: readonly Delivery[]): CustomerBatch[] {
  const groups = new Map<string, CustomerBatch>();
  for (const { event, recordId, receivedAt } of deliveries) {
    const key = profileKey(event.tenantId, event.customerId);
    let group = groups.get(key.pk);
    if (!group) {
      group = { profileKey: key, events: [], recordIds: [], receivedAt: [] };
      groups.set(key.pk, group);
    }
    group.events.push(event);
    group.recordIds.push(recordId);
    group.receivedAt.push(receivedAt);
  }
  return [...groups.values()];
}
