import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromLocal,
  localDateTime,
  localParts,
  nextAnniversary,
  nextLocalTime,
  parseDuration,
  type Weekday,
} from '../../../../functions/core/journeys/local-time';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const SHANGHAI = 'Asia/Shanghai';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const iso = (t: number) => new Date(t).toISOString();
const at = (text: string) => Date.parse(text);
const clock = (t: number, zone: string) => {
  const p = localParts(t, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
};
const pad = (n: number) => String(n).padStart(2, '0');
const midnight = (date: string, zone: string) => {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return fromLocal({ year, month, day, hour: 0, minute: 0 }, zone);
};

/** An oracle independent of the module: the zone's UTC offset in minutes, from Intl's own "GMT-05:00". */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
function offsetMinutes(t: number, zone: string): number {
  let f = offsetFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, f);
  }
  const name = f.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset name ${name}`);
  if (!m[1]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}
/** The wall clock at t as "HH:MM", via the oracle. */
function wallHHMM(t: number, zone: string): string {
  const wall = new Date(t + offsetMinutes(t, zone) * MINUTE);
  return `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
}

describe('9:00 local on the days clocks change', () => {
  // For each zone: the day before, the transition day, the day after, and the day after that
  // (what 09:01 on the day after rolls over to), with the exact UTC instant of 09:00 local.
  const cases: { zone: string; change: string; days: [string, string][] }[] = [
    {
      zone: NY,
      change: 'spring forward (EST → EDT)',
      days: [
        ['2026-03-07', '2026-03-07T14:00:00.000Z'],
        ['2026-03-08', '2026-03-08T13:00:00.000Z'],
        ['2026-03-09', '2026-03-09T13:00:00.000Z'],
        ['2026-03-10', '2026-03-10T13:00:00.000Z'],
      ],
    },
    {
      zone: NY,
      change: 'fall back (EDT → EST)',
      days: [
        ['2026-10-31', '2026-10-31T13:00:00.000Z'],
        ['2026-11-01', '2026-11-01T14:00:00.000Z'],
        ['2026-11-02', '2026-11-02T14:00:00.000Z'],
        ['2026-11-03', '2026-11-03T14:00:00.000Z'],
      ],
    },
    {
      zone: BERLIN,
      change: 'spring forward (CET → CEST)',
      days: [
        ['2026-03-28', '2026-03-28T08:00:00.000Z'],
        ['2026-03-29', '2026-03-29T07:00:00.000Z'],
        ['2026-03-30', '2026-03-30T07:00:00.000Z'],
        ['2026-03-31', '2026-03-31T07:00:00.000Z'],
      ],
    },
    {
      zone: BERLIN,
      change: 'fall back (CEST → CET)',
      days: [
        ['2026-10-24', '2026-10-24T07:00:00.000Z'],
        ['2026-10-25', '2026-10-25T08:00:00.000Z'],
        ['2026-10-26', '2026-10-26T08:00:00.000Z'],
        ['2026-10-27', '2026-10-27T08:00:00.000Z'],
      ],
    },
    ...['2026-03-08', '2026-11-01', '2026-03-29', '2026-10-25'].map((d) => {
      const day = at(`${d}T00:00:00Z`);
      const days = [-1, 0, 1, 2].map((k): [string, string] => {
        const date = iso(day + k * DAY).slice(0, 10);
        return [date, `${date}T01:00:00.000Z`];
      });
      return { zone: SHANGHAI, change: `no DST, on ${d}`, days };
    }),
  ];

  for (const { zone, change, days } of cases) {
    describe(`${zone}, ${change}`, () => {
      for (let i = 0; i < 3; i++) {
        const [date, nine] = days[i]!;
        const [, nextNine] = days[i + 1]!;
        it(`on ${date}, from midnight, 08:59, 09:00 and 09:01 local, fires at 09:00 local to the minute`, () => {
          const from = midnight(date, zone);
          expect(clock(from, zone)).toBe(`${date} 00:00`);
          expect(iso(nextLocalTime(from, { time: '09:00', timeZone: zone }))).toBe(nine);
          expect(iso(nextLocalTime(at(nine) - MINUTE, { time: '09:00', timeZone: zone }))).toBe(nine);
          expect(iso(nextLocalTime(at(nine), { time: '09:00', timeZone: zone }))).toBe(nine);
          expect(iso(nextLocalTime(at(nine) + MINUTE, { time: '09:00', timeZone: zone }))).toBe(nextNine);
          expect(clock(at(nine), zone)).toBe(`${date} 09:00`);
          expect(clock(at(nine) - MINUTE, zone)).toBe(`${date} 08:59`);
          expect(localParts(at(nine), zone)).toMatchObject({ hour: 9, minute: 0, second: 0 });
          expect(fromLocal({ ...ymd(date), hour: 9, minute: 0 }, zone)).toBe(at(nine));
        });
      }
    });
  }
});

