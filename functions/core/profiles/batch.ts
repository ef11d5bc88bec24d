import type { Key } from '../../ports';
import type { CanonicalEvent } from '../events/schemas';
import { profileKey } from './items';

/** One event of a batch, with every queue record that delivered it. */
export type Delivery = { event: CanonicalEvent; recordIds: string[] };
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

/** Decodes queue records; the same event delivered twice in one batch becomes one delivery. */
export function collectDeliveries(records: readonly { id: string; body: string }[]) {
  const byEvent = new Map<string, Delivery>();
  const undecodable: string[] = [];
  for (const record of records) {
    const event = decodeDelivery(record.body);
    if (!event) {
      undecodable.push(record.id);
      continue;
    }
    const id = `${event.tenantId}\u0000${event.customerId}\u0000${event.eventId}`;
    const known = byEvent.get(id);
    if (known) known.recordIds.push(record.id);
    else byEvent.set(id, { event, recordIds: [record.id] });
  }
  return { deliveries: [...byEvent.values()], undecodable };
}

export function groupByCustomer(deliveries: readonly Delivery[]): CustomerBatch[] {
  const groups = new Map<string, CustomerBatch>();
  for (const { event, recordIds } of deliveries) {
    const key = profileKey(event.tenantId, event.customerId);
    let group = groups.get(key.pk);
    if (!group) {
      group = { profileKey: key, events: [], recordIds: [] };
      groups.set(key.pk, group);
    }
    group.events.push(event);
    group.recordIds.push(...recordIds);
  }
  return [...groups.values()];
}
