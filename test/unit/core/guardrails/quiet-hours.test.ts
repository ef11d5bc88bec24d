import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_QUIET_HOURS,
  effectiveQuietHours,
  isQuiet,
  QuietHours,
  quietHoursDecision,
  quietUntil,
} from '../../../../functions/core/guardrails/quiet-hours';

const BERLIN = 'Europe/Berlin';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (text: string) => Date.parse(text);
const iso = (t: number) => new Date(t).toISOString();
const NIGHT = DEFAULT_QUIET_HOURS; // 21:00–08:00

/** An oracle independent of the module: the local time of day in seconds, read straight from Intl. */
const clocks = new Map<string, Intl.DateTimeFormat>();
function localSeconds(t: number, zone: string): number {
  let f = clocks.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    clocks.set(zone, f);
  }
  const part = (type: string) => Number(f.formatToParts(t).find((p) => p.type === type)?.value);
  return (part('hour') % 24) * 3600 + part('minute') * 60 + part('second');
}
function oracleQuiet(w: { start: string; end: string }, t: number, zone: string): boolean {
  const [sh, sm] = w.start.split(':').map(Number) as [number, number];
  const [eh, em] = w.end.split(':').map(Number) as [number, number];
  const s = (sh * 60 + sm) * 60;
  const e = (eh * 60 + em) * 60;
  const x = localSeconds(t, zone);
  return s < e ? x >= s && x < e : x >= s || x < e;
}

describe('quiet hours', () => {
  it('Berlin 21:00–08:00: an action in the night of the spring-forward (02:30 does not exist) goes out at 08:00 local, 06:00Z', () => {
    for (let t = at('2026-03-29T00:30:00Z'); t <= at('2026-03-29T01:30:00Z'); t += MINUTE) {
      expect(iso(quietUntil(NIGHT, t, BERLIN))).toBe('2026-03-29T06:00:00.000Z');
      expect(quietHoursDecision({ window: NIGHT, now: t, timeZone: BERLIN })).toEqual({
        kind: 'defer',
        until: at('2026-03-29T06:00:00Z'),
        rule: 'quiet_hours:21:00-08:00',
      });
    }
  });

  it('Berlin 21:00–08:00 on the fall-back night: every instant of both 02:xx hours defers to 08:00 CET, 07:00Z', () => {
    for (let t = at('2026-10-24T23:30:00Z'); t < at('2026-10-25T02:30:00Z'); t += 5 * MINUTE) {
      expect(iso(quietUntil(NIGHT, t, BERLIN))).toBe('2026-10-25T07:00:00.000Z');
    }
  });

  it('the repeated hour is judged once per instant, by its own offset', () => {
    const window = { start: '21:00', end: '02:30' };
    // 02:15 CEST: quiet until 02:30 CEST; 02:45 CEST is not quiet; 02:15 CET is quiet again, until 02:30 CET.
    expect(iso(quietUntil(window, at('2026-10-25T00:15:00Z'), BERLIN))).toBe('2026-10-25T00:30:00.000Z');
    expect(quietHoursDecision({ window, now: at('2026-10-25T00:45:00Z'), timeZone: BERLIN }).kind).toBe('send');
    expect(isQuiet(window, at('2026-10-25T01:15:00Z'), BERLIN)).toBe(true);
    expect(iso(quietUntil(window, at('2026-10-25T01:15:00Z'), BERLIN))).toBe('2026-10-25T01:30:00.000Z');
    // The fall back itself carries 02:59:59 CEST back into the window at 02:00 CET.
    expect(isQuiet(window, at('2026-10-25T00:59:59Z'), BERLIN)).toBe(false);
    expect(isQuiet(window, at('2026-10-25T01:00:00Z'), BERLIN)).toBe(true);
  });

  it('an end inside the spring-forward gap is passed at the first instant after the gap', () => {
    const window = { start: '22:00', end: '02:30' };
    expect(iso(quietUntil(window, at('2026-03-29T00:30:00Z'), BERLIN))).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
    expect(isQuiet(window, at('2026-03-29T00:59:59.999Z'), BERLIN)).toBe(true);
  });

  it('windows that do not span midnight work too', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(quietHoursDecision({ window: lunch, now: at('2026-05-04T09:59:00Z'), timeZone: BERLIN }).kind).toBe('send');
    expect(iso(quietUntil(lunch, at('2026-05-04T10:00:00Z'), BERLIN))).toBe('2026-05-04T12:00:00.000Z');
    expect(quietHoursDecision({ window: lunch, now: at('2026-05-04T12:00:00Z'), timeZone: BERLIN }).kind).toBe('send');
  });

  it('sends at once outside the window and when there are no quiet hours', () => {
    const noon = at('2026-05-04T10:00:00Z');
    expect(quietHoursDecision({ window: NIGHT, now: noon, timeZone: BERLIN })).toEqual({
      kind: 'send',
      rule: 'quiet_hours:21:00-08:00',
    });
    expect(quietHoursDecision({ window: null, now: at('2026-05-04T01:00:00Z'), timeZone: BERLIN }).kind).toBe('send');
    expect(quietHoursDecision({ window: NIGHT, now: at('2026-05-04T06:00:00Z'), timeZone: BERLIN }).kind).toBe('send');
    expect(quietHoursDecision({ window: NIGHT, now: at('2026-05-04T19:00:00Z'), timeZone: BERLIN }).kind).toBe('defer');
  });

  it('drops an action as stale when it would be stale by the end of the window, or already is', () => {
    const now = at('2026-05-04T21:00:00Z'); // 23:00 CEST
    const end = at('2026-05-05T06:00:00Z');
    expect(quietHoursDecision({ window: NIGHT, now, timeZone: BERLIN, staleAt: now + 2 * HOUR })).toEqual({
      kind: 'stale',
      until: end,
      rule: 'quiet_hours:21:00-08:00',
    });
    expect(quietHoursDecision({ window: NIGHT, now, timeZone: BERLIN, staleAt: end }).kind).toBe('defer');
    const noon = at('2026-05-04T10:00:00Z');
    expect(quietHoursDecision({ window: null, now: noon, timeZone: BERLIN, staleAt: noon - 1 }).kind).toBe('stale');
    expect(quietHoursDecision({ window: null, now: noon, timeZone: BERLIN, staleAt: noon }).kind).toBe('send');
  });

  it("a journey's or campaign's window wins over the tenant's; null means none", () => {
    const own = { start: '20:00', end: '09:00' };
    expect(effectiveQuietHours(NIGHT, own)).toBe(own);
    expect(effectiveQuietHours(NIGHT, undefined)).toBe(NIGHT);
    expect(effectiveQuietHours(NIGHT, null)).toBeNull();
    expect(effectiveQuietHours(null, undefined)).toBeNull();
  });

  it('refuses a window whose start equals its end, and never loops on one', () => {
    expect(QuietHours.safeParse({ start: '21:00', end: '21:00' }).success).toBe(false);
    expect(QuietHours.safeParse({ start: '24:00', end: '08:00' }).success).toBe(false);
    expect(QuietHours.safeParse({ start: '21:00', end: '08:00' }).success).toBe(true);
    expect(() => quietUntil({ start: '21:00', end: '21:00' }, 0, BERLIN)).toThrow(RangeError);
    expect(() => isQuiet({ start: '9:00', end: '10:00' }, 0, BERLIN)).toThrow(RangeError);
  });

  it('judges half-hour and 45-minute DST zones exactly (Lord Howe, Chatham)', () => {
    // Lord Howe springs forward 02:00 → 02:30 on 2026-10-04 (15:30Z on the 3rd); Chatham 02:45 → 03:45 on 2026-09-27.
    expect(iso(quietUntil({ start: '23:00', end: '02:15' }, at('2026-10-03T15:00:00Z'), 'Australia/Lord_Howe'))).toBe(
      '2026-10-03T15:30:00.000Z',
    );
    expect(iso(quietUntil({ start: '23:00', end: '03:00' }, at('2026-09-26T13:50:00Z'), 'Pacific/Chatham'))).toBe(
      '2026-09-26T14:00:00.000Z',
    );
  });
});

