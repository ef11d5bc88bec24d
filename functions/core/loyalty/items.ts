// The points ledger in the customer's partition (erasing the customer erases it):
//   <tenant>#C#<customer> / POINTS#E#<entry id>   one item per entry, written once
//   <tenant>#C#<customer> / POINTS                the account folded from them, with its notices
import type { Item, Key } from '../../ports';
import { dueDay, dueShardOf } from '../profiles/profile-changes';
import type { PointsAccount, PointsEntry } from './ledger';
import type { TierState } from './tiers';

export const POINTS_ENTRY_PREFIX = 'POINTS#E#';
const partition = (tenantId: string, customerId: string) => `${tenantId}#C#${customerId}`;

export const pointsEntryKey = (tenantId: string, customerId: string, entryId: string): Key => ({
  pk: partition(tenantId, customerId),
  sk: `${POINTS_ENTRY_PREFIX}${entryId}`,
});
export const pointsAccountKey = (tenantId: string, customerId: string): Key => ({
  pk: partition(tenantId, customerId),
  sk: 'POINTS',
});

export const entryItem = (tenantId: string, customerId: string, entry: PointsEntry): Item => ({
  ...pointsEntryKey(tenantId, customerId, entry.id),
  entry,
});

const KINDS = new Set(['earn', 'sign_in', 'activity', 'redeem', 'refund', 'cancel', 'revoke', 'membership']);

/** The entry of an entry item; undefined for one that does not hold an entry. */
export function entryOf(item: Item): PointsEntry | undefined {
  const entry = item.entry as Partial<PointsEntry> | undefined;
  const ok =
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.id === 'string' &&
    typeof entry.at === 'string' &&
    KINDS.has(entry.kind as string);
  return ok ? (entry as PointsEntry) : undefined;
}

/**
 * What the ledger tells on the bus (growthloop.loyalty), shaped as an event journeys can start on:
 * points about to expire, points that did, a tier reached, lost at a review, bought or run out.
 */
/** What the loyalty ledger tells the bus (journeys can start on each). */
export const LOYALTY_NOTICE_TYPES = ['points.expiring', 'points.expired', 'tier.changed'] as const;

export type LoyaltyNotice = {
  type: (typeof LOYALTY_NOTICE_TYPES)[number];
  /** Stable: the same notice told twice has the same id. */
  eventId: string;
  occurredAt: string;
  properties: Record<string, string | number | null>;
};

/** The account as stored and shown: the fold's figures, the coming expiries by instant, and the notices. */
export type StoredAccount = {
  version: number;
  balance: number;
  available: number;
  pending: number;
  debt: number;
  earned: number;
  redeemed: number;
  expired: number;
  clawedBack: number;
  forgiven: number;
  streak?: { day: string; length: number };
  tier?: TierState;
  /** Points that will expire, by the instant they do (the next 100 instants). */
  expiring: { at: string; points: number }[];
  /** When the account changes by itself next (points released or expiring, a reminder due). */
  nextChangeAt?: string;
  /** Expiry instants whose reminder was told. */
  reminded: string[];
  /** Expired lots are told up to this expiry instant. */
  expiredToldUntil?: string;
  /** Notices decided and not yet on the bus: put there before anything else is. */
  unsent: LoyaltyNotice[];
  updatedAt: string;
};

const MAX_EXPIRING = 100;

export function expiringOf(account: PointsAccount): StoredAccount['expiring'] {
  const byInstant = new Map<string, number>();
  for (const lot of account.lots) byInstant.set(lot.expiresAt, (byInstant.get(lot.expiresAt) ?? 0) + lot.remaining);
  return [...byInstant]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .slice(0, MAX_EXPIRING)
    .map(([at, points]) => ({ at, points }));
}

/**
 * The account item; in the due index while it will change by itself (the day of its next change),
 * and due today while it holds notices not yet told.
 */
export function accountItem(tenantId: string, customerId: string, account: StoredAccount): Item {
  const day =
    account.unsent.length > 0 ? account.updatedAt.slice(0, 10) : account.nextChangeAt && dueDay(account.nextChangeAt);
  return {
    ...pointsAccountKey(tenantId, customerId),
    ...account,
    ...(day ? { dueShard: dueShardOf(tenantId, customerId), dueDay: day } : {}),
  };
}

export const isPointsAccountKey = (key: Key): boolean => key.sk === 'POINTS';

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The stored account of an item; undefined for none (or one this version cannot read, written anew). */
export function storedAccountOf(item: Item | undefined): StoredAccount | undefined {
  if (!item || !isNumber(item.version) || !isNumber(item.balance)) return undefined;
  const { pk: _pk, sk: _sk, dueShard: _shard, dueDay: _day, ...rest } = item;
  const account = rest as unknown as StoredAccount;
  return {
    ...account,
    expiring: Array.isArray(account.expiring) ? account.expiring : [],
    reminded: Array.isArray(account.reminded) ? account.reminded : [],
    unsent: Array.isArray(account.unsent) ? account.unsent : [],
  };
}
