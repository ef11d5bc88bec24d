/** KPI targets and the alerts raised when a day's value falls short of one. */
import { z } from 'zod';
import { epochDay } from './kpi-input';

export const KPI_NAMES = [
  'newCustomers',
  'activeCustomers',
  'monthlyActiveCustomers',
  'retentionD1',
  'retentionD7',
  'retentionD30',
  'retentionD60',
  'repurchase30',
  'repurchase60',
  'repurchase90',
  'churn',
  'revenue',
  'aov',
  'recallRate',
  'couponRedemptionRate',
] as const;
export const KpiName = z.enum(KPI_NAMES);
export type KpiName = z.infer<typeof KpiName>;

/** KPIs where less is better: their target is a ceiling. */
export const LOWER_IS_BETTER: ReadonlySet<KpiName> = new Set(['churn']);

/** A tenant's targets, by KPI; a KPI without a target raises no alert. */
export const KpiTargets = z.partialRecord(KpiName, z.number().positive());
export type KpiTargets = z.infer<typeof KpiTargets>;

/** A day's values; null (or absent) where a KPI has no value, e.g. a ratio with an empty denominator. */
export type KpiValues = Partial<Record<KpiName, number | null>>;

/** Alert when a KPI reaches less than this share of its target. */
export const KPI_ALERT_SHARE = 0.8;
// A value at exactly 80 % (0.24 of 0.3) may compute as a hair below it in floating point.
const TOLERANCE = 1e-9;

export type KpiAlert = {
  /** `${kpi}:${day}`: the same for every evaluation of that KPI on that day. */
  id: string;
  kpi: KpiName;
  day: string;
  value: number;
  target: number;
  /** How much of the target was reached: value / target, or target / value where less is better. */
  achieved: number;
};

/**
 * The alerts of one day: for each KPI with a target and a value, one alert when the value
 * reaches less than KPI_ALERT_SHARE of the target (value < 0.8 × target; for a KPI where less
 * is better, target < 0.8 × value, e.g. churn above 1.25 × its ceiling). At most one alert per
 * KPI per day, its id `${kpi}:${day}` stable across evaluations, so a caller that evaluates
 * the day again (a retry, a later run) emits each alert once by remembering the ids it emitted
 * or using them as idempotency keys. A KPI without a value raises none. In KPI_NAMES order.
 */
export function kpiAlerts(values: KpiValues, targets: KpiTargets, day: string): KpiAlert[] {
  epochDay('day', day);
  const alerts: KpiAlert[] = [];
  for (const kpi of KPI_NAMES) {
    const target = targets[kpi];
    const value = values[kpi];
    if (target === undefined || value === undefined || value === null) continue;
    if (!(target > 0 && Number.isFinite(target))) throw new RangeError(`target of ${kpi} must be > 0, got ${target}`);
    if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`value of ${kpi} must be ≥ 0, got ${value}`);
    const achieved = LOWER_IS_BETTER.has(kpi)
      ? value === 0
        ? Number.POSITIVE_INFINITY
        : target / value
      : value / target;
    if (achieved < KPI_ALERT_SHARE - TOLERANCE) alerts.push({ id: `${kpi}:${day}`, kpi, day, value, target, achieved });
  }
  return alerts;
}

/** Alerts raised are remembered this long, well past the day they are about. */
export const ALERT_MARKER_DAYS = 90;

/** The item that says an alert was raised: written if absent before the alert goes out, so it goes out once. */
export const kpiAlertMarkerKey = (tenantId: string, alertId: string) => ({
  pk: `${tenantId}#KPI`,
  sk: `ALERT#${alertId}`,
});

export const KpiAlertMarkerItem = z.looseObject({
  pk: z.string().endsWith('#KPI'),
  sk: z.string().startsWith('ALERT#'),
  raisedAt: z.iso.datetime(),
  expiresAt: z.int().positive(),
});
