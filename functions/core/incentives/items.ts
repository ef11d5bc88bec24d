/**
 * Where coupons live in the table, and the schemas of their items (parsed on read). Single-item
 * conditional writes only (dynalite has no transactions):
 *
 * - `<tenant>#POOLS` / `<pool>`: the tenant's list of pools (one Query lists them).
 * - `<tenant>#POOL#<pool>`, the pool's partition:
 *   - `SETTINGS`: the settings, `size` (codes 0 … size − 1 are ready to give) and `pending` (the one
 *     batch of codes being added), versioned: every write is conditional on the version read;
 *   - `COUNTERS`: `taken` (the next code's index: an issue adds 1, bounded by the size and the count
 *     budget, in the same atomic write as `spent`, bounded by the money budget), and the stats;
 *   - `CODE#<n>` (n zero-padded): the n-th code;
 *   - `ISSUE#<actionKey>`: who was given which code, put if absent: a replayed action key gets it again.
 * - `<tenant>#COUPON#<normalized code>`, the code's partition:
 *   - `CODE`: its pool and index, and once given, to whom (customer, action key, journey or campaign);
 *   - `REDEEMED` (single use) or `REDEEMED#<orderId>` (multi use): the order that used it, put if absent;
 * - `<tenant>#CORDER#<orderId>` / `COUPONS`: the codes an order redeemed, so that its refund voids them.
 */

import { z } from 'zod';
import type { Key } from '../../ports';
import { Money } from '../events/schemas';
import { ItemKey, StringSet, Version } from '../stored-item';
import { CouponPoolSettings, CouponValue } from './coupon-pool';

const INDEX_DIGITS = 10;

export const poolsPk = (tenantId: string): string => `${tenantId}#POOLS`;
export const poolListKey = (tenantId: string, poolId: string): Key => ({ pk: poolsPk(tenantId), sk: poolId });
export const poolPk = (tenantId: string, poolId: string): string => `${tenantId}#POOL#${poolId}`;
export const poolSettingsKey = (tenantId: string, poolId: string): Key => ({
  pk: poolPk(tenantId, poolId),
  sk: 'SETTINGS',
});
export const poolCountersKey = (tenantId: string, poolId: string): Key => ({
  pk: poolPk(tenantId, poolId),
  sk: 'COUNTERS',
});
export const CODE_SK_PREFIX = 'CODE#';
export const codeKey = (tenantId: string, poolId: string, index: number): Key => ({
  pk: poolPk(tenantId, poolId),
  sk: `${CODE_SK_PREFIX}${String(index).padStart(INDEX_DIGITS, '0')}`,
});
export const issueKey = (tenantId: string, poolId: string, actionKey: string): Key => ({
  pk: poolPk(tenantId, poolId),
  sk: `ISSUE#${actionKey}`,
});
/** `normalized`: the code as normalizeCode gives it. */
export const lookupPk = (tenantId: string, normalized: string): string => `${tenantId}#COUPON#${normalized}`;
export const lookupKey = (tenantId: string, normalized: string): Key => ({
  pk: lookupPk(tenantId, normalized),
  sk: 'CODE',
});
export const redemptionKey = (tenantId: string, normalized: string, singleUse: boolean, orderId: string): Key => ({
  pk: lookupPk(tenantId, normalized),
  sk: singleUse ? 'REDEEMED' : `REDEEMED#${orderId}`,
});
export const orderCouponsKey = (tenantId: string, orderId: string): Key => ({
  pk: `${tenantId}#CORDER#${orderId}`,
  sk: 'COUPONS',
});

/** The batch of codes being added to a pool: indexes from … from + count − 1. */
export const PendingBatch = z.looseObject({
  batch: z.string(),
  from: z.int().min(0),
  count: z.int().min(0),
  startedAt: z.int(),
});
export type PendingBatch = z.output<typeof PendingBatch>;

export const PoolSettingsItem = z.looseObject({
  ...ItemKey,
  settings: CouponPoolSettings,
  size: z.int().min(0),
  pending: PendingBatch.optional(),
  createdAt: z.int(),
  version: Version,
});
export type PoolSettingsItem = z.output<typeof PoolSettingsItem>;

export const PoolListItem = z.looseObject({ ...ItemKey, poolId: z.string(), createdAt: z.int() });

const counter = z.number().int().default(0);
/** Every counter of a pool; absent ones are 0. */
export const PoolCountersItem = z.looseObject({
  ...ItemKey,
  taken: counter,
  spent: counter,
  wasted: counter,
  redeemed: counter,
  voided: counter,
  exhausted: counter,
  budgetRefused: counter,
});
export type PoolCounters = {
  taken: number;
  spent: number;
  wasted: number;
  redeemed: number;
  voided: number;
  exhausted: number;
  budgetRefused: number;
};

export const CodeItem = z.looseObject({ ...ItemKey, code: z.string(), index: z.int().min(0) });

/** To whom a code went, and for what. */
export const IssuedTo = z.looseObject({
  customerId: z.string(),
  actionKey: z.string(),
  journeyId: z.string().optional(),
  campaignId: z.string().optional(),
  issuedAt: z.int(),
  expiresAt: z.int().optional(),
});
export type IssuedTo = z.output<typeof IssuedTo>;

export const IssueItem = z.looseObject({
  ...ItemKey,
  poolId: z.string(),
  code: z.string(),
  index: z.int().min(0),
  issued: IssuedTo,
  /** The coupon's value as it was given (a later change of the pool's settings leaves it). */
  value: CouponValue,
  minimumSpend: Money.optional(),
  cost: Money.optional(),
});
export type IssueItem = z.output<typeof IssueItem>;

export const LookupItem = z.looseObject({
  ...ItemKey,
  code: z.string(),
  poolId: z.string(),
  index: z.int().min(0),
  issued: IssuedTo.optional(),
});
export type LookupItem = z.output<typeof LookupItem>;

export const RedemptionItem = z.looseObject({
  ...ItemKey,
  code: z.string(),
  poolId: z.string(),
  orderId: z.string(),
  orderCustomerId: z.string(),
  redeemedAt: z.string(),
  issued: IssuedTo,
  voided: z.looseObject({ at: z.string(), refundId: z.string().optional() }).optional(),
  version: Version,
});
export type RedemptionItem = z.output<typeof RedemptionItem>;

export const OrderCouponsItem = z.looseObject({ ...ItemKey, codes: StringSet });

/** The schema of a coupon item by its key, or undefined when the key is no coupon item's. */
export function couponItemSchema(key: Key): z.ZodType | undefined {
  const { pk, sk } = key;
  if (pk.endsWith('#POOLS')) return PoolListItem;
  if (pk.includes('#POOL#')) {
    if (sk === 'SETTINGS') return PoolSettingsItem;
    if (sk === 'COUNTERS') return PoolCountersItem;
    if (sk.startsWith(CODE_SK_PREFIX)) return CodeItem;
    if (sk.startsWith('ISSUE#')) return IssueItem;
    return undefined;
  }
  if (pk.includes('#COUPON#')) {
    if (sk === 'CODE') return LookupItem;
    if (sk === 'REDEEMED' || sk.startsWith('REDEEMED#')) return RedemptionItem;
    return undefined;
  }
  if (pk.includes('#CORDER#')) return sk === 'COUPONS' ? OrderCouponsItem : undefined;
  return undefined;
}
