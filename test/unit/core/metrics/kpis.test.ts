import { describe, expect, it } from 'vitest';
import {
  type CustomerHistory,
  couponRedemptionRate,
  dailyActivity,
  dailyRevenue,
  KPI_ALERT_SHARE,
  KpiTargets,
  kpiAlerts,
  monthlyChurn,
  recallRate,
  repurchaseByMonth,
  repurchaseRates,
  retention,
} from '../../../../functions/core/metrics/kpis';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const order = (orderId: string, at: string, amount: number, refunded?: true) => ({
  orderId,
  at,
  total: eur(amount),
  ...(refunded ? { refunded } : {}),
});
const ratio = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});

// The shop's customers, amounts in euro cents. "+23h" is the time since the customer's first order.
const A: CustomerHistory = {
  customerId: 'A',
  orders: [
    order('a1', '2025-01-01T10:00:00Z', 2000),
    order('a2', '2025-01-02T09:00:00Z', 1000), // +23h
    order('a3', '2025-02-15T10:00:00Z', 3000), // +45d
  ],
  activeDays: ['2025-01-02'], // also ordered that day: active once
};
const B: CustomerHistory = {
  customerId: 'B',
  orders: [order('b1', '2025-01-01T12:00:00Z', 5000), order('b2', '2025-01-05T12:00:00Z', 2500, true)], // +4d, refunded
};
const C: CustomerHistory = { customerId: 'C', orders: [order('c1', '2025-01-01T08:00:00Z', 4000)] };
const D: CustomerHistory = {
  customerId: 'D',
  orders: [
    order('d1', '2025-01-03T00:00:00Z', 1500),
    order('d2', '2025-01-04T00:00:00Z', 1500), // exactly +24h
    order('d3', '2025-01-30T00:00:00Z', 3000), // +27d
  ],
};
const E: CustomerHistory = {
  customerId: 'E',
  // listed out of order on purpose
  orders: [order('e2', '2025-02-02T19:00:00Z', 2000), order('e1', '2025-01-03T18:00:00Z', 6000)], // +30d1h
};
const F: CustomerHistory = {
  customerId: 'F',
  orders: [order('f1', '2025-01-10T00:00:00Z', 1000), order('f2', '2025-01-10T00:00:00Z', 500)], // same instant
};
const G: CustomerHistory = {
  customerId: 'G',
  orders: [order('g1', '2025-02-20T00:00:00Z', 3000), order('g2', '2025-02-20T20:00:00Z', 1200)], // +20h
};
const H: CustomerHistory = {
  customerId: 'H',
  orders: [
    order('h1', '2024-11-01T00:00:00Z', 2000),
    order('h2', '2025-01-15T00:00:00Z', 2500), // +75d
    order('h3', '2025-02-10T00:00:00Z', 1800),
  ],
  activeDays: ['2025-01-02'],
};
const V: CustomerHistory = { customerId: 'V', orders: [], activeDays: ['2025-01-02', '2025-01-20'] };
const SHOP = [A, B, C, D, E, F, G, H, V];
const AS_OF = '2025-03-10T00:00:00Z';

