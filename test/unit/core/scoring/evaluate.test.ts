import { describe, expect, it } from 'vitest';
import {
  auc,
  averageRanks,
  brier,
  scoreQuality,
  topDecileLift,
  topLift,
} from '../../../../functions/core/scoring/evaluate';

describe('averageRanks', () => {
  it('gives tied values the mean of their ranks', () => {
    expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });
});

describe('auc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when all scores tie', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
  });

  it('equals the share of positive-negative pairs ordered right, ties counting one half', () => {
    const scores = [0.3, 0.3, 0.7, 0.1, 0.5, 0.5];
    const labels = [1, 0, 1, 0, 0, 1] as const;
    let pairs = 0;
    let right = 0;
    scores.forEach((p, i) => {
      scores.forEach((n, j) => {
        if (labels[i] === 1 && labels[j] === 0) {
          pairs++;
          right += p > n ? 1 : p === n ? 0.5 : 0;
        }
      });
    });
    expect(auc(scores, [...labels])).toBeCloseTo(right / pairs, 12);
  });

  it('is NaN with one class only, and rejects mismatched input', () => {
    expect(auc([1, 2], [1, 1])).toBeNaN();
    expect(() => auc([1], [1, 0])).toThrow(RangeError);
    expect(() => auc([Number.NaN], [1])).toThrow(RangeError);
  });
});

describe('brier', () => {
  it('is the mean squared error of the probabilities', () => {
    expect(brier([1, 0, 0.5, 0.5], [true, false, true, false])).toBe(0.125);
    expect(brier([0.75, 0.75, 0.75, 0.75], [1, 1, 1, 0])).toBeCloseTo(0.1875, 12); // base rate: p(1-p)
  });
});

describe('top-decile lift', () => {
  it('is the positive rate among the top 10% over the overall rate', () => {
    const scores = Array.from({ length: 20 }, (_, i) => 20 - i);
    const labels = scores.map((_, i) => (i < 2 || i === 15 || i === 18 ? 1 : 0));
    expect(topDecileLift(scores, labels)).toBeCloseTo(1 / 0.2, 12);
    expect(topLift(scores, labels, 0.5)).toBeCloseTo(0.2 / 0.2, 12);
  });

  it('takes ties at the cut in proportion', () => {
    // all tied: expected lift under random tie-breaking is 1
    expect(topDecileLift(Array(10).fill(0.5), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0])).toBeCloseTo(1, 12);
  });

  it('scoreQuality ranks by its own ranking when given one', () => {
    const q = scoreQuality([0.5, 0.5, 0.5, 0.5], [0, 0, 1, 1], [1, 2, 3, 4]);
    expect(q).toEqual({ auc: 1, brier: 0.25, topDecileLift: 2 });
  });
});
