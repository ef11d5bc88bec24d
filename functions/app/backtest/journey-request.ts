/**
 * A backtest asked for over the admin API (POST /v1/journeys/backtest): one journey definition,
 * replayed by the backtester (./run.ts, the same run `growthloop journeys backtest` makes) over the
 * tenant's own stored event history, with the tenant's scoring, currency, time zone and loyalty
 * settings. The history is read through `history` (the local runtime's event archive); where there
 * is none (AWS: replaying the EventBridge archive takes minutes) the route answers 501. The events
 * read are bounded: a range holding more is refused before the replay starts.
 */
import { z } from 'zod';
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import { JourneyBacktestRequest, MAX_BACKTEST_EVENTS, MAX_JOURNEY_BYTES } from '../../contracts/http-api';
import type { TenantRecord } from '../../core/config/tenants';
import type { CanonicalEvent } from '../../core/events/schemas';
import type { Journey } from '../../core/journeys/schema';
import { validateJourney } from '../../core/journeys/validate';
import { jsonPath } from '../../core/json-path';
import { scoringSettings } from '../../core/scoring/settings';
import { backtest } from './run';

/** The tenant's ingested events that occurred in [from, to) (ms; unbounded where absent), each once, opened. */
export type EventHistory = (tenantId: string, range: { from?: number; to?: number }) => AsyncIterable<CanonicalEvent>;

export const BACKTEST_NOT_AVAILABLE =
  'backtests in the console need the local runtime; run growthloop journeys backtest --events FILE';

const DAY = 86_400_000;
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/** The envelope as parsed here: the journey is checked by the journey validator, which names every problem. */
const Envelope = JourneyBacktestRequest.extend({ journey: z.unknown() }).refine(
  (r) => r.from === undefined || r.to === undefined || r.from <= r.to,
  { message: 'from must not be after to', path: ['to'] },
);

/** A problem path of the journey (`$.activities.x`) as a path of the request body (`$.journey.activities.x`). */
const underJourney = (path: string) => (path === '$' ? '$.journey' : `$.journey${path.slice(1)}`);

export type JourneyBacktestRequestInput = { tenant: TenantRecord; contentType?: string; body?: string };

export function createJourneyBacktests(deps: { history?: EventHistory; maxEvents?: number }) {
  const maxEvents = deps.maxEvents ?? MAX_BACKTEST_EVENTS;
  return async function run(request: JourneyBacktestRequestInput): Promise<Answer> {
    if (request.contentType !== undefined && !JSON_TYPE.test(request.contentType))
      return reject(415, 'unsupported_media_type', 'the body must be JSON (application/json)', 'headers.content-type');
    // The journey as POST /v1/journeys takes it, and the few fields around it.
    const parsed = parseJsonBody(request.body ?? '', { maxBytes: MAX_JOURNEY_BYTES + 1024 });
    if (!parsed.ok) return parsed.rejection;
    const envelope = Envelope.safeParse(parsed.value);
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      return reject(
        400,
        'invalid_request',
        issue?.message ?? 'the body is {journey, from?, to?}',
        jsonPath('$', issue?.path ?? []),
      );
    }
    const checked = validateJourney(envelope.data.journey);
    if (!checked.journey) {
      const problems = checked.problems.map((p) => ({ ...p, path: underJourney(p.path) }));
      const first = problems[0] as { path: string; message: string };
      const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
      return reject(
        400,
        'invalid_journey',
        `the journey has ${count}; first: ${first.path}: ${first.message}`,
        first.path,
        {
          problems,
        },
      );
    }
    if (!deps.history) return reject(501, 'not_available', BACKTEST_NOT_AVAILABLE, 'path');

    const { tenant } = request;
    const from = envelope.data.from === undefined ? undefined : Date.parse(`${envelope.data.from}T00:00:00Z`);
    const to = envelope.data.to === undefined ? undefined : Date.parse(`${envelope.data.to}T00:00:00Z`) + DAY;
    const range = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
    const events: CanonicalEvent[] = [];
    for await (const event of deps.history(tenant.id, range)) {
      if (events.length >= maxEvents) {
        const days =
          envelope.data.from || envelope.data.to
            ? `from ${envelope.data.from ?? 'the first day'} to ${envelope.data.to ?? 'the last day'}`
            : 'of the whole history';
        return reject(
          422,
          'too_many_events',
          `the events ${days} are more than ${maxEvents}: backtest fewer days (from, to), or run growthloop journeys backtest --events FILE`,
          envelope.data.from === undefined ? '$.from' : '$.to',
        );
      }
      events.push(event);
    }
    // A backtest asks what the journey would do if it were live.
    const journey: Journey = { ...checked.journey, status: 'live' };
    const report = await backtest({
      journeys: [journey],
      events,
      scoring: { settings: scoringSettings(tenant.scoring), currency: tenant.currency, timeZone: tenant.timezone },
      ...range,
      ...(tenant.loyalty ? { loyalty: tenant.loyalty } : {}),
    });
    return answer(200, { ...report, sends: [] });
  };
}
