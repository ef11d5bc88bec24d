// The KPI report's daily first-order cohorts, pooled by week (Monday, UTC) for the heatmap: each
// rate is the pooled numerator over the pooled denominator, so a week is exact, not an average.
import type { components } from '../api/schema';

type Report = components['schemas']['KpiReport'];
type Ratio = { value: number | null; numerator: number; denominator: number };
export const RETENTION_COLUMNS = ['d1', 'd7', 'd30', 'd60'] as const;

export type WeekCohort = { week: string; customers: number; rates: (number | null)[] };

const DAY_MS = 86_400_000;

export function mondayOf(day: string): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7;
  return new Date(ms - weekday * DAY_MS).toISOString().slice(0, 10);
}

export function weeklyCohorts(cohorts: Report['cohorts']): WeekCohort[] {
  const weeks = new Map<string, { customers: number; sums: { n: number; d: number }[] }>();
  for (const cohort of cohorts) {
    const week = mondayOf(cohort.day);
    const pooled = weeks.get(week) ?? { customers: 0, sums: RETENTION_COLUMNS.map(() => ({ n: 0, d: 0 })) };
    pooled.customers += cohort.customers;
    RETENTION_COLUMNS.forEach((column, i) => {
      const ratio: Ratio = cohort.retention[column];
      const sum = pooled.sums[i] as { n: number; d: number };
      sum.n += ratio.numerator;
      sum.d += ratio.denominator;
    });
    weeks.set(week, pooled);
  }
  return [...weeks]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([week, pooled]) => ({
      week,
      customers: pooled.customers,
      rates: pooled.sums.map((s) => (s.d === 0 ? null : s.n / s.d)),
    }));
}
