/**
 * Wall-clock arithmetic for journeys: "wait 2d", "at 09:00 local on weekdays", "3 days before
 * the coupon expires at 10:00", "on their birthday at 09:00". Pure: instants are epoch
 * milliseconds passed in, nothing here reads a clock. Time zones are IANA names; the offsets
 * come from the runtime's ICU data through `Intl.DateTimeFormat` (no date library).
 *
 * Rules (the same in every function that turns a wall time into an instant):
 *
 * - Gap (spring forward): a wall time that does not exist, such as 02:30 on 2026-03-08 in
 *   America/New_York, is shifted forward by the length of the gap: 03:30 EDT
 *   (2026-03-08T07:30Z). This is java.time's and Temporal's "compatible" disambiguation.
 * - Overlap (fall back): a wall time that happens twice, such as 01:30 on 2026-11-01 in
 *   America/New_York, means its FIRST occurrence, 01:30 EDT (2026-11-01T05:30Z).
 * - A scheduled local time therefore names exactly one instant per local calendar day, and
 *   `nextLocalTime` / `nextAnniversary` return the first such instant AT OR AFTER the instant
 *   they are given (the runtime passes `now`; an instant equal to `now` is due now). One
 *   consequence, chosen on purpose: a daily 01:30 fires once on a fall-back day, at the first
 *   01:30, even when asked during the repeated hour before the second 01:30 comes round
 *   (the answer is then 01:30 the next day), so a daily step never runs twice in one day.
 * - Durations (`parseDuration`) are fixed lengths of elapsed time: "1d" is 24 hours, across a
 *   DST change too. "The same local time N days later" is `localDateTime` with `offsetDays`,
 *   which counts calendar days.
 *
 * Everything that takes a time zone rejects an unknown one with a RangeError, as it rejects a
 * bad 'HH:MM', an empty weekday list or an impossible date. A time zone is what
 * `isIanaTimeZone` (../time-zone) accepts, the rule every other input of a zone follows.
 */

import { isIanaTimeZone } from '../time-zone';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A wall-clock reading in some time zone. `month` is 1–12; `weekday` is the local day's. */
export type LocalParts = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: Weekday;
};

/** A wall-clock time to turn into an instant; `fromLocal` has no seconds. */
export type LocalDateTimeParts = { year: number; month: number; day: number; hour: number; minute: number };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** The range of a JavaScript Date: ±100,000,000 days around 1970. */
const MAX_INSTANT = 8.64e15;

// ---------------------------------------------------------------------------------------------
// Durations

const UNIT_MS = { w: WEEK, d: DAY, h: HOUR, m: MINUTE, s: SECOND } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['w', 'd', 'h', 'm', 's'];
const DURATION_FORMAT = 'expected a duration such as "90s", "30m", "1h", "2d", "1w" or "1h30m"';

/**
 * Milliseconds in a duration written as one or more `<whole number><unit>` parts, units `w`
 * (7 days), `d` (24 hours), `h`, `m` (minutes) and `s`, largest unit first, each unit at most
 * once, lowercase, no spaces or signs or decimals: "90s", "30m", "24h", "2d", "1w", "1h30m",
 * "1w2d". "0m" is allowed and means no wait. A day is always 24 hours of elapsed time.
 */
export function parseDuration(text: string): number {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) {
    throw new RangeError(`invalid duration ${JSON.stringify(text)}: ${DURATION_FORMAT}`);
  }
  const part = /(\d+)([a-z]+)/y;
  let total = 0;
  let lastUnit = -1;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (!match) throw new RangeError(`invalid duration ${JSON.stringify(text)}: ${DURATION_FORMAT}`);
    const whole = match[0];
    const digits = match[1] ?? '';
    const unitText = match[2] ?? '';
    const unit = UNIT_ORDER.indexOf(unitText as Unit);
    if (unit < 0) {
      throw new RangeError(
        `invalid duration ${JSON.stringify(text)}: unknown unit "${unitText}", expected w, d, h, m or s`,
      );
    }
    if (unit <= lastUnit) {
      throw new RangeError(
        `invalid duration ${JSON.stringify(text)}: write each unit once, largest first (w, d, h, m, s), as in "1h30m"`,
      );
    }
    total += Number(digits) * UNIT_MS[unitText as Unit];
    lastUnit = unit;
    at += whole.length;
  }
  if (!Number.isSafeInteger(total)) throw new RangeError(`invalid duration ${JSON.stringify(text)}: too long`);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Time zones and wall-clock parts

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f) return f;
  // The one time-zone rule (../time-zone): IANA names only, no fixed offsets, which have no DST rules.
  if (!isIanaTimeZone(timeZone)) throw unknownZone(timeZone);
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw unknownZone(timeZone);
  }
  if (formatters.size >= 1000) formatters.clear();
  formatters.set(timeZone, f);
  return f;
}