function ymd(date: string) {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

describe('wall times that do not exist or happen twice', () => {
  it('02:30 on a spring-forward night is shifted forward by the gap: 03:30 daylight time', () => {
    const ny = fromLocal({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, NY);
    expect(iso(ny)).toBe('2026-03-08T07:30:00.000Z');
    expect(clock(ny, NY)).toBe('2026-03-08 03:30');
    const berlin = fromLocal({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, BERLIN);
    expect(iso(berlin)).toBe('2026-03-29T01:30:00.000Z');
    expect(clock(berlin, BERLIN)).toBe('2026-03-29 03:30');
    // The edges of the gap: 01:59 exists, 02:00 becomes 03:00, 03:00 exists.
    expect(iso(fromLocal({ year: 2026, month: 3, day: 8, hour: 1, minute: 59 }, NY))).toBe('2026-03-08T06:59:00.000Z');
    expect(iso(fromLocal({ year: 2026, month: 3, day: 8, hour: 2, minute: 0 }, NY))).toBe('2026-03-08T07:00:00.000Z');
    expect(iso(fromLocal({ year: 2026, month: 3, day: 8, hour: 3, minute: 0 }, NY))).toBe('2026-03-08T07:00:00.000Z');
  });

  it('a wait until 02:30 on a spring-forward night ends at 03:30 local, and the next day at 02:30', () => {
    const from = midnight('2026-03-08', NY);
    const first = nextLocalTime(from, { time: '02:30', timeZone: NY });
    expect(iso(first)).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(nextLocalTime(first + 1, { time: '02:30', timeZone: NY }))).toBe('2026-03-09T06:30:00.000Z');
    expect(iso(nextLocalTime(midnight('2026-03-29', BERLIN), { time: '02:30', timeZone: BERLIN }))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('01:30 on a fall-back night means its first occurrence, in daylight time', () => {
    const ny = fromLocal({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, NY);
    expect(iso(ny)).toBe('2026-11-01T05:30:00.000Z');
    // The clock shows 01:30 again an hour later, in standard time.
    expect(clock(ny + HOUR, NY)).toBe('2026-11-01 01:30');
    const berlin = fromLocal({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, BERLIN);
    expect(iso(berlin)).toBe('2026-10-25T00:30:00.000Z');
    expect(clock(berlin + HOUR, BERLIN)).toBe('2026-10-25 02:30');
  });

  it('a daily 01:30 fires once on a fall-back day, at the first 01:30, even when asked during the repeated hour', () => {
    expect(iso(nextLocalTime(midnight('2026-11-01', NY), { time: '01:30', timeZone: NY }))).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    // 01:15 EST, in the repeated hour, after the first 01:30 has passed.
    const repeated = at('2026-11-01T06:15:00Z');
    expect(clock(repeated, NY)).toBe('2026-11-01 01:15');
    expect(iso(nextLocalTime(repeated, { time: '01:30', timeZone: NY }))).toBe('2026-11-02T06:30:00.000Z');
    // 01:15 EDT, before the first 01:30.
    expect(iso(nextLocalTime(at('2026-11-01T05:15:00Z'), { time: '01:30', timeZone: NY }))).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });

  it('a whole skipped day (Samoa, 30 December 2011) moves to the same time on the next day', () => {
    const skipped = fromLocal({ year: 2011, month: 12, day: 30, hour: 10, minute: 0 }, 'Pacific/Apia');
    expect(clock(skipped, 'Pacific/Apia')).toBe('2011-12-31 10:00');
  });
});

describe('weekday restrictions across a week with a DST change', () => {
  const follow = (from: number, count: number, weekdays: Weekday[], zone: string) => {
    const out: string[] = [];
    let t = from;
    for (let i = 0; i < count; i++) {
      t = nextLocalTime(t, { time: '09:00', weekdays, timeZone: zone });
      out.push(iso(t));
      t += 1;
    }
    return out;
  };

  it('Monday, Wednesday and Friday at 09:00 in New York keep 09:00 local across spring forward', () => {
    expect(follow(at('2026-03-05T15:00:00Z'), 4, ['mon', 'wed', 'fri'], NY)).toEqual([
      '2026-03-06T14:00:00.000Z', // Fri, EST
      '2026-03-09T13:00:00.000Z', // Mon, EDT
      '2026-03-11T13:00:00.000Z',
      '2026-03-13T13:00:00.000Z',
    ]);
  });

  it('weekends only at 09:00 in New York: Saturday before, Sunday of the change, next Saturday', () => {
    expect(follow(at('2026-03-06T15:00:00Z'), 3, ['sat', 'sun'], NY)).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-14T13:00:00.000Z',
    ]);
  });

  it('Sundays at 09:00 in Berlin across fall back, and the weekday is the local one', () => {
    const out = follow(at('2026-10-19T12:00:00Z'), 2, ['sun'], BERLIN);
    expect(out).toEqual(['2026-10-25T08:00:00.000Z', '2026-11-01T08:00:00.000Z']);
    expect(localParts(at(out[0]!), BERLIN).weekday).toBe('sun');
    // Shanghai's Monday 09:00 is still Sunday in UTC.
    expect(
      iso(nextLocalTime(at('2026-03-06T00:00:00Z'), { time: '09:00', weekdays: ['mon'], timeZone: SHANGHAI })),
    ).toBe('2026-03-09T01:00:00.000Z');
  });
});

describe('localDateTime', () => {
  it('is 09:00 local on the date by default, and takes a time', () => {
    expect(iso(localDateTime('2026-07-01', { timeZone: NY }))).toBe('2026-07-01T13:00:00.000Z');
    expect(iso(localDateTime('2026-07-01', { time: '18:30', timeZone: SHANGHAI }))).toBe('2026-07-01T10:30:00.000Z');
  });

  it('moves by calendar days across month and year ends and leap days', () => {
    expect(iso(localDateTime('2026-01-31', { offsetDays: 1, timeZone: 'UTC' }))).toBe('2026-02-01T09:00:00.000Z');
    expect(iso(localDateTime('2026-12-31', { offsetDays: 1, timeZone: BERLIN }))).toBe('2027-01-01T08:00:00.000Z');
    expect(iso(localDateTime('2027-01-02', { offsetDays: -3, timeZone: BERLIN }))).toBe('2026-12-30T08:00:00.000Z');
    expect(iso(localDateTime('2026-03-01', { offsetDays: -1, timeZone: 'UTC' }))).toBe('2026-02-28T09:00:00.000Z');
    expect(iso(localDateTime('2024-03-01', { offsetDays: -1, timeZone: 'UTC' }))).toBe('2024-02-29T09:00:00.000Z');
    expect(iso(localDateTime('2026-01-01', { offsetDays: 365, timeZone: 'UTC' }))).toBe('2027-01-01T09:00:00.000Z');
  });

  it('counts calendar days, not 24 hours, across a DST change', () => {
    // One day after 09:00 EST on the 7th is 09:00 EDT on the 8th, 23 hours later.
    const before = localDateTime('2026-03-07', { timeZone: NY });
    const after = localDateTime('2026-03-07', { offsetDays: 1, timeZone: NY });
    expect(iso(after)).toBe('2026-03-08T13:00:00.000Z');
    expect(after - before).toBe(23 * HOUR);
    expect(iso(localDateTime('2026-10-26', { offsetDays: -1, time: '09:00', timeZone: BERLIN }))).toBe(
      '2026-10-25T08:00:00.000Z',
    );
  });

  it('takes the date of an ISO date-time as written, not converted to the customer zone', () => {
    // 03:00 UTC on 1 May is still 30 April in New York; the written date is what counts.
    expect(iso(localDateTime('2026-05-01T03:00:00Z', { offsetDays: -2, timeZone: NY }))).toBe(
      '2026-04-29T13:00:00.000Z',
    );
    expect(iso(localDateTime('1990-05-17T00:00:00.000Z', { timeZone: NY }))).toBe('1990-05-17T13:00:00.000Z');
    expect(iso(localDateTime('2026-05-01T23:30:00+08:00', { time: '10:00', timeZone: SHANGHAI }))).toBe(
      '2026-05-01T02:00:00.000Z',
    );
  });

  it('rejects dates that are not calendar dates, and bad offsets', () => {
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-1', '01/05/2026', '', '2026-05-01T', '2026-05-01 10:00']) {
      expect(() => localDateTime(bad, { timeZone: NY }), bad).toThrow(/expected a calendar date 'YYYY-MM-DD'/);
    }
    expect(() => localDateTime('2026-05-01', { offsetDays: 1.5, timeZone: NY })).toThrow(/whole number of days/);
    expect(() => localDateTime('2026-05-01', { time: '9:00', timeZone: NY })).toThrow(/'HH:MM'/);
    expect(() => localDateTime('2026-05-01', { timeZone: 'Mars/Olympus' })).toThrow(/IANA time zone name/);
  });
});

describe('nextAnniversary', () => {
  it('is the next month/day of the date at 09:00 local, at or after the given instant', () => {
    const nine = at('2026-05-17T13:00:00.000Z');
    expect(nextAnniversary(at('2026-01-01T00:00:00Z'), '1990-05-17', { timeZone: NY })).toBe(nine);
    expect(nextAnniversary(nine, '1990-05-17', { timeZone: NY })).toBe(nine);
    expect(iso(nextAnniversary(nine + 1, '1990-05-17', { timeZone: NY }))).toBe('2027-05-17T13:00:00.000Z');
    expect(iso(nextAnniversary(at('2026-12-31T23:00:00Z'), '1990-01-01', { time: '08:00', timeZone: BERLIN }))).toBe(
      '2027-01-01T07:00:00.000Z',
    );
  });

  it('a 29 February birthday falls on 28 February in non-leap years', () => {
    expect(iso(nextAnniversary(at('2026-01-01T00:00:00Z'), '2000-02-29', { timeZone: 'UTC' }))).toBe(
      '2026-02-28T09:00:00.000Z',
    );
    expect(iso(nextAnniversary(at('2027-03-01T00:00:00Z'), '2000-02-29', { timeZone: 'UTC' }))).toBe(
      '2028-02-29T09:00:00.000Z',
    );
    expect(iso(nextAnniversary(at('2026-01-01T00:00:00Z'), '2000-02-29', { offsetDays: -7, timeZone: 'UTC' }))).toBe(
      '2026-02-21T09:00:00.000Z',
    );
    expect(iso(nextAnniversary(at('2026-01-01T00:00:00Z'), '2000-02-29', { offsetDays: 1, timeZone: 'UTC' }))).toBe(
      '2026-03-01T09:00:00.000Z',
    );
  });

  it('an offset can move the reminder into the previous year', () => {
    // A week before a 3 January birthday is 27 December.
    expect(iso(nextAnniversary(at('2026-06-01T00:00:00Z'), '1990-01-03', { offsetDays: -7, timeZone: NY }))).toBe(
      '2026-12-27T14:00:00.000Z',
    );
    expect(iso(nextAnniversary(at('2026-12-28T00:00:00Z'), '1990-01-03', { offsetDays: -7, timeZone: NY }))).toBe(
      '2027-12-27T14:00:00.000Z',
    );
  });

  it('a signup is not its own anniversary: the first is a year later', () => {
    // Signed up at 07:00 local in Berlin; 09:00 that day is not the anniversary.
    const signup = '2026-04-10T05:00:00Z';
    expect(iso(nextAnniversary(at(signup), signup, { timeZone: BERLIN }))).toBe('2027-04-10T07:00:00.000Z');
    expect(iso(nextAnniversary(at('2020-01-01T00:00:00Z'), signup, { timeZone: BERLIN }))).toBe(
      '2027-04-10T07:00:00.000Z',
    );
  });

  it('keeps 09:00 local when the anniversary is on a DST change day', () => {
    expect(iso(nextAnniversary(at('2026-01-01T00:00:00Z'), '1985-03-08', { timeZone: NY }))).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    expect(iso(nextAnniversary(at('2026-01-01T00:00:00Z'), '1985-10-25', { timeZone: BERLIN }))).toBe(
      '2026-10-25T08:00:00.000Z',
    );
  });
});

describe('parseDuration', () => {
  it('reads whole numbers of w, d, h, m, s, alone or combined largest first', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(30 * MINUTE);
    expect(parseDuration('1h')).toBe(HOUR);
    expect(parseDuration('24h')).toBe(DAY);
    expect(parseDuration('2d')).toBe(2 * DAY);
    expect(parseDuration('1w')).toBe(7 * DAY);
    expect(parseDuration('1h30m')).toBe(90 * MINUTE);
    expect(parseDuration('1w2d3h4m5s')).toBe(7 * DAY + 2 * DAY + 3 * HOUR + 4 * MINUTE + 5_000);
    expect(parseDuration('0m')).toBe(0);
  });

  it('rejects anything else with a message saying what is expected', () => {
    for (const bad of [
      '',
      '1',
      'h',
      '1.5h',
      '-1h',
      '+1h',
      '1H',
      ' 1h',
      '1h ',
      '1 h',
      '1y',
      '1ms',
      'PT1H',
      '1m1h',
      '1h1h',
    ]) {
      expect(() => parseDuration(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
    expect(() => parseDuration('1.5h')).toThrow(/expected a duration such as "90s", "30m"/);
    expect(() => parseDuration('1y')).toThrow(/unknown unit "y", expected w, d, h, m or s/);
    expect(() => parseDuration('30m1h')).toThrow(/largest first/);
    expect(() => parseDuration('99999999999999999999d')).toThrow(/too long/);
  });
});

describe('input validation', () => {
  it('knows IANA names and links, and refuses unknown zones, fixed offsets and abbreviations', () => {
    for (const zone of [NY, BERLIN, SHANGHAI, 'UTC', 'Asia/Kolkata', 'Asia/Calcutta', 'US/Eastern', 'Etc/GMT+5']) {
      expect(() => localParts(0, zone), zone).not.toThrow();
    }
    for (const zone of ['', 'Mars/Olympus', 'New York', '+05:30', '-03:00', 'Z', 'EST', 'CST']) {
      expect(() => localParts(0, zone), zone).toThrow(/unknown time zone/);
    }
  });

  it('explains a bad time, weekday list or zone', () => {
    const from = at('2026-01-01T00:00:00Z');
    for (const time of ['9:00', '24:00', '09:60', '0900', '09:00:00', '']) {
      expect(() => nextLocalTime(from, { time, timeZone: NY }), time).toThrow(/expected 24-hour local time 'HH:MM'/);
    }
    expect(() => nextLocalTime(from, { time: '09:00', weekdays: [], timeZone: NY })).toThrow(/non-empty list of mon/);
    expect(() => nextLocalTime(from, { time: '09:00', weekdays: ['monday' as Weekday], timeZone: NY })).toThrow(
      /expected one of mon, tue/,
    );
    expect(() => nextLocalTime(from, { time: '09:00', timeZone: 'Foo/Bar' })).toThrow(
      /unknown time zone "Foo\/Bar": expected an IANA time zone name/,
    );
    expect(() => nextLocalTime(Number.NaN, { time: '09:00', timeZone: NY })).toThrow(/epoch time in milliseconds/);
    expect(() => localParts(0, '+05:30')).toThrow(RangeError);
    expect(() => fromLocal({ year: 2026, month: 2, day: 29, hour: 9, minute: 0 }, NY)).toThrow(/from 1 to 28/);
    expect(() => fromLocal({ year: 2026, month: 1, day: 1, hour: 24, minute: 0 }, NY)).toThrow(/from 0 to 23/);
  });
});

describe('localParts', () => {
  it('agrees with the zone offset Intl reports, and gives the local weekday', () => {
    expect(localParts(at('2026-03-08T06:59:59.999Z'), NY)).toEqual({
      year: 2026,
      month: 3,
      day: 8,
      hour: 1,
      minute: 59,
      second: 59,
      weekday: 'sun',
    });
    expect(localParts(at('2026-03-08T07:00:00Z'), NY)).toMatchObject({ hour: 3, minute: 0 });
    expect(localParts(at('2026-01-04T18:30:00Z'), 'Asia/Kolkata')).toMatchObject({ day: 5, hour: 0, weekday: 'mon' });
  });
});

describe('nextLocalTime properties', () => {
  const zones = [NY, BERLIN, SHANGHAI, 'Australia/Sydney', 'America/Sao_Paulo', 'Asia/Kolkata', 'UTC'];
  const from2020 = Date.UTC(2020, 0, 1);
  const to2035 = Date.UTC(2036, 0, 1) - 1;

  /** Offset changes in 2020–2035, found with the oracle (daily scan, then bisection to the minute). */
  const transitions = (() => {
    const out: { zone: string; at: number; before: number }[] = [];
    for (const zone of zones) {
      for (let t = from2020; t < to2035; t += DAY) {
        const before = offsetMinutes(t, zone);
        if (before === offsetMinutes(t + DAY, zone)) continue;
        let lo = t;
        let hi = t + DAY;
        while (hi - lo > MINUTE) {
          const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
          if (offsetMinutes(mid, zone) === before) lo = mid;
          else hi = mid;
        }
        out.push({ zone, at: hi, before });
      }
    }
    return out;
  })();

  const hhmmOf = (minutes: number) => `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}`;
  /** Any instant, zone and time. */
  const anywhere = fc.record({
    t: fc.integer({ min: from2020, max: to2035 }),
    zone: fc.constantFrom(...zones),
    hhmm: fc.oneof(
      fc.integer({ min: 0, max: 24 * 60 - 1 }).map(hhmmOf),
      fc.constantFrom('00:00', '00:30', '01:30', '02:00', '02:30', '03:00', '09:00', '23:59'),
    ),
  });
  /** Within a day and a half of an offset change, asking for a wall time within 90 minutes of it (gaps, overlaps). */
  const nearChange = fc
    .tuple(
      fc.constantFrom(...transitions),
      fc.integer({ min: -36 * HOUR, max: 36 * HOUR }),
      fc.integer({ min: -90, max: 90 }),
    )
    .map(([change, d, k]) => {
      const wall = new Date(change.at + (change.before + k) * MINUTE);
      return { t: change.at + d, zone: change.zone, hhmm: hhmmOf(wall.getUTCHours() * 60 + wall.getUTCMinutes()) };
    });
  const cases = fc.oneof(anywhere, nearChange);

  /**
   * What the documented rules allow `next` to be for a start `t`: at or after t; showing `time`,
   * or, in a gap, `time` shifted forward by the gap; no whole minute in [t, next) showing `time`
   * on an allowed day, except the repeat of an overlap time whose first occurrence was before t.
   */
  function checkNext(t: number, next: number, hhmm: string, zone: string, allowed: ReadonlySet<string>) {
    expect(next).toBeGreaterThanOrEqual(t);
    if (wallHHMM(next, zone) !== hhmm) {
      // A gap: the offset went up by Δ within the last day, and the clock shows time + Δ.
      const jump = offsetMinutes(next, zone) - offsetMinutes(next - DAY, zone);
      expect(jump).toBeGreaterThan(0);
      // The jump happened less than Δ before next, so the wall time `time` was skipped.
      expect(offsetMinutes(next - jump * MINUTE, zone)).toBeLessThan(offsetMinutes(next, zone));
      const [h, m] = hhmm.split(':').map(Number) as [number, number];
      const shifted = (h * 60 + m + jump) % (24 * 60);
      expect(wallHHMM(next, zone)).toBe(`${pad(Math.floor(shifted / 60))}:${pad(shifted % 60)}`);
    }
    for (let m = Math.ceil(t / MINUTE) * MINUTE; m < next; m += MINUTE) {
      if (wallHHMM(m, zone) !== hhmm || !allowed.has(localParts(m, zone).weekday)) continue;
      // Only the repeat in a fall-back overlap may be skipped, and only if its first occurrence was before t.
      const repeatOf = [30, 60, 120].map((k) => m - k * MINUTE).find((e) => clock(e, zone) === clock(m, zone));
      expect(repeatOf, `${iso(m)} shows ${hhmm} before ${iso(next)} (from ${iso(t)}, ${zone})`).toBeDefined();
      expect(repeatOf!).toBeLessThan(t);
    }
  }

  it('finds the first time the local clock shows HH:MM at or after any instant, in any zone', () => {
    // New York, Berlin and Sydney change twice a year; Shanghai, São Paulo, Kolkata and UTC do not.
    expect(new Set(transitions.map((c) => c.zone))).toEqual(new Set([NY, BERLIN, 'Australia/Sydney']));
    expect(transitions).toHaveLength(3 * 2 * 16);
    fc.assert(
      fc.property(cases, ({ t, zone, hhmm }) => {
        const next = nextLocalTime(t, { time: hhmm, timeZone: zone });
        checkNext(t, next, hhmm, zone, new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']));
        expect(next - t).toBeLessThan(DAY + 2 * HOUR);
      }),
      { numRuns: 300 },
    );
  });

  it('with weekdays, finds the first allowed day showing HH:MM', () => {
    const weekdays = fc.uniqueArray(fc.constantFrom<Weekday>('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'), {
      minLength: 1,
    });
    fc.assert(
      fc.property(cases, weekdays, ({ t, zone, hhmm }, days) => {
        const next = nextLocalTime(t, { time: hhmm, weekdays: days, timeZone: zone });
        checkNext(t, next, hhmm, zone, new Set(days));
        expect(days).toContain(localParts(next, zone).weekday);
      }),
      { numRuns: 60 },
    );
  });

  it('fromLocal round-trips every wall time that exists exactly once', () => {
    fc.assert(
      fc.property(cases, ({ t, zone }) => {
        const whole = Math.floor(t / MINUTE) * MINUTE;
        const p = localParts(whole, zone);
        const back = fromLocal(p, zone);
        // Either the same instant, or the earlier occurrence of a repeated wall time.
        expect(back === whole || (back < whole && clock(back, zone) === clock(whole, zone))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('localParts', () => {
  /** The reading straight from ICU, as a reference. */
  function reference(instant: number, timeZone: string) {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(instant);
    const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return {
      year: n('year'),
      month: n('month'),
      day: n('day'),
      hour: n('hour') % 24,
      minute: n('minute'),
      second: n('second'),
    };
  }
  const ZONES = [
    'Europe/Berlin',
    'America/New_York',
    'Asia/Shanghai',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'America/St_Johns',
    'Europe/Dublin',
  ];

  it('reads the wall clock as ICU does, at any second of any year from 1900 to 2100, in zones with odd offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1890, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom(...ZONES),
        (instant, zone) => {
          const { weekday: _, ...parts } = localParts(instant, zone);
          expect(parts).toEqual(reference(instant, zone));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads every second around the clock changes right', () => {
    const changes: [string, string][] = [
      ['Europe/Berlin', '2026-03-29T01:00:00Z'],
      ['Europe/Berlin', '2026-10-25T01:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['Pacific/Chatham', '2026-04-04T14:00:00Z'],
    ];
    for (const [zone, at] of changes)
      for (let t = Date.parse(at) - 1_200_000; t <= Date.parse(at) + 1_200_000; t += 7_000) {
        const { weekday: _, ...parts } = localParts(t, zone);
        expect(parts, `${zone} ${new Date(t).toISOString()}`).toEqual(reference(t, zone));
      }
  });
});
