import { describe, expect, it } from 'vitest';
import { currencyExponent } from '../../../../functions/core/currency';
import { emptyProfile } from '../../../../functions/core/profiles/profile';
import { ValueConfig, valueInputOfProfile, valueOfProfile, valueTier } from '../../../../functions/core/scoring/value';

describe('valueTier', () => {
  it('reads currency exponents from Intl', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it.each([
    ['EUR', 80_001, 'high'],
    ['EUR', 80_000, 'mid'],
    ['EUR', 10_000, 'mid'],
    ['EUR', 9_999, 'low'],
    ['JPY', 801, 'high'],
    ['JPY', 800, 'mid'],
    ['JPY', 100, 'mid'],
    ['JPY', 99, 'low'],
  ] as const)('puts %s %i minor units in the %s tier', (currency, lifetimeMinor, tier) => {
    expect(valueTier({ currency, lifetimeMinor, recentMinor: 0 }).tier).toBe(tier);
  });

  it('flags high quality at an average of 500 a month over the last 6 months', () => {
    expect(valueTier({ currency: 'EUR', lifetimeMinor: 0, recentMinor: 300_000 }).highQuality).toBe(true);
    expect(valueTier({ currency: 'EUR', lifetimeMinor: 0, recentMinor: 299_999 }).highQuality).toBe(false);
    expect(valueTier({ currency: 'JPY', lifetimeMinor: 0, recentMinor: 3_000 }).highQuality).toBe(true);
    expect(valueTier({ currency: 'JPY', lifetimeMinor: 0, recentMinor: 2_999 }).highQuality).toBe(false);
    expect(valueTier({ currency: 'EUR', lifetimeMinor: 123_456, recentMinor: 300_000 })).toMatchObject({
      lifetimeValue: 1234.56,
      averageMonthlySpend: 500,
    });
  });

  it('uses thresholds from the config', () => {
    const config = ValueConfig.parse({
      highAbove: 2000,
      lowBelow: 50,
      highQualityMonthlySpend: 100,
      highQualityMonths: 3,
    });
    expect(valueTier({ currency: 'EUR', lifetimeMinor: 100_000, recentMinor: 30_000 }, config)).toMatchObject({
      tier: 'mid',
      highQuality: true,
    });
  });

  it('rejects a config with low above high, with the path', () => {
    const result = ValueConfig.safeParse({ highAbove: 50, lowBelow: 100 });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['lowBelow']]);
  });
});

describe('valueOfProfile', () => {
  const now = Date.parse('2024-07-15T00:00:00Z');

  it('takes net lifetime value in the tenant currency and recent spend from the order book', () => {
    const profile = emptyProfile('t', 'c', '2023-01-01T00:00:00Z');
    profile.revenue = {
      EUR: { orders: 3, gross: 400_000, refunded: 50_000 },
      USD: { orders: 1, gross: 999_999, refunded: 0 },
    };
    const order = (total: number, placedAt: string, currency = 'EUR') => ({ total, currency, at: placedAt, placedAt });
    profile.orderBook = {
      old: order(100_000, '2024-01-15T00:00:00Z'), // exactly 6 months before: outside
      a: order(150_000, '2024-01-16T00:00:00Z'),
      b: order(150_000, '2024-07-01T00:00:00Z'),
      cancelled: { ...order(500_000, '2024-06-01T00:00:00Z'), cancelled: true },
      usd: order(999_999, '2024-06-01T00:00:00Z', 'USD'),
    };
    expect(valueInputOfProfile(profile, 'EUR', now)).toEqual({
      currency: 'EUR',
      lifetimeMinor: 350_000,
      recentMinor: 300_000,
    });
    expect(valueOfProfile(profile, 'EUR', now)).toMatchObject({ tier: 'high', highQuality: true });
    expect(valueOfProfile(profile, 'GBP', now)).toMatchObject({ tier: 'low', highQuality: false });
  });
});
