/**
 * Before a campaign runs: what its holdout can detect. For arm sizes and the holdout's expected
 * conversion rate (the base rate), the smallest absolute lift the two-sided two-proportion z test
 * detects at 80 % power and α = 0.05 (functions/core/metrics/power.ts), or why there is none.
 */
import { DEFAULT_ALPHA, DEFAULT_POWER, type DetectableEffect, minimumDetectableEffect } from '../metrics/power';

export type HoldoutPower = {
  alpha: number;
  power: number;
  /** Null: see note. */
  minimumDetectableEffect: DetectableEffect | null;
  note: string | null;
};

export const POWER_NOTES = {
  noBaseRate: 'no base rate: give one, or measure a run first (its holdout rate is used)',
  baseRateOutOfRange: 'the base rate must lie strictly between 0 and 1',
  emptyArm: 'an arm would have no member: nothing can be detected',
  tooFew: 'too few members to detect any lift at this power',
} as const;

/** The holdout's power for arms of `treated` and `heldOut` members at `baseRate`. */
export function holdoutPower(arms: { treated: number; heldOut: number }, baseRate: number | null): HoldoutPower {
  const base = { alpha: DEFAULT_ALPHA, power: DEFAULT_POWER };
  const none = (note: string): HoldoutPower => ({ ...base, minimumDetectableEffect: null, note });
  if (baseRate === null) return none(POWER_NOTES.noBaseRate);
  if (!(baseRate > 0 && baseRate < 1)) return none(POWER_NOTES.baseRateOutOfRange);
  if (arms.treated < 1 || arms.heldOut < 1) return none(POWER_NOTES.emptyArm);
  const effect = minimumDetectableEffect({ nTreated: arms.treated, nHoldout: arms.heldOut, baseRate });
  return effect ? { ...base, minimumDetectableEffect: effect, note: null } : none(POWER_NOTES.tooFew);
}
