/**
 * BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
 * Way", Marketing Science 24(2); equation numbers below are the paper's). Purchases follow a
 * Poisson process with rate λ ~ Gamma(r, α); after each purchase the customer drops out with
 * probability p ~ Beta(a, b). A customer is summarized by x (repeat purchases), t_x (time of
 * the last purchase since the first) and T (time since the first purchase), all in weeks.
 */

import { digamma, lgamma, logSumExp } from './lgamma';
import { maximizeLogLikelihood } from './optimize';

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface RfmSummary {
  x: number;
  tx: number;
  T: number;
}

export interface WeightedRfm extends RfmSummary {
  weight: number;
}

/** Log-likelihood and its gradient with respect to (log r, log α, log a, log b). */
export interface LogLikelihoodWithGradient {
  value: number;
  gradient: [number, number, number, number];
}

/**
 * One customer's log-likelihood and its gradient in log-parameters, eq. (6) in log-sum form:
 *   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r) · [ (α+T)^-(r+x) + δ(x>0) · a/(b+x−1) · (α+t_x)^-(r+x) ]
 * so log L = A1 + A2 + logsumexp(A3, A4), which stays finite for large x.
 */
export function bgnbdLogLikelihoodWithGradient(params: BgnbdParams, c: RfmSummary): LogLikelihoodWithGradient {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = c;
  const a1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  const a4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : Number.NEGATIVE_INFINITY;
  const lse = logSumExp(a3, a4);
  const w3 = Math.exp(a3 - lse);
  const w4 = x > 0 ? Math.exp(a4 - lse) : 0;
  const dr = digamma(r + x) - digamma(r) + Math.log(alpha) - w3 * Math.log(alpha + T) - w4 * Math.log(alpha + tx);
  const dAlpha = r / alpha - w3 * ((r + x) / (alpha + T)) - (x > 0 ? w4 * ((r + x) / (alpha + tx)) : 0);
  const dA = digamma(a + b) - digamma(a + b + x) + (x > 0 ? w4 / a : 0);
  const dB = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - (x > 0 ? w4 / (b + x - 1) : 0);
  return { value: a1 + a2 + lse, gradient: [r * dr, alpha * dAlpha, a * dA, b * dB] };
}

/** One customer's log-likelihood, eq. (6). */
export const bgnbdLogLikelihood = (params: BgnbdParams, c: RfmSummary): number =>
  bgnbdLogLikelihoodWithGradient(params, c).value;

/** Identical (x, t_x, T) rows merged into one row with a weight (the number of customers). */
export function groupCustomers(customers: readonly RfmSummary[]): WeightedRfm[] {
  const groups = new Map<string, WeightedRfm>();
  for (const { x, tx, T } of customers) {
    const key = `${x}|${tx}|${T}`;
    const group = groups.get(key);
    if (group) group.weight++;
    else groups.set(key, { x, tx, T, weight: 1 });
  }
  return [...groups.values()];
}

/**
 * Weighted rows laid out for repeated evaluation: typed arrays per row, and the distinct x
 * values with their total weights, so that the terms that depend only on x and the parameters
 * (the Γ and ψ terms of A1 and A2) are computed once per distinct x, not once per row.
 */
export interface PreparedRfm {
  /** Distinct x values and the total weight of the rows with each. */
  xs: Float64Array;
  xWeight: Float64Array;
  /** Per row: index into xs, T, t_x, weight. */
  xIndex: Int32Array;
  T: Float64Array;
  tx: Float64Array;
  weight: Float64Array;
}

export function prepareRows(rows: readonly WeightedRfm[]): PreparedRfm {
  const index = new Map<number, number>();
  const xs: number[] = [];
  const xWeight: number[] = [];
  const n = rows.length;
  const prepared = {
    xIndex: new Int32Array(n),
    T: new Float64Array(n),
    tx: new Float64Array(n),
    weight: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const row = rows[i] as WeightedRfm;
    let k = index.get(row.x);
    if (k === undefined) {
      k = xs.length;
      index.set(row.x, k);
      xs.push(row.x);
      xWeight.push(0);
    }
    xWeight[k] = (xWeight[k] as number) + row.weight;
    prepared.xIndex[i] = k;
    prepared.T[i] = row.T;
    prepared.tx[i] = row.tx;
    prepared.weight[i] = row.weight;
  }
  return { xs: Float64Array.from(xs), xWeight: Float64Array.from(xWeight), ...prepared };
}

