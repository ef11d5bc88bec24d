import { describe, expect, it } from 'vitest';
import { firings, parseCron } from '../../../../functions/core/campaigns/cron';

const iso = (instants: number[]) => instants.map((t) => new Date(t).toISOString());
const between = (cron: string, timeZone: string, after: string, until: string) =>
  iso(firings(parseCron(cron), timeZone, Date.parse(after), Date.parse(until)));

describe('EventBridge Scheduler cron expressions', () => {
  it('fires every Monday at 10:00 in the time zone given, across a DST change', () => {
    expect(between('cron(0 10 ? * MON *)', 'Europe/Berlin', '2026-03-20T00:00:00Z', '2026-04-07T00:00:00Z')).toEqual([
      '2026-03-23T09:00:00.000Z', // CET, UTC+1
      '2026-03-30T08:00:00.000Z', // CEST, UTC+2 from 29 March
      '2026-04-06T08:00:00.000Z',
    ]);
    expect(between('cron(0 10 ? * 2 *)', 'Asia/Shanghai', '2026-12-06T00:00:00Z', '2026-12-08T00:00:00Z')).toEqual([
      '2026-12-07T02:00:00.000Z',
    ]);
  });

  it('takes lists, ranges and steps, and a window that excludes its start and includes its end', () => {
    expect(between('cron(0/20 9-10 * * ? *)', 'UTC', '2026-01-01T09:00:00Z', '2026-01-01T10:20:00Z')).toEqual([
      '2026-01-01T09:20:00.000Z',
      '2026-01-01T09:40:00.000Z',
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:20:00.000Z',
    ]);
    expect(
      between('cron(30 8 1,15 JAN-MAR ? 2027)', 'UTC', '2026-01-01T00:00:00Z', '2027-12-31T00:00:00Z'),
    ).toHaveLength(6);
  });

  it('knows the last day, the nearest weekday, the last and the n-th weekday of a month', () => {
    const month = (cron: string) => between(cron, 'UTC', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z');
    expect(month('cron(0 12 L * ? *)')).toEqual(['2026-02-28T12:00:00.000Z']);
    // 1 Feb 2026 is a Sunday: the nearest weekday in the month is Monday the 2nd; the 28th is a Saturday: Friday the 27th.
    expect(month('cron(0 12 1W * ? *)')).toEqual(['2026-02-02T12:00:00.000Z']);
    expect(month('cron(0 12 LW * ? *)')).toEqual(['2026-02-27T12:00:00.000Z']);
    expect(month('cron(0 12 ? * 6L *)')).toEqual(['2026-02-27T12:00:00.000Z']);
    expect(month('cron(0 12 ? * TUE#2 *)')).toEqual(['2026-02-10T12:00:00.000Z']);
  });

  it('fires once on a night the clocks go back, and a wall time in the gap an hour late', () => {
    expect(between('cron(30 1 * * ? *)', 'America/New_York', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual([
      '2026-11-01T05:30:00.000Z',
    ]);
    expect(between('cron(30 2 * * ? *)', 'America/New_York', '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z')).toEqual([
      '2026-03-08T07:30:00.000Z',
    ]);
  });

  it('refuses what is not an expression, naming the field', () => {
    expect(() => parseCron('cron(0 10 * * MON *)')).toThrow('exactly one of day-of-month and day-of-week');
    expect(() => parseCron('cron(60 10 ? * MON *)')).toThrow('minutes: "60" is not from 0 to 59');
    expect(() => parseCron('cron(0 10 ? * FUNDAY *)')).toThrow('day-of-week');
    expect(() => parseCron('cron(0 10 ? 5-2 ? *)')).toThrow();
    expect(() => parseCron('0 10 * * ?')).toThrow('cron(minutes hours');
  });
});
