/**
 * Confidence intervals for conversion rates: one rate (Wilson), the difference of two
 * independent rates (Newcombe's hybrid score, method 10 of Newcombe 1998) and their ratio
 * (Katz log with the +0.5 adjustment, as statsmodels `confint_proportions_2indep(method=
 * 'log-adjusted', compare='ratio')`). Fagerland, Lydersen & Laake (2015) recommend this pair;
 * unlike Wald, neither collapses when an arm has 0 or all conversions.
 *
 * Arguments are counts: x conversions out of n members. Bad counts throw a RangeError (./checks).
 */
import { assertArm, assertOpenUnit } from './checks';
import { normalQuantile } from './normal';

export const DEFAULT_CONFIDENCE = 0.95;

export interface Interval {
  lower: number;
  upper: number;
}

export interface Estimate extends Interval {
  estimate: number;
}

/** The two-sided critical value z₁₋α/₂ for a confidence level 1 − α. */
export function twoSidedZ(confidence: number): number {
  assertOpenUnit('confidence', confidence);
  return normalQuantile(1 - (1 - confidence) / 2);
}

function wilsonWithZ(x: number, n: number, z: number): Interval {
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // At x = 0 (x = n) the bound is 0 (1) exactly; the subtraction would leave a few ulps.
  return {
    lower: x === 0 ? 0 : Math.max(0, centre - halfWidth),
    upper: x === n ? 1 : Math.min(1, centre + halfWidth),
  };
}

/** Wilson score interval for the rate x/n. */
export function wilsonInterval(x: number, n: number, confidence = DEFAULT_CONFIDENCE): Interval {
  assertArm('x', x, 'n', n);
  return wilsonWithZ(x, n, twoSidedZ(confidence));
}

/**
 * Newcombe's hybrid score interval for p1 − p2 (x1/n1 − x2/n2): with (lᵢ, uᵢ) the Wilson
 * interval of each rate, d − √((p1−l1)² + (u2−p2)²) to d + √((u1−p1)² + (p2−l2)²).
 */
export function newcombeDifferenceInterval(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  confidence = DEFAULT_CONFIDENCE,
): Estimate {
  assertArm('x1', x1, 'n1', n1);
  assertArm('x2', x2, 'n2', n2);
  const z = twoSidedZ(confidence);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const w1 = wilsonWithZ(x1, n1, z);
  const w2 = wilsonWithZ(x2, n2, z);
  const d = p1 - p2;
  return {
    estimate: d,
    lower: Math.max(-1, d - Math.hypot(p1 - w1.lower, w2.upper - p2)),
    upper: Math.min(1, d + Math.hypot(w1.upper - p1, p2 - w2.lower)),
  };
}

/**
 * Katz log interval for the ratio p1/p2, adjusted as statsmodels 'log-adjusted' is: 0.5 is
 * added to BOTH the conversions and the members of EACH arm (xᵢ' = xᵢ + ½, nᵢ' = nᵢ + ½), then
 * ratio' = (x1'/n1') / (x2'/n2'), Var(log ratio') = 1/x1' − 1/n1' + 1/x2' − 1/n2', and the
 * interval is exp(log ratio' ∓ z·√Var). The adjustment keeps it finite when an arm has no
 * conversions. `estimate` is the adjusted ratio the interval is centred on (in log), not x1/n1 ÷ x2/n2.
 */
export function katzRatioInterval(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  confidence = DEFAULT_CONFIDENCE,
): Estimate {
  assertArm('x1', x1, 'n1', n1);
  assertArm('x2', x2, 'n2', n2);
  const z = twoSidedZ(confidence);
  const a1 = x1 + 0.5;
  const m1 = n1 + 0.5;
  const a2 = x2 + 0.5;
  const m2 = n2 + 0.5;
  const logRatio = Math.log(a1 / m1) - Math.log(a2 / m2);
  // Each 1/x' − 1/n' is ≥ 0 in exact arithmetic (x' ≤ n'); max() keeps rounding from making it negative.
  const variance = Math.max(0, 1 / a1 - 1 / m1) + Math.max(0, 1 / a2 - 1 / m2);
  const halfWidth = z * Math.sqrt(variance);
  return {
    estimate: Math.exp(logRatio),
    lower: Math.exp(logRatio - halfWidth),
    upper: Math.exp(logRatio + halfWidth),
  };
}
