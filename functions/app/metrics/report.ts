// The tenant's KPIs over a range of days, from the profiles of its buyers (the sparse buyer index:
// nothing of other tenants, nor of customers who never ordered, is read) and their past order
// periods. Revenue and AOV count the orders in the tenant's currency; a refund is not known per
// order on a profile, so refunded orders still count in them.

import {
  type CustomerHistory,
  type DailyActivity,
  dailyActivity,
  dailyRevenue,
  type MonthlyChurn,
  monthlyChurn,
  type RepurchaseRates,
  type RetentionRates,
  type RevenueSeries,
  repurchaseRates,
  retention,
} from '../../core/metrics/kpis';
import { customerPk, orderPeriodMembers } from '../../core/profiles/items';
import { ORDER_PERIOD_PREFIX, ordersOf, pastOrderBook } from '../../core/profiles/order-book';
import type { Profile } from '../../core/profiles/profile';
import type { Store } from '../../ports';
import { readBuyers } from '../daily-run/buyers';

export type KpiReport = {
  tenantId: string;
  from: string;
  to: string;
  /** The end of `to`: cohorts and churn are read as of then. */
  asOf: string;
  /** Buyers read. */
  customers: number;
  days: DailyActivity[];
  revenue: RevenueSeries;
  retention: RetentionRates;
  repurchase: RepurchaseRates;
  /** Every calendar month the range touches. */
  churn: MonthlyChurn[];
};

const DAY = 86_400_000;

/** The months (`YYYY-MM`) from `from` to `to`, both days. */
function monthsOf(from: string, to: string): string[] {
  const months: string[] = [];
  for (
    let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
    `${y}-${String(m).padStart(2, '0')}` <= to.slice(0, 7);
  ) {
    months.push(`${y}-${String(m).padStart(2, '0')}`);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return months;
}

export async function historyOf(store: Store, profile: Profile): Promise<CustomerHistory> {
  const periods = profile.pastOrders
    ? await store.query(customerPk(profile.tenantId, profile.customerId), { skPrefix: ORDER_PERIOD_PREFIX })
    : [];
  const orders = [...ordersOf(profile, pastOrderBook(periods.map(orderPeriodMembers)))].flatMap(([orderId, o]) =>
    o.cancelled ? [] : [{ orderId, at: o.placedAt, total: { amount: o.total, currency: o.currency } }],
  );
  return { customerId: profile.customerId, orders };
}

/**
 * The KPIs of the days `from` to `to` (UTC, `YYYY-MM-DD`; validated by the caller's contract), as of
 * the end of `to` or `now`, whichever is earlier.
 */
export async function kpiReport(
  deps: { store: Store; now: number },
  tenant: { id: string; currency: string },
  range: { from: string; to: string },
): Promise<KpiReport> {
  const asOfMs = Math.min(deps.now, Date.parse(`${range.to}T00:00:00Z`) + DAY);
  const asOf = new Date(asOfMs).toISOString();
  const histories: CustomerHistory[] = [];
  for (const { profile } of await readBuyers(deps.store, tenant.id))
    histories.push(await historyOf(deps.store, profile));
  const inCurrency = histories.map((h) => ({
    ...h,
    orders: h.orders.filter((o) => o.total.currency === tenant.currency),
  }));
  return {
    tenantId: tenant.id,
    from: range.from,
    to: range.to,
    asOf,
    customers: histories.length,
    days: dailyActivity(histories, range),
    revenue: dailyRevenue(inCurrency, range),
    retention: retention(histories, asOf).overall,
    repurchase: repurchaseRates(histories, asOf),
    churn: monthsOf(range.from, range.to).map((month) => monthlyChurn(histories, { month, asOf })),
  };
}
