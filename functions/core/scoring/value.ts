/**
 * Value tiers and the high-quality flag. Pure: `now` is a parameter.
 *
 * - Lifetime value = gross − refunded of the profile's revenue in the tenant's currency (orders in
 *   other currencies are not converted and not counted). Amounts are integer minor units; the
 *   thresholds are major units, scaled by the currency's exponent from Intl (JPY 0, EUR 2, KWD 3).
 * - Tier: high when LTV > highAbove, low when LTV < lowBelow, otherwise mid (both bounds are mid).
 * - High quality: spend in the last `highQualityMonths` calendar months (UTC, from `now`) divided by
 *   that number of months ≥ highQualityMonthlySpend. The denominator is fixed (a customer who
 *   joined a month ago is averaged over all the months too). Recent spend is the total of the
 *   orders (not cancelled, in the tenant's currency) placed in (now − months, now], from the
 *   profile's orderBook; refunds carry no order date in the profile, so they are not subtracted.
 */

import { z } from 'zod';
import { currencyExponent } from '../currency';
import { ownValue } from '../own';
import { isPast, pastOrderDays } from '../profiles/order-book';
import type { Profile } from '../profiles/profile';

const amount = z.number().nonnegative();

export const ValueConfig = z
  .strictObject({
    highAbove: amount.default(800),
    lowBelow: amount.default(100),
    highQualityMonthlySpend: amount.default(500),
    highQualityMonths: z.number().int().min(1).max(120).default(6),
  })
  .refine((c) => c.lowBelow <= c.highAbove, { message: 'must not exceed highAbove', path: ['lowBelow'] });
export type ValueConfig = z.infer<typeof ValueConfig>;

export const DEFAULT_VALUE_CONFIG: ValueConfig = ValueConfig.parse({});

export type ValueTier = 'high' | 'mid' | 'low';

/** A major-unit amount in minor units of the currency. */
export const toMinor = (major: number, currency: string): number =>
  Math.round(major * 10 ** currencyExponent(currency));

export interface ValueInput {
  currency: string;
  /** Lifetime value in minor units. */
  lifetimeMinor: number;
  /** Spend over the last `highQualityMonths` months in minor units. */
  recentMinor: number;
}

export interface ValueResult {
  tier: ValueTier;
  highQuality: boolean;
  /** Lifetime value and average monthly recent spend (rounded to the currency's minor unit), in major units. */
  lifetimeValue: number;
  averageMonthlySpend: number;
}

export function valueTier(input: ValueInput, config: ValueConfig = DEFAULT_VALUE_CONFIG): ValueResult {
  const { currency, lifetimeMinor, recentMinor } = input;
  const scale = 10 ** currencyExponent(currency);
  const tier: ValueTier =
    lifetimeMinor > toMinor(config.highAbove, currency)
      ? 'high'
      : lifetimeMinor < toMinor(config.lowBelow, currency)
        ? 'low'
        : 'mid';
  // recent / months ≥ threshold, compared in integers: recent ≥ threshold · months.
  const highQuality = recentMinor >= toMinor(config.highQualityMonthlySpend, currency) * config.highQualityMonths;
  return {
    tier,
    highQuality,
    lifetimeValue: lifetimeMinor / scale,
    averageMonthlySpend: Math.round(recentMinor / config.highQualityMonths) / scale,
  };
}

/** The start of the window of `months` calendar months ending at `now` (UTC). */
export function monthsBefore(now: number, months: number): number {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.getTime();
}

/** The value inputs of a profile in the tenant's currency at `now`. */
export function valueInputOfProfile(
  profile: Pick<Profile, 'revenue' | 'orderBook' | 'orderBookFrom' | 'pastOrders'>,
  currency: string,
  now: number,
  config: ValueConfig = DEFAULT_VALUE_CONFIG,
): ValueInput {
  const totals = ownValue(profile.revenue, currency);
  const lifetimeMinor = totals ? totals.gross - totals.refunded : 0;
  const from = monthsBefore(now, config.highQualityMonths);
  let recentMinor = 0;
  for (const [id, order] of Object.entries(profile.orderBook)) {
    if (order.cancelled || order.currency !== currency || isPast(order.placedAt, id, profile.orderBookFrom)) continue;
    const placed = Date.parse(order.placedAt);
    if (placed > from && placed <= now) recentMinor += order.total;
  }
  // Orders moved out of the profile count by their summary's days.
  for (const { day, amount } of pastOrderDays(profile.pastOrders, currency, 1)) {
    const placed = day * 86_400_000;
    if (placed > from && placed <= now) recentMinor += amount;
  }
  recentMinor = Math.round(recentMinor);
  return { currency, lifetimeMinor, recentMinor };
}

/** Tier and flag of a profile in the tenant's currency at `now`. */
export const valueOfProfile = (
  profile: Pick<Profile, 'revenue' | 'orderBook' | 'orderBookFrom' | 'pastOrders'>,
  currency: string,
  now: number,
  config: ValueConfig = DEFAULT_VALUE_CONFIG,
): ValueResult => valueTier(valueInputOfProfile(profile, currency, now, config), config);
