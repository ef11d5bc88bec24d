/**
 * What a campaign or journey changed, measured against its holdout: the rates of both arms,
 * the absolute lift with a Newcombe interval, the relative lift with a Katz-adjusted interval,
 * incremental conversions and revenue, ROI, the sample-ratio check and whether there is
 * enough data to call it at all.
 *
 * The counts come from our own use cases, so bad ones are programming errors: measureLift
 * throws a RangeError naming the field (`treated.n`, `holdout.revenue.currency`, …) and never
 * returns NaN.
 */
import type { Money } from '../events/schemas';
import { assertArm, assertCount, assertOpenUnit } from './checks';
import { minimumDetectableEffect } from './power';
import { DEFAULT_CONFIDENCE, type Estimate, katzRatioInterval, newcombeDifferenceInterval } from './proportions';
import { type SampleRatioMismatch, sampleRatioMismatch } from './srm';

export { minimumDetectableEffect, sampleSize } from './power';

/** Below this many members in either arm a lift is not reported as a result. */
export const MIN_ARM_MEMBERS = 1_000;
/** Below this many holdout conversions a lift is not reported as a result. */
export const MIN_HOLDOUT_CONVERSIONS = 30;

export type InsufficientDataReason =
  | 'treated_below_min_members'
  | 'holdout_below_min_members'
  | 'holdout_below_min_conversions';

export interface ArmInput {
  n: number;
  conversions: number;
  /** The arm's attributed revenue, integer minor units; give it for both arms or neither. */
  revenue?: Money;
}

export interface LiftInput {
  treated: ArmInput;
  holdout: ArmInput;
  /** The share of the audience the assignment meant to hold out, e.g. 0.1. */
  expectedHoldoutShare: number;
  /** What the incentives given to the treated arm cost, in the revenue's currency. */
  incentiveCost?: Money;
  /** Of both intervals; 0.95 by default. */
  confidence?: number;
}

export interface ArmRate {
  n: number;
  conversions: number;
  /** conversions / n. */
  rate: number;
}

/** An amount of money that may be negative: integer minor units. */
export interface SignedMoney {
  amount: number;
  currency: string;
}

export interface RevenueLift {
  currency: string;
  /** Revenue per member of each arm, minor units (not rounded). */
  treatedPerMember: number;
  holdoutPerMember: number;
  /** (treated − holdout revenue per member) × treated members, rounded to the minor unit. */
  incremental: SignedMoney;
}

export interface LiftReport {
  /** 'insufficient_data': no winner may be called; the figures are shown for what they are. */
  status: 'ok' | 'insufficient_data';
  /** Why the data are insufficient; empty when status is 'ok'. */
  reasons: InsufficientDataReason[];
  confidence: number;
  treated: ArmRate;
  holdout: ArmRate;
  /** rate_t − rate_h as a difference of rates (0.01 = one percentage point), Newcombe interval. */
  absoluteLift: Estimate;
  /**
   * rate_t / rate_h − 1, Katz-adjusted interval (also minus 1). The adjustment keeps the
   * interval finite even when the holdout has no conversions; the estimate is then null,
   * with nullReason 'holdout_has_no_conversions'.
   */
  relativeLift: {
    estimate: number | null;
    lower: number;
    upper: number;
    nullReason: 'holdout_has_no_conversions' | null;
  };
  /** (rate_t − rate_h) × n_t, with the absolute lift's interval scaled alike. Not rounded. */
  incrementalConversions: Estimate;
  /** Null when no revenue was given. */
  revenue: RevenueLift | null;
  incentiveCost: Money | null;
  /** (incremental revenue − cost) / cost; null when revenue or a positive cost is missing. */
  roi: number | null;
  roiNullReason: 'no_revenue' | 'no_incentive_cost' | null;
  srm: SampleRatioMismatch;
  /**
   * The smallest absolute lift these arm sizes detect at 80 % power and α = 1 − confidence,
   * taking the holdout's rate as the base; null when that rate is 0 or 1, or nothing is detectable.
   */
  minimumDetectableEffect: number | null;
}

function checkMoney(field: string, money: Money): void {
  assertCount(`${field}.amount`, money.amount);
  if (!/^[A-Z]{3}$/.test(money.currency)) {
    throw new RangeError(
      `${field}.currency must be an ISO 4217 code such as EUR, got ${JSON.stringify(money.currency)}`,
    );
  }
}

