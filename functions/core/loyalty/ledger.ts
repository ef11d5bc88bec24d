import { MinHeap } from '../min-heap';
import type { TierSettings } from './settings';
import { createTierTracker, majorUnits, type TierState } from './tiers';

/**
 * The points ledger of one customer, as lots (after Open Loyalty's account model): each earning is
 * a lot, pending until its return window closes, then spendable until it expires; spending takes
 * from the lots that expire first. The account is a pure function of the set of entries, folded in
 * the order they happened (then by id): entries replayed in any order, or twice, give the same
 * balance. Every rule that could change (points per day, daily limits, the clawback policy) is
 * written into the entry when it is made, so a change of settings never rewrites the past.
 */

type EntryBase = { id: string; at: string };

/** Points credited: an order's (pending until `pendingUntil`), a grant, a journey action's. */
export type EarnEntry = EntryBase & {
  kind: 'earn';
  /** An order's points before the tier's multiplier, which the fold applies. */
  points: number;
  reason: string;
  expiresAt: string;
  pendingUntil?: string;
  /** An order's points: its refunds and cancellation take them back, in proportion to `orderTotal`. */
  orderId?: string;
  orderTotal?: number;
  /** The order's currency (its total in minor units of it), for the spend tiers count. */
  currency?: string;
};
/** A day's sign-in (one per local day): its points, and the streak bonuses as they were that day. */
export type SignInEntry = EntryBase & {
  kind: 'sign_in';
  day: string;
  points: number;
  expiresAt: string;
  streakBonuses: Record<string, number>;
  cycleDays?: number;
};
/** A share or review, rewarded at most `dailyLimit` times on its local day. */
export type ActivityEntry = EntryBase & {
  kind: 'activity';
  activity: string;
  day: string;
  points: number;
  dailyLimit: number;
  expiresAt: string;
};
export type RedeemEntry = EntryBase & { kind: 'redeem'; points: number; reason?: string };
/** A refund of `amount` (the order's minor units): takes back that share of the order's points. */
export type RefundEntry = EntryBase & {
  kind: 'refund';
  orderId: string;
  amount: number;
  spentClawback: ClawbackPolicy;
};
/** The order was cancelled: all its points go back. */
export type CancelEntry = EntryBase & { kind: 'cancel'; orderId: string; spentClawback: ClawbackPolicy };

/** Points a grant gave (its entry id) taken back, all of them: a referral reward whose order was refunded. */
export type RevokeEntry = EntryBase & { kind: 'revoke'; grantId: string; spentClawback: ClawbackPolicy };

/** A paid tier bought: `level` until `until`. */
export type MembershipEntry = EntryBase & { kind: 'membership'; level: string; until: string };

export type PointsEntry =
  | EarnEntry
  | SignInEntry
  | ActivityEntry
  | RedeemEntry
  | RefundEntry
  | CancelEntry
  | RevokeEntry
  | MembershipEntry;
export type ClawbackPolicy = 'negative' | 'forgive';

export type Lot = {
  id: string;
  points: number;
  remaining: number;
  at: string;
  availableAt: string;
  expiresAt: string;
  orderId?: string;
};

export type PointsAccount = {
  /** Spendable points less any debt: negative when refunds took back points already spent. */
  balance: number;
  available: number;
  pending: number;
  debt: number;
  earned: number;
  redeemed: number;
  expired: number;
  clawedBack: number;
  /** Clawbacks written off (the `forgive` policy). */
  forgiven: number;
  /** Lots with points left (pending or spendable), soonest to expire first. */
  lots: Lot[];
  /** Lots that expired with points left, the latest 50: what `points.expired` tells. */
  expiredLots: { id: string; points: number; expiresAt: string }[];
  /** The unbroken run of sign-in days up to the latest one. */
  streak?: { day: string; length: number };
  /** The membership tier (with tier settings). */
  tier?: TierState;
  /** The time of the first entry dated after `now`, which the account does not count yet. */
  nextEntryAt?: string;
};

const MAX_EXPIRED_LOTS = 50;
const DAY_MS = 86_400_000;

const byTimeThenId = (a: EntryBase, b: EntryBase) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const bySpendOrder = (a: Lot, b: Lot) =>
  a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : byTimeThenId(a, b);

