/**
 * Frequency caps: how many marketing messages a customer gets per channel and across channels,
 * decided over the customer's recent send log. Transactional messages are exempt: they are
 * neither checked nor logged.
 *
 * A rule `{channel, limit, days, semantics}` counts the log entries of its channel ('any':
 * every channel) inside its window at `now`:
 * - `calendar_day_local`: the customer's current local calendar day and the `days - 1` before
 *   it, from the first instant of the earliest of those days (Braze's "per day");
 * - `rolling`: the last `days × 24 h`, an entry at exactly `now - window` being outside.
 * Entries after `now` (another dispatcher's clock running ahead) count. A rule refuses when its
 * count has reached `limit`; it lets a message through again once enough of the oldest entries
 * have left the window, which is the refusal's exact next eligible time (DST-correct, as
 * calendar windows move at local midnights). Every rule must allow a send; of the refusing
 * rules the one with the latest next eligible time is reported (most restrictive wins), and as
 * windows only move forward that time is when all of them allow it again.
 *
 * The log is one stored item per customer: `reserveCap` adds the send's entry (idempotent per
 * action key) in the same conditional write as the decision, `releaseCap` removes it when the
 * send fails, `pruneLog` keeps it bounded.
 */
import { z } from 'zod';
import { Channel } from '../events/schemas';
import type { Purpose } from './consent';
import { addDays, DAY_MS, localDate, startOfLocalDay } from './local-clock';

/** The cap window semantics, as settings spell them. */
export const CAP_SEMANTICS = ['calendar_day_local', 'rolling'] as const;
/** How a cap's window is measured (see the top of this file). */
export const CapSemantics = z.enum(CAP_SEMANTICS);
export type CapSemantics = z.infer<typeof CapSemantics>;

/** The longest window a cap may have, in days (Braze's limit too). */
export const MAX_CAP_DAYS = 30;

/** One frequency cap: at most `limit` messages on `channel` ('any': all channels together) per `days`. */
export const CapRule = z.strictObject({
  channel: z.union([Channel, z.literal('any')]),
  limit: z.int().min(1).max(1000),
  days: z.int().min(1).max(MAX_CAP_DAYS),
  semantics: CapSemantics,
});
export type CapRule = z.infer<typeof CapRule>;

/** The default caps: 2 push a local calendar day, 1 SMS and 3 e-mails a rolling week. */
export const DEFAULT_CAPS: readonly CapRule[] = [
  { channel: 'push', limit: 2, days: 1, semantics: 'calendar_day_local' },
  { channel: 'sms', limit: 1, days: 7, semantics: 'rolling' },
  { channel: 'email', limit: 3, days: 7, semantics: 'rolling' },
];

/** One marketing send in the customer's log: its action key, channel and time (epoch ms). */
export type SendLogEntry = { key: string; channel: Channel; at: number };
/** A customer's recent marketing sends, in the order they were reserved. */
export type SendLog = readonly SendLogEntry[];

/** A readable name for a rule, as outcomes report it: "cap:push:2/1d:calendar_day_local". */
export const capRuleName = (rule: CapRule): string =>
  `cap:${rule.channel}:${rule.limit}/${rule.days}d:${rule.semantics}`;

/** What the caps say: allowed (with why), or refused by a rule until `nextEligibleAt` (epoch ms). */
export type CapDecision =
  | { allowed: true; rule: 'within_caps' | 'uncapped' | 'transactional_exempt' | 'already_reserved' }
  | { allowed: false; rule: CapRule; ruleName: string; nextEligibleAt: number };

/** What a cap decision is asked about. */
export type CapQuestion = {
  rules: readonly CapRule[];
  log: SendLog;
  /** The action key: a send already in the log holds its slot and is allowed again. */
  key: string;
  channel: Channel;
  purpose: Purpose;
  now: number;
  /** The customer's IANA time zone. */
  timeZone: string;
};

/** The first instant inside `rule`'s window at `now`; rolling windows exclude it, calendar ones include it. */
export function windowStart(rule: CapRule, now: number, timeZone: string): number {
  if (rule.semantics === 'rolling') return now - rule.days * DAY_MS;
  return startOfLocalDay(addDays(localDate(now, timeZone), 1 - rule.days), timeZone);
}

const inWindow = (rule: CapRule, start: number, at: number): boolean =>
  rule.semantics === 'rolling' ? at > start : at >= start;

/** When `entry` leaves `rule`'s window: 24 h × days later (rolling) or at the start of its local day + days. */
function leavesWindowAt(rule: CapRule, entry: SendLogEntry, timeZone: string): number {
  if (rule.semantics === 'rolling') return entry.at + rule.days * DAY_MS;
  return startOfLocalDay(addDays(localDate(entry.at, timeZone), rule.days), timeZone);
}

/** The instant from which `rule` lets one more message through; `now` when it does already. */
export function capEligibleAt(rule: CapRule, log: SendLog, now: number, timeZone: string): number {
  const start = windowStart(rule, now, timeZone);
  const counted = log
    .filter((e) => (rule.channel === 'any' || e.channel === rule.channel) && inWindow(rule, start, e.at))
    .sort((a, b) => a.at - b.at);
  if (counted.length < rule.limit) return now;
  // The oldest (count - limit + 1) entries must leave; the last of them decides.
  const decisive = counted[counted.length - rule.limit] as SendLogEntry;
  return leavesWindowAt(rule, decisive, timeZone);
}

/** Whether a message may go out under the caps now (rules above). */
export function capDecision(q: CapQuestion): CapDecision {
  if (q.purpose === 'transactional') return { allowed: true, rule: 'transactional_exempt' };
  if (q.log.some((e) => e.key === q.key)) return { allowed: true, rule: 'already_reserved' };
  let worst: { rule: CapRule; at: number } | undefined;
  let capped = false;
  for (const rule of q.rules) {
    if (rule.channel !== 'any' && rule.channel !== q.channel) continue;
    capped = true;
    const at = capEligibleAt(rule, q.log, q.now, q.timeZone);
    if (at > q.now && (worst === undefined || at > worst.at)) worst = { rule, at };
  }
  // No rule counts this channel: nothing to log either (pruneLog would drop the entry).
  if (!capped) return { allowed: true, rule: 'uncapped' };
  if (!worst) return { allowed: true, rule: 'within_caps' };
  return { allowed: false, rule: worst.rule, ruleName: capRuleName(worst.rule), nextEligibleAt: worst.at };
}

/** The log with `entry` added; unchanged (the same array) when an entry with its key is there already. */
export function reserveCap(log: SendLog, entry: SendLogEntry): SendLog {
  return log.some((e) => e.key === entry.key) ? log : [...log, entry];
}

/** The log without the entry of action `key` (a send that failed gives its slot back). */
export function releaseCap(log: SendLog, key: string): SendLog {
  return log.some((e) => e.key === key) ? log.filter((e) => e.key !== key) : log;
}

/**
 * The log without the entries that no rule of their channel (or 'any') holds in its window at
 * `now`. Entries are kept for the current rules only: a rule added or widened later counts from
 * the entries still there.
 */
export function pruneLog(log: SendLog, rules: readonly CapRule[], now: number, timeZone: string): SendLog {
  const starts = rules.map((rule) => ({ rule, start: windowStart(rule, now, timeZone) }));
  const holds = (e: SendLogEntry) =>
    starts.some(
      ({ rule, start }) => (rule.channel === 'any' || rule.channel === e.channel) && inWindow(rule, start, e.at),
    );
  const kept = log.filter(holds);
  return kept.length === log.length ? log : kept;
}
