/**
 * Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
 * Iso-Value Curves for Customer Base Analysis", JMR 42(4); Fader & Hardie 2013, "The
 * Gamma-Gamma Model of Monetary Value"). Each transaction value is Gamma(p, ν) with
 * ν ~ Gamma(q, γ) across customers. Fitted on customers with x > 0 repeat purchases and
 * mean repeat spend zbar > 0.
 */

import { digamma, lgamma } from './lgamma';
import { minimize } from './optimize';

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

/** Maximum-likelihood fit of (p, q, γ) over log-parameters, ignoring customers with x = 0. */
export function fitGammaGamma(customers: readonly SpendSummary[]): GammaGammaFit {
  const rows = customers.filter((c) => c.x > 0 && c.zbar > 0);
  if (rows.length === 0) throw new Error('fitGammaGamma: no customer with x > 0 and zbar > 0');
  const scale = 1 / rows.length;
  const result = minimize(
    (v) => {
      const params = fromLog(v);
      let value = 0;
      const gradient = [0, 0, 0];
      for (const row of rows) {
        const one = gammaGammaLogLikelihoodWithGradient(params, row);
        value += one.value;
        for (let i = 0; i < 3; i++) gradient[i] = (gradient[i] as number) + (one.gradient[i] as number);
      }
      return { value: -value * scale, gradient: gradient.map((g) => -g * scale) };
    },
    {
      starts: STARTS,
      lower: Array(3).fill(-LOG_BOUND),
      upper: Array(3).fill(LOG_BOUND),
      gradientTolerance: 1e-7,
      maxIterations: 1000,
    },
  );
  return {
    params: fromLog(result.x),
    logLikelihood: -result.value / scale,
    converged: result.converged,
    iterations: result.iterations,
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
