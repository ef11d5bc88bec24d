/**
 * Quiet hours: no marketing between `start` and `end` on the customer's clock (IANA zone), the
 * tenant's window (21:00–08:00 by default) unless the journey or campaign sets its own.
 *
 * - An instant is quiet when its own local reading lies in [start, end): windows that span
 *   midnight (start > end) are quiet from start to midnight and from midnight to end. Each
 *   instant is judged by its own offset, so the hour a fall-back night repeats is judged once
 *   per instant, not once per wall time.
 * - A message asked to go out in quiet hours is deferred to the first instant that is not quiet:
 *   the instant the local clock reaches `end`, or, when `end` lies in a spring-forward gap, the
 *   first instant after the gap (the clock jumps past `end`).
 * - It is dropped as stale instead when `staleAt` (e.g. the action's time plus its staleAfter)
 *   is before the instant it would go out, now included: a cart reminder that is stale at wake-up,
 *   or already stale when it reaches the dispatcher, is not sent at all.
 * - start == end is refused by the schema (it would mean no window or a whole day of one), and
 *   the functions refuse it too, so nothing loops on a malformed window.
 *
 * Offsets come from the runtime's ICU data; a zone's offset is taken to change at most once in
 * any 3 hours, which holds for every zone in the tz database.
 */
import type { z } from 'zod';
import { QuietTime } from '../journeys/schema';
import { DAY_MS, HOUR_MS, MINUTE_MS, minutesOf, offsetAt, timeOfDayMs } from './local-clock';

/** A quiet window `{start, end}` in 'HH:MM' local time; start and end differ. */
export const QuietHours = QuietTime.refine((w) => w.start !== w.end, {
  message: 'start and end must differ',
  path: ['end'],
});
export type QuietHours = z.infer<typeof QuietHours>;

/** The tenant's default quiet window. */
export const DEFAULT_QUIET_HOURS: QuietHours = { start: '21:00', end: '08:00' };

/** A readable name for a window, as outcomes report it: "quiet_hours:21:00-08:00". */
export const quietHoursName = (w: QuietHours): string => `quiet_hours:${w.start}-${w.end}`;

/**
 * The window that applies: the journey's or campaign's override when it has one (null: no quiet
 * hours for it), else the tenant's (null: none).
 */
export function effectiveQuietHours(
  tenant: QuietHours | null,
  override: QuietHours | null | undefined,
): QuietHours | null {
  return override === undefined ? tenant : override;
}

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

function boundsMs(w: QuietHours): { start: number; end: number } {
  if (!HH_MM.test(w?.start) || !HH_MM.test(w?.end) || w.start === w.end) {
    throw new RangeError(`invalid quiet hours ${JSON.stringify(w)}: expected different 'HH:MM' start and end`);
  }
  return { start: minutesOf(w.start) * MINUTE_MS, end: minutesOf(w.end) * MINUTE_MS };
}

const inArc = (t: number, start: number, end: number): boolean =>
  start < end ? t >= start && t < end : t >= start || t < end;

/** Whether `instant` is inside the quiet window on the clock of `timeZone`. */
export function isQuiet(window: QuietHours, instant: number, timeZone: string): boolean {
  const { start, end } = boundsMs(window);
  return inArc(timeOfDayMs(instant, timeZone), start, end);
}

/** Offset changes are searched for in steps this long: no zone changes its offset twice within one. */
const STEP_MS = 3 * HOUR_MS;

/** The first instant in (from, upTo] whose offset differs from the one at `from`; undefined when none. */
function nextOffsetChange(from: number, upTo: number, timeZone: string): number | undefined {
  const offset = offsetAt(from, timeZone);
  for (let lo = from; lo < upTo; lo += STEP_MS) {
    let hi = Math.min(lo + STEP_MS, upTo);
    if (offsetAt(hi, timeZone) === offset) continue;
    let same = lo;
    while (hi - same > 1) {
      const mid = Math.floor((same + hi) / 2);
      if (offsetAt(mid, timeZone) === offset) same = mid;
      else hi = mid;
    }
    return hi;
  }
  return undefined;
}

/**
 * The first instant at or after `from` that is not quiet (`from` itself when it is not). Within a
 * stretch of one offset the clock runs steadily, leaving the window when it reaches `end`; at an
 * offset change it may jump out of (or into) the window.
 */
export function quietUntil(window: QuietHours, from: number, timeZone: string): number {
  const { start, end } = boundsMs(window);
  let at = from;
  // A window is shorter than a day and offsets change rarely: a few stretches always suffice.
  for (let stretch = 0; stretch < 8; stretch++) {
    const time = timeOfDayMs(at, timeZone);
    if (!inArc(time, start, end)) return at;
    const reachesEnd = at + ((((end - time) % DAY_MS) + DAY_MS) % DAY_MS);
    const change = nextOffsetChange(at, reachesEnd, timeZone);
    if (change === undefined) return reachesEnd;
    at = change;
  }
  throw new RangeError(
    `quiet hours ${quietHoursName(window)} in ${timeZone} do not end after ${new Date(from).toISOString()}`,
  );
}

/** What quiet hours say about a message asked to go out at `now`. */
export type QuietDecision =
  | { kind: 'send'; rule: string }
  | { kind: 'defer'; until: number; rule: string }
  | { kind: 'stale'; until: number; rule: string };

/** Send now, defer to the end of the window, or drop as stale (rules above); `window` null means none. */
export function quietHoursDecision(q: {
  window: QuietHours | null;
  now: number;
  timeZone: string;
  /** The last instant the message is worth sending (epoch ms); undefined: never stale. */
  staleAt?: number | undefined;
}): QuietDecision {
  const rule = q.window ? quietHoursName(q.window) : 'no_quiet_hours';
  const until = q.window ? quietUntil(q.window, q.now, q.timeZone) : q.now;
  if (q.staleAt !== undefined && q.staleAt < until) return { kind: 'stale', until, rule };
  return until === q.now ? { kind: 'send', rule } : { kind: 'defer', until, rule };
}
