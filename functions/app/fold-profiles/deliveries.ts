import { EventDelivery, parseBody, type QueueRecord } from '../../contracts/messages';
import type { CanonicalEvent } from '../../core/events/schemas';
import type { Delivery } from '../../core/profiles/batch';

/** Parses queue records as bus deliveries; the ones that hold no event are returned apart, with why. */
export function collectDeliveries(records: readonly QueueRecord[]) {
  const deliveries: Delivery[] = [];
  const undecodable: { id: string; reason: string }[] = [];
  for (const record of records) {
    const parsed = parseBody(EventDelivery, record.body);
    // The event was validated when it was accepted: the envelope check is what a consumer owes.
    if (parsed.ok) deliveries.push({ event: parsed.value.detail as unknown as CanonicalEvent, recordId: record.id });
    else undecodable.push({ id: record.id, reason: parsed.reason });
  }
  return { deliveries, undecodable };
}
