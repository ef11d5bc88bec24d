// The tenant's KPIs over a range of days, from the order histories of its buyers: those of the daily
// run's snapshot (functions/app/metrics/kpi-snapshot.ts) when there is a recent one, else read from
// their profiles (the sparse buyer index: nothing of other tenants, nor of customers who never
// ordered, is read) and past order periods. Revenue and AOV count the orders in the tenant's
// currency; a refund is not known per order on a profile, so refunded orders still count in them.

import { CAMPAIGNS_PK_SUFFIX, CampaignRun, CampaignRunItem } from '../../core/campaigns/runs';
import { KpiAlertMarkerItem } from '../../core/metrics/kpi-alerts';
import {
  type CustomerHistory,
  type DailyActivity,
  dailyActivity,
  dailyRevenue,
  type KpiTargets,
  type KpiValues,
  type MonthlyChurn,
  monthlyChurn,
  type RepurchaseCohort,
  type RepurchaseRates,
  type RetentionCohort,
  type RetentionRates,
  type RevenueSeries,
  repurchaseByMonth,
  repurchaseRates,
  retention,
} from '../../core/metrics/kpis';
import { customerPk, orderPeriodMembers, type StoredProfile } from '../../core/profiles/items';
import { ORDER_PERIOD_PREFIX, ordersOf, pastOrderBook } from '../../core/profiles/order-book';
import type { Profile } from '../../core/profiles/profile';
import { decodeItem } from '../../core/stored-item';
import type { Store } from '../../ports';
import { readBuyers } from '../daily-run/buyers';
import { kpiValuesOf } from './alerts';
import { readKpiSnapshot } from './kpi-snapshot';

export type KpiReport = {
  tenantId: string;
  from: string;
  to: string;
  /** The end of `to`, or when the snapshot was taken if that is earlier: cohorts and churn are read as of then. */
  asOf: string;
  /** When the daily run took the snapshot the figures come from; null: read from the profiles now. */
  snapshotAt: string | null;
  /** Buyers read. */
  customers: number;
  days: DailyActivity[];
  revenue: RevenueSeries;
  retention: RetentionRates;
  repurchase: RepurchaseRates;
  /** Every calendar month the range touches. */
  churn: MonthlyChurn[];
  /** Each KPI's value as the daily alert check judges it against its target: the last day's, or as of its end. */
  values: KpiValues;
  /** The tenant's KPI targets (none: {}): the daily run alerts below 80 % of one. */
  targets: KpiTargets;
  /** The `kpi.alert`s raised for days in the range (alerts are remembered 90 days), by day. */
  alerts: RaisedAlert[];
  /** D1/D7/D30/D60 retention of each first-order cohort (UTC day) in the range: the heatmap's rows. */
  cohorts: RetentionCohort[];
  /** 30/60/90-day repurchase of the first-order cohorts of each month the range touches: the trend. */
  repurchaseByMonth: RepurchaseCohort[];
  /** The recall rate of every campaign run measured in the range, oldest first: the trend. */
  recall: RecallPoint[];
};

/** A `kpi.alert` as raised: value, target and achieved are null for one remembered without them. */
export type RaisedAlert = {
  id: string;
  kpi: string;
  day: string;
  value: number | null;
  target: number | null;
  achieved: number | null;
  raisedAt: string;
};

