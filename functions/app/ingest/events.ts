import { z } from 'zod';
import { type Answer, answer } from '../../contracts/answers';
import { parseIngestBody } from '../../core/events/ingest';
import type { Clock } from '../../ports';
import { type PublishDeps, publishEvents } from './publish';

export const IngestEventsCommand = z.object({ tenantId: z.string().min(1), body: z.string() });
export type IngestEventsCommand = z.infer<typeof IngestEventsCommand>;

/** The clock says when a request arrived: an event dated later than that (plus the allowed skew) is refused. */
export type IngestEventsDeps = PublishDeps & { clock: Clock };

/** POST /v1/events: validates one event or a batch, puts the valid ones on the bus, answers 202. */
export async function ingestEvents(deps: IngestEventsDeps, command: IngestEventsCommand): Promise<Answer> {
  const result = parseIngestBody(command.body, command.tenantId, deps.clock.now());
  if (result.kind === 'rejected') return result.rejection;
  await publishEvents(deps, result.events);
  return answer(202, { accepted: result.events.length, rejected: result.errors.length, errors: result.errors });
}
