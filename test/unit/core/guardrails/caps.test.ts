import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Channel } from '../../../../functions/core/events/schemas';
import {
  type CapRule,
  CapRule as CapRuleSchema,
  capDecision,
  capRuleName,
  DEFAULT_CAPS,
  pruneLog,
  releaseCap,
  reserveCap,
  type SendLog,
} from '../../../../functions/core/guardrails/caps';
import { localDayKey } from '../../../../functions/core/guardrails/local-clock';

const BERLIN = 'Europe/Berlin';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (text: string) => Date.parse(text);
const iso = (t: number) => new Date(t).toISOString();

const pushDaily = (limit: number): CapRule => ({ channel: 'push', limit, days: 1, semantics: 'calendar_day_local' });
const pushRolling = (limit: number): CapRule => ({ channel: 'push', limit, days: 1, semantics: 'rolling' });

const ask = (rules: readonly CapRule[], log: SendLog, now: number, channel: Channel = 'push', key = `k${now}`) =>
  capDecision({ rules, log, key, channel, purpose: 'marketing', now, timeZone: BERLIN });

const logOf = (...times: string[]): SendLog => times.map((t, i) => ({ key: `s${i}`, channel: 'push', at: at(t) }));

describe('frequency caps', () => {
  it('defaults to 2 push a local day, 1 SMS and 3 e-mails a rolling week', () => {
    expect(DEFAULT_CAPS.map(capRuleName)).toEqual([
      'cap:push:2/1d:calendar_day_local',
      'cap:sms:1/7d:rolling',
      'cap:email:3/7d:rolling',
    ]);
  });

  it('23:30 then 00:10 local: both go out per calendar day, the second is refused by a rolling 24 h', () => {
    const first = logOf('2026-05-04T21:30:00Z'); // 23:30 CEST
    const next = at('2026-05-04T22:10:00Z'); // 00:10 CEST the next day
    expect(ask([pushDaily(1)], first, next).allowed).toBe(true);
    const rolling = ask([pushRolling(1)], first, next);
    expect(rolling).toMatchObject({ allowed: false, ruleName: 'cap:push:1/1d:rolling' });
    if (!rolling.allowed) expect(iso(rolling.nextEligibleAt)).toBe('2026-05-05T21:30:00.000Z');
  });

  it('a refused calendar-day cap is next eligible at the next local midnight, on 23 h and 25 h days too', () => {
    const cases = [
      // [the two sends, the refused attempt, the next local midnight]
      [['2026-03-28T09:00:00Z', '2026-03-28T10:00:00Z'], '2026-03-28T22:00:00Z', '2026-03-28T23:00:00.000Z'],
      // spring forward: 2026-03-29 has 23 hours, its midnight after is 22:00Z
      [['2026-03-28T23:30:00Z', '2026-03-29T21:30:00Z'], '2026-03-29T21:45:00Z', '2026-03-29T22:00:00.000Z'],
      // fall back: 2026-10-25 has 25 hours, from 22:00Z the day before to 23:00Z
      [['2026-10-24T22:30:00Z', '2026-10-25T22:30:00Z'], '2026-10-25T22:45:00Z', '2026-10-25T23:00:00.000Z'],
    ] as const;
    for (const [sends, attempt, midnight] of cases) {
      const log = logOf(...sends);
      const refused = ask([pushDaily(2)], log, at(attempt));
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) expect(iso(refused.nextEligibleAt)).toBe(midnight);
      expect(ask([pushDaily(2)], log, at(midnight)).allowed).toBe(true);
      expect(ask([pushDaily(2)], log, at(midnight) - 1).allowed).toBe(false);
    }
  });

  it('the two sends of a 25 h fall-back day both count, across its repeated hour', () => {
    const log = logOf('2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z'); // 02:30 CEST and 02:30 CET
    expect(ask([pushDaily(2)], log, at('2026-10-25T22:59:59Z')).allowed).toBe(false);
  });

  it('a rolling window counts elapsed hours across DST: 24 h after, not the same wall time', () => {
    const log = logOf('2026-03-28T12:00:00Z'); // 13:00 CET
    const refused = ask([pushRolling(1)], log, at('2026-03-29T11:00:00Z')); // 13:00 CEST, 23 h later
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(iso(refused.nextEligibleAt)).toBe('2026-03-29T12:00:00.000Z');
    expect(ask([pushRolling(1)], log, at('2026-03-29T12:00:00Z')).allowed).toBe(true);
  });

  it('a multi-day calendar cap holds the current local day and the days - 1 before it', () => {
    const rule: CapRule = { channel: 'email', limit: 1, days: 7, semantics: 'calendar_day_local' };
    const log: SendLog = [{ key: 'e', channel: 'email', at: at('2026-05-01T21:59:00Z') }]; // Fri 1 May 23:59 CEST
    const refused = ask([rule], log, at('2026-05-07T21:00:00Z'), 'email'); // Thu 7 May 23:00
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(iso(refused.nextEligibleAt)).toBe('2026-05-07T22:00:00.000Z'); // Fri 8 May 00:00
  });

  it('counts only its own channel, and "any" counts every channel', () => {
    const log: SendLog = [
      { key: 'a', channel: 'email', at: at('2026-05-04T08:00:00Z') },
      { key: 'b', channel: 'sms', at: at('2026-05-04T09:00:00Z') },
    ];
    const now = at('2026-05-04T10:00:00Z');
    expect(ask([pushDaily(1)], log, now).allowed).toBe(true);
    const any: CapRule = { channel: 'any', limit: 2, days: 1, semantics: 'calendar_day_local' };
    expect(ask([any], log, now)).toMatchObject({ allowed: false, ruleName: 'cap:any:2/1d:calendar_day_local' });
  });

  it('the most restrictive refusing rule wins: the one eligible last', () => {
    const log = logOf('2026-05-04T08:00:00Z', '2026-05-04T09:00:00Z', '2026-05-02T09:00:00Z');
    const week: CapRule = { channel: 'any', limit: 3, days: 7, semantics: 'rolling' };
    const refused = ask([pushDaily(2), week], log, at('2026-05-04T10:00:00Z'));
    expect(refused).toMatchObject({ allowed: false, rule: week });
    if (!refused.allowed) expect(iso(refused.nextEligibleAt)).toBe('2026-05-09T09:00:00.000Z');
  });

  it('transactional messages are exempt, and a send already in the log keeps its slot', () => {
    const log = logOf('2026-05-04T08:00:00Z');
    const now = at('2026-05-04T10:00:00Z');
    const base = { rules: [pushDaily(1)], log, channel: 'push' as const, now, timeZone: BERLIN };
    expect(capDecision({ ...base, key: 'new', purpose: 'transactional' })).toEqual({
      allowed: true,
      rule: 'transactional_exempt',
    });
    expect(capDecision({ ...base, key: 's0', purpose: 'marketing' })).toEqual({
      allowed: true,
      rule: 'already_reserved',
    });
    expect(capDecision({ ...base, key: 'new', purpose: 'marketing' }).allowed).toBe(false);
  });

  it('a channel no rule counts is uncapped: nothing is reserved for it', () => {
    const now = at('2026-05-04T10:00:00Z');
    const base = { log: [], key: 'new', purpose: 'marketing' as const, now, timeZone: BERLIN };
    expect(capDecision({ ...base, rules: [pushDaily(1)], channel: 'email' })).toEqual({
      allowed: true,
      rule: 'uncapped',
    });
    expect(capDecision({ ...base, rules: [pushDaily(1)], channel: 'push' }).rule).toBe('within_caps');
    const any: CapRule = { channel: 'any', limit: 3, days: 7, semantics: 'rolling' };
    expect(capDecision({ ...base, rules: [any], channel: 'email' }).rule).toBe('within_caps');
  });

  it('reserve is idempotent per key, release gives the slot back, prune drops what no window holds', () => {
    const entry = { key: 'x', channel: 'push' as const, at: at('2026-05-04T08:00:00Z') };
    const once = reserveCap([], entry);
    expect(reserveCap(once, { ...entry, at: entry.at + 1 })).toBe(once);
    expect(once).toEqual([entry]);
    expect(releaseCap(once, 'x')).toEqual([]);
    expect(releaseCap(once, 'y')).toBe(once);

    const log: SendLog = [
      { key: 'old-push', channel: 'push', at: at('2026-05-03T21:59:59Z') }, // 3 May 23:59:59 CEST
      { key: 'today-push', channel: 'push', at: at('2026-05-03T22:00:00Z') }, // 4 May 00:00 CEST
      { key: 'sms', channel: 'sms', at: at('2026-04-28T10:00:01Z') },
      { key: 'old-sms', channel: 'sms', at: at('2026-04-27T10:00:00Z') },
      { key: 'webhook', channel: 'webhook', at: at('2026-05-04T09:00:00Z') },
    ];
    const kept = pruneLog(log, DEFAULT_CAPS, at('2026-05-05T10:00:00Z') - DAY, BERLIN);
    expect(kept.map((e) => e.key)).toEqual(['today-push', 'sms']);
    expect(pruneLog(kept, DEFAULT_CAPS, at('2026-05-04T10:00:00Z'), BERLIN)).toBe(kept);
  });

  it('refuses a limit below 1 and windows above 30 days', () => {
    expect(CapRuleSchema.safeParse({ ...pushDaily(0) }).success).toBe(false);
    expect(CapRuleSchema.safeParse({ ...pushDaily(1), days: 31 }).success).toBe(false);
    expect(CapRuleSchema.safeParse({ ...pushDaily(1), channel: 'fax' }).success).toBe(false);
  });
});

