import { describe, expect, it } from 'vitest';
import { expectedPurchases } from '../../../../functions/core/scoring/bgnbd';
import { clv, clvSchedule, WEEKS_PER_MONTH } from '../../../../functions/core/scoring/clv';
import { expectedAverageSpend } from '../../../../functions/core/scoring/gammagamma';

// CDNOW parameters (Fader, Hardie & Lee 2005): BG/NBD in weeks, Gamma-Gamma in dollars.
const bgnbd = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const gg = { p: 6.25, q: 3.74, gamma: 15.44 };
const customer = { x: 2, tx: 30.43, T: 38.86, zbar: 35.5 };

describe('clv', () => {
  it('equals expected purchases over 52.18 weeks × expected spend for 12 months without discount', () => {
    expect(12 * WEEKS_PER_MONTH).toBeCloseTo(52.18, 2);
    const expected = expectedPurchases(bgnbd, 52.178571, customer) * expectedAverageSpend(gg, customer);
    expect(clv(bgnbd, gg, customer, { months: 12, monthlyDiscountRate: 0 })).toBeCloseTo(expected, 4);
  });

  it('does not treat the horizon as days or months of model time', () => {
    const value = clv(bgnbd, gg, customer, { months: 12, monthlyDiscountRate: 0 });
    const spend = expectedAverageSpend(gg, customer);
    expect(value).not.toBeCloseTo(expectedPurchases(bgnbd, 12, customer) * spend, 1);
    expect(value).not.toBeCloseTo(expectedPurchases(bgnbd, 365, customer) * spend, 1);
  });

  it('sums month-by-month purchase increments', () => {
    const schedule = clvSchedule(bgnbd, gg, customer, { months: 24, monthlyDiscountRate: 0 });
    expect(schedule).toHaveLength(24);
    const total = schedule.reduce((s, m) => s + m.purchases, 0);
    expect(total).toBeCloseTo(expectedPurchases(bgnbd, 24 * WEEKS_PER_MONTH, customer), 10);
    for (const m of schedule) expect(m.purchases).toBeGreaterThan(0);
  });

  it('falls as the discount rate rises and grows with the horizon', () => {
    const values = [0, 0.005, 0.01, 0.05, 0.2].map((d) =>
      clv(bgnbd, gg, customer, { months: 24, monthlyDiscountRate: d }),
    );
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1] as number);
    const horizons = [0, 1, 6, 12, 36].map((months) => clv(bgnbd, gg, customer, { months, monthlyDiscountRate: 0.01 }));
    expect(horizons[0]).toBe(0);
    for (let i = 1; i < horizons.length; i++) expect(horizons[i]).toBeGreaterThan(horizons[i - 1] as number);
  });

  it('discounts month i by (1 + d)^i', () => {
    const plain = clvSchedule(bgnbd, gg, customer, { months: 3, monthlyDiscountRate: 0 });
    const discounted = clvSchedule(bgnbd, gg, customer, { months: 3, monthlyDiscountRate: 0.1 });
    discounted.forEach((m, i) => {
      expect(m.value).toBeCloseTo((plain[i]?.value as number) / 1.1 ** (i + 1), 10);
    });
  });

  it('rejects fractional horizons and negative discount rates', () => {
    expect(() => clv(bgnbd, gg, customer, { months: 1.5, monthlyDiscountRate: 0 })).toThrow(RangeError);
    expect(() => clv(bgnbd, gg, customer, { months: 12, monthlyDiscountRate: -0.1 })).toThrow(RangeError);
  });
});