const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Shanghai', 'Australia/Lord_Howe', 'Pacific/Chatham'];
/** The 2026 offset changes of those zones, around which most of the instants are drawn. */
const CHANGES = [
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
  '2026-04-04T14:00:00Z',
  '2026-09-26T14:00:00Z',
].map(at);
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45, 59, 1))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const windowArb = fc
  .tuple(hhmm, hhmm)
  .filter(([s, e]) => s !== e)
  .map(([start, end]) => ({ start, end }));
const instantArb = fc.oneof(
  fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -2 * DAY, max: 2 * DAY })).map(([c, d]) => c + d),
  fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') }),
);

describe('the deferred instant', () => {
  it('is never inside the window and is the earliest such instant (minute by minute, five zones)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), windowArb, instantArb, (zone, window, now) => {
        const until = quietUntil(window, now, zone);
        expect(until).toBeGreaterThanOrEqual(now);
        expect(until - now).toBeLessThan(DAY + 2 * HOUR);
        expect(oracleQuiet(window, until, zone)).toBe(false);
        expect(isQuiet(window, now, zone)).toBe(oracleQuiet(window, now, zone));
        if (until > now) {
          for (let t = now; t < until; t += MINUTE) expect(oracleQuiet(window, t, zone)).toBe(true);
          expect(oracleQuiet(window, until - 1, zone)).toBe(true);
        }
      }),
      { seed: 1234567, numRuns: 400 },
    );
  });
});