/** Attempts by 3 journeys at random instants over 30 days; the caps decide and reserve. */
function simulate(rule: CapRule, from: number, attempts: readonly { offset: number; journey: number }[]): number[] {
  let log: SendLog = [];
  const sent: number[] = [];
  const sorted = [...attempts].sort((a, b) => a.offset - b.offset);
  sorted.forEach(({ offset, journey }, i) => {
    const now = from + offset;
    const key = `j${journey}:${i}`;
    const decision = capDecision({
      rules: [rule],
      log,
      key,
      channel: 'push',
      purpose: 'marketing',
      now,
      timeZone: BERLIN,
    });
    if (decision.allowed) {
      log = pruneLog(reserveCap(log, { key, channel: 'push', at: now }), [rule], now, BERLIN);
      sent.push(now);
    } else {
      // The next eligible time is exact: a moment before it is still refused, it is allowed.
      expect(decision.nextEligibleAt).toBeGreaterThan(now);
      const probe = (t: number) =>
        capDecision({
          rules: [rule],
          log,
          key: 'probe',
          channel: 'push',
          purpose: 'marketing',
          now: t,
          timeZone: BERLIN,
        });
      expect(probe(decision.nextEligibleAt - 1).allowed).toBe(false);
      expect(probe(decision.nextEligibleAt).allowed).toBe(true);
    }
  });
  return sent;
}

