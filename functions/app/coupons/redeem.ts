// Redemption: the discount codes of an order, matched to the coupons growthloop gave, each counted
// once and attributed to the action, journey or campaign that gave it; a refund (or cancellation)
// of the order voids what it redeemed. Single-item conditional writes, idempotent by order id:
// - `<tenant>#CORDER#<orderId>` / `COUPONS` gets the code first (a string-set addition: idempotent),
//   so the order's refund finds it whatever happens after;
// - the code's redemption marker (`REDEEMED` for a single-use code, `REDEEMED#<orderId>` otherwise)
//   is put if absent: the order that puts it redeemed the code; the same order again is a replay,
//   another order finds a single-use code used.
// - voiding rewrites the marker with `voided` conditional on its version: once.

import type { EventOf } from '../../core/events/schemas';
import { normalizeCode } from '../../core/incentives/coupon-pool';
import {
  type IssuedTo,
  LookupItem,
  lookupKey,
  OrderCouponsItem,
  orderCouponsKey,
  poolCountersKey,
  type RedemptionItem,
  RedemptionItem as RedemptionSchema,
  redemptionKey,
} from '../../core/incentives/items';
import { decodeItem } from '../../core/stored-item';
import { ConditionFailedError } from '../../ports';
import { type PoolDeps, readPool } from './pools';

/** Who gave the coupon an order used, and for what. */
export type CouponAttribution = {
  code: string;
  poolId: string;
  actionKey: string;
  journeyId?: string;
  campaignId?: string;
  /** The customer the coupon was given to. */
  customerId: string;
  orderId: string;
  /** The customer who placed the order (another one when the code was passed on). */
  orderCustomerId: string;
};

export type RedemptionOutcome =
  | { code: string; status: 'redeemed'; attribution: CouponAttribution; replayed: boolean }
  /** Not a code of any pool (the store's own). */
  | { code: string; status: 'unknown' }
  /** A code of a pool that was never given to anyone. */
  | { code: string; status: 'not_issued'; poolId: string }
  /** A single-use code another order redeemed first. */
  | { code: string; status: 'used'; poolId: string; byOrderId: string };

export type VoidOutcome = { code: string; status: 'voided'; attribution: CouponAttribution; replayed: boolean };

export type OrderEvent = EventOf<'order_placed'> | EventOf<'order_updated'>;
export type VoidingEvent = EventOf<'refund'> | EventOf<'order_cancelled'>;

const attributionOf = (r: Pick<RedemptionItem, 'code' | 'poolId' | 'orderId' | 'orderCustomerId' | 'issued'>) => {
  const { issued } = r;
  return {
    code: r.code,
    poolId: r.poolId,
    actionKey: issued.actionKey,
    ...(issued.journeyId !== undefined ? { journeyId: issued.journeyId } : {}),
    ...(issued.campaignId !== undefined ? { campaignId: issued.campaignId } : {}),
    customerId: issued.customerId,
    orderId: r.orderId,
    orderCustomerId: r.orderCustomerId,
  } satisfies CouponAttribution;
};

/** Whether the pool counts each code once (single use), read once per pool. */
function singleUseOf(deps: Pick<PoolDeps, 'store'>, tenantId: string) {
  const pools = new Map<string, Promise<boolean>>();
  return (poolId: string) => {
    let known = pools.get(poolId);
    if (!known) {
      known = readPool(deps, tenantId, poolId).then((pool) => pool.settings.singleUse);
      pools.set(poolId, known);
    }
    return known;
  };
}

/**
 * Marks each of the order's discount codes that growthloop gave as redeemed by this order, once,
 * and answers what happened to each code (in the order's order, each normalized code once).
 */
