/**
 * Retention and repurchase by first-order cohort. A customer's cohort is the UTC calendar day of
 * their first order; time since it is measured in 24-hour days from that order's instant ("day
 * N" = floor((t − t_first) / 24 h)), not in calendar days. Refunded orders count: the customer
 * came back. A customer enters a denominator only once their window is complete at `asOf`, so a
 * recent cohort is left out rather than counted as not having returned yet.
 */
import {
  type CustomerHistory,
  DAY_MS,
  formatEpochDay,
  instant,
  type Prepared,
  prepare,
  type Ratio,
  ratio,
} from './kpi-input';

export const RETENTION_DAYS = [1, 7, 30, 60] as const;
export type RetentionDays = (typeof RETENTION_DAYS)[number];
export type RetentionRates = Record<`d${RetentionDays}`, Ratio>;

export type RetentionCohort = {
  /** The UTC day of the cohort's first orders. */
  day: string;
  customers: number;
  retention: RetentionRates;
};

export type Retention = { cohorts: RetentionCohort[]; overall: RetentionRates };

type Counts = { customers: number; returned: number[]; complete: number[] };

const newCounts = (): Counts => ({
  customers: 0,
  returned: RETENTION_DAYS.map(() => 0),
  complete: RETENTION_DAYS.map(() => 0),
});

function rates(counts: Counts): RetentionRates {
  const entries = RETENTION_DAYS.map((n, i) => [`d${n}`, ratio(counts.returned[i] ?? 0, counts.complete[i] ?? 0)]);
  return Object.fromEntries(entries) as RetentionRates;
}

/** Time from the first order to the first order placed after it (later in time), if any. */
function returnAfter(c: Prepared): number | undefined {
  const first = c.orders[0];
  const next = first && c.orders.find((o) => o.ms > first.ms);
  return first && next ? next.ms - first.ms : undefined;
}

/**
 * D_N(within) retention for N in RETENTION_DAYS, per cohort day and overall: the share of the
 * customers whose window (t_first, t_first + N·24 h] has ended by `asOf` who placed at least one
 * additional order in it. An order at the very instant of the first is part of the first
 * purchase (a split checkout), not a return. Overall pools the cohorts: the sum of their
 * numerators over the sum of their denominators (a mean weighted by cohort size).
 */
export function retention(customers: readonly CustomerHistory[], asOf: string): Retention {
  const asOfMs = instant('asOf', asOf);
  const byDay = new Map<number, Counts>();
  const overall = newCounts();
  for (const c of prepare(customers, asOfMs)) {
    const first = c.orders[0];
    if (!first) continue;
    const day = Math.floor(first.ms / DAY_MS);
    const cohort = byDay.get(day) ?? newCounts();
    byDay.set(day, cohort);
    const back = returnAfter(c);
    for (const counts of [cohort, overall]) {
      counts.customers++;
      RETENTION_DAYS.forEach((n, i) => {
        if (first.ms + n * DAY_MS > asOfMs) return;
        counts.complete[i] = (counts.complete[i] ?? 0) + 1;
        if (back !== undefined && back <= n * DAY_MS) counts.returned[i] = (counts.returned[i] ?? 0) + 1;
      });
    }
  }
  const cohorts = [...byDay]
    .sort(([a], [b]) => a - b)
    .map(([day, counts]) => ({ day: formatEpochDay(day), customers: counts.customers, retention: rates(counts) }));
  return { cohorts, overall: rates(overall) };
}

export const REPURCHASE_DAYS = [30, 60, 90] as const;
export type RepurchaseDays = (typeof REPURCHASE_DAYS)[number];
export type RepurchaseRates = Record<`within${RepurchaseDays}`, Ratio>;

/**
 * Repurchase rate for N in REPURCHASE_DAYS: customers with at least two orders placed within
 * N·24 h of their first (the first included) over the customers whose first order was placed
 * at least N·24 h before `asOf`. Unlike D_N, two orders are two orders even at the same instant.
 */
export function repurchaseRates(customers: readonly CustomerHistory[], asOf: string): RepurchaseRates {
  const asOfMs = instant('asOf', asOf);
  const counts = newRepurchaseCounts();
  for (const c of prepare(customers, asOfMs)) countRepurchase(counts, c, asOfMs);
  return repurchaseOf(counts);
}

type RepurchaseCounts = { customers: number; repeated: number[]; eligible: number[] };

const newRepurchaseCounts = (): RepurchaseCounts => ({
  customers: 0,
  repeated: REPURCHASE_DAYS.map(() => 0),
  eligible: REPURCHASE_DAYS.map(() => 0),
});

function countRepurchase(counts: RepurchaseCounts, c: Prepared, asOfMs: number) {
  const [first, second] = c.orders;
  if (!first) return;
  counts.customers++;
  REPURCHASE_DAYS.forEach((n, i) => {
    if (first.ms + n * DAY_MS > asOfMs) return;
    counts.eligible[i] = (counts.eligible[i] ?? 0) + 1;
    if (second && second.ms - first.ms <= n * DAY_MS) counts.repeated[i] = (counts.repeated[i] ?? 0) + 1;
  });
}

function repurchaseOf(counts: RepurchaseCounts): RepurchaseRates {
  const entries = REPURCHASE_DAYS.map((n, i) => [
    `within${n}`,
    ratio(counts.repeated[i] ?? 0, counts.eligible[i] ?? 0),
  ]);
  return Object.fromEntries(entries) as RepurchaseRates;
}

/** The repurchase rates of the customers whose first order fell in one UTC month. */
export type RepurchaseCohort = { month: string; customers: number; repurchase: RepurchaseRates };

/**
 * repurchaseRates by first-order cohort month (`YYYY-MM`, UTC), oldest first: the trend of how
 * often new customers come back. As there, a customer counts in a window's denominator only once
 * the window has ended at `asOf`.
 */
export function repurchaseByMonth(customers: readonly CustomerHistory[], asOf: string): RepurchaseCohort[] {
  const asOfMs = instant('asOf', asOf);
  const byMonth = new Map<string, RepurchaseCounts>();
  for (const c of prepare(customers, asOfMs)) {
    const first = c.orders[0];
    if (!first) continue;
    const month = new Date(first.ms).toISOString().slice(0, 7);
    const counts = byMonth.get(month) ?? newRepurchaseCounts();
    byMonth.set(month, counts);
    countRepurchase(counts, c, asOfMs);
  }
  return [...byMonth]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([month, counts]) => ({ month, customers: counts.customers, repurchase: repurchaseOf(counts) }));
}
