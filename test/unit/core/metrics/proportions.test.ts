import { describe, expect, it } from 'vitest';
import {
  katzRatioInterval,
  newcombeDifferenceInterval,
  wilsonInterval,
} from '../../../../functions/core/metrics/proportions';

describe('wilsonInterval', () => {
  it('gives Newcombe’s (1998, part 1) 81/263 → 0.2553 to 0.3662 and 15/148 → 0.0624 to 0.1605', () => {
    // By hand for 81/263, z = 1.959964, z² = 3.841459:
    //   p̂ = 0.307985; centre = (p̂ + z²/526) / (1 + z²/263) = 0.315288 / 1.014606 = 0.310749
    //   half = z·√(p̂(1 − p̂)/263 + z²/(4·263²)) / 1.014606 = 1.959964·√(0.00081038 + 0.00001388) / 1.014606
    //        = 1.959964·0.028710 / 1.014606 = 0.055461  →  (0.255288, 0.366210)
    const a = wilsonInterval(81, 263);
    expect(a.lower).toBeCloseTo(0.2553, 4);
    expect(a.upper).toBeCloseTo(0.3662, 4);
    const b = wilsonInterval(15, 148);
    expect(b.lower).toBeCloseTo(0.0624, 4);
    expect(b.upper).toBeCloseTo(0.1605, 4);
  });

  it('is exactly 0 at x = 0 and exactly 1 at x = n, the other bound z²/(n + z²) from the edge', () => {
    const z2 = 1.959963984540054 ** 2;
    expect(wilsonInterval(0, 10)).toEqual({ lower: 0, upper: expect.closeTo(z2 / (10 + z2), 12) });
    expect(wilsonInterval(10, 10)).toEqual({ lower: expect.closeTo(10 / (10 + z2), 12), upper: 1 });
    expect(wilsonInterval(0, 1_000_000).lower).toBe(0);
    expect(wilsonInterval(1_000_000, 1_000_000).upper).toBe(1);
  });

  it('narrows as the confidence falls', () => {
    const wide = wilsonInterval(30, 100, 0.99);
    const narrow = wilsonInterval(30, 100, 0.8);
    expect(wide.lower).toBeLessThan(narrow.lower);
    expect(wide.upper).toBeGreaterThan(narrow.upper);
  });

  it('throws a RangeError naming the bad argument', () => {
    expect(() => wilsonInterval(1, 0)).toThrow(/^n must be at least 1/);
    expect(() => wilsonInterval(11, 10)).toThrow(/x \(11\) must not exceed n \(10\)/);
    expect(() => wilsonInterval(1.5, 10)).toThrow(/x must be an integer/);
    expect(() => wilsonInterval(-1, 10)).toThrow(/x must be at least 0/);
    expect(() => wilsonInterval(1, 10, 1)).toThrow(/confidence/);
    expect(() => wilsonInterval(Number.NaN, 10)).toThrow(RangeError);
  });
});

describe('newcombeDifferenceInterval', () => {
  // Newcombe (1998) Table II, method 10, as reproduced in the research notes (§4).
  const tableII: [number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ];

  it.each(tableII)('%i/%i vs %i/%i gives (%f, %f) as in Newcombe 1998 Table II', (x1, n1, x2, n2, lower, upper) => {
    const interval = newcombeDifferenceInterval(x1, n1, x2, n2);
    expect(interval.estimate).toBeCloseTo(x1 / n1 - x2 / n2, 15);
    expect(interval.lower.toFixed(4)).toBe(lower.toFixed(4));
    expect(interval.upper.toFixed(4)).toBe(upper.toFixed(4));
  });

  it('stays inside [−1, 1] at the extremes', () => {
    expect(newcombeDifferenceInterval(10, 10, 0, 10).upper).toBe(1);
    expect(newcombeDifferenceInterval(0, 10, 10, 10).lower).toBe(-1);
  });

  it('names the bad argument', () => {
    expect(() => newcombeDifferenceInterval(3, 2, 1, 2)).toThrow(/x1 \(3\) must not exceed n1 \(2\)/);
    expect(() => newcombeDifferenceInterval(1, 2, 1, 0)).toThrow(/n2 must be at least 1/);
  });
});

describe('katzRatioInterval (statsmodels log-adjusted)', () => {
  it('matches the formula worked by hand for 56/70 vs 48/80', () => {
    // x' = x + ½ and n' = n + ½ in both arms: 56.5/70.5 = 0.801418, 48.5/80.5 = 0.602484
    //   ratio' = 0.801418 / 0.602484 = 1.330189, ln ratio' = 0.285321
    //   Var = 1/56.5 − 1/70.5 + 1/48.5 − 1/80.5 = 0.0176991 − 0.0141844 + 0.0206186 − 0.0124224 = 0.0117109
    //   z·√Var = 1.959964 × 0.108217 = 0.212101
    //   exp(0.285321 ∓ 0.212101) = exp(0.073220), exp(0.497422) = (1.075967, 1.644477)
    const interval = katzRatioInterval(56, 70, 48, 80);
    expect(interval.estimate).toBeCloseTo(1.330189, 6);
    expect(interval.lower).toBeCloseTo(1.075967, 6);
    expect(interval.upper).toBeCloseTo(1.644477, 6);
  });

  it('stays finite when the denominator arm has no conversions (5/56 vs 0/29), worked by hand', () => {
    // 5.5/56.5 = 0.0973451, 0.5/29.5 = 0.0169492, ratio' = 5.743363, ln = 1.748045
    //   Var = 1/5.5 − 1/56.5 + 1/0.5 − 1/29.5 = 0.181818 − 0.017699 + 2 − 0.033898 = 2.130221
    //   z·√Var = 1.959964 × 1.459528 = 2.860621  →  exp(−1.112577), exp(4.608666) = (0.328711, 100.350233)
    const interval = katzRatioInterval(5, 56, 0, 29);
    expect(interval.estimate).toBeCloseTo(5.743363, 6);
    expect(interval.lower).toBeCloseTo(0.328711, 6);
    expect(interval.upper).toBeCloseTo(100.350233, 5);
  });

  it('is finite even with no conversions on either side', () => {
    const interval = katzRatioInterval(0, 1000, 0, 100);
    expect(Number.isFinite(interval.lower) && Number.isFinite(interval.upper)).toBe(true);
    expect(interval.lower).toBeLessThan(1);
    expect(interval.upper).toBeGreaterThan(1);
  });
});
