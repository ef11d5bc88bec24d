import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile, normalSurvival } from '../../../../functions/core/metrics/normal';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('normalQuantile', () => {
  it('gives the textbook critical values to 1e-9', () => {
    expect(Math.abs(normalQuantile(0.975) - 1.959963985)).toBeLessThan(1e-9);
    expect(Math.abs(normalQuantile(0.8) - 0.841621234)).toBeLessThan(1e-9);
    expect(Math.abs(normalQuantile(0.995) - 2.575829304)).toBeLessThan(1e-9);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('is odd around one half and inverts normalCdf from the far tails to the centre', () => {
    for (const p of [1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.9999]) {
      expect(relativeError(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-12);
      // 1 − p is rounded, by up to 1e-16: far in the tail that moves the quantile more than 1e-12.
      if (p >= 0.001) expect(normalQuantile(1 - p)).toBeCloseTo(-normalQuantile(p), 12);
    }
  });

  it('refuses p outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) expect(() => normalQuantile(p)).toThrow(RangeError);
  });
});

describe('normalCdf and normalSurvival', () => {
  it('match published values of Φ, with full relative precision deep in either tail', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(relativeError(normalCdf(1.96), 0.9750021048517795)).toBeLessThan(1e-15);
    expect(relativeError(normalCdf(-1), 0.15865525393145707)).toBeLessThan(1e-14);
    expect(relativeError(normalCdf(-3), 0.0013498980316300946)).toBeLessThan(1e-14);
    expect(relativeError(normalCdf(-5), 2.866515718791939e-7)).toBeLessThan(1e-14);
    expect(relativeError(normalCdf(-10), 7.619853024160527e-24)).toBeLessThan(1e-14);
    expect(relativeError(normalSurvival(8), 6.22096057427178e-16)).toBeLessThan(1e-14);
    expect(normalSurvival(-40)).toBe(1);
    expect(normalCdf(-40)).toBe(0);
  });

  it('Φ(z) + Φ(−z) = 1 on both sides of the series / continued-fraction switch', () => {
    for (const z of [0.1, 1.4, Math.SQRT2 - 1e-9, Math.SQRT2, Math.SQRT2 + 1e-9, 1.5, 2, 3.5, 6]) {
      expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 15);
    }
  });
});
