import { describe, expect, it } from 'vitest';
import { digamma, lgamma, logSumExp } from '../../../../functions/core/scoring/lgamma';

const EULER = 0.5772156649015329;

describe('lgamma', () => {
  it('matches known values to about 1e-13', () => {
    expect(lgamma(1)).toBe(0);
    expect(lgamma(2)).toBe(0);
    expect(lgamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 13);
    expect(lgamma(3.5)).toBeCloseTo(Math.log((15 / 8) * Math.sqrt(Math.PI)), 14);
    expect(lgamma(0.1)).toBeCloseTo(2.2527126517342055, 13);
    expect(Math.abs(lgamma(100) - 359.1342053695754) / 359.13).toBeLessThan(1e-14);
    expect(Math.abs(lgamma(1000.5) - 5908.674175848678) / 5908.7).toBeLessThan(1e-14);
  });

  it('satisfies log Γ(x+1) = log Γ(x) + log x', () => {
    for (const x of [0.01, 0.3, 0.7, 1.5, 4.2, 17.9, 250.25]) {
      expect(lgamma(x + 1) - lgamma(x)).toBeCloseTo(Math.log(x), 12);
    }
  });

  it('is NaN outside x > 0', () => {
    expect(lgamma(0)).toBeNaN();
    expect(lgamma(-1.5)).toBeNaN();
  });
});

describe('digamma', () => {
  it('matches known values', () => {
    expect(digamma(1)).toBeCloseTo(-EULER, 13);
    expect(digamma(0.5)).toBeCloseTo(-EULER - 2 * Math.log(2), 13);
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 13);
  });

  it('is the derivative of lgamma', () => {
    for (const x of [0.05, 0.4, 2.3, 11, 140]) {
      const h = 1e-5 * Math.max(1, x);
      expect(digamma(x)).toBeCloseTo((lgamma(x + h) - lgamma(x - h)) / (2 * h), 6);
    }
  });
});

describe('logSumExp', () => {
  it('does not overflow and handles -Infinity', () => {
    expect(logSumExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logSumExp(Number.NEGATIVE_INFINITY, 3)).toBe(3);
    expect(logSumExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 14);
  });
});
