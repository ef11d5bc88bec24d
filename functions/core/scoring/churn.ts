/**
 * Churn score: the probability that a customer makes no purchase in the next h weeks.
 *
 * BG/NBD's own P(no purchase in h) ranks customers well on frequency but, at equal x, mostly by
 * age T; plain recency (weeks since the last purchase) is a strong ranking on its own. The score
 * combines them with a small logistic regression on
 *   [logit P_bgnbd(no purchase in h), recency, log(1+recency), log(1+x), T]
 * (plus any extra per-customer features, e.g. engagement), whose weights are learned on a time
 * split inside the calibration period: BG/NBD is fitted on the data up to a cutoff
 * (end of calibration − h_train), the label is "no purchase in (cutoff, cutoff + h_train]", and
 * nothing after the end of calibration is looked at. The BG/NBD is then refitted on the whole
 * calibration period and the customers are scored at its end.
 *
 * h_train = h when the calibration period allows it; otherwise the longest horizon that still
 * leaves `minHistoryWeeks` of history before the cutoff (the model feature carries the horizon).
 * Pure: plain data in, plain data out.
 */

import { type BgnbdParams, fitBgnbd, probabilityNoPurchase } from './bgnbd';
import { minimize } from './optimize';
import { type CustomerSummary, type PurchaseDay, summarize } from './transactions';

export const FEATURE_NAMES = ['logitModel', 'recency', 'logRecency', 'logFrequency', 'age'] as const;

const EPS = 1e-9;
const logit = (p: number): number => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Feature rows for customers summarized at some end of calibration, for horizon h weeks. */
export function churnFeatures(
  params: BgnbdParams,
  h: number,
  customers: readonly CustomerSummary[],
  extra?: ReadonlyMap<string, readonly number[]>,
): number[][] {
  return customers.map((c) => {
    const recency = c.T - c.tx;
    return [
      logit(probabilityNoPurchase(params, h, c)),
      recency,
      Math.log1p(recency),
      Math.log1p(c.x),
      c.T,
      ...(extra?.get(c.id) ?? []),
    ];
  });
}

export interface LogisticModel {
  /** Intercept first, then one weight per standardized feature. */
  weights: number[];
  mean: number[];
  sd: number[];
}

/** L2-penalized (on the weights, not the intercept) logistic regression, fitted by BFGS. */
export function fitLogistic(
  rows: readonly (readonly number[])[],
  labels: readonly boolean[],
  l2 = 1e-3,
): LogisticModel {
  if (rows.length === 0) throw new RangeError('fitLogistic: no rows');
  const d = (rows[0] as readonly number[]).length;
  const n = rows.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[j] as number), 0) / n);
  const sd = Array.from({ length: d }, (_, j) => {
    const v = rows.reduce((s, r) => s + ((r[j] as number) - (mean[j] as number)) ** 2, 0) / n;
    return v > 0 ? Math.sqrt(v) : 1;
  });
  const z = rows.map((r) => r.map((v, j) => (v - (mean[j] as number)) / (sd[j] as number)));
  const y = labels.map((l) => (l ? 1 : 0));
  const base = Math.min(1 - 1e-6, Math.max(1e-6, y.reduce<number>((s, v) => s + v, 0) / n));
  const result = minimize(
    (w) => {
      let value = 0;
      const gradient = new Array<number>(d + 1).fill(0);
      for (let i = 0; i < n; i++) {
        const zi = z[i] as number[];
        let eta = w[0] as number;
        for (let j = 0; j < d; j++) eta += (w[j + 1] as number) * (zi[j] as number);
        const yi = y[i] as number;
        // −log-likelihood = log(1+e^η) − yη, computed stably
        value += (eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta))) - yi * eta;
        const r = sigmoid(eta) - yi;
        gradient[0] = (gradient[0] as number) + r;
        for (let j = 0; j < d; j++) gradient[j + 1] = (gradient[j + 1] as number) + r * (zi[j] as number);
      }
      for (let j = 1; j <= d; j++) {
        value += 0.5 * l2 * n * (w[j] as number) ** 2;
        gradient[j] = (gradient[j] as number) + l2 * n * (w[j] as number);
      }
      return { value: value / n, gradient: gradient.map((g) => g / n) };
    },
    { starts: [[logit(base), ...new Array<number>(d).fill(0)]], gradientTolerance: 1e-8, maxIterations: 2000 },
  );
  return { weights: result.x, mean, sd };
}