const SPANS = [at('2026-03-15T00:00:00Z'), at('2026-10-10T00:00:00Z')]; // each holds a DST change
const attemptsArb = fc.array(
  fc.record({
    offset: fc.oneof(
      fc.integer({ min: 0, max: 30 * DAY - 1 }),
      // dense around the DST nights of both spans (offsets 14 and 15 days in)
      fc.integer({ min: 13 * DAY, max: 16 * DAY }),
    ),
    journey: fc.integer({ min: 0, max: 2 }),
  }),
  { minLength: 60, maxLength: 300 },
);

describe('a cap of 2 push a day across 3 journeys over 30 simulated days in Europe/Berlin', () => {
  it('never lets 3 pushes out on one local calendar day, and lets 2 out on every day that asked for 2', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SPANS), attemptsArb, (from, attempts) => {
        const sent = simulate(pushDaily(2), from, attempts);
        const perDay = new Map<string, number>();
        for (const t of sent) perDay.set(localDayKey(t, BERLIN), (perDay.get(localDayKey(t, BERLIN)) ?? 0) + 1);
        const asked = new Map<string, number>();
        for (const a of attempts) {
          const day = localDayKey(from + a.offset, BERLIN);
          asked.set(day, (asked.get(day) ?? 0) + 1);
        }
        for (const [day, n] of asked) expect(perDay.get(day) ?? 0).toBe(Math.min(2, n));
      }),
      { seed: 20260329, numRuns: 60 },
    );
  });

  it('with rolling semantics never lets 3 pushes out within 24 h', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SPANS), attemptsArb, (from, attempts) => {
        const sent = simulate(pushRolling(2), from, attempts);
        for (let i = 2; i < sent.length; i++) expect(sent[i]! - sent[i - 2]!).toBeGreaterThanOrEqual(DAY);
      }),
      { seed: 20261025, numRuns: 60 },
    );
  });
});
