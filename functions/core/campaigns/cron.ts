/**
 * EventBridge Scheduler's cron expressions, `cron(minutes hours day-of-month month day-of-week year)`,
 * read in a time zone: when a campaign's schedule fires. Fields take `*`, lists, ranges and `/`
 * steps; months JAN–DEC, weekdays 1–7 = SUN–SAT or SUN–SAT; one of day-of-month and day-of-week
 * is `?`; day-of-month `L` (last day), `nW` (the weekday nearest day n) and `LW`; day-of-week `nL`
 * (the last weekday n of the month) and `n#k` (the k-th). A wall time in a DST gap fires at the
 * same instant one an hour later would (the gap's length later), a repeated one once, the first time.
 */
import { fromLocal, localParts } from '../journeys/local-time';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const DAY = 86_400_000;

type DayRule =
  | { kind: 'any' }
  | { kind: 'set'; values: Set<number> }
  | { kind: 'last' }
  | { kind: 'nearestWeekday'; day: number | 'last' }
  | { kind: 'lastWeekday'; weekday: number }
  | { kind: 'nthWeekday'; weekday: number; nth: number };

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  dayOfMonth: DayRule;
  months: Set<number>;
  dayOfWeek: DayRule;
  years: Set<number> | 'any';
}

function value(text: string, min: number, max: number, names: readonly string[] | undefined, field: string): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw new Error(`${field}: "${text}" is not from ${min} to ${max}`);
  return n;
}

function values(text: string, min: number, max: number, field: string, names?: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : value(stepText, 1, max, undefined, field);
    let from = min;
    let to = max;
    if (range !== '*') {
      const [a = '', b] = range.split('-');
      from = value(a, min, max, names, field);
      to = b === undefined ? (stepText === undefined ? from : max) : value(b, min, max, names, field);
      if (to < from) throw new Error(`${field}: the range "${range}" runs backwards`);
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

function dayOfMonthRule(text: string): DayRule {
  if (text === '?') return { kind: 'any' };
  if (text === 'L') return { kind: 'last' };
  if (text === 'LW') return { kind: 'nearestWeekday', day: 'last' };
  const w = /^(\d+)W$/.exec(text);
  if (w) return { kind: 'nearestWeekday', day: value(w[1] as string, 1, 31, undefined, 'day-of-month') };
  return { kind: 'set', values: values(text, 1, 31, 'day-of-month') };
}

function dayOfWeekRule(text: string): DayRule {
  if (text === '?') return { kind: 'any' };
  const last = /^(\w+)L$/.exec(text);
  if (last) return { kind: 'lastWeekday', weekday: value(last[1] as string, 1, 7, WEEKDAYS, 'day-of-week') };
  const nth = /^(\w+)#(\d)$/.exec(text);
  if (nth)
    return {
      kind: 'nthWeekday',
      weekday: value(nth[1] as string, 1, 7, WEEKDAYS, 'day-of-week'),
      nth: value(nth[2] as string, 1, 5, undefined, 'day-of-week'),
    };
  return { kind: 'set', values: values(text, 1, 7, 'day-of-week', WEEKDAYS) };
}

/** The schedule of `cron(...)`; throws an Error naming the field when it is not one. */
export function parseCron(expression: string): CronSchedule {
  const fields = /^cron\((.*)\)$/.exec(expression)?.[1]?.split(' ');
  if (fields?.length !== 6)
    throw new Error('a cron expression is cron(minutes hours day-of-month month day-of-week year)');
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new Error('exactly one of day-of-month and day-of-week must be "?"');
  return {
    minutes: values(minutes, 0, 59, 'minutes'),
    hours: values(hours, 0, 23, 'hours'),
    dayOfMonth: dayOfMonthRule(dom),
    months: values(month, 1, 12, 'month', MONTHS),
    dayOfWeek: dayOfWeekRule(dow),
    years: year === '*' ? 'any' : values(year, 1970, 2199, 'year'),
  };
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday … 7 = Saturday, as the cron's day-of-week counts. */
const weekdayOf = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysIn(year, month);
  const target = Math.min(day, last);
  const weekday = weekdayOf(year, month, target);
  if (weekday === 7) return target === 1 ? 3 : target - 1;
  if (weekday === 1) return target === last ? target - 2 : target + 1;
  return target;
}

function dayMatches(rule: DayRule, year: number, month: number, day: number, ofWeek: boolean): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'set':
      return rule.values.has(ofWeek ? weekdayOf(year, month, day) : day);
    case 'last':
      return day === daysIn(year, month);
    case 'nearestWeekday':
      return day === nearestWeekday(year, month, rule.day === 'last' ? daysIn(year, month) : rule.day);
    case 'lastWeekday':
      return weekdayOf(year, month, day) === rule.weekday && day + 7 > daysIn(year, month);
    case 'nthWeekday':
      return weekdayOf(year, month, day) === rule.weekday && Math.ceil(day / 7) === rule.nth;
  }
}

/** The instants in (`after`, `until`] at which the schedule fires, read in `timeZone`, in order. */
export function firings(schedule: CronSchedule, timeZone: string, after: number, until: number): number[] {
  const out: number[] = [];
  // Every local date from the day before `after`'s (an offset can put a firing's wall date there) to the day after `until`'s.
  const first = localParts(after - DAY, timeZone);
  const last = localParts(until + DAY, timeZone);
  const lastDate = Date.UTC(last.year, last.month - 1, last.day);
  for (let date = Date.UTC(first.year, first.month - 1, first.day); date <= lastDate; date += DAY) {
    const d = new Date(date);
    const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    if (schedule.years !== 'any' && !schedule.years.has(year)) continue;
    if (!schedule.months.has(month)) continue;
    if (!dayMatches(schedule.dayOfMonth, year, month, day, false)) continue;
    if (!dayMatches(schedule.dayOfWeek, year, month, day, true)) continue;
    for (const hour of schedule.hours)
      for (const minute of schedule.minutes) {
        const instant = fromLocal({ year, month, day, hour, minute }, timeZone);
        if (instant > after && instant <= until) out.push(instant);
      }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The run id of a schedule's firing at `scheduledTime` (ISO-8601 to the second, as EventBridge Scheduler's `<aws.scheduler.scheduled-time>`). */
export const scheduledRunId = (scheduledTime: string): string => `scheduled-${scheduledTime}`;