/**
 * Total log-likelihood over prepared rows, eq. (7), with its gradient in log-parameters; the
 * same sums as bgnbdLogLikelihoodWithGradient over the rows, with the per-x terms factored out.
 * `scratch` (optional) holds per-x temporaries and must have room for 3 · xs.length numbers.
 */
export function bgnbdPreparedLogLikelihood(
  params: BgnbdParams,
  rows: PreparedRfm,
  scratch: Float64Array = new Float64Array(3 * rows.xs.length),
): LogLikelihoodWithGradient {
  const { r, alpha, a, b } = params;
  const { xs, xWeight, xIndex, T, tx, weight } = rows;
  const nx = xs.length;
  const logAlpha = Math.log(alpha);
  const logA = Math.log(a);
  const lgR = lgamma(r);
  const psiR = digamma(r);
  const lgAB = lgamma(a + b);
  const psiAB = digamma(a + b);
  const lgB = lgamma(b);
  const psiB = digamma(b);
  let value = 0;
  let gr = 0;
  let gAlpha = 0;
  let gA = 0;
  let gB = 0;
  // Per distinct x: A1 + A2 and the ψ parts of the gradient, weighted by the x's total weight;
  // scratch keeps log(b+x−1) and 1/(b+x−1) for the rows.
  for (let k = 0; k < nx; k++) {
    const x = xs[k] as number;
    const w = xWeight[k] as number;
    const abx = a + b + x;
    value += w * (lgamma(r + x) - lgR + r * logAlpha + lgAB + lgamma(b + x) - lgB - lgamma(abx));
    const psiABX = digamma(abx);
    gr += w * (digamma(r + x) - psiR + logAlpha);
    gAlpha += w * (r / alpha);
    gA += w * (psiAB - psiABX);
    gB += w * (psiAB + digamma(b + x) - psiB - psiABX);
    scratch[k] = x > 0 ? Math.log(b + x - 1) : 0;
    scratch[nx + k] = x > 0 ? 1 / (b + x - 1) : 0;
  }
  // Per row: logsumexp(A3, A4) and the weights w3, w4 of its two terms.
  let sumW4OverA = 0;
  for (let i = 0; i < weight.length; i++) {
    const k = xIndex[i] as number;
    const x = xs[k] as number;
    const w = weight[i] as number;
    const rx = r + x;
    const aT = alpha + (T[i] as number);
    const logAT = Math.log(aT);
    const a3 = -rx * logAT;
    if (x === 0) {
      value += w * a3;
      gr -= w * logAT;
      gAlpha -= w * (rx / aT);
      continue;
    }
    const aTx = alpha + (tx[i] as number);
    const logATx = Math.log(aTx);
    const a4 = logA - (scratch[k] as number) - rx * logATx;
    let w3: number;
    let w4: number;
    if (a3 >= a4) {
      const e = Math.exp(a4 - a3);
      const s = 1 + e;
      value += w * (a3 + Math.log1p(e));
      w3 = 1 / s;
      w4 = e / s;
    } else {
      const e = Math.exp(a3 - a4);
      const s = 1 + e;
      value += w * (a4 + Math.log1p(e));
      w3 = e / s;
      w4 = 1 / s;
    }
    gr -= w * (w3 * logAT + w4 * logATx);
    gAlpha -= w * rx * (w3 / aT + w4 / aTx);
    sumW4OverA += w * w4;
    gB -= w * w4 * (scratch[nx + k] as number);
  }
  gA += sumW4OverA / a;
  return { value, gradient: [r * gr, alpha * gAlpha, a * gA, b * gB] };
}

/** Total log-likelihood over weighted rows, eq. (7), with its gradient in log-parameters. */
export function bgnbdTotalLogLikelihood(params: BgnbdParams, rows: readonly WeightedRfm[]): LogLikelihoodWithGradient {
  return bgnbdPreparedLogLikelihood(params, prepareRows(rows));
}