export async function redeemCoupons(deps: PoolDeps, event: OrderEvent): Promise<RedemptionOutcome[]> {
  const { tenantId } = event;
  const { orderId } = event.properties;
  const codes = [...new Set((event.properties.discountCodes ?? []).map(normalizeCode).filter((c) => c !== ''))];
  const singleUse = singleUseOf(deps, tenantId);
  const outcomes: RedemptionOutcome[] = [];
  for (const normalized of codes) {
    const found = await deps.store.get(lookupKey(tenantId, normalized), { consistent: true });
    if (!found) {
      outcomes.push({ code: normalized, status: 'unknown' });
      continue;
    }
    const lookup = decodeItem(LookupItem, found);
    const issued: IssuedTo | undefined = lookup.issued;
    if (!issued) {
      outcomes.push({ code: lookup.code, status: 'not_issued', poolId: lookup.poolId });
      continue;
    }
    await deps.store.addToSet(orderCouponsKey(tenantId, orderId), 'codes', [normalized]);
    const key = redemptionKey(tenantId, normalized, await singleUse(lookup.poolId), orderId);
    const redemption: RedemptionItem = {
      ...key,
      code: lookup.code,
      poolId: lookup.poolId,
      orderId,
      orderCustomerId: event.customerId,
      redeemedAt: event.occurredAt,
      issued,
      version: 0,
    };
    try {
      await deps.store.put(redemption, { ifAbsent: true });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      const stored = await deps.store.get(key, { consistent: true });
      if (!stored) throw e;
      const first = decodeItem(RedemptionSchema, stored);
      outcomes.push(
        first.orderId === orderId
          ? { code: lookup.code, status: 'redeemed', attribution: attributionOf(first), replayed: true }
          : { code: lookup.code, status: 'used', poolId: lookup.poolId, byOrderId: first.orderId },
      );
      continue;
    }
    await deps.store.increment(poolCountersKey(tenantId, lookup.poolId), { redeemed: 1 });
    outcomes.push({ code: lookup.code, status: 'redeemed', attribution: attributionOf(redemption), replayed: false });
  }
  return outcomes;
}

/** Voids the redemptions of a refunded or cancelled order, once each; answers what it voided. */
export async function voidCoupons(deps: PoolDeps, event: VoidingEvent): Promise<VoidOutcome[]> {
  const { tenantId } = event;
  const { orderId } = event.properties;
  const index = await deps.store.get(orderCouponsKey(tenantId, orderId), { consistent: true });
  if (!index) return [];
  const singleUse = singleUseOf(deps, tenantId);
  const refundId = event.type === 'refund' ? event.properties.refundId : undefined;
  const outcomes: VoidOutcome[] = [];
  for (const normalized of [...decodeItem(OrderCouponsItem, index).codes].sort()) {
    const found = await deps.store.get(lookupKey(tenantId, normalized), { consistent: true });
    if (!found) continue;
    const lookup = decodeItem(LookupItem, found);
    const key = redemptionKey(tenantId, normalized, await singleUse(lookup.poolId), orderId);
    for (let attempt = 0; ; attempt++) {
      const stored = await deps.store.get(key, { consistent: true });
      if (!stored) break;
      const redemption = decodeItem(RedemptionSchema, stored);
      if (redemption.orderId !== orderId) break; // another order redeemed it: not this order's to void
      if (redemption.voided) {
        outcomes.push({
          code: redemption.code,
          status: 'voided',
          attribution: attributionOf(redemption),
          replayed: true,
        });
        break;
      }
      const voided = { at: event.occurredAt, ...(refundId !== undefined ? { refundId } : {}) };
      try {
        await deps.store.put(
          { ...redemption, voided, version: redemption.version + 1 },
          { ifVersion: redemption.version },
        );
      } catch (e) {
        if (!(e instanceof ConditionFailedError) || attempt >= 3) throw e;
        continue;
      }
      await deps.store.increment(poolCountersKey(tenantId, lookup.poolId), { voided: 1 });
      outcomes.push({
        code: redemption.code,
        status: 'voided',
        attribution: attributionOf(redemption),
        replayed: false,
      });
      break;
    }
  }
  return outcomes;
}