describe('retention by first-order cohort', () => {
  const r = retention(SHOP, AS_OF);

  it('counts a return within (0, N] days per cohort, leaving out windows not over at asOf', () => {
    expect(r.cohorts.map((c) => [c.day, c.customers])).toEqual([
      ['2024-11-01', 1], // H: returns at +75d, after every window
      ['2025-01-01', 3], // A +23h, B +4d, C never
      ['2025-01-03', 2], // D +24h exactly, E +30d1h
      ['2025-01-10', 1], // F: a second order at the same instant is no return
      ['2025-02-20', 1], // G +20h; its D30 window ends 03-22, after asOf
    ]);
    const [h, abc, de, f, g] = r.cohorts.map((c) => c.retention);
    expect(h).toEqual({ d1: ratio(0, 1), d7: ratio(0, 1), d30: ratio(0, 1), d60: ratio(0, 1) });
    expect(abc).toEqual({ d1: ratio(1, 3), d7: ratio(2, 3), d30: ratio(2, 3), d60: ratio(2, 3) });
    expect(de).toEqual({ d1: ratio(1, 2), d7: ratio(1, 2), d30: ratio(1, 2), d60: ratio(2, 2) });
    // F's D60 window ends 03-11, after asOf: excluded, not counted as lost
    expect(f).toEqual({ d1: ratio(0, 1), d7: ratio(0, 1), d30: ratio(0, 1), d60: ratio(0, 0) });
    expect(g).toEqual({ d1: ratio(1, 1), d7: ratio(1, 1), d30: ratio(0, 0), d60: ratio(0, 0) });
  });

  it('pools the cohorts overall', () => {
    // D1: A, D, G of 8; D7: A, B, D, G of 8; D30: A, B, D of 7 (not G); D60: A, B, D, E of 6 (not F, G)
    expect(r.overall).toEqual({ d1: ratio(3, 8), d7: ratio(4, 8), d30: ratio(3, 7), d60: ratio(4, 6) });
    expect(r.overall.d60.value).toBeCloseTo(2 / 3, 12);
  });

  it('excludes a customer until their window is complete', () => {
    const x: CustomerHistory = {
      customerId: 'X',
      orders: [order('x1', '2025-02-01T00:00:00Z', 100), order('x2', '2025-02-03T00:00:00Z', 100)],
    };
    // at 02-20 the D7 window (ended 02-08) is over, the D30 one (ends 03-03) is not
    expect(retention([x], '2025-02-20T00:00:00Z').overall).toMatchObject({ d7: ratio(1, 1), d30: ratio(0, 0) });
    // one millisecond before the D7 window ends it is still open
    expect(retention([x], '2025-02-07T23:59:59.999Z').overall.d7).toEqual(ratio(0, 0));
    expect(retention([x], '2025-02-08T00:00:00Z').overall.d7).toEqual(ratio(1, 1));
  });
});

describe('repurchase rate', () => {
  it('counts a second order within N days of the first among customers at least N days old', () => {
    // 30: H, A, B, C, D, E, F are 30 days old; A, B, D and F (same instant) bought twice, E at +30d1h too late
    // 60: F is 59 days old, left out; A, B, D, E of 6.  90: only H (first order 2024-11-01), again at +75d.
    expect(repurchaseRates(SHOP, AS_OF)).toEqual({
      within30: ratio(4, 7),
      within60: ratio(4, 6),
      within90: ratio(1, 1),
    });
  });

  it('counts a second order exactly N days after the first, not a millisecond later', () => {
    const second = (at: string): CustomerHistory => ({
      customerId: 'Y',
      orders: [order('y1', '2025-01-01T00:00:00Z', 100), order('y2', at, 100)],
    });
    expect(repurchaseRates([second('2025-01-31T00:00:00Z')], AS_OF).within30).toEqual(ratio(1, 1));
    expect(repurchaseRates([second('2025-01-31T00:00:00.001Z')], AS_OF).within30).toEqual(ratio(0, 1));
  });

  it('by first-order month: each month’s cohorts on their own, which pooled give the overall rates', () => {
    const months = repurchaseByMonth(SHOP, AS_OF);
    expect(months.map((m) => m.month)).toEqual([...months.map((m) => m.month)].sort());
    expect(new Set(months.map((m) => m.month)).size).toBe(months.length);
    const pooled = (days: 'within30' | 'within60' | 'within90') =>
      months.reduce(
        (sum, m) => ({
          numerator: sum.numerator + m.repurchase[days].numerator,
          denominator: sum.denominator + m.repurchase[days].denominator,
        }),
        { numerator: 0, denominator: 0 },
      );
    const overall = repurchaseRates(SHOP, AS_OF);
    for (const days of ['within30', 'within60', 'within90'] as const)
      expect(pooled(days)).toEqual({ numerator: overall[days].numerator, denominator: overall[days].denominator });
    // H's first order was in 2024-11: its cohort month, with the one customer in it.
    expect(months.find((m) => m.month === '2024-11')).toMatchObject({
      customers: 1,
      repurchase: { within90: ratio(1, 1) },
    });
  });
});