/** The day after a `YYYY-MM-DD`. */
const nextDay = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** The account as of `now` (ISO-8601 UTC) from every entry the customer has. */
export function foldLedger(entries: readonly PointsEntry[], now: string, tierSettings?: TierSettings): PointsAccount {
  const lots: Lot[] = [];
  const account: PointsAccount = {
    balance: 0,
    available: 0,
    pending: 0,
    debt: 0,
    earned: 0,
    redeemed: 0,
    expired: 0,
    clawedBack: 0,
    forgiven: 0,
    lots: [],
    expiredLots: [],
  };
  const tiers = tierSettings ? createTierTracker(tierSettings) : undefined;
  const spent = new Map<string, { left: number; currency?: string }>();
  /** Spend counted toward the tier: an order's total, less what refunds and a cancellation take back. */
  function countSpend(t: string, orderId: string, minor: number) {
    const order = spent.get(orderId);
    if (tiers?.basis !== 'spend' || !order) return;
    const taken = Math.min(order.left, minor);
    order.left -= taken;
    tiers.count(Date.parse(t), -majorUnits(taken, order.currency));
  }
  const orders = new Map<string, { lot: Lot; total: number; refunded: number; clawed: number }>();
  const grants = new Map<string, Lot>();
  const revoked = new Set<string>();
  const rewardedPerDay = new Map<string, number>();
  const signInDays = new Set<string>();
  // Lots waiting for their release, lots by expiry, and the released lots in the order they are spent.
  // A lot that is used up stays in a heap until it comes to the top, and is dropped then.
  const pendingLots = new MinHeap<Lot>((a, b) => a.availableAt < b.availableAt);
  const byExpiry = new MinHeap<Lot>((a, b) => a.expiresAt < b.expiresAt);
  const spendable = new MinHeap<Lot>((a, b) => bySpendOrder(a, b) < 0);

  /** Takes up to `points` from the spendable lots, soonest to expire first; returns what it took. */
  function consume(points: number): number {
    let taken = 0;
    while (taken < points) {
      const lot = spendable.peek();
      if (!lot) break;
      const take = Math.min(lot.remaining, points - taken);
      lot.remaining -= take;
      taken += take;
      if (lot.remaining === 0) spendable.pop();
    }
    return taken;
  }

  function payDebt() {
    if (account.debt > 0) account.debt -= consume(account.debt);
  }

  function release(lot: Lot) {
    if (lot.remaining === 0) return;
    spendable.push(lot);
    payDebt();
  }

  /** Releases and expires lots, in the order it happens, up to `t` (a release before an expiry at the same instant). */
  function advance(t: string) {
    for (;;) {
      const toRelease = pendingLots.peek();
      const toExpire = byExpiry.peek();
      const releaseAt = toRelease && toRelease.availableAt <= t ? toRelease.availableAt : undefined;
      const expireAt = toExpire && toExpire.expiresAt <= t ? toExpire.expiresAt : undefined;
      if (releaseAt === undefined && expireAt === undefined) return;
      if (releaseAt !== undefined && (expireAt === undefined || releaseAt <= expireAt)) {
        release(pendingLots.pop() as Lot);
        continue;
      }
      const lot = byExpiry.pop() as Lot;
      if (lot.remaining === 0) continue;
      account.expired += lot.remaining;
      account.expiredLots.push({ id: lot.id, points: lot.remaining, expiresAt: lot.expiresAt });
      lot.remaining = 0;
    }
  }

  function credit(entry: EntryBase, points: number, expiresAt: string, pendingUntil?: string, orderId?: string): Lot {
    const availableAt = pendingUntil && pendingUntil > entry.at ? pendingUntil : entry.at;
    const lot: Lot = { id: entry.id, points, remaining: points, at: entry.at, availableAt, expiresAt };
    if (orderId !== undefined) lot.orderId = orderId;
    lots.push(lot);
    byExpiry.push(lot);
    account.earned += points;
    if (tiers?.basis === 'points') tiers.count(Date.parse(entry.at), points);
    if (availableAt <= entry.at) release(lot);
    else pendingLots.push(lot);
    return lot;
  }

  /** Takes back `points` of an order: from its own lot first, then from the others; the rest by the policy. */
  function clawBack(points: number, own: Lot, policy: ClawbackPolicy) {
    if (points <= 0) return;
    account.clawedBack += points;
    const fromOwn = Math.min(own.remaining, points);
    own.remaining -= fromOwn;
    const rest = points - fromOwn;
    const unmet = rest - consume(rest);
    if (policy === 'negative') account.debt += unmet;
    else account.forgiven += unmet;
  }

  // An entry dated after `now` (a store's clock ahead of ours) counts from its time on.
  const sorted = [...entries].sort(byTimeThenId);
  const due = sorted.filter((e) => e.at <= now);
  account.nextEntryAt = sorted[due.length]?.at;
  if (account.nextEntryAt === undefined) delete account.nextEntryAt;
  for (const entry of due) {
    advance(entry.at);
    tiers?.advance(Date.parse(entry.at));
    switch (entry.kind) {
      case 'earn': {
        const isOrder = entry.orderId !== undefined;
        if (isOrder && orders.has(entry.orderId as string)) break;
        const multiplier = isOrder && tiers ? tiers.levelAt(Date.parse(entry.at)).benefits.pointsMultiplier : 1;
        const points = Math.floor(entry.points * multiplier);
        const lot = credit(entry, points, entry.expiresAt, entry.pendingUntil, entry.orderId);
        if (!isOrder) grants.set(entry.id, lot);
        if (entry.orderId !== undefined) {
          orders.set(entry.orderId, { lot, total: entry.orderTotal ?? 0, refunded: 0, clawed: 0 });
          const total = entry.orderTotal ?? 0;
          spent.set(entry.orderId, { left: total, ...(entry.currency ? { currency: entry.currency } : {}) });
          if (tiers?.basis === 'spend') tiers.count(Date.parse(entry.at), majorUnits(total, entry.currency));
        }
        break;
      }
      case 'membership':
        tiers?.buy(Date.parse(entry.at), entry.level, Date.parse(entry.until));
        break;
      case 'sign_in': {
        if (signInDays.has(entry.day)) break;
        signInDays.add(entry.day);
        const streak = account.streak;
        const length = streak && nextDay(streak.day) === entry.day ? streak.length + 1 : 1;
        account.streak = { day: entry.day, length };
        const position = entry.cycleDays ? ((length - 1) % entry.cycleDays) + 1 : length;
        const points = entry.points + (entry.streakBonuses[String(position)] ?? 0);
        if (points > 0) credit(entry, points, entry.expiresAt);
        break;
      }
      case 'activity': {
        const key = `${entry.activity}\u0000${entry.day}`;
        const rewarded = rewardedPerDay.get(key) ?? 0;
        if (rewarded >= entry.dailyLimit || entry.points === 0) break;
        rewardedPerDay.set(key, rewarded + 1);
        credit(entry, entry.points, entry.expiresAt);
        break;
      }
      case 'redeem': {
        account.redeemed += entry.points;
        account.debt += entry.points - consume(entry.points);
        break;
      }
      case 'refund': {
        const order = orders.get(entry.orderId);
        if (!order) break;
        order.refunded += entry.amount;
        countSpend(entry.at, entry.orderId, entry.amount);
        // Cumulative, so that partial refunds take back exactly the order's points in all.
        const share = order.total > 0 ? Math.min(1, order.refunded / order.total) : 1;
        const due = Math.min(order.lot.points, Math.floor(order.lot.points * share)) - order.clawed;
        order.clawed += Math.max(0, due);
        clawBack(due, order.lot, entry.spentClawback);
        break;
      }
      case 'revoke': {
        const lot = grants.get(entry.grantId);
        if (!lot || revoked.has(entry.grantId)) break;
        revoked.add(entry.grantId);
        clawBack(lot.points, lot, entry.spentClawback);
        break;
      }
      case 'cancel': {
        const order = orders.get(entry.orderId);
        if (!order) break;
        const due = order.lot.points - order.clawed;
        order.clawed = order.lot.points;
        countSpend(entry.at, entry.orderId, Number.MAX_SAFE_INTEGER);
        clawBack(due, order.lot, entry.spentClawback);
        break;
      }
    }
  }
  advance(now);
  if (tiers) {
    tiers.advance(Date.parse(now));
    account.tier = tiers.state(Date.parse(now));
  }
  for (const lot of lots) {
    if (lot.remaining === 0) continue;
    if (lot.availableAt <= now) account.available += lot.remaining;
    else account.pending += lot.remaining;
  }
  account.balance = account.available - account.debt;
  account.lots = lots.filter((l) => l.remaining > 0).sort(bySpendOrder);
  account.expiredLots = account.expiredLots.slice(-MAX_EXPIRED_LOTS);
  return account;
}

/** The instant after `now` at which the account changes by itself (a lot released or expiring), if any. */
export function nextChange(account: PointsAccount, now: string): string | undefined {
  let next = account.nextEntryAt;
  for (const lot of account.lots) {
    for (const at of [lot.availableAt, lot.expiresAt]) if (at > now && (!next || at < next)) next = at;
  }
  return next;
}
