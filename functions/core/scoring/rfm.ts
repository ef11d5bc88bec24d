/**
 * RFM scores and segments, per tenant, from the tenant's own population. Pure.
 *
 * Scores are quintiles 1–5 by rank with ties at their lowest rank ("min" rank): a value's score is
 *   1 + floor(5 · (number of customers with a strictly worse value) / n)
 * where worse means a smaller frequency or monetary value, or a larger recencyDays (recency is
 * reversed: more recent = 5). Equal values always get equal scores, the result does not depend on
 * the order of the population, and the lowest value always scores 1 (so one-time buyers get F = 1
 * however many of them there are); with many ties a score may be skipped.
 */

import { z } from 'zod';

export interface RfmInput {
  id: string;
  recencyDays: number;
  frequency: number;
  monetary: number;
}

export interface RfmScore {
  r: number;
  f: number;
  m: number;
}

/** For each value, how many values are strictly below it (ascending) or above it (descending). */
function quintiles(values: readonly number[], descending: boolean): number[] {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  return values.map((v) => {
    let lo = 0;
    let hi = n;
    if (descending) {
      // first index with sorted[i] > v
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((sorted[mid] as number) <= v) lo = mid + 1;
        else hi = mid;
      }
      return 1 + Math.floor((5 * (n - lo)) / n);
    }
    // first index with sorted[i] >= v
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    return 1 + Math.floor((5 * lo) / n);
  });
}

/** Quintile R, F and M scores (1–5) for every customer of the population, by id. */
export function rfmScores(population: readonly RfmInput[]): Map<string, RfmScore> {
  const ids = new Set<string>();
  for (const c of population) {
    if (ids.has(c.id)) throw new Error(`rfmScores: duplicate id ${c.id}`);
    ids.add(c.id);
    for (const key of ['recencyDays', 'frequency', 'monetary'] as const) {
      if (!Number.isFinite(c[key])) throw new RangeError(`rfmScores: ${c.id}.${key} is not a finite number`);
    }
  }
  const r = quintiles(
    population.map((c) => c.recencyDays),
    true,
  );
  const f = quintiles(
    population.map((c) => c.frequency),
    false,
  );
  const m = quintiles(
    population.map((c) => c.monetary),
    false,
  );
  return new Map(population.map((c, i) => [c.id, { r: r[i] as number, f: f[i] as number, m: m[i] as number }]));
}

/**
 * The population's quintile boundaries, so that one customer can be scored later without the
 * population: four values per measure, from which `rfmScoreOf` gives exactly the score
 * `rfmScores` gives a member of the population (and a consistent one to anyone else).
 */
export interface RfmBreakpoints {
  recencyDays: number[];
  frequency: number[];
  monetary: number[];
}

/**
 * Score ≥ k (k = 2..5) holds when at least m = ⌈(k−1)·n/5⌉ values are worse, that is when the
 * value is above the m-th smallest (ascending) or below the m-th largest (recency).
 */
function boundaries(values: readonly number[], descending: boolean): number[] {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  return [2, 3, 4, 5].map((k) => {
    const m = Math.ceil(((k - 1) * n) / 5);
    return sorted[descending ? n - m : m - 1] as number;
  });
}

export function rfmBreakpoints(population: readonly RfmInput[]): RfmBreakpoints {
  if (population.length === 0) throw new RangeError('rfmBreakpoints: empty population');
  return {
    recencyDays: boundaries(
      population.map((c) => c.recencyDays),
      true,
    ),
    frequency: boundaries(
      population.map((c) => c.frequency),
      false,
    ),
    monetary: boundaries(
      population.map((c) => c.monetary),
      false,
    ),
  };
}

/** R, F and M scores of one customer against the population's breakpoints. */
export function rfmScoreOf(b: RfmBreakpoints, c: Omit<RfmInput, 'id'>): RfmScore {
  const above = (v: number, bounds: readonly number[]) => 1 + bounds.filter((t) => v > t).length;
  return {
    r: 1 + b.recencyDays.filter((t) => c.recencyDays < t).length,
    f: above(c.frequency, b.frequency),
    m: above(c.monetary, b.monetary),
  };
}

const score = z.number().int().min(1).max(5);
/** An inclusive score range [from, to]. */
const ScoreRange = z.tuple([score, score]).refine(([lo, hi]) => lo <= hi, { message: 'range must be [low, high]' });

export const RfmRule = z.strictObject({
  segment: z.string().min(1),
  r: ScoreRange.optional(),
  f: ScoreRange.optional(),
  m: ScoreRange.optional(),
  /** The FM score: round((f + m) / 2), halves rounded up. */
  fm: ScoreRange.optional(),
});
export type RfmRule = z.infer<typeof RfmRule>;

/** Ordered rules, first match wins; `default` when none matches. A rule without ranges matches all. */
export const RfmScheme = z.strictObject({
  rules: z.array(RfmRule).min(1, 'must list at least one rule'),
  default: z.string().min(1),
});
export type RfmScheme = z.infer<typeof RfmScheme>;

/** Validates a custom scheme (e.g. parsed JSON); throws an Error listing every problem with its path. */
export function parseRfmScheme(input: unknown): RfmScheme {
  const result = RfmScheme.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid RFM scheme: ${problems.join('; ')}`);
}

/**
 * The widely used R-vs-FM grid (R on one axis, FM = round((F + M) / 2) on the other):
 *   R 5,   FM 4–5 Champions           R 3–4, FM 4–5 Loyal
 *   R 4–5, FM 2–3 Potential Loyalists R 5,   FM 1   New
 *   R 4,   FM 1   Promising           R 3,   FM 3   Need Attention
 *   R 3,   FM 1–2 About to Sleep      R 1–2, FM 3–4 At Risk
 *   R 1–2, FM 5   Can't Lose Them     R 1–2, FM 1–2 Hibernating
 * The cells do not overlap and cover all 25 (R, FM) pairs.
 */
export const STANDARD_RFM_SEGMENTS: RfmScheme = RfmScheme.parse({
  rules: [
    { segment: 'Champions', r: [5, 5], fm: [4, 5] },
    { segment: 'Loyal', r: [3, 4], fm: [4, 5] },
    { segment: 'Potential Loyalists', r: [4, 5], fm: [2, 3] },
    { segment: 'New', r: [5, 5], fm: [1, 1] },
    { segment: 'Promising', r: [4, 4], fm: [1, 1] },
    { segment: 'Need Attention', r: [3, 3], fm: [3, 3] },
    { segment: 'About to Sleep', r: [3, 3], fm: [1, 2] },
    { segment: 'At Risk', r: [1, 2], fm: [3, 4] },
    { segment: "Can't Lose Them", r: [1, 2], fm: [5, 5] },
    { segment: 'Hibernating', r: [1, 2], fm: [1, 2] },
  ],
  default: 'Need Attention',
});

const within = (v: number, range: readonly [number, number] | undefined) =>
  range === undefined || (v >= range[0] && v <= range[1]);

/** The segment of a score under a scheme: the first rule whose every range holds, else the default. */
export function rfmSegment({ r, f, m }: RfmScore, scheme: RfmScheme = STANDARD_RFM_SEGMENTS): string {
  const fm = Math.round((f + m) / 2);
  const rule = scheme.rules.find(
    (rule) => within(r, rule.r) && within(f, rule.f) && within(m, rule.m) && within(fm, rule.fm),
  );
  return rule ? rule.segment : scheme.default;
}
