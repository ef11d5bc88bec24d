// A coupon given by a journey, then used on a Shopify or WooCommerce order (the published sample
// payloads, with the code added: their samples carry none) and refunded: attributed once, voided once.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import {
  createPool,
  issueCoupon,
  poolStats,
  redeemCoupons,
  uploadCodes,
  voidCoupons,
} from '../../../../functions/app/coupons';
import type { OrderEvent, VoidingEvent } from '../../../../functions/app/coupons/redeem';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { parseJsonPreservingBigInts } from '../../../../functions/platforms/json';
import { normalizeShopify } from '../../../../functions/platforms/shopify';
import { normalizeWoo } from '../../../../functions/platforms/woocommerce';

const fixture = (path: string) =>
  parseJsonPreservingBigInts(readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const eventsOf = (result: { kind: string; events?: CanonicalEvent[] }): CanonicalEvent[] => {
  if (result.kind !== 'events' || !result.events) throw new Error(`expected events, got ${JSON.stringify(result)}`);
  return result.events;
};
const clock = { now: () => Date.parse('2021-12-30T00:00:00Z') };

async function givenCoupon(tenantId: string, customerId: string) {
  const deps = { store: createMemoryStore(), clock };
  await createPool(deps, tenantId, {
    id: 'welcome',
    kind: 'uploaded',
    value: { type: 'free_shipping' },
    expiry: { days: 3 },
  });
  await uploadCodes(deps, { tenantId, poolId: 'welcome', codes: ['wb-acde7k'] });
  const issued = await issueCoupon(deps, {
    tenantId,
    poolId: 'welcome',
    actionKey: 'j1:a',
    customerId,
    journeyId: 'j1',
  });
  expect(issued).toMatchObject({ ok: true, code: 'wb-acde7k' });
  return deps;
}

describe('redemption from store webhooks', () => {
  it('attributes a Shopify order with the code to the journey, and its refund voids it, each once', async () => {
    const order = {
      ...fixture('shopify/orders__create.json'),
      discount_codes: [{ code: 'WB-ACDE7K', amount: '5.00' }],
    };
    const [placed] = eventsOf(normalizeShopify({ topic: 'orders/create', body: order, tenantId: 'shop-1' }));
    const deps = await givenCoupon('shop-1', placed?.customerId as string);
    const outcomes = await redeemCoupons(deps, placed as OrderEvent);
    expect(outcomes).toEqual([
      {
        code: 'wb-acde7k',
        status: 'redeemed',
        replayed: false,
        attribution: {
          code: 'wb-acde7k',
          poolId: 'welcome',
          actionKey: 'j1:a',
          journeyId: 'j1',
          customerId: placed?.customerId,
          orderId: '820982911946154508',
          orderCustomerId: placed?.customerId,
        },
      },
    ]);
    const [updated] = eventsOf(
      normalizeShopify({
        topic: 'orders/updated',
        body: { ...fixture('shopify/orders__updated.json'), discount_codes: order.discount_codes },
        tenantId: 'shop-1',
      }),
    );
    expect(await redeemCoupons(deps, updated as OrderEvent)).toMatchObject([{ status: 'redeemed', replayed: true }]);
    // The published refund sample names neither a customer nor this order: it is answered as an orphan
    // refund (the ingest finds the customer by the order); here it is that refund of this order.
    const orphan = normalizeShopify({
      topic: 'refunds/create',
      body: { ...fixture('shopify/refunds__create.json'), order_id: (placed as OrderEvent).properties.orderId },
      tenantId: 'shop-1',
    });
    if (orphan.kind !== 'orphan_refund') throw new Error(`expected an orphan refund, got ${orphan.kind}`);
    const refunds = [{ ...orphan.refund, customerId: placed?.customerId }];
    expect(refunds[0]?.properties.orderId).toBe('820982911946154508');
    expect(await voidCoupons(deps, refunds[0] as VoidingEvent)).toMatchObject([{ status: 'voided', replayed: false }]);
    expect(await voidCoupons(deps, refunds[0] as VoidingEvent)).toMatchObject([{ status: 'voided', replayed: true }]);
    expect(await poolStats(deps, 'shop-1', 'welcome')).toMatchObject({ issued: 1, redeemed: 1, voided: 1 });
  });

  it('attributes a WooCommerce order with the coupon line, created then updated, once', async () => {
    const coupon_lines = [{ id: 1, code: 'WB-acde7k', discount: '5.00' }];
    const created = { ...fixture('woocommerce/order.created.json'), customer_id: 25, coupon_lines };
    const [placed] = eventsOf(normalizeWoo({ topic: 'order.created', body: created, tenantId: 'shop-1' }));
    const deps = await givenCoupon('shop-1', '25');
    expect(await redeemCoupons(deps, placed as OrderEvent)).toMatchObject([
      {
        status: 'redeemed',
        replayed: false,
        attribution: { journeyId: 'j1', customerId: '25', orderId: '727' },
      },
    ]);
    const updated = { ...fixture('woocommerce/order.updated.json'), customer_id: 25, coupon_lines };
    const [later] = eventsOf(normalizeWoo({ topic: 'order.updated', body: updated, tenantId: 'shop-1' }));
    expect(await redeemCoupons(deps, later as OrderEvent)).toMatchObject([{ status: 'redeemed', replayed: true }]);
    expect(await poolStats(deps, 'shop-1', 'welcome')).toMatchObject({ redeemed: 1 });
  });
});