export interface BgnbdFit {
  params: BgnbdParams;
  logLikelihood: number;
  converged: boolean;
  iterations: number;
}

const fromLog = (v: readonly number[]): BgnbdParams => ({
  r: Math.exp(v[0] as number),
  alpha: Math.exp(v[1] as number),
  a: Math.exp(v[2] as number),
  b: Math.exp(v[3] as number),
});

/** Log-parameters are kept in [-12, 12] (parameters between 6e-6 and 1.6e5). */
const LOG_BOUND = 12;
const STARTS = [
  [0, 0, 0, 0],
  [Math.log(0.5), Math.log(5), 0, Math.log(2)],
  [Math.log(0.2), Math.log(10), Math.log(0.5), Math.log(5)],
  [Math.log(2), Math.log(20), Math.log(2), Math.log(2)],
];

/**
 * Maximum-likelihood fit of (r, α, a, b) over log-parameters; the further starts are tried
 * only if a run ends without converging (then the best end point wins).
 */
export function fitBgnbd(customers: readonly RfmSummary[]): BgnbdFit {
  const rows = prepareRows(groupCustomers(customers));
  const scratch = new Float64Array(3 * rows.xs.length);
  const fit = maximizeLogLikelihood((v) => bgnbdPreparedLogLikelihood(fromLog(v), rows, scratch), {
    starts: STARTS,
    bound: LOG_BOUND,
    count: customers.length,
  });
  return {
    params: fromLog(fit.x),
    logLikelihood: fit.logLikelihood,
    converged: fit.converged,
    iterations: fit.iterations,
  };
}

/**
 * Gaussian hypergeometric 2F1(a, b; c; z) for |z| < 1 by its power series, summed until a term
 * is below 1e-15 of the sum; throws if 100,000 terms do not get there.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(Math.abs(z) < 1)) throw new RangeError(`hyp2f1: series needs |z| < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 100_000; k++) {
    term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    sum += term;
    if (Math.abs(term) <= 1e-15 * Math.abs(sum)) return sum;
  }
  throw new Error(`hyp2f1: series did not converge (a=${a}, b=${b}, c=${c}, z=${z})`);
}

/** log of δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x), the odds of having dropped out. */
function logDeadOdds(params: BgnbdParams, { x, tx, T }: RfmSummary): number {
  const { r, alpha, a, b } = params;
  if (x === 0) return Number.NEGATIVE_INFINITY;
  return Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
}

/** P(alive at T | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)). */
export const pAlive = (params: BgnbdParams, c: RfmSummary): number => 1 / (1 + Math.exp(logDeadOdds(params, c)));

/**
 * E[Y(t) | x, t_x, T], the expected number of purchases in (T, T+t], eq. (10):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive)
 */
export function expectedPurchases(params: BgnbdParams, t: number, c: RfmSummary): number {
  const { r, alpha, a, b } = params;
  const { x, T } = c;
  const ratio = Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
  const f = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  return ((a + b + x - 1) / (a - 1)) * (1 - ratio * f) * pAlive(params, c);
}

/**
 * P(no purchase in (T, T+h] | x, t_x, T). A customer who has dropped out buys nothing; one who
 * is alive at T stays alive until the next purchase (dropout happens only right after a
 * purchase), so buys nothing in the window with probability E[e^(−λh)] under the posterior
 * λ | alive, x, t_x, T ~ Gamma(r+x, α+T). Hence
 *   P = 1 − P(alive) + P(alive) · ((α+T)/(α+T+h))^(r+x).
 * The exponent is r+x, not r (the two agree only when x = 0). Check: P equals
 * L(x, t_x, T+h) / L(x, t_x, T), since "no purchase in (T, T+h]" plus the data up to T is the
 * same event as observing (x, t_x, T+h).
 */
export function probabilityNoPurchase(params: BgnbdParams, h: number, c: RfmSummary): number {
  const { r, alpha } = params;
  const alive = pAlive(params, c);
  const noEvent = Math.exp((r + c.x) * (Math.log(alpha + c.T) - Math.log(alpha + c.T + h)));
  return 1 - alive + alive * noEvent;
}