/** One measured campaign run: its treated arm's recall rate and the holdout's, with the lift. */
export type RecallPoint = {
  campaignId: string;
  runId: string;
  measuredAt: string;
  treated: number;
  heldOut: number;
  recallRate: number;
  holdoutRate: number | null;
  absoluteLift: { estimate: number; lower: number; upper: number } | null;
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

/** The order histories of these buyers (their profiles and past order periods). */
export async function historiesOf(store: Store, buyers: readonly StoredProfile[]): Promise<CustomerHistory[]> {
  const histories: CustomerHistory[] = [];
  for (const { profile } of buyers) histories.push(await historyOf(store, profile));
  return histories;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const inRange = (day: string, range: { from: string; to: string }) => day >= range.from && day <= range.to;

/** The alerts raised for the days of the range, from their markers (functions/app/metrics/alerts.ts). */
async function raisedAlerts(store: Store, tenantId: string, range: { from: string; to: string }) {
  const alerts: RaisedAlert[] = [];
  for (const item of await store.query(`${tenantId}#KPI`, { skPrefix: 'ALERT#' })) {
    const marker = decodeItem(KpiAlertMarkerItem, item);
    const id = marker.sk.slice('ALERT#'.length);
    const at = id.lastIndexOf(':');
    const [kpi, day] = [id.slice(0, at), id.slice(at + 1)];
    if (at < 0 || !inRange(day, range)) continue;
    const { value, target, achieved } = marker as Record<string, unknown>;
    alerts.push({
      id,
      kpi,
      day,
      value: num(value),
      target: num(target),
      achieved: num(achieved),
      raisedAt: marker.raisedAt,
    });
  }
  return alerts.sort((a, b) => a.day.localeCompare(b.day) || a.kpi.localeCompare(b.kpi));
}

/** The tenant's campaign runs measured on a day of the range, with their recall rates. */
async function recallTrend(store: Store, tenantId: string, range: { from: string; to: string }) {
  const points: RecallPoint[] = [];
  for (const item of await store.query(`${tenantId}${CAMPAIGNS_PK_SUFFIX}`, { skPrefix: 'RUN#' })) {
    const run = CampaignRun.parse(decodeItem(CampaignRunItem, item));
    const report = run.report as
      | {
          measuredAt?: unknown;
          recallRate?: unknown;
          offered?: { treated?: unknown; heldOut?: unknown };
          lift?: {
            holdout?: { rate?: unknown };
            absoluteLift?: { estimate?: unknown; lower?: unknown; upper?: unknown };
          } | null;
        }
      | undefined;
    const measuredAt = typeof report?.measuredAt === 'string' ? report.measuredAt : undefined;
    const recallRate = num(report?.recallRate);
    if (run.status !== 'reported' || !measuredAt || recallRate === null || !inRange(measuredAt.slice(0, 10), range))
      continue;
    const lift = report?.lift;
    const [estimate, lower, upper] = [
      lift?.absoluteLift?.estimate,
      lift?.absoluteLift?.lower,
      lift?.absoluteLift?.upper,
    ].map(num);
    points.push({
      campaignId: run.campaignId,
      runId: run.runId,
      measuredAt,
      treated: num(report?.offered?.treated) ?? 0,
      heldOut: num(report?.offered?.heldOut) ?? 0,
      recallRate,
      holdoutRate: num(lift?.holdout?.rate),
      absoluteLift: estimate == null || lower == null || upper == null ? null : { estimate, lower, upper },
    });
  }
  return points.sort((a, b) => a.measuredAt.localeCompare(b.measuredAt) || a.runId.localeCompare(b.runId));
}

/**
 * The KPIs of the days `from` to `to` (UTC, `YYYY-MM-DD`; validated by the caller's contract), as of
 * the end of `to` or `now`, whichever is earlier, from the snapshot unless `live` (or there is none).
 */
export async function kpiReport(
  deps: { store: Store; now: number },
  tenant: { id: string; currency: string; kpiTargets?: KpiTargets },
  range: { from: string; to: string },
  options: { live?: boolean } = {},
): Promise<KpiReport> {
  const snapshot = options.live ? undefined : await readKpiSnapshot(deps.store, tenant.id, deps.now);
  const histories = snapshot?.histories ?? (await historiesOf(deps.store, await readBuyers(deps.store, tenant.id)));
  const takenAt = snapshot ? Date.parse(snapshot.takenAt) : Number.POSITIVE_INFINITY;
  const asOf = new Date(Math.min(deps.now, Date.parse(`${range.to}T00:00:00Z`) + DAY, takenAt)).toISOString();
  const inCurrency = histories.map((h) => ({
    ...h,
    orders: h.orders.filter((o) => o.total.currency === tenant.currency),
  }));
  const retained = retention(histories, asOf);
  const months = monthsOf(range.from, range.to);
  const [alerts, recall] = await Promise.all([
    raisedAlerts(deps.store, tenant.id, range),
    recallTrend(deps.store, tenant.id, range),
  ]);
  const report: Omit<KpiReport, 'values'> = {
    tenantId: tenant.id,
    from: range.from,
    to: range.to,
    asOf,
    snapshotAt: snapshot?.takenAt ?? null,
    customers: histories.length,
    days: dailyActivity(histories, range),
    revenue: dailyRevenue(inCurrency, range),
    retention: retained.overall,
    repurchase: repurchaseRates(histories, asOf),
    churn: months.map((month) => monthlyChurn(histories, { month, asOf })),
    targets: tenant.kpiTargets ?? {},
    alerts,
    cohorts: retained.cohorts.filter((c) => inRange(c.day, range)),
    repurchaseByMonth: repurchaseByMonth(histories, asOf).filter((c) => months.includes(c.month)),
    recall,
  };
  return { ...report, values: kpiValuesOf(report) };
}
