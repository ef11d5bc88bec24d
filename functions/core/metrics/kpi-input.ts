/**
 * What the KPI computations read: one order history per customer, as the app layer builds it
 * from stored profiles, and the shared conventions (UTC days, ratios that report their
 * denominator). Pure: no clock; `asOf` is always a parameter.
 *
 * Building a history from a profile (functions/core/profiles):
 * - `orders`: every order not cancelled, i.e. `ordersOf(profile, pastOrderBook(period items))`
 *   (order-book.ts) without the `cancelled` entries, `at` = the entry's `placedAt`. The profile
 *   keeps its recent orders and the period items keep the rest, so the order dates are exact.
 * - `refunded`: the profile does NOT know it per order. It keeps refunds only as a sum per
 *   currency (`revenue[currency].refunded`), although refund events name their order; revenue
 *   and AOV per day need the refunded order ids kept (on the profile or in the period items).
 * - `activeDays`: the profile keeps only `lastSessionAt` and `lastLoginAt`, so a history built
 *   from it holds at most those two days. DAU and MAU from activity on past days need a daily
 *   record of them; from orders alone they are exact.
 */
import { z } from 'zod';
import { Money } from '../events/schemas';

export const DAY_MS = 86_400_000;

function isCalendarDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(day);
}

/** A UTC calendar day, `YYYY-MM-DD`. */
export const KpiDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day YYYY-MM-DD')
  .refine(isCalendarDay, 'must be a real calendar day');
export type KpiDay = z.infer<typeof KpiDay>;

export const KpiOrder = z.strictObject({
  orderId: z.string().min(1),
  /** When it was placed (ISO-8601). */
  at: z.iso.datetime({ offset: true }),
  total: Money,
  /** Refunded (in full or in part): left out of revenue and AOV, still an order everywhere else. */
  refunded: z.boolean().optional(),
});
export type KpiOrder = z.infer<typeof KpiOrder>;

/** One customer's orders (not cancelled), in any order, and the UTC days they logged in or had a session. */
export const CustomerHistory = z.strictObject({
  customerId: z.string().min(1),
  orders: z.array(KpiOrder),
  activeDays: z.array(KpiDay).optional(),
});
export type CustomerHistory = z.infer<typeof CustomerHistory>;

/**
 * A share whose denominator may be empty: `value` is null then (never NaN), and both counts are
 * reported so that a reader can tell 0 of 0 from 0 of 500.
 */
export type Ratio = { value: number | null; numerator: number; denominator: number };

export const ratio = (numerator: number, denominator: number): Ratio => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});

/** Epoch day (days since 1970-01-01 UTC) of a `YYYY-MM-DD` day; RangeError naming `field` if it is not one. */
export function epochDay(field: string, day: string): number {
  if (!KpiDay.safeParse(day).success) throw new RangeError(`${field} must be a day YYYY-MM-DD, got ${day}`);
  return Date.parse(`${day}T00:00:00Z`) / DAY_MS;
}

export const formatEpochDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Milliseconds of an ISO time; RangeError naming `field` if it is not one. */
export function instant(field: string, iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`${field} must be an ISO-8601 time, got ${iso}`);
  return ms;
}

export type PreparedOrder = { orderId: string; ms: number; amount: number; currency: string; refunded: boolean };

/** A history with its orders parsed and sorted (by time, then order id) and its active days as epoch days. */
export type Prepared = { customerId: string; orders: PreparedOrder[]; activeDays: number[] };

/**
 * Parses the histories once for the figures. Orders after `asOf` (when given) are left out: a
 * figure as of a time sees nothing later. A customer listed twice, or an order listed twice in
 * one history, is a bug in the caller and throws a RangeError naming it.
 */
export function prepare(customers: readonly CustomerHistory[], asOfMs = Number.POSITIVE_INFINITY): Prepared[] {
  const seen = new Set<string>();
  return customers.map((c) => {
    if (seen.has(c.customerId)) throw new RangeError(`customer ${c.customerId} is listed twice`);
    seen.add(c.customerId);
    const ids = new Set<string>();
    const orders: PreparedOrder[] = [];
    for (const o of c.orders) {
      if (ids.has(o.orderId)) throw new RangeError(`customer ${c.customerId} lists order ${o.orderId} twice`);
      ids.add(o.orderId);
      const ms = instant(`order ${o.orderId} at`, o.at);
      if (ms > asOfMs) continue;
      const { amount, currency } = o.total;
      orders.push({ orderId: o.orderId, ms, amount, currency, refunded: o.refunded === true });
    }
    orders.sort((a, b) => a.ms - b.ms || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
    const activeDays = (c.activeDays ?? []).map((d) => epochDay(`activeDays of ${c.customerId}`, d));
    return { customerId: c.customerId, orders, activeDays };
  });
}
