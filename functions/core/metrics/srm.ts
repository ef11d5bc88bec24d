/**
 * Sample-ratio mismatch: do the arm sizes fit the split the assignment was meant to make? A
 * mismatch means the assignment or the counting is broken, and no lift measured on those arms
 * can be trusted, whatever its interval says.
 */
import { assertCount, assertOpenUnit } from './checks';
import { normalSurvival } from './normal';

/** Flag a mismatch below this p-value (GrowthBook's and the research's threshold). */
export const SRM_P_THRESHOLD = 0.001;

export interface SampleRatioMismatch {
  /** Pearson's χ² goodness-of-fit statistic, 1 degree of freedom. */
  chi2: number;
  /** P(χ²₁ ≥ chi2) under the expected split. */
  p: number;
  mismatch: boolean;
}

/** P(χ²₁ ≥ x) = 2·(1 − Φ(√x)), computed as 2·Φ̄(√x) so that tiny p-values keep their digits. */
export function chiSquared1Survival(x: number): number {
  if (!(x >= 0)) throw new RangeError(`chi2 must be ≥ 0, got ${x}`);
  return Math.min(1, 2 * normalSurvival(Math.sqrt(x)));
}

/** χ² test of the observed arm sizes against a holdout share of `expectedHoldoutShare`. */
export function sampleRatioMismatch(input: {
  treated: number;
  holdout: number;
  expectedHoldoutShare: number;
}): SampleRatioMismatch {
  const { treated, holdout, expectedHoldoutShare } = input;
  assertCount('treated', treated);
  assertCount('holdout', holdout);
  assertOpenUnit('expectedHoldoutShare', expectedHoldoutShare);
  const total = treated + holdout;
  if (total === 0) throw new RangeError('treated + holdout must be at least 1');
  const expectedHoldout = total * expectedHoldoutShare;
  const expectedTreated = total - expectedHoldout;
  const chi2 = (holdout - expectedHoldout) ** 2 / expectedHoldout + (treated - expectedTreated) ** 2 / expectedTreated;
  const p = chiSquared1Survival(chi2);
  return { chi2, p, mismatch: p < SRM_P_THRESHOLD };
}
