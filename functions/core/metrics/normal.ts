/**
 * The standard normal distribution: Φ, its upper tail and its inverse, accurate to about
 * 1e-15 (relative, in either tail), which the intervals and power calculations of this folder need.
 */

const SQRT2 = Math.SQRT2;
const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Below this argument erfc is 1 − erf from the power series (erfc(1) ≈ 0.157, so the
 * subtraction loses a few ulps at most); above it, the continued fraction, which needs under
 * 200 terms from here on and more the closer x gets to 0.
 */
const SERIES_LIMIT = 1;

/**
 * erf(x) for 0 ≤ x < SERIES_LIMIT, from erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)),
 * whose terms are all positive: no cancellation, unlike the alternating Taylor series.
 */
function erfSeries(x: number): number {
  const twoX2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 200 && term > sum * 1e-17; k++) {
    term *= twoX2 / (2 * k + 1);
    sum += term;
  }
  return (2 / SQRT_PI) * Math.exp(-x * x) * sum;
}

/**
 * The continued fraction of erfc without its factor: erfc(x) = e^(−x²)/√π · 1/K(x), where
 * K(x) = x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))), evaluated by the modified Lentz method
 * for x ≥ SERIES_LIMIT. Unlike 1 − erf, it keeps full relative precision deep in the tail.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 1000; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const step = c * d;
    f *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return f;
}

/**
 * e^(−z²/2), with z split into a part of few bits (whose square is exact) and a small rest:
 * exp of a rounded z² would lose up to ~1e-14 relative by z = 10.
 */
function gaussianFactor(z: number): number {
  const high = Math.round(z * 16) / 16;
  const low = z - high;
  return Math.exp((-high * high) / 2) * Math.exp((-low * (z + high)) / 2);
}

/** 1 − Φ(z), the upper tail: computed directly, so it stays accurate where Φ(z) rounds to 1. */
export function normalSurvival(z: number): number {
  if (Number.isNaN(z)) throw new RangeError('z must be a number');
  if (!Number.isFinite(z)) return z > 0 ? 0 : 1;
  const x = Math.abs(z) / SQRT2;
  const tail = x < SERIES_LIMIT ? (1 - erfSeries(x)) / 2 : gaussianFactor(z) / (2 * SQRT_PI * erfcContinuedFraction(x));
  return z >= 0 ? tail : 1 - tail;
}

/** Φ(z), the standard normal cumulative distribution function. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) throw new RangeError('z must be a number');
  return normalSurvival(-z);
}

// Acklam's rational approximations of Φ⁻¹ (relative error below 1.15e-9), for p ≤ 0.5.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

const horner = (coefficients: readonly number[], x: number): number =>
  coefficients.reduce((acc, coefficient) => acc * x + coefficient, 0);

function acklamLowerHalf(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return horner(C, q) / (horner(D, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (horner(A, r) * q) / (horner(B, r) * r + 1);
}

/**
 * Φ⁻¹(p) for 0 < p < 1: Acklam's approximation refined by Halley steps on Φ(x) − p, which
 * brings it to the accuracy of normalCdf. An upper-half p is answered as −Φ⁻¹(1 − p): 1 − p
 * is exact for p ≥ 0.5, and the lower tail is where Φ keeps its relative precision.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be strictly between 0 and 1, got ${p}`);
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklamLowerHalf(p);
  for (let step = 0; step < 2; step++) {
    const u = (normalCdf(x) - p) * SQRT_2PI * Math.exp((x * x) / 2);
    if (!Number.isFinite(u)) break;
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}
