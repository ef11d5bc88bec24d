/**
 * The KPIs of a tenant, computed from its customers' order histories (kpi-input.ts says how the
 * app layer builds them from stored profiles). All days are UTC; every ratio reports its
 * denominator and is null when that is empty.
 *
 * - kpi-daily.ts: new customers, DAU, MAU, revenue and AOV per day.
 * - kpi-cohorts.ts: D1/D7/D30/D60 retention by first-order cohort, repurchase rate 30/60/90.
 * - kpi-churn.ts: churn per calendar month.
 * - kpi-rates.ts: recall rate, coupon redemption rate.
 * - kpi-alerts.ts: targets and the alerts below 80 % of them.
 */
export {
  KPI_ALERT_SHARE,
  KPI_NAMES,
  type KpiAlert,
  KpiName,
  KpiTargets,
  type KpiValues,
  kpiAlerts,
  LOWER_IS_BETTER,
} from './kpi-alerts';
export { CHURN_AFTER_DAYS, type MonthlyChurn, monthlyChurn } from './kpi-churn';
export {
  REPURCHASE_DAYS,
  RETENTION_DAYS,
  type RepurchaseCohort,
  type RepurchaseRates,
  type Retention,
  type RetentionCohort,
  type RetentionRates,
  repurchaseByMonth,
  repurchaseRates,
  retention,
} from './kpi-cohorts';
export {
  type DailyActivity,
  type DailyRevenue,
  type DayRange,
  dailyActivity,
  dailyRevenue,
  MAU_DAYS,
  MAX_RANGE_DAYS,
  type RevenueSeries,
} from './kpi-daily';
export { CustomerHistory, KpiDay, KpiOrder, type Ratio } from './kpi-input';
export { couponRedemptionRate, type RecallRate, recallRate } from './kpi-rates';
