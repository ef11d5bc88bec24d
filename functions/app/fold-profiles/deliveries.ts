import { IngestedDelivery, parseBody, type QueueRecord } from '../../contracts/messages';
import type { Delivery } from '../../core/profiles/batch';

/** Parses queue records as bus deliveries; the ones that hold no event are returned apart, with why. */
export function collectDeliveries(records: readonly QueueRecord[]) {
  const deliveries: Delivery[] = [];
  const undecodable: { id: string; reason: string }[] = [];
  for (const record of records) {
    const parsed = parseBody(IngestedDelivery, record.body);
    if (parsed.ok) deliveries.push({ event: parsed.value.detail, recordId: record.id });
    else undecodable.push({ id: record.id, reason: parsed.reason });
  }
  return { deliveries, undecodable };
}
