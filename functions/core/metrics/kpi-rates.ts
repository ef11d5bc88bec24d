/** Recall and coupon redemption rates. */
import { parseDuration } from '../journeys/local-time';
import { assertCount } from './checks';
import { type CustomerHistory, instant, prepare, type Ratio, ratio } from './kpi-input';

export type RecallRate = {
  /** False while the attribution window is still open at `asOf`: the rate counts the orders so far. */
  complete: boolean;
  rate: Ratio;
};

/**
 * Recall rate: the share of `members` (the dormant or churned customers the caller selected at
 * the campaign's start) who placed an order in (startAt, startAt + attributionWindow], cut at
 * `asOf`. A refunded order counts, as the customer did come back. `attributionWindow` is a
 * campaign duration such as "14d" (24-hour days). This is the raw rate of one group; the
 * incremental recall is the treated group's rate minus the holdout's (lift.ts).
 */
export function recallRate(
  members: readonly CustomerHistory[],
  options: { startAt: string; attributionWindow: string; asOf: string },
): RecallRate {
  const start = instant('startAt', options.startAt);
  const asOfMs = instant('asOf', options.asOf);
  const window = parseDuration(options.attributionWindow);
  if (window <= 0) throw new RangeError(`attributionWindow must be longer than 0, got ${options.attributionWindow}`);
  const end = start + window;
  let recalled = 0;
  const all = prepare(members, asOfMs);
  for (const c of all) if (c.orders.some((o) => o.ms > start && o.ms <= end)) recalled++;
  return { complete: end <= asOfMs, rate: ratio(recalled, all.length) };
}

/** Coupon redemption rate: coupons redeemed over coupons issued (both counts, redeemed ≤ issued). */
export function couponRedemptionRate(counts: { issued: number; redeemed: number }): Ratio {
  const { issued, redeemed } = counts;
  assertCount('issued', issued);
  assertCount('redeemed', redeemed);
  if (redeemed > issued) throw new RangeError(`redeemed (${redeemed}) must not exceed issued (${issued})`);
  return ratio(redeemed, issued);
}
