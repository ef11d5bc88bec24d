import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chiSquared1Survival, SRM_P_THRESHOLD, sampleRatioMismatch } from '../../../../functions/core/metrics/srm';

/** The research's stable holdout: SHA-256(`salt:customerId`) → u in [0, 1), held out when u < share. */
const inHoldout = (salt: string, customerId: string, share: number): boolean =>
  createHash('sha256').update(`${salt}:${customerId}`).digest().readUIntBE(0, 6) / 2 ** 48 < share;

describe('sampleRatioMismatch', () => {
  it('passes 100,000 ids hashed into a 10 % holdout', () => {
    let holdout = 0;
    for (let i = 0; i < 100_000; i++) if (inHoldout('recall-2025-06', `customer-${i}`, 0.1)) holdout++;
    const srm = sampleRatioMismatch({ treated: 100_000 - holdout, holdout, expectedHoldoutShare: 0.1 });
    expect(srm.p).toBeGreaterThan(SRM_P_THRESHOLD);
    expect(srm.mismatch).toBe(false);
  });

  it('flags a 12 % holdout when 10 % was expected, at n = 10,000', () => {
    // χ² = (1200 − 1000)²/1000 + (8800 − 9000)²/9000 = 40 + 4.444… = 44.444…, p ≈ 2.617e-11 (scipy chi2.sf)
    const srm = sampleRatioMismatch({ treated: 8800, holdout: 1200, expectedHoldoutShare: 0.1 });
    expect(srm.chi2).toBeCloseTo(400 / 9, 10);
    expect(srm.p / 2.6167849372106072e-11).toBeCloseTo(1, 8);
    expect(srm.mismatch).toBe(true);
  });

  it('gives χ² = 0 and p = 1 for an exact split', () => {
    expect(sampleRatioMismatch({ treated: 9000, holdout: 1000, expectedHoldoutShare: 0.1 })).toEqual({
      chi2: 0,
      p: 1,
      mismatch: false,
    });
  });

  it('names a bad argument', () => {
    expect(() => sampleRatioMismatch({ treated: -1, holdout: 5, expectedHoldoutShare: 0.1 })).toThrow(/treated/);
    expect(() => sampleRatioMismatch({ treated: 0, holdout: 0, expectedHoldoutShare: 0.1 })).toThrow(RangeError);
    expect(() => sampleRatioMismatch({ treated: 9, holdout: 1, expectedHoldoutShare: 1 })).toThrow(
      /expectedHoldoutShare/,
    );
  });
});

describe('chiSquared1Survival', () => {
  it('is the χ²₁ upper tail: 3.841459 → 0.05, 10.827566 → 0.001', () => {
    expect(chiSquared1Survival(3.841458820694124)).toBeCloseTo(0.05, 12);
    expect(chiSquared1Survival(10.827566170662733)).toBeCloseTo(0.001, 12);
    expect(chiSquared1Survival(0)).toBe(1);
  });
});
