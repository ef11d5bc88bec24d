/**
 * The wall-clock readings the guardrails need, on top of ../journeys/local-time (which owns the
 * gap and overlap rules): a zone's UTC offset at an instant, the time of day, the local calendar
 * day and the instant it starts. Pure: instants are epoch milliseconds passed in.
 */
import { fromLocal, localParts } from '../journeys/local-time';

/** A minute in ms. */
export const MINUTE_MS = 60_000;
/** An hour in ms. */
export const HOUR_MS = 60 * MINUTE_MS;
/** 24 hours in ms. */
export const DAY_MS = 24 * HOUR_MS;

/** A local calendar date. */
export type CivilDate = { year: number; month: number; day: number };

/** Epoch ms of a wall reading taken as if it were UTC (years 0–99 mean themselves). */
function wallAsUtc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** How far the wall clock in `timeZone` is ahead of UTC at `instant`, in ms (negative west of Greenwich). */
export function offsetAt(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  return wallAsUtc(p.year, p.month, p.day, p.hour, p.minute, p.second) - Math.floor(instant / 1000) * 1000;
}

/** The wall-clock reading at `instant` as milliseconds since local midnight (0 ≤ result < 24 h). */
export function timeOfDayMs(instant: number, timeZone: string): number {
  const wall = instant + offsetAt(instant, timeZone);
  return ((wall % DAY_MS) + DAY_MS) % DAY_MS;
}

/** The local calendar date at `instant` in `timeZone`. */
export function localDate(instant: number, timeZone: string): CivilDate {
  const { year, month, day } = localParts(instant, timeZone);
  return { year, month, day };
}

/** `date` moved by `days` calendar days. */
export function addDays(date: CivilDate, days: number): CivilDate {
  const d = new Date(wallAsUtc(date.year, date.month, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The first instant of local calendar day `date` in `timeZone`: its midnight, or, where a
 * spring-forward gap swallows midnight, the first instant after the gap.
 */
export const startOfLocalDay = (date: CivilDate, timeZone: string): number =>
  fromLocal({ ...date, hour: 0, minute: 0 }, timeZone);

/** 'YYYY-MM-DD' of the local calendar day at `instant` in `timeZone` (years 0–9999). */
export function localDayKey(instant: number, timeZone: string): string {
  const { year, month, day } = localDate(instant, timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Minutes since midnight of an 'HH:MM' that a schema has already checked. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}
