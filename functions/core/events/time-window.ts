// When an event may have happened. An event dated in the future would pin a profile's lastSeenAt
// (and its recency) until that date: the customer could never become at_risk, dormant or churned,
// and no win-back would reach them. So an event is refused when it is dated later than the time it
// was received plus a small allowed skew (senders' clocks drift; default 5 minutes), or earlier
// than 2000-01-01T00:00:00Z (imports of older history are accepted back to then).
//
// Pure: the caller says when it received the event. A caller without a receive time (a replay of
// history files, replayed later than they were written) passes undefined: then only the earliest
// date applies. The backtester and the CLI's history files do not call this at all.

import { type Rejection, reject } from '../rejection';
import type { CanonicalEvent } from './schemas';

/** How far past the receive time an event may be dated: the senders' clock skew allowed. */
export const DEFAULT_FUTURE_SKEW_MS = 5 * 60_000;
/** The earliest time an event may carry. */
export const EARLIEST_OCCURRED_AT = '2000-01-01T00:00:00Z';
const EARLIEST_MS = Date.parse(EARLIEST_OCCURRED_AT);

/**
 * What is wrong with an event's time, as the detail of a message (the caller prefixes its path), or
 * undefined when it is in range: not earlier than 2000-01-01T00:00:00Z and, given `receivedAt`
 * (epoch milliseconds), not later than `receivedAt + skewMs`. `occurredAt` is ISO-8601, with `Z`
 * or an offset.
 */
export function occurredAtProblem(
  occurredAt: string,
  receivedAt: number | undefined,
  skewMs: number = DEFAULT_FUTURE_SKEW_MS,
): string | undefined {
  const at = Date.parse(occurredAt);
  if (!Number.isFinite(at)) return 'must be an ISO-8601 time such as 2026-11-21T09:30:00Z';
  if (at < EARLIEST_MS) return `must not be earlier than ${EARLIEST_OCCURRED_AT}`;
  if (receivedAt === undefined) return undefined;
  const latest = receivedAt + skewMs;
  if (at > latest) {
    return `must not be later than the time of receipt plus ${duration(skewMs)} (${iso(latest)})`;
  }
  return undefined;
}

/**
 * For a delivery refused whole (a Shopify or WooCommerce webhook): a 400 `invalid_event` naming the first
 * of its normalized events dated out of range, or undefined when all are in range. The normalizer knows
 * which field of the body each time came from; this check does not, so its path is null (the message
 * names the event and its time).
 */
export function eventTimesRejection(
  events: readonly CanonicalEvent[],
  receivedAt: number,
  skewMs: number = DEFAULT_FUTURE_SKEW_MS,
): Rejection | undefined {
  for (const event of events) {
    const problem = occurredAtProblem(event.occurredAt, receivedAt, skewMs);
    if (problem === undefined) continue;
    const what = `the ${event.type} event ${event.eventId} is dated ${event.occurredAt}`;
    return reject(400, 'invalid_event', `${what}: its time ${problem}`, null);
  }
  return undefined;
}

/** `2026-12-01T10:05:00Z`, with milliseconds only when there are some. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function duration(ms: number): string {
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (ms % 60_000 === 0) return unit(ms / 60_000, 'minute');
  if (ms % 1000 === 0) return unit(ms / 1000, 'second');
  return unit(ms, 'millisecond');
}
