import type { CanonicalEvent } from '../../core/events/schemas';
import type { Bus } from '../../ports';
import { INGEST_SOURCE } from '../../routes';

/** Puts accepted canonical events on the bus, from which the route table delivers them. */
export async function publishEvents(bus: Bus, events: readonly CanonicalEvent[]): Promise<void> {
  if (events.length > 0) await bus.put(events.map((e) => ({ source: INGEST_SOURCE, detailType: e.type, detail: e })));
}
