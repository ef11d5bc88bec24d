/**
 * A customer's membership tier, followed through their ledger as it is folded (ledger.ts): up at
 * once when the 12 months behind them qualify for a higher level, down only at the yearly review
 * (12 months after they reached their level) to what the 12 months behind the review qualify for.
 * A bought level holds until its membership ends. Spend counts orders net of refunds and
 * cancellations, in major units; points count every credit. Order points are multiplied by the
 * level held when the order was placed, so the ledger stays a pure function of its entries.
 */
import { currencyExponent } from '../currency';
import type { TierLevel, TierSettings } from './settings';

const YEAR_MS = 365 * 86_400_000;

export type TierState = {
  level: string;
  /** Since when the customer holds `level` (reached, bought, or lowered at a review). */
  since: string;
  /** When the qualified level is looked at again (none at the lowest level). */
  reviewAt?: string;
  /** The level the 12 months behind qualify for, and what they count (spend or points). */
  qualified: string;
  measure: number;
  /** Until when a bought level holds. */
  paidUntil?: string;
};

const iso = (ms: number) => new Date(ms).toISOString();
export const majorUnits = (minor: number, currency: string | undefined) =>
  minor / 10 ** currencyExponent(currency ?? 'EUR');

/** Follows the tier through time: `advance` to each instant in order, `count` what qualifies. */
export function createTierTracker(settings: TierSettings) {
  const { levels } = settings;
  const rankOf = (level: string) => levels.findIndex((l) => l.id === level);
  const rankFor = (measure: number) => {
    let rank = 0;
    levels.forEach((level, n) => {
      if (measure >= level.threshold) rank = n;
    });
    return rank;
  };
  const window: { at: number; amount: number }[] = [];
  let sum = 0;
  let rank = 0;
  let since: number | undefined;
  let reviewAt: number | undefined;
  const memberships: { at: number; until: number; rank: number }[] = [];

  const trim = (t: number) => {
    while (window.length > 0 && (window[0] as { at: number }).at <= t - YEAR_MS)
      sum -= (window.shift() as { amount: number }).amount;
    return sum;
  };
  const paidAt = (t: number) =>
    memberships.filter((m) => m.at <= t && m.until > t).sort((a, b) => b.until - a.until)[0];

  return {
    basis: settings.basis,
    /** Holds the reviews due up to `t`. */
    advance(t: number) {
      if (since === undefined) since = t;
      while (reviewAt !== undefined && reviewAt <= t) {
        const qualified = rankFor(trim(reviewAt));
        if (qualified < rank) {
          rank = qualified;
          since = reviewAt;
        }
        reviewAt = rank > 0 ? reviewAt + YEAR_MS : undefined;
      }
    },
    /** Counts spend or points at `t` (after `advance(t)`): an upgrade is at once. */
    count(t: number, amount: number) {
      if (amount === 0) return;
      window.push({ at: t, amount });
      sum += amount;
      const qualified = rankFor(trim(t));
      if (qualified > rank) {
        rank = qualified;
        since = t;
        reviewAt = t + YEAR_MS;
      }
    },
    buy(at: number, level: string, until: number) {
      const paid = rankOf(level);
      if (paid >= 0) memberships.push({ at, until, rank: paid });
    },
    /** The level held at `t` (after `advance(t)`): the qualified one, or a bought one above it. */
    levelAt(t: number): TierLevel {
      const paid = paidAt(t);
      return levels[Math.max(rank, paid?.rank ?? 0)] as TierLevel;
    },
    state(now: number): TierState {
      const measure = trim(now);
      const paid = paidAt(now);
      const bought = paid !== undefined && paid.rank > rank;
      return {
        level: (levels[bought ? paid.rank : rank] as TierLevel).id,
        since: iso(bought ? paid.at : (since ?? now)),
        ...(reviewAt !== undefined ? { reviewAt: iso(reviewAt) } : {}),
        qualified: (levels[rankFor(measure)] as TierLevel).id,
        measure: Math.round(measure * 100) / 100,
        ...(paid ? { paidUntil: iso(paid.until) } : {}),
      };
    },
  };
}
export type TierTracker = ReturnType<typeof createTierTracker>;

/** The level's benefits (the lowest level's for one the settings no longer have). */
export const benefitsOf = (settings: TierSettings, level: string | undefined) =>
  (settings.levels.find((l) => l.id === level) ?? (settings.levels[0] as TierLevel)).benefits;