describe('monthly churn', () => {
  it('counts the customers active at the month start who reach the churn rule during it', () => {
    // Active at 02-01 (an order after 01-02T00:00): A, B, D, E, F, H; C's last order is 01-01.
    // A churns 02-01T09:00, B 02-04, E 02-02T18:00 (back an hour later: still churned), F 02-09,
    // D at 03-01T00:00, the very end of February; H's 02-10 order keeps it active until 03-12.
    expect(monthlyChurn(SHOP, { month: '2025-02', asOf: AS_OF, churnAfterDays: 30 })).toEqual({
      month: '2025-02',
      churnAfterDays: 30,
      complete: true,
      rate: ratio(5, 6),
    });
  });

  it('counts a month in progress up to asOf, and a customer who churned at its start not again', () => {
    // Active at 03-01: A (02-15), E (02-02), G (02-20), H (02-10); not D, whose 30 days were up at 03-01.
    // By 03-10 only E has reached 30 days (03-04T19:00).
    expect(monthlyChurn(SHOP, { month: '2025-03', asOf: AS_OF, churnAfterDays: 30 })).toMatchObject({
      complete: false,
      rate: ratio(1, 4),
    });
  });

  it('uses 90 days by default', () => {
    // Active at 02-01 within 90 days: A, B, C, D, E, F, H; the earliest reaches 90 days on 04-01.
    expect(monthlyChurn(SHOP, { month: '2025-02', asOf: AS_OF })).toMatchObject({
      churnAfterDays: 90,
      rate: ratio(0, 7),
    });
  });

  it('refuses a month after asOf and a bad month', () => {
    expect(() => monthlyChurn(SHOP, { month: '2025-04', asOf: AS_OF })).toThrow(RangeError);
    expect(() => monthlyChurn(SHOP, { month: '2025-13', asOf: AS_OF })).toThrow(/month/);
  });
});

describe('daily activity', () => {
  const days = dailyActivity(SHOP, { from: '2025-01-01', to: '2025-02-01' });
  const on = (day: string) => {
    const found = days.find((d) => d.day === day);
    return found && [found.newCustomers, found.activeCustomers, found.monthlyActiveCustomers];
  };

  it('counts new customers, DAU and MAU per UTC day', () => {
    expect(days).toHaveLength(32);
    expect(on('2025-01-01')).toEqual([3, 3, 3]); // A, B, C first orders; H's 11-01 order is out of the 30 days
    expect(on('2025-01-02')).toEqual([0, 3, 5]); // A ordered and logged in, H and V logged in
    expect(on('2025-01-03')).toEqual([2, 2, 7]); // D, E
    expect(on('2025-01-05')).toEqual([0, 1, 7]); // B's refunded order still makes B active
    expect(on('2025-01-10')).toEqual([1, 1, 8]); // F: two orders, one new customer
    expect(on('2025-01-15')).toEqual([0, 1, 8]); // H orders again: active, not new
    expect(on('2025-01-30')).toEqual([0, 1, 8]); // 01-01..01-30: everyone but G
    expect(on('2025-01-31')).toEqual([0, 0, 7]); // C's only day, 01-01, drops out
    expect(on('2025-02-01')).toEqual([0, 0, 6]); // so does A's 01-02
    expect(days.reduce((s, d) => s + d.newCustomers, 0)).toBe(6);
  });

  it('refuses a reversed range', () => {
    expect(() => dailyActivity(SHOP, { from: '2025-01-02', to: '2025-01-01' })).toThrow(RangeError);
    expect(() => dailyActivity(SHOP, { from: '2025-02-30', to: '2025-03-01' })).toThrow(/from/);
  });
});

