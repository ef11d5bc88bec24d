// KPI alerts: the day's KPIs against the tenant's targets; each KPI below 80 % of its target is told
// on the bus as `kpi.alert` once per KPI and day (a marker item written if absent goes first; if the
// alert cannot be put on the bus the marker goes again, so a retry raises it).
import {
  ALERT_MARKER_DAYS,
  type KpiAlert,
  type KpiTargets,
  type KpiValues,
  kpiAlertMarkerKey,
  kpiAlerts,
} from '../../core/metrics/kpi-alerts';
import { type Bus, ConditionFailedError, type Store } from '../../ports';
import { METRICS_SOURCE } from '../../routes';
import type { KpiReport } from './report';

/** The report's values of its last day, by KPI name (those it does not compute are absent). */
export function kpiValuesOf(
  report: Pick<KpiReport, 'days' | 'revenue' | 'retention' | 'repurchase' | 'churn'>,
): KpiValues {
  const day = report.days.at(-1);
  const revenue = report.revenue.days.at(-1);
  return {
    ...(day
      ? {
          newCustomers: day.newCustomers,
          activeCustomers: day.activeCustomers,
          monthlyActiveCustomers: day.monthlyActiveCustomers,
        }
      : {}),
    retentionD1: report.retention.d1.value,
    retentionD7: report.retention.d7.value,
    retentionD30: report.retention.d30.value,
    retentionD60: report.retention.d60.value,
    repurchase30: report.repurchase.within30.value,
    repurchase60: report.repurchase.within60.value,
    repurchase90: report.repurchase.within90.value,
    churn: report.churn.at(-1)?.rate.value ?? null,
    ...(revenue ? { revenue: revenue.revenue, aov: revenue.aov.value } : {}),
  };
}

/** Raises the day's alerts not raised before; resolves to those it raised now. */
export async function raiseKpiAlerts(
  deps: { store: Store; bus: Bus; now: number },
  tenantId: string,
  targets: KpiTargets,
  values: KpiValues,
  day: string,
): Promise<KpiAlert[]> {
  const raised: KpiAlert[] = [];
  for (const alert of kpiAlerts(values, targets, day)) {
    // What was raised is kept with the marker: the KPI report lists the alerts of its range.
    const marker = {
      ...kpiAlertMarkerKey(tenantId, alert.id),
      value: alert.value,
      target: alert.target,
      achieved: alert.achieved,
      raisedAt: new Date(deps.now).toISOString(),
      expiresAt: Math.floor(deps.now / 1000) + ALERT_MARKER_DAYS * 86_400,
    };
    try {
      await deps.store.put(marker, { ifAbsent: true });
    } catch (e) {
      if (e instanceof ConditionFailedError) continue;
      throw e;
    }
    try {
      await deps.bus.put([{ source: METRICS_SOURCE, detailType: 'kpi.alert', detail: { tenantId, ...alert } }]);
    } catch (e) {
      await deps.store.delete(kpiAlertMarkerKey(tenantId, alert.id));
      throw e;
    }
    raised.push(alert);
  }
  return raised;
}
