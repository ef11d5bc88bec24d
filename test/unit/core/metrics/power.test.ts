import { describe, expect, it } from 'vitest';
import { minimumDetectableEffect, powerOfTest, sampleSize } from '../../../../functions/core/metrics/power';

describe('sampleSize', () => {
  it('needs 2,659 holdout members (26,590 in all) for 2.5 % → 3.5 % at 90/10, as in the research', () => {
    expect(sampleSize({ baseRate: 0.025, treatedRate: 0.035, holdoutShare: 0.1 })).toEqual({
      holdout: 2659,
      treated: 23_931,
      total: 26_590,
    });
  });

  it('needs 9,134 in all at 50/50 and 79,380 for 3 % → 3.6 % at 90/10', () => {
    expect(sampleSize({ baseRate: 0.025, treatedRate: 0.035, holdoutShare: 0.5 }).total).toBe(9134);
    expect(sampleSize({ baseRate: 0.03, treatedRate: 0.036, holdoutShare: 0.1 }).total).toBe(79_380);
  });

  it('refuses equal rates and shares outside (0, 1)', () => {
    expect(() => sampleSize({ baseRate: 0.03, treatedRate: 0.03, holdoutShare: 0.1 })).toThrow(/differ/);
    expect(() => sampleSize({ baseRate: 0.03, treatedRate: 0.04, holdoutShare: 0 })).toThrow(/holdoutShare/);
  });
});

describe('minimumDetectableEffect', () => {
  it('finds the Δ with 80 % power: 2,000 / 18,000 at 4 % → 1.3139 pp (scipy brentq on the same formula)', () => {
    const mde = minimumDetectableEffect({ nTreated: 18_000, nHoldout: 2000, baseRate: 0.04 });
    expect(mde?.absolute).toBeCloseTo(0.013139179759743, 9);
    expect(mde?.relative).toBeCloseTo(0.013139179759743 / 0.04, 9);
    expect(powerOfTest({ nTreated: 18_000, nHoldout: 2000, baseRate: 0.04, delta: mde!.absolute })).toBeCloseTo(0.8, 9);
  });

  it('is below 1 pp at the research’s 2,659 / 23,931 for a 2.5 % base rate (unpooled variance, unlike sampleSize)', () => {
    // sampleSize uses the pooled variance under H₀, p̄ = 3.4 %, which exceeds the unpooled one the
    // power formula uses when the holdout is the smaller arm with the smaller rate.
    const mde = minimumDetectableEffect({ nTreated: 23_931, nHoldout: 2659, baseRate: 0.025 });
    expect(mde?.absolute).toBeCloseTo(0.009096816742284, 9);
  });

  it('is null when even a 100 % treated rate is not detectable', () => {
    expect(minimumDetectableEffect({ nTreated: 1, nHoldout: 1, baseRate: 0.5 })).toBeNull();
  });

  it('has power α at Δ = 0 and names bad arguments', () => {
    expect(powerOfTest({ nTreated: 100, nHoldout: 100, baseRate: 0.1, delta: 0 })).toBeCloseTo(0.05, 12);
    expect(() => minimumDetectableEffect({ nTreated: 0, nHoldout: 10, baseRate: 0.1 })).toThrow(/nTreated/);
    expect(() => minimumDetectableEffect({ nTreated: 10, nHoldout: 10, baseRate: 0 })).toThrow(/baseRate/);
    expect(() => minimumDetectableEffect({ nTreated: 10, nHoldout: 10, baseRate: 0.1, power: 0.04 })).toThrow(/power/);
  });
});