describe('daily revenue and AOV', () => {
  const series = dailyRevenue(SHOP, { from: '2025-01-01', to: '2025-01-10' });

  it('sums the orders not refunded per day, in the one currency', () => {
    expect(series.currency).toBe('EUR');
    const row = (i: number) => series.days[i];
    expect(row(0)).toEqual({ day: '2025-01-01', revenue: 11_000, orders: 3, aov: ratio(11_000, 3) }); // A, B, C
    expect(row(2)).toEqual({ day: '2025-01-03', revenue: 7500, orders: 2, aov: ratio(7500, 2) }); // D 1500 + E 6000
    expect(row(4)).toEqual({ day: '2025-01-05', revenue: 0, orders: 0, aov: ratio(0, 0) }); // only B's refunded order
    expect(row(9)).toEqual({ day: '2025-01-10', revenue: 1500, orders: 2, aov: ratio(1500, 2) });
    // 11000 + 1000 + 7500 + 1500 + 1500 over 3 + 1 + 2 + 1 + 2 orders
    expect(series.total).toEqual({ revenue: 22_500, orders: 9, aov: ratio(22_500, 9) });
    expect(series.total.aov.value).toBe(2500);
  });

  it('refuses mixed currencies, naming them', () => {
    const usd: CustomerHistory = {
      customerId: 'U',
      orders: [{ orderId: 'u1', at: '2025-03-01T00:00:00Z', total: { amount: 900, currency: 'USD' } }],
    };
    expect(() => dailyRevenue([...SHOP, usd], { from: '2025-01-01', to: '2025-01-10' })).toThrow(/currency.*EUR, USD/);
    // the customer counts do not need one currency
    expect(dailyActivity([...SHOP, usd], { from: '2025-03-01', to: '2025-03-01' })[0]?.newCustomers).toBe(1);
  });
});

describe('recall rate', () => {
  const dormant = [B, C, E, H, A];

  it('is the share of the members who order within the attribution window', () => {
    // (02-01, 02-15]: E on 02-02, H on 02-10; A's 02-15T10:00 is after the window
    const opts = { startAt: '2025-02-01T00:00:00Z', attributionWindow: '14d', asOf: AS_OF };
    expect(recallRate(dormant, opts)).toEqual({ complete: true, rate: ratio(2, 5) });
    // a window ending at A's order includes it
    expect(recallRate(dormant, { ...opts, attributionWindow: '14d10h' }).rate).toEqual(ratio(3, 5));
  });

  it('says when the window is still open', () => {
    expect(recallRate([A, G], { startAt: '2025-03-05T00:00:00Z', attributionWindow: '14d', asOf: AS_OF })).toEqual({
      complete: false,
      rate: ratio(0, 2),
    });
  });

  it('sees no order placed after asOf', () => {
    const later: CustomerHistory = { customerId: 'L', orders: [order('l1', '2025-03-12T00:00:00Z', 100)] };
    const opts = { startAt: '2025-03-05T00:00:00Z', attributionWindow: '14d' };
    expect(recallRate([later], { ...opts, asOf: AS_OF }).rate).toEqual(ratio(0, 1));
    expect(recallRate([later], { ...opts, asOf: '2025-03-19T00:00:00Z' })).toEqual({
      complete: true,
      rate: ratio(1, 1),
    });
  });
});

describe('coupon redemption rate', () => {
  it('is redeemed over issued', () => {
    expect(couponRedemptionRate({ issued: 200, redeemed: 37 })).toEqual(ratio(37, 200));
    expect(couponRedemptionRate({ issued: 0, redeemed: 0 })).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(() => couponRedemptionRate({ issued: 3, redeemed: 4 })).toThrow(/redeemed/);
    expect(() => couponRedemptionRate({ issued: 1.5, redeemed: 0 })).toThrow(/issued/);
  });
});

