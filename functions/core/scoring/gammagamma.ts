/**
 * Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
 * Iso-Value Curves for Customer Base Analysis", JMR 42(4); Fader & Hardie 2013, "The
 * Gamma-Gamma Model of Monetary Value"). Each transaction value is Gamma(p, ν) with
 * ν ~ Gamma(q, γ) across customers. Fitted on customers with x > 0 repeat purchases and
 * mean repeat spend zbar > 0.
 */

import { digamma, lgamma } from './lgamma';
import { maximizeLogLikelihood } from './optimize';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface SpendSummary {
  x: number;
  zbar: number;
}

/**
 * log f(zbar | p, q, γ; x), the density of the mean of x transactions (Fader & Hardie 2013, eq. 4):
 *   Γ(px+q) / (Γ(px) Γ(q)) · γ^q · zbar^(px−1) · x^(px) / (γ + x·zbar)^(px+q)
 * Every factor depends on p, q or γ: there are no constant terms to drop.
 * Returns the value and the gradient with respect to (log p, log q, log γ).
 */
export function gammaGammaLogLikelihoodWithGradient(
  params: GammaGammaParams,
  { x, zbar }: SpendSummary,
): { value: number; gradient: [number, number, number] } {
  const { p, q, gamma } = params;
  const px = p * x;
  const logTotal = Math.log(gamma + x * zbar);
  const value =
    lgamma(px + q) -
    lgamma(px) -
    lgamma(q) +
    q * Math.log(gamma) +
    (px - 1) * Math.log(zbar) +
    px * Math.log(x) -
    (px + q) * logTotal;
  const psiSum = digamma(px + q);
  const dp = x * (psiSum - digamma(px) + Math.log(zbar) + Math.log(x) - logTotal);
  const dq = psiSum - digamma(q) + Math.log(gamma) - logTotal;
  const dGamma = q / gamma - (px + q) / (gamma + x * zbar);
  return { value, gradient: [p * dp, q * dq, gamma * dGamma] };
}

export const gammaGammaLogLikelihood = (params: GammaGammaParams, c: SpendSummary): number =>
  gammaGammaLogLikelihoodWithGradient(params, c).value;

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  converged: boolean;
  iterations: number;
  /** Customers used (x > 0 and zbar > 0). */
  customers: number;
}

const fromLog = (v: readonly number[]): GammaGammaParams => ({
  p: Math.exp(v[0] as number),
  q: Math.exp(v[1] as number),
  gamma: Math.exp(v[2] as number),
});

const LOG_BOUND = 15;
const STARTS = [
  [0, 0, 0],
  [Math.log(5), Math.log(3), Math.log(10)],
  [Math.log(2), Math.log(5), Math.log(50)],
  [Math.log(10), Math.log(2), Math.log(5)],
];

/**
 * Customers laid out for repeated evaluation: the distinct x values with their counts (the Γ
 * and ψ terms depend only on x and the parameters), per-row x and x·zbar, and the data-only
 * sums Σ log zbar and Σ x·(log zbar + log x).
 */
interface PreparedSpend {
  xs: Float64Array;
  xCount: Float64Array;
  x: Float64Array;
  total: Float64Array;
  sumLogZbar: number;
  sumXLogXZbar: number;
}

function prepareSpend(rows: readonly SpendSummary[]): PreparedSpend {
  const counts = new Map<number, number>();
  const x = new Float64Array(rows.length);
  const total = new Float64Array(rows.length);
  let sumLogZbar = 0;
  let sumXLogXZbar = 0;
  rows.forEach((row, i) => {
    counts.set(row.x, (counts.get(row.x) ?? 0) + 1);
    x[i] = row.x;
    total[i] = row.x * row.zbar;
    sumLogZbar += Math.log(row.zbar);
    sumXLogXZbar += row.x * (Math.log(row.zbar) + Math.log(row.x));
  });
  return {
    xs: Float64Array.from(counts.keys()),
    xCount: Float64Array.from(counts.values()),
    x,
    total,
    sumLogZbar,
    sumXLogXZbar,
  };
}

/** Σ gammaGammaLogLikelihoodWithGradient over the prepared rows, with the per-x terms factored out. */
function preparedLogLikelihood(
  { p, q, gamma }: GammaGammaParams,
  rows: PreparedSpend,
): { value: number; gradient: [number, number, number] } {
  const { xs, xCount, x, total } = rows;
  const lgQ = lgamma(q);
  const psiQ = digamma(q);
  const logGamma = Math.log(gamma);
  let value = p * rows.sumXLogXZbar - rows.sumLogZbar;
  let dp = rows.sumXLogXZbar;
  let dq = 0;
  let dGamma = 0;
  for (let k = 0; k < xs.length; k++) {
    const xk = xs[k] as number;
    const n = xCount[k] as number;
    const px = p * xk;
    const psiSum = digamma(px + q);
    value += n * (lgamma(px + q) - lgamma(px) - lgQ + q * logGamma);
    dp += n * xk * (psiSum - digamma(px));
    dq += n * (psiSum - psiQ + logGamma);
    dGamma += n * (q / gamma);
  }
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const sum = gamma + (total[i] as number);
    const logTotal = Math.log(sum);
    const pxq = p * xi + q;
    value -= pxq * logTotal;
    dp -= xi * logTotal;
    dq -= logTotal;
    dGamma -= pxq / sum;
  }
  return { value, gradient: [p * dp, q * dq, gamma * dGamma] };
}

/**
 * Maximum-likelihood fit of (p, q, γ) over log-parameters, ignoring customers with x = 0; the
 * further starts are tried only if a run ends without converging.
 */
export function fitGammaGamma(customers: readonly SpendSummary[]): GammaGammaFit {
  const rows = customers.filter((c) => c.x > 0 && c.zbar > 0);
  if (rows.length === 0) throw new Error('fitGammaGamma: no customer with x > 0 and zbar > 0');
  const prepared = prepareSpend(rows);
  const fit = maximizeLogLikelihood((v) => preparedLogLikelihood(fromLog(v), prepared), {
    starts: STARTS,
    bound: LOG_BOUND,
    count: rows.length,
  });
  return {
    params: fromLog(fit.x),
    logLikelihood: fit.logLikelihood,
    converged: fit.converged,
    iterations: fit.iterations,
    customers: rows.length,
  };
}

/**
 * E[M | p, q, γ, x, zbar] = p(γ + x·zbar) / (px + q − 1) (Fader & Hardie 2013, eq. 5): a weighted
 * mean of the population mean pγ/(q−1) and the customer's zbar. With x = 0 it is the
 * population mean. Needs q > 1.
 */
export const expectedAverageSpend = (params: GammaGammaParams, { x, zbar }: SpendSummary): number =>
  (params.p * (params.gamma + x * zbar)) / (params.p * x + params.q - 1);
