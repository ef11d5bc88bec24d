import type { Key } from '../../ports';
import type { CanonicalEvent } from '../events/schemas';
import { profileKey } from './items';

/** One event of a batch and the queue record that delivered it. */
export type Delivery = { event: CanonicalEvent; recordId: string };
export type CustomerBatch = { profileKey: Key; events: CanonicalEvent[]; recordIds: string[] };

/** The canonical event inside an EventBridge-to-SQS delivery, or undefined if it is not one. */
export function decodeDelivery(body: string): CanonicalEvent | undefined {
  try {
    const detail = (JSON.parse(body) as { detail?: CanonicalEvent }).detail;
    return detail?.tenantId && detail.customerId && detail.eventId && detail.type ? detail : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes queue records; the ones that hold no canonical event are returned apart. */
export function collectDeliveries(records: readonly { id: string; body: string }[]) {
  const deliveries: Delivery[] = [];
  const undecodable: string[] = [];
  for (const record of records) {
    const event = decodeDelivery(record.body);
    if (event) deliveries.push({ event, recordId: record.id });
    else undecodable.push(record.id);
  }
  return { deliveries, undecodable };
}

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
