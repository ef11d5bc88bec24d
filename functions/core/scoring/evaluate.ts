/**
 * Measures of a score against binary outcomes (1 = the event, e.g. churned). Pure.
 */

/** Average ranks (1-based) of the values, ties sharing the mean of their ranks. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (
      j + 1 < order.length &&
      (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]
    )
      j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[(order[k] as readonly [number, number])[1]] = rank;
    i = j + 1;
  }
  return ranks;
}

function check(scores: readonly number[], labels: readonly (0 | 1 | boolean)[]) {
  if (scores.length !== labels.length) throw new RangeError('scores and labels differ in length');
  if (scores.length === 0) throw new RangeError('no observations');
  if (!scores.every(Number.isFinite)) throw new RangeError('a score is not a finite number');
}

const one = (l: 0 | 1 | boolean): number => (l === true || l === 1 ? 1 : 0);

/**
 * Area under the ROC curve by the Mann-Whitney rank sum, ties counting one half: the probability
 * that a random positive scores above a random negative. NaN when one class is empty.
 */
export function auc(scores: readonly number[], labels: readonly (0 | 1 | boolean)[]): number {
  check(scores, labels);
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  labels.forEach((l, i) => {
    if (one(l)) {
      positives++;
      rankSum += ranks[i] as number;
    }
  });
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean squared difference between probabilities and outcomes. */
export function brier(probabilities: readonly number[], labels: readonly (0 | 1 | boolean)[]): number {
  check(probabilities, labels);
  return probabilities.reduce((s, p, i) => s + (p - one(labels[i] as 0 | 1 | boolean)) ** 2, 0) / labels.length;
}

/**
 * Share of positives among the top `fraction` of scores divided by the overall share. Ties at the
 * cut are taken in proportion (the expected value under random tie-breaking). NaN with no positives.
 */
export function topLift(scores: readonly number[], labels: readonly (0 | 1 | boolean)[], fraction = 0.1): number {
  check(scores, labels);
  const n = scores.length;
  const base = labels.reduce<number>((s, l) => s + one(l), 0) / n;
  if (base === 0) return Number.NaN;
  const k = fraction * n;
  const order = scores.map((s, i) => [s, one(labels[i] as 0 | 1 | boolean)] as const).sort((a, b) => b[0] - a[0]);
  let taken = 0;
  let hits = 0;
  let i = 0;
  while (i < n && taken < k) {
    let j = i;
    let groupHits = 0;
    while (j < n && (order[j] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) {
      groupHits += (order[j] as readonly [number, number])[1];
      j++;
    }
    const size = j - i;
    const take = Math.min(size, k - taken);
    hits += (groupHits * take) / size;
    taken += take;
    i = j;
  }
  return hits / taken / base;
}

export const topDecileLift = (scores: readonly number[], labels: readonly (0 | 1 | boolean)[]): number =>
  topLift(scores, labels, 0.1);

export interface ScoreQuality {
  auc: number;
  brier: number;
  topDecileLift: number;
}

/** AUC and lift of `ranking` (higher = more likely the event), Brier of `probabilities`. */
export function scoreQuality(
  probabilities: readonly number[],
  labels: readonly (0 | 1 | boolean)[],
  ranking: readonly number[] = probabilities,
): ScoreQuality {
  return {
    auc: auc(ranking, labels),
    brier: brier(probabilities, labels),
    topDecileLift: topDecileLift(ranking, labels),
  };
}
