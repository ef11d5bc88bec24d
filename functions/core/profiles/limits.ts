import { storableNumberProblem } from '../storable';
import type { Profile } from './profile';

/**
 * Why the profile's totals could not be stored exactly, or undefined: each order is within 2^53
 * minor units, but a customer's sum of them need not be. The event that would pass the limit is
 * refused, not rounded.
 */
export function totalsProblem(profile: Profile): string | undefined {
  for (const [currency, totals] of Object.entries(profile.revenue)) {
    for (const field of ['gross', 'refunded'] as const) {
      const problem = storableNumberProblem(totals[field]);
      if (problem) return `revenue.${currency}.${field} ${problem} (${totals[field]} minor units)`;
    }
  }
  return undefined;
}
