/**
 * Churn per calendar month (UTC). The churn rule is "no order for `churnAfterDays` days": a
 * customer churns at the instant that many 24-hour days have passed since an order with no
 * order after it in between, and may come back later (they churned all the same).
 */
import { assertCount } from './checks';
import { type CustomerHistory, DAY_MS, instant, prepare, type Ratio, ratio } from './kpi-input';

export const CHURN_AFTER_DAYS = 90;

export type MonthlyChurn = {
  month: string;
  churnAfterDays: number;
  /** False while `asOf` is inside the month: the rate counts the churn so far. */
  complete: boolean;
  rate: Ratio;
};

function monthBounds(month: string): [number, number] {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const [y, mo] = [Number(m?.[1]), Number(m?.[2])];
  if (!m || mo < 1 || mo > 12) throw new RangeError(`month must be YYYY-MM, got ${month}`);
  return [Date.UTC(y, mo - 1, 1), Date.UTC(y, mo, 1)];
}

/**
 * The month's churn rate: of the customers active at its start (an order placed less than
 * churnAfterDays·24 h before the start), those who reach churnAfterDays without an order at an
 * instant in (start, end], cut at `asOf`. Reaching it at the very instant the month ends counts
 * in this month; such a customer is no longer active at the next month's start, so no customer
 * churns in two months from one gap.
 */
export function monthlyChurn(
  customers: readonly CustomerHistory[],
  options: { month: string; asOf: string; churnAfterDays?: number },
): MonthlyChurn {
  const { month, churnAfterDays = CHURN_AFTER_DAYS } = options;
  assertCount('churnAfterDays', churnAfterDays, 1);
  const asOfMs = instant('asOf', options.asOf);
  const [start, end] = monthBounds(month);
  if (asOfMs < start) throw new RangeError(`month ${month} starts after asOf (${options.asOf})`);
  const gap = churnAfterDays * DAY_MS;
  const limit = Math.min(end, asOfMs);
  let active = 0;
  let churned = 0;
  for (const c of prepare(customers, asOfMs)) {
    const before = c.orders.filter((o) => o.ms < start);
    const last = before[before.length - 1];
    if (!last || start - last.ms >= gap) continue;
    active++;
    let since = last.ms;
    for (const o of c.orders.slice(before.length)) {
      if (o.ms - since >= gap) break;
      since = o.ms;
    }
    if (since + gap <= limit) churned++;
  }
  return { month, churnAfterDays, complete: end <= asOfMs, rate: ratio(churned, active) };
}
