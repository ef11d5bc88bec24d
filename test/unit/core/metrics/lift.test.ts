import { describe, expect, it } from 'vitest';
import {
  type LiftInput,
  MIN_ARM_MEMBERS,
  MIN_HOLDOUT_CONVERSIONS,
  measureLift,
} from '../../../../functions/core/metrics/lift';
import { katzRatioInterval, newcombeDifferenceInterval } from '../../../../functions/core/metrics/proportions';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

const campaign: LiftInput = {
  treated: { n: 18_000, conversions: 900, revenue: eur(2_700_000) },
  holdout: { n: 2000, conversions: 80, revenue: eur(240_000) },
  expectedHoldoutShare: 0.1,
  incentiveCost: eur(180_000),
};

/** Every number anywhere in the report, with its path. */
function numbers(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => numbers(inner, `${path}.${key}`));
}

describe('measureLift', () => {
  it('reports rates, lifts with their intervals, incremental conversions and revenue, ROI and SRM', () => {
    const report = measureLift(campaign);
    expect(report.status).toBe('ok');
    expect(report.reasons).toEqual([]);
    expect(report.treated).toEqual({ n: 18_000, conversions: 900, rate: 0.05 });
    expect(report.holdout).toEqual({ n: 2000, conversions: 80, rate: 0.04 });
    expect(report.absoluteLift).toEqual(newcombeDifferenceInterval(900, 18_000, 80, 2000));
    expect(report.absoluteLift.estimate).toBeCloseTo(0.01, 15);
    const ratio = katzRatioInterval(900, 18_000, 80, 2000);
    expect(report.relativeLift).toEqual({
      estimate: expect.closeTo(0.25, 12),
      lower: ratio.lower - 1,
      upper: ratio.upper - 1,
      nullReason: null,
    });
    // (0.05 − 0.04) × 18,000 = 180 conversions
    expect(report.incrementalConversions.estimate).toBeCloseTo(180, 9);
    expect(report.incrementalConversions.lower).toBeCloseTo(report.absoluteLift.lower * 18_000, 9);
    // 2,700,000 / 18,000 = 150 and 240,000 / 2,000 = 120 per member: (150 − 120) × 18,000 = 540,000
    expect(report.revenue).toEqual({
      currency: 'EUR',
      treatedPerMember: 150,
      holdoutPerMember: 120,
      incremental: eur(540_000),
    });
    // (540,000 − 180,000) / 180,000 = 2
    expect(report.roi).toBe(2);
    expect(report.roiNullReason).toBeNull();
    expect(report.incentiveCost).toEqual(eur(180_000));
    expect(report.srm).toEqual({ chi2: 0, p: 1, mismatch: false });
    expect(report.minimumDetectableEffect).toBeCloseTo(0.013139179759743, 9);
    expect(report.confidence).toBe(0.95);
  });

  it('rounds incremental revenue to the minor unit, and it may be negative', () => {
    const up = measureLift({
      ...campaign,
      treated: { n: 1000, conversions: 40, revenue: eur(1001) },
      holdout: { n: 3000, conversions: 90, revenue: eur(1000) },
    });
    // 1001 − 1000 × 1000 / 3000 = 667.67 → 668; ROI (668 − 180,000) / 180,000
    expect(up.revenue?.incremental).toEqual(eur(668));
    expect(up.roi).toBeCloseTo((668 - 180_000) / 180_000, 15);
    const down = measureLift({
      ...campaign,
      treated: { n: 1000, conversions: 40, revenue: eur(100) },
      holdout: { n: 1000, conversions: 40, revenue: eur(350) },
    });
    expect(down.revenue?.incremental).toEqual(eur(-250));
  });

  it('says why ROI is missing: no revenue, or no (or a zero) incentive cost', () => {
    const noRevenue = measureLift({
      treated: { n: 5000, conversions: 100 },
      holdout: { n: 5000, conversions: 80 },
      expectedHoldoutShare: 0.5,
      incentiveCost: eur(1000),
    });
    expect([noRevenue.revenue, noRevenue.roi, noRevenue.roiNullReason]).toEqual([null, null, 'no_revenue']);
    const noCost = measureLift({ ...campaign, incentiveCost: undefined });
    expect([noCost.roi, noCost.roiNullReason, noCost.incentiveCost]).toEqual([null, 'no_incentive_cost', null]);
    const freeIncentive = measureLift({ ...campaign, incentiveCost: eur(0) });
    expect([freeIncentive.roi, freeIncentive.roiNullReason]).toEqual([null, 'no_incentive_cost']);
  });

  it(`is insufficient_data below ${MIN_ARM_MEMBERS} members in an arm or ${MIN_HOLDOUT_CONVERSIONS} holdout conversions, with every reason`, () => {
    const small = measureLift({
      treated: { n: 999, conversions: 60 },
      holdout: { n: 999, conversions: 29 },
      expectedHoldoutShare: 0.5,
    });
    expect(small.status).toBe('insufficient_data');
    expect(small.reasons).toEqual([
      'treated_below_min_members',
      'holdout_below_min_members',
      'holdout_below_min_conversions',
    ]);
    const fewConversions = measureLift({ ...campaign, holdout: { n: 2000, conversions: 29, revenue: eur(0) } });
    expect(fewConversions.reasons).toEqual(['holdout_below_min_conversions']);
    const atThresholds = measureLift({
      treated: { n: MIN_ARM_MEMBERS, conversions: 40 },
      holdout: { n: MIN_ARM_MEMBERS, conversions: MIN_HOLDOUT_CONVERSIONS },
      expectedHoldoutShare: 0.5,
    });
    expect(atThresholds.status).toBe('ok');
  });

  it('returns no NaN when the holdout has no conversions: the relative estimate is null, its interval finite', () => {
    const report = measureLift({
      treated: { n: 18_000, conversions: 50, revenue: eur(90_000) },
      holdout: { n: 2000, conversions: 0, revenue: eur(0) },
      expectedHoldoutShare: 0.1,
      incentiveCost: eur(10_000),
    });
    for (const [path, value] of numbers(report)) expect(Number.isFinite(value), path).toBe(true);
    expect(report.relativeLift.estimate).toBeNull();
    expect(report.relativeLift.nullReason).toBe('holdout_has_no_conversions');
    expect(report.relativeLift.lower).toBeGreaterThan(-1);
    expect(report.minimumDetectableEffect).toBeNull();
    expect(report.reasons).toEqual(['holdout_below_min_conversions']);
  });

  it('returns no NaN when neither arm converted', () => {
    const report = measureLift({
      treated: { n: 1000, conversions: 0 },
      holdout: { n: 1000, conversions: 0 },
      expectedHoldoutShare: 0.5,
    });
    for (const [path, value] of numbers(report)) expect(Number.isFinite(value), path).toBe(true);
    expect(report.absoluteLift.estimate).toBe(0);
  });

  it('flags a sample-ratio mismatch', () => {
    const report = measureLift({
      ...campaign,
      treated: { ...campaign.treated, n: 8800 },
      holdout: { ...campaign.holdout, n: 1200 },
    });
    expect(report.srm.mismatch).toBe(true);
  });

  it('uses the requested confidence for both intervals', () => {
    const report = measureLift({ ...campaign, confidence: 0.9 });
    expect(report.absoluteLift).toEqual(newcombeDifferenceInterval(900, 18_000, 80, 2000, 0.9));
    expect(report.relativeLift.upper).toBeCloseTo(katzRatioInterval(900, 18_000, 80, 2000, 0.9).upper - 1, 15);
  });

  it.each<[string, Partial<LiftInput>, RegExp]>([
    ['n = 0', { treated: { n: 0, conversions: 0 } }, /^treated\.n must be at least 1/],
    ['a fractional n', { holdout: { n: 100.5, conversions: 3 } }, /^holdout\.n must be an integer/],
    ['negative conversions', { treated: { n: 100, conversions: -1 } }, /^treated\.conversions must be at least 0/],
    [
      'conversions > n',
      { holdout: { n: 10, conversions: 11 } },
      /holdout\.conversions \(11\) must not exceed holdout\.n/,
    ],
    ['NaN conversions', { treated: { n: 10, conversions: Number.NaN } }, /treated\.conversions must be an integer/],
    ['a holdout share of 0', { expectedHoldoutShare: 0 }, /expectedHoldoutShare/],
    ['a confidence of 95', { confidence: 95 }, /confidence/],
    ['revenue in one arm only', { holdout: { n: 2000, conversions: 80 } }, /given together/],
    ['fractional revenue', { holdout: { n: 2000, conversions: 80, revenue: eur(1.5) } }, /holdout\.revenue\.amount/],
    [
      'revenue in two currencies',
      { holdout: { n: 2000, conversions: 80, revenue: { amount: 1, currency: 'USD' } } },
      /holdout\.revenue\.currency/,
    ],
    ['a cost in another currency', { incentiveCost: { amount: 1, currency: 'JPY' } }, /incentiveCost\.currency/],
    ['a lower-case currency', { incentiveCost: { amount: 1, currency: 'eur' } }, /incentiveCost\.currency/],
  ])('throws a RangeError naming the field for %s', (_name, change, message) => {
    expect(() => measureLift({ ...campaign, ...change })).toThrow(RangeError);
    expect(() => measureLift({ ...campaign, ...change })).toThrow(message);
  });
});