describe('empty input', () => {
  it('gives null ratios with their empty denominators, never NaN', () => {
    const empty = { value: null, numerator: 0, denominator: 0 };
    expect(retention([], AS_OF)).toEqual({
      cohorts: [],
      overall: { d1: empty, d7: empty, d30: empty, d60: empty },
    });
    expect(repurchaseRates([], AS_OF)).toEqual({ within30: empty, within60: empty, within90: empty });
    expect(monthlyChurn([], { month: '2025-02', asOf: AS_OF }).rate).toEqual(empty);
    expect(recallRate([], { startAt: '2025-02-01T00:00:00Z', attributionWindow: '14d', asOf: AS_OF }).rate).toEqual(
      empty,
    );
    expect(dailyRevenue([], { from: '2025-01-01', to: '2025-01-01' })).toEqual({
      currency: null,
      days: [{ day: '2025-01-01', revenue: 0, orders: 0, aov: empty }],
      total: { revenue: 0, orders: 0, aov: empty },
    });
    expect(dailyActivity([], { from: '2025-01-01', to: '2025-01-01' })).toEqual([
      { day: '2025-01-01', newCustomers: 0, activeCustomers: 0, monthlyActiveCustomers: 0 },
    ]);
  });
});

describe('input checks', () => {
  it('refuses a customer or an order listed twice', () => {
    expect(() => retention([A, A], AS_OF)).toThrow(/customer A is listed twice/);
    expect(() => retention([{ customerId: 'Z', orders: [A.orders[0]!, A.orders[0]!] }], AS_OF)).toThrow(/a1 twice/);
  });
});

describe('KPI alerts', () => {
  const targets = KpiTargets.parse({ retentionD7: 0.3, churn: 0.1, revenue: 100_000, aov: 3000 });
  const day = '2025-03-10';

  it('fires at 79 % of the target and not at 80 %', () => {
    expect(KPI_ALERT_SHARE).toBe(0.8);
    // churn's target is a ceiling: 0.1 is 79 % of 0.1266 and 80 % of 0.125
    const low = kpiAlerts({ retentionD7: 0.237, churn: 0.1 / 0.79, revenue: 79_000 }, targets, day);
    expect(low.map((a) => [a.id, a.achieved])).toEqual([
      ['retentionD7:2025-03-10', expect.closeTo(0.79, 12)],
      ['churn:2025-03-10', expect.closeTo(0.79, 12)],
      ['revenue:2025-03-10', 0.79],
    ]);
    expect(low[0]).toMatchObject({ kpi: 'retentionD7', day, value: 0.237, target: 0.3 });
    expect(kpiAlerts({ retentionD7: 0.24, churn: 0.125, revenue: 80_000 }, targets, day)).toEqual([]);
    // 0.36 is 80 % of 0.45, though 0.36 / 0.45 computes as 0.7999999999999999
    expect(kpiAlerts({ recallRate: 0.36 }, { recallRate: 0.45 }, day)).toEqual([]);
    expect(kpiAlerts({ recallRate: 0.3555 }, { recallRate: 0.45 }, day).map((a) => a.id)).toEqual([
      'recallRate:2025-03-10',
    ]);
  });

  it('raises none for a KPI without a value or without a target', () => {
    expect(kpiAlerts({ aov: null, retentionD7: undefined, activeCustomers: 0, churn: 0 }, targets, day)).toEqual([]);
  });

  it('gives one alert per KPI per day, with ids stable across evaluations', () => {
    const values = { retentionD7: 0.1, revenue: 10 };
    const first = kpiAlerts(values, targets, day);
    expect(kpiAlerts({ ...values }, { ...targets }, day)).toEqual(first);
    expect(new Set(first.map((a) => a.id)).size).toBe(first.length);
    expect(kpiAlerts(values, targets, '2025-03-11').map((a) => a.id)).toEqual([
      'retentionD7:2025-03-11',
      'revenue:2025-03-11',
    ]);
  });

  it('parses targets strictly', () => {
    expect(KpiTargets.safeParse({ bogus: 1 }).success).toBe(false);
    expect(KpiTargets.safeParse({ revenue: 0 }).success).toBe(false);
    expect(() => kpiAlerts({}, targets, '2025-3-10')).toThrow(/day/);
  });
});