export function predictLogistic(model: LogisticModel, row: readonly number[]): number {
  let eta = model.weights[0] as number;
  row.forEach((v, j) => {
    eta += (model.weights[j + 1] as number) * ((v - (model.mean[j] as number)) / (model.sd[j] as number));
  });
  return sigmoid(eta);
}

export interface ChurnOptions {
  /** Shortest history (weeks from the first purchase in the data to the training cutoff). Default 13. */
  minHistoryWeeks?: number;
  /** Ridge penalty of the logistic weights. Default 1e-3. */
  l2?: number;
  /** Extra features per customer id (e.g. engagement), the same length for every customer. */
  extraFeatures?: ReadonlyMap<string, readonly number[]>;
}

export interface ChurnScores {
  horizon: number;
  /** Horizon (weeks) of the time split the weights were learned on. */
  trainHorizon: number;
  /** Day of the training cutoff. */
  trainCutoff: number;
  trainCustomers: number;
  trainParams: BgnbdParams;
  combined: LogisticModel;
  recencyOnly: LogisticModel;
  /** Per customer, in the order of `customers`. */
  churn: number[];
  /** BG/NBD P(no purchase in h) with the full-calibration parameters. */
  model: number[];
  /** Recency mapped to a probability by a one-feature logistic fitted on the same split. */
  recencyProbability: number[];
  /** Weeks since the last purchase (the recency ranking). */
  recency: number[];
}

/**
 * Churn scores for horizon `h` weeks at the end of calibration `calibrationEnd` (a day).
 * `customers` are the summaries at `calibrationEnd`, `params` the BG/NBD fitted on them.
 */
export function scoreChurn(
  days: ReadonlyMap<string, readonly PurchaseDay[]>,
  calibrationEnd: number,
  h: number,
  customers: readonly CustomerSummary[],
  params: BgnbdParams,
  options: ChurnOptions = {},
): ChurnScores {
  const minHistory = options.minHistoryWeeks ?? 13;
  let firstDay = Number.POSITIVE_INFINITY;
  for (const list of days.values()) if (list[0] && list[0].day < firstDay) firstDay = list[0].day;
  const span = (calibrationEnd - firstDay) / 7;
  const trainHorizon = Math.min(h, Math.floor(span - minHistory));
  if (!(trainHorizon >= 1)) {
    throw new RangeError(`calibration period too short (${span.toFixed(1)} weeks) to learn a churn score`);
  }
  const trainCutoff = calibrationEnd - Math.round(trainHorizon * 7);
  // Only purchases up to the end of calibration: the holdout is never looked at.
  const trainSummaries = summarize(days, trainCutoff).map((c) => ({
    ...c,
    holdout: c.holdout.filter((w) => w <= (calibrationEnd - trainCutoff) / 7 + 1e-9),
  }));
  const trainFit = fitBgnbd(trainSummaries);
  const trainLabels = trainSummaries.map((c) => c.holdout.length === 0);
  const trainRows = churnFeatures(trainFit.params, trainHorizon, trainSummaries, options.extraFeatures);
  const combined = fitLogistic(trainRows, trainLabels, options.l2);
  const recencyOnly = fitLogistic(
    trainSummaries.map((c) => [c.T - c.tx]),
    trainLabels,
    options.l2,
  );
  const rows = churnFeatures(params, h, customers, options.extraFeatures);
  return {
    horizon: h,
    trainHorizon,
    trainCutoff,
    trainCustomers: trainSummaries.length,
    trainParams: trainFit.params,
    combined,
    recencyOnly,
    churn: rows.map((r) => predictLogistic(combined, r)),
    model: customers.map((c) => probabilityNoPurchase(params, h, c)),
    recencyProbability: customers.map((c) => predictLogistic(recencyOnly, [c.T - c.tx])),
    recency: customers.map((c) => c.T - c.tx),
  };
}
