/**
 * Customer lifetime value: BG/NBD expected purchases × Gamma-Gamma expected spend per purchase,
 * summed month by month with a monthly discount rate. Pure.
 *
 * Time units: the BG/NBD model (and x, t_x, T) is in weeks. A month is 365.25 / 12 days =
 * 4.348… weeks, so 12 months are 52.18 weeks. Month i covers model time (t_{i−1}, t_i] with
 * t_i = i · WEEKS_PER_MONTH, and its purchases E[Y(t_i)] − E[Y(t_{i−1})] are discounted by
 * (1 + d)^i (at the end of the month). The result is in the unit of zbar.
 */

import { type BgnbdParams, expectedPurchases, type RfmSummary } from './bgnbd';
import { expectedAverageSpend, type GammaGammaParams } from './gammagamma';

export const DAYS_PER_MONTH = 365.25 / 12;
export const WEEKS_PER_MONTH = DAYS_PER_MONTH / 7;

export interface ClvCustomer extends RfmSummary {
  /** Mean spend of the repeat purchases. */
  zbar: number;
}

export interface ClvOptions {
  /** Horizon in whole months. */
  months: number;
  /** Discount rate per month, e.g. 0.01. */
  monthlyDiscountRate: number;
}

export interface ClvMonth {
  month: number;
  purchases: number;
  /** Discounted value of the month. */
  value: number;
}

/** The month-by-month schedule behind clv(). */
export function clvSchedule(
  bgnbd: BgnbdParams,
  gg: GammaGammaParams,
  customer: ClvCustomer,
  { months, monthlyDiscountRate }: ClvOptions,
): ClvMonth[] {
  if (!Number.isInteger(months) || months < 0) throw new RangeError(`clv: months must be a whole number ≥ 0`);
  if (!(monthlyDiscountRate >= 0)) throw new RangeError(`clv: monthlyDiscountRate must be ≥ 0`);
  const spend = expectedAverageSpend(gg, customer);
  const schedule: ClvMonth[] = [];
  let before = 0;
  for (let i = 1; i <= months; i++) {
    const upTo = expectedPurchases(bgnbd, i * WEEKS_PER_MONTH, customer);
    const purchases = upTo - before;
    before = upTo;
    schedule.push({ month: i, purchases, value: (purchases * spend) / (1 + monthlyDiscountRate) ** i });
  }
  return schedule;
}

/** Discounted expected value of the customer's purchases over the next `months` months. */
export function clv(bgnbd: BgnbdParams, gg: GammaGammaParams, customer: ClvCustomer, options: ClvOptions): number {
  return clvSchedule(bgnbd, gg, customer, options).reduce((sum, m) => sum + m.value, 0);
}