function unknownZone(timeZone: unknown): RangeError {
  return new RangeError(
    `unknown time zone ${JSON.stringify(timeZone)}: expected an IANA time zone name such as "Europe/Berlin" or "America/New_York"`,
  );
}

function checkInstant(instant: number, what: string): void {
  if (typeof instant !== 'number' || !Number.isFinite(instant) || Math.abs(instant) > MAX_INSTANT) {
    throw new RangeError(`${what} must be a finite epoch time in milliseconds, got ${String(instant)}`);
  }
}

/**
 * Offsets are read from ICU once per zone and quarter hour: within a quarter hour whose first and
 * last second have the same offset, no transition happens (none are that close together), so a
 * reading there is the UTC reading moved by it. Quarter hours with a transition, and times before
 * 1900 (local mean times, calendar cutovers), are formatted each time.
 */
const OFFSET_SPAN_MS = 15 * 60_000;
const CACHED_FROM = Date.UTC(1900, 0, 1);
const MAX_CACHED_OFFSETS = 20_000;
const offsets = new Map<string, number | null>();

function cachedOffset(instant: number, timeZone: string): number | null {
  const span = Math.floor(instant / OFFSET_SPAN_MS);
  const key = `${timeZone}\u0000${span}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const start = span * OFFSET_SPAN_MS;
    const first = offsetOfParts(formattedParts(start, timeZone), start);
    const last = offsetOfParts(
      formattedParts(start + OFFSET_SPAN_MS - SECOND, timeZone),
      start + OFFSET_SPAN_MS - SECOND,
    );
    offset = first === last ? first : null;
    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** The wall-clock reading at `instant` in `timeZone` (proleptic Gregorian, year 0 = 1 BC). */
export function localParts(instant: number, timeZone: string): LocalParts {
  checkInstant(instant, 'instant');
  const offset = instant >= CACHED_FROM ? cachedOffset(instant, timeZone) : null;
  if (offset === null) return formattedParts(instant, timeZone);
  const wall = new Date(Math.floor(instant / SECOND) * SECOND + offset);
  const [year, month, day] = [wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate()];
  return {
    year,
    month,
    day,
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: weekdayOf(year, month, day),
  };
}

/** The wall-clock reading as ICU formats it. */
function formattedParts(instant: number, timeZone: string): LocalParts {
  const f = formatter(timeZone);
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const p of f.formatToParts(instant)) {
    switch (p.type) {
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value) % 24; // some ICU versions have said "24" for midnight
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      case 'era':
        bc = p.value === 'BC' || p.value === 'B';
        break;
    }
  }
  if (bc) year = 1 - year;
  return { year, month, day, hour, minute, second, weekday: weekdayOf(year, month, day) };
}

/** Epoch ms of a wall reading taken as if it were UTC (years 0–99 mean themselves). */
function utcOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** How far the wall clock in `timeZone` is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  return offsetOfParts(localParts(instant, timeZone), instant);
}

function offsetOfParts(p: LocalParts, instant: number): number {
  const wholeSecond = Math.floor(instant / SECOND) * SECOND;
  return utcOf(p.year, p.month, p.day, p.hour, p.minute, p.second) - wholeSecond;
}

function weekdayOf(year: number, month: number, day: number): Weekday {
  // getUTCDay: 0 = Sunday.
  return WEEKDAYS[(new Date(utcOf(year, month, day)).getUTCDay() + 6) % 7] as Weekday;
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcOf(year, month + 1, 0)).getUTCDate();
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

type CivilDate = { year: number; month: number; day: number };

function addDays(date: CivilDate, days: number): CivilDate {
  const d = new Date(utcOf(date.year, date.month, date.day) + days * DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function checkParts(parts: LocalDateTimeParts): void {
  const { year, month, day, hour, minute } = parts ?? ({} as LocalDateTimeParts);
  const bad = (field: string, expected: string, value: unknown) =>
    new RangeError(`invalid local ${field} ${JSON.stringify(value)}: expected ${expected}`);
  if (!Number.isInteger(year) || Math.abs(year) > 200_000) throw bad('year', 'an integer year', year);
  if (!Number.isInteger(month) || month < 1 || month > 12) throw bad('month', 'an integer from 1 to 12', month);
  const last = daysInMonth(year, month);
  if (!Number.isInteger(day) || day < 1 || day > last) {
    throw bad('day', `an integer from 1 to ${last} for ${year}-${String(month).padStart(2, '0')}`, day);
  }
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw bad('hour', 'an integer from 0 to 23', hour);
  if (!Number.isInteger(minute) || minute < 0 || minute > 59) throw bad('minute', 'an integer from 0 to 59', minute);
}

/**
 * The instant at which the wall clock in `timeZone` shows `parts` (seconds :00).
 * A wall time in a DST gap is shifted forward by the gap's length (02:30 → 03:30 on a
 * spring-forward night in New York); a wall time that happens twice (fall back) means the
 * first, earlier occurrence. Assumes at most one offset change within a day of the wall
 * time, as Temporal does.
 */
export function fromLocal(parts: LocalDateTimeParts, timeZone: string): number {
  checkParts(parts);
  formatter(timeZone);
  const wall = utcOf(parts.year, parts.month, parts.day, parts.hour, parts.minute);
  const offsetBefore = offsetAt(wall - DAY, timeZone);
  const offsetAfter = offsetAt(wall + DAY, timeZone);
  let first = Number.POSITIVE_INFINITY;
  for (const offset of new Set([offsetBefore, offsetAt(wall, timeZone), offsetAfter])) {
    const candidate = wall - offset;
    if (candidate < first && candidate + offsetAt(candidate, timeZone) === wall) first = candidate;
  }
  if (first !== Number.POSITIVE_INFINITY) return first;
  // In a gap: read the wall time with the offset in force before it, which lands after the jump.
  return wall - offsetBefore;
}

// ---------------------------------------------------------------------------------------------
// Schedules

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function parseTime(time: string | undefined, fallback?: string): { hour: number; minute: number } {
  const text = time ?? fallback;
  const match = typeof text === 'string' ? HH_MM.exec(text) : null;
  if (!match) {
    throw new RangeError(
      `invalid time ${JSON.stringify(text)}: expected 24-hour local time 'HH:MM' from 00:00 to 23:59, such as "09:00"`,
    );
  }
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

function parseWeekdays(weekdays: readonly Weekday[] | undefined): ReadonlySet<Weekday> {
  if (weekdays === undefined) return new Set(WEEKDAYS);
  if (!Array.isArray(weekdays) || weekdays.length === 0) {
    throw new RangeError(
      `invalid weekdays ${JSON.stringify(weekdays)}: expected a non-empty list of ${WEEKDAYS.join(', ')}, or leave it out for every day`,
    );
  }
  for (const w of weekdays) {
    if (!WEEKDAYS.includes(w)) {
      throw new RangeError(`invalid weekday ${JSON.stringify(w)}: expected one of ${WEEKDAYS.join(', ')}`);
    }
  }
  return new Set(weekdays);
}

function parseOffsetDays(offsetDays: number | undefined): number {
  const n = offsetDays ?? 0;
  if (!Number.isInteger(n) || Math.abs(n) > 36_600) {
    throw new RangeError(`invalid offsetDays ${JSON.stringify(offsetDays)}: expected a whole number of days`);
  }
  return n;
}

/**
 * The first instant AT OR AFTER `after` at which the wall clock in `timeZone` shows `time` on
 * an allowed local weekday (every day when `weekdays` is left out). Each local calendar day
 * contributes one instant, `fromLocal` of that day at `time`: shifted forward in a gap, the
 * first occurrence in an overlap (see the rules at the top of this file).
 */
export function nextLocalTime(
  after: number,
  options: { time: string; weekdays?: readonly Weekday[]; timeZone: string },
): number {
  checkInstant(after, 'after');
  const { hour, minute } = parseTime(options.time);
  const allowed = parseWeekdays(options.weekdays);
  const today = localParts(after, options.timeZone);
  // Start a day early: a gap over midnight can move yesterday's time into today.
  for (let d = -1; d <= 14; d++) {
    const date = addDays(today, d);
    if (!allowed.has(weekdayOf(date.year, date.month, date.day))) continue;
    const at = fromLocal({ ...date, hour, minute }, options.timeZone);
    if (at >= after) return at;
  }
  throw new RangeError(`no ${options.time} on ${[...allowed].join(', ')} within two weeks in ${options.timeZone}`);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * The calendar date in 'YYYY-MM-DD', or the date part of an ISO-8601 date-time AS WRITTEN
 * ("2026-05-01T03:00:00Z" is 1 May whatever the customer's zone: a birthday stored as UTC
 * midnight must not become the day before in New York).
 */
function parseDate(date: string): CivilDate {
  const match = typeof date === 'string' ? (DATE_ONLY.exec(date) ?? DATE_TIME.exec(date)) : null;
  const invalid = () =>
    new RangeError(
      `invalid date ${JSON.stringify(date)}: expected a calendar date 'YYYY-MM-DD' or an ISO-8601 date-time such as "2026-05-01T10:00:00Z"`,
    );
  if (!match) throw invalid();
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw invalid();
  if (match[0].includes('T') && Number.isNaN(Date.parse(date))) throw invalid();
  return { year, month, day };
}

/**
 * The instant of `time` (default 09:00) local in `timeZone` on the calendar day of `date`
 * moved by `offsetDays` calendar days (negative for before): "3 days before expiry at 10:00".
 * Calendar days, not multiples of 24 hours, so 09:00 stays 09:00 across a DST change.
 */
export function localDateTime(date: string, options: { offsetDays?: number; time?: string; timeZone: string }): number {
  const { hour, minute } = parseTime(options.time, '09:00');
  const shifted = addDays(parseDate(date), parseOffsetDays(options.offsetDays));
  return fromLocal({ ...shifted, hour, minute }, options.timeZone);
}

/**
 * The next yearly recurrence AT OR AFTER `after` of the month and day of `date` (a birthday, a
 * signup date), moved by `offsetDays` calendar days, at `time` (default 09:00) local.
 * Recurrences start the year after `date`'s own year (the first anniversary; the date itself
 * is not a recurrence, so a signup is not its own anniversary). 29 February recurs on
 * 28 February in years that have no 29th; the offset is counted from that day.
 */
export function nextAnniversary(
  after: number,
  date: string,
  options: { offsetDays?: number; time?: string; timeZone: string },
): number {
  checkInstant(after, 'after');
  const { hour, minute } = parseTime(options.time, '09:00');
  const origin = parseDate(date);
  const offsetDays = parseOffsetDays(options.offsetDays);
  const now = localParts(after, options.timeZone);
  const spanYears = Math.ceil(Math.abs(offsetDays) / 365) + 1;
  const firstYear = Math.max(origin.year + 1, now.year - spanYears);
  for (let year = firstYear; year <= Math.max(firstYear, now.year) + spanYears + 1; year++) {
    const day = origin.month === 2 && origin.day === 29 && !isLeapYear(year) ? 28 : origin.day;
    const shifted = addDays({ year, month: origin.month, day }, offsetDays);
    const at = fromLocal({ ...shifted, hour, minute }, options.timeZone);
    if (at >= after) return at;
  }
  throw new RangeError(`no anniversary of ${date} found after ${new Date(after).toISOString()}`);
}
