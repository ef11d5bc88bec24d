/**
 * The daily figures of a tenant: new and active customers, revenue and AOV per UTC calendar day.
 * A refunded order is still an order for the customer counts (the customer did buy that day)
 * and only the money figures leave it out.
 */
import { type CustomerHistory, DAY_MS, epochDay, formatEpochDay, prepare, type Ratio, ratio } from './kpi-input';

/** MAU counts the customers active on any of the 30 days ending on (and including) the day. */
export const MAU_DAYS = 30;
/** The longest range a daily series covers (ten years). */
export const MAX_RANGE_DAYS = 3660;

/** Inclusive range of `YYYY-MM-DD` days. */
export type DayRange = { from: string; to: string };

function epochRange(range: DayRange): { from: number; days: number } {
  const from = epochDay('from', range.from);
  const to = epochDay('to', range.to);
  if (to < from) throw new RangeError(`to (${range.to}) must not be before from (${range.from})`);
  if (to - from + 1 > MAX_RANGE_DAYS) throw new RangeError(`a range covers at most ${MAX_RANGE_DAYS} days`);
  return { from, days: to - from + 1 };
}

const dayOfMs = (ms: number): number => Math.floor(ms / DAY_MS);

export type DailyActivity = {
  day: string;
  /** Customers whose first order was placed on the day. */
  newCustomers: number;
  /** DAU: customers who placed an order on the day or have it among their active days. */
  activeCustomers: number;
  /** MAU: customers active (as for DAU) on any day of the MAU_DAYS days ending on the day. */
  monthlyActiveCustomers: number;
};

/** New customers, DAU and MAU for every day of the range, in UTC calendar days. */
export function dailyActivity(customers: readonly CustomerHistory[], range: DayRange): DailyActivity[] {
  const { from, days } = epochRange(range);
  const fresh = new Array<number>(days).fill(0);
  const active = new Array<number>(days).fill(0);
  // MAU by a difference array: each customer adds 1 over the union of the windows its active days open.
  const monthly = new Array<number>(days + 1).fill(0);
  const addMonthly = (start: number, end: number) => {
    const s = Math.max(start, from) - from;
    const e = Math.min(end, from + days - 1) - from;
    if (s > e) return;
    monthly[s] = (monthly[s] ?? 0) + 1;
    monthly[e + 1] = (monthly[e + 1] ?? 0) - 1;
  };
  for (const c of prepare(customers)) {
    const first = c.orders[0];
    if (first) {
      const d = dayOfMs(first.ms) - from;
      if (d >= 0 && d < days) fresh[d] = (fresh[d] ?? 0) + 1;
    }
    const activeDays = [...new Set([...c.orders.map((o) => dayOfMs(o.ms)), ...c.activeDays])].sort((a, b) => a - b);
    let start = Number.NaN;
    let end = Number.NaN;
    for (const a of activeDays) {
      const d = a - from;
      if (d >= 0 && d < days) active[d] = (active[d] ?? 0) + 1;
      if (a <= end + 1) end = a + MAU_DAYS - 1;
      else {
        if (!Number.isNaN(start)) addMonthly(start, end);
        start = a;
        end = a + MAU_DAYS - 1;
      }
    }
    if (!Number.isNaN(start)) addMonthly(start, end);
  }
  let running = 0;
  return fresh.map((newCustomers, i) => {
    running += monthly[i] ?? 0;
    return {
      day: formatEpochDay(from + i),
      newCustomers,
      activeCustomers: active[i] ?? 0,
      monthlyActiveCustomers: running,
    };
  });
}

export type DailyRevenue = {
  day: string;
  /** Sum of the totals of the day's orders not refunded, in minor units. */
  revenue: number;
  /** The day's orders not refunded. */
  orders: number;
  /** revenue / orders in minor units, not rounded; null on a day without such orders. */
  aov: Ratio;
};

export type RevenueSeries = {
  /** The one currency of every order; null when there are no orders. */
  currency: string | null;
  days: DailyRevenue[];
  /** The same figures over the whole range. */
  total: Omit<DailyRevenue, 'day'>;
};

/** The one currency of all orders of the input, or a RangeError naming the currencies found. */
function singleCurrency(customers: readonly CustomerHistory[]): string | null {
  const currencies = new Set<string>();
  for (const c of customers) for (const o of c.orders) currencies.add(o.total.currency);
  if (currencies.size > 1) {
    throw new RangeError(
      `revenue and AOV need one currency, the orders are in ${[...currencies].sort().join(', ')}: convert or filter them first`,
    );
  }
  return [...currencies][0] ?? null;
}

/**
 * Revenue, order count and AOV (average order value) per UTC calendar day of the range, refunded
 * orders excluded. Every order of the input must be in one currency, whatever day it is on, so
 * that one input gives the same answer for every range.
 */
export function dailyRevenue(customers: readonly CustomerHistory[], range: DayRange): RevenueSeries {
  const currency = singleCurrency(customers);
  const { from, days } = epochRange(range);
  const revenue = new Array<number>(days).fill(0);
  const orders = new Array<number>(days).fill(0);
  for (const c of prepare(customers)) {
    for (const o of c.orders) {
      const d = dayOfMs(o.ms) - from;
      if (o.refunded || d < 0 || d >= days) continue;
      revenue[d] = (revenue[d] ?? 0) + o.amount;
      orders[d] = (orders[d] ?? 0) + 1;
    }
  }
  const figures = (r: number, n: number) => ({ revenue: r, orders: n, aov: ratio(r, n) });
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  return {
    currency,
    days: revenue.map((r, i) => ({ day: formatEpochDay(from + i), ...figures(r, orders[i] ?? 0) })),
    total: figures(sum(revenue), sum(orders)),
  };
}
