import type { CanonicalEvent } from '../../core/events/schemas';
import { INGEST_SOURCE } from '../../routes';
import type { AppPorts } from '../common/ports';

export type PublishDeps = Pick<AppPorts, 'bus' | 'metrics'>;

/** Puts accepted canonical events on the bus, from which the route table delivers them. */
export async function publishEvents(deps: PublishDeps, events: readonly CanonicalEvent[]): Promise<void> {
  if (events.length === 0) return;
  await deps.bus.put(events.map((e) => ({ source: INGEST_SOURCE, detailType: e.type, detail: e })));
  deps.metrics?.count('EventsAccepted', events.length);
}