function checkInput(input: LiftInput): void {
  const { treated, holdout, incentiveCost } = input;
  assertArm('treated.conversions', treated.conversions, 'treated.n', treated.n);
  assertArm('holdout.conversions', holdout.conversions, 'holdout.n', holdout.n);
  assertOpenUnit('expectedHoldoutShare', input.expectedHoldoutShare);
  if (input.confidence !== undefined) assertOpenUnit('confidence', input.confidence);
  if ((treated.revenue === undefined) !== (holdout.revenue === undefined)) {
    throw new RangeError('treated.revenue and holdout.revenue must be given together');
  }
  if (treated.revenue) checkMoney('treated.revenue', treated.revenue);
  if (holdout.revenue) checkMoney('holdout.revenue', holdout.revenue);
  if (incentiveCost) checkMoney('incentiveCost', incentiveCost);
  const currency = treated.revenue?.currency;
  if (currency !== undefined && holdout.revenue?.currency !== currency) {
    throw new RangeError(`holdout.revenue.currency must be treated.revenue.currency (${currency})`);
  }
  if (currency !== undefined && incentiveCost && incentiveCost.currency !== currency) {
    throw new RangeError(`incentiveCost.currency must be treated.revenue.currency (${currency})`);
  }
}

function insufficientDataReasons(treated: ArmInput, holdout: ArmInput): InsufficientDataReason[] {
  const reasons: InsufficientDataReason[] = [];
  if (treated.n < MIN_ARM_MEMBERS) reasons.push('treated_below_min_members');
  if (holdout.n < MIN_ARM_MEMBERS) reasons.push('holdout_below_min_members');
  if (holdout.conversions < MIN_HOLDOUT_CONVERSIONS) reasons.push('holdout_below_min_conversions');
  return reasons;
}

function revenueLift(treated: ArmInput, holdout: ArmInput): RevenueLift | null {
  if (!treated.revenue || !holdout.revenue) return null;
  const treatedPerMember = treated.revenue.amount / treated.n;
  const holdoutPerMember = holdout.revenue.amount / holdout.n;
  // Written as R_t − R_h·n_t/n_h, equal to (R_t/n_t − R_h/n_h)·n_t with one rounding less.
  const incremental = Math.round(treated.revenue.amount - (holdout.revenue.amount * treated.n) / holdout.n);
  return {
    currency: treated.revenue.currency,
    treatedPerMember,
    holdoutPerMember,
    incremental: { amount: incremental, currency: treated.revenue.currency },
  };
}

function detectable(treated: ArmInput, holdout: ArmInput, confidence: number): number | null {
  const baseRate = holdout.conversions / holdout.n;
  if (baseRate <= 0 || baseRate >= 1) return null;
  const mde = minimumDetectableEffect({
    nTreated: treated.n,
    nHoldout: holdout.n,
    baseRate,
    alpha: 1 - confidence,
  });
  return mde?.absolute ?? null;
}

/** The lift of `input.treated` over `input.holdout`; throws a RangeError naming a bad field. */
export function measureLift(input: LiftInput): LiftReport {
  checkInput(input);
  const { treated, holdout } = input;
  const confidence = input.confidence ?? DEFAULT_CONFIDENCE;
  const treatedRate = treated.conversions / treated.n;
  const holdoutRate = holdout.conversions / holdout.n;

  const absoluteLift = newcombeDifferenceInterval(
    treated.conversions,
    treated.n,
    holdout.conversions,
    holdout.n,
    confidence,
  );
  const ratio = katzRatioInterval(treated.conversions, treated.n, holdout.conversions, holdout.n, confidence);
  const reasons = insufficientDataReasons(treated, holdout);
  const revenue = revenueLift(treated, holdout);
  const incentiveCost = input.incentiveCost ?? null;
  const canRoi = revenue !== null && incentiveCost !== null && incentiveCost.amount > 0;

  return {
    status: reasons.length === 0 ? 'ok' : 'insufficient_data',
    reasons,
    confidence,
    treated: { n: treated.n, conversions: treated.conversions, rate: treatedRate },
    holdout: { n: holdout.n, conversions: holdout.conversions, rate: holdoutRate },
    absoluteLift,
    relativeLift: {
      estimate: holdout.conversions === 0 ? null : treatedRate / holdoutRate - 1,
      lower: ratio.lower - 1,
      upper: ratio.upper - 1,
      nullReason: holdout.conversions === 0 ? 'holdout_has_no_conversions' : null,
    },
    incrementalConversions: {
      estimate: absoluteLift.estimate * treated.n,
      lower: absoluteLift.lower * treated.n,
      upper: absoluteLift.upper * treated.n,
    },
    revenue,
    incentiveCost,
    roi: canRoi ? (revenue.incremental.amount - incentiveCost.amount) / incentiveCost.amount : null,
    roiNullReason: canRoi ? null : revenue === null ? 'no_revenue' : 'no_incentive_cost',
    srm: sampleRatioMismatch({
      treated: treated.n,
      holdout: holdout.n,
      expectedHoldoutShare: input.expectedHoldoutShare,
    }),
    minimumDetectableEffect: detectable(treated, holdout, confidence),
  };
}
