// A Shopify refund whose order growthloop has not seen (placed before the store installed it, or
// its webhook still on its way) is answered 200 and parked; the order's webhook releases it, and
// the refund is applied once however often either is delivered.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import { noMetrics } from '../../functions/adapters/metrics';
import { receiveShopifyWebhook, type WebhookDeps } from '../../functions/app/ingest/webhooks';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { recordingBus } from '../helpers/scoring';

const SECRET = 'shpss_orphan_refunds_secret';
const ORDER_ID = '820982911946154508';
const ORDER_CUSTOMER = '115310627314723954';
const tenant = { ...demoConfig().tenants[0]!, id: 'shop', secrets: { shopifyWebhookSecret: SECRET } };
const config: GrowthloopConfig = { tenants: [tenant] };
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/shopify', name));
// The published refund sample names its order with a rounded id; point it at the sample order.
const refundOf = (orderId: string) =>
  Buffer.from(
    fixture('refunds__create.json')
      .toString('utf8')
      .replace('"order_id": 820982911946154500', `"order_id": ${orderId}`),
  );

let dir: string;
let runtime: LocalRuntime;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'growthloop-orphan-refunds-'));
  runtime = await startLocal({
    config,
    dataDir: join(dir, 'data'),
    port: 0,
    clock: new ManualClock('2026-11-21T12:00:00Z'),
    metrics: noMetrics,
  });
});
afterAll(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

function deliver(topic: string, body: Buffer) {
  return fetch(`${runtime.url}/v1/webhooks/shopify/shop`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(body).digest('base64'),
      'x-shopify-shop-domain': 'example.myshopify.com',
      'x-shopify-webhook-id': `delivery-${Math.random()}`,
    },
    body,
  });
}

async function settled() {
  while (runtime.queue.depth('profile-updates') > 0) await new Promise((r) => setTimeout(r, 10));
}

async function revenue(customerId: string) {
  const res = await fetch(`${runtime.url}/v1/customers/${customerId}`, {
    headers: { authorization: `Bearer ${tenant.adminKey}` },
  });
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { revenue: Record<string, { gross: number; refunded: number }> }).revenue;
}

describe('a Shopify refund of an order growthloop has not seen', () => {
  it('is answered 200 and parked, then applied exactly once when its order arrives, redeliveries of either included', async () => {
    const refund = refundOf(ORDER_ID);
    for (const _ of [1, 2]) {
      const res = await deliver('refunds/create', refund);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ accepted: 0, parked: 1 });
    }
    await settled();
    expect(await revenue(ORDER_CUSTOMER)).toBeUndefined();
    const parked = await runtime.store.query(`shop#ORDER#${ORDER_ID}`, { consistent: true });
    expect(parked.map((item) => item.sk)).toEqual(['PARKED#890088186047892319']);

    const order = fixture('orders__create.json');
    const placed = await deliver('orders/create', order);
    expect(placed.status).toBe(200);
    expect(await placed.json()).toMatchObject({ accepted: expect.any(Number), released: 1 });
    await settled();
    expect(await revenue(ORDER_CUSTOMER)).toMatchObject({ USD: { gross: 40495, refunded: 8500 } });
    const left = await runtime.store.query(`shop#ORDER#${ORDER_ID}`, { consistent: true });
    expect(left.map((item) => item.sk)).toEqual(['CUSTOMER']);

    // Shopify delivers again: the order (created and updated), the refund, twice each.
    for (const _ of [1, 2]) {
      expect((await deliver('orders/create', order)).status).toBe(200);
      expect((await deliver('orders/updated', fixture('orders__updated.json'))).status).toBe(200);
      const again = await deliver('refunds/create', refund);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ accepted: 1 });
    }
    await settled();
    expect(await revenue(ORDER_CUSTOMER)).toMatchObject({ USD: { refunded: 8500 } });
  });

  it('keeps a refund whose order never arrives parked, out of every profile', async () => {
    const refund = refundOf('820982911946150000');
    const res = await deliver('refunds/create', refund);
    expect(res.status).toBe(200);
    await settled();
    const parked = await runtime.store.query('shop#ORDER#820982911946150000', { consistent: true });
    expect(parked).toHaveLength(1);
    expect(parked[0]?.refund).toMatchObject({ properties: { orderId: '820982911946150000' } });
    expect(JSON.stringify(parked[0])).not.toContain(ORDER_CUSTOMER);
  });
});

describe('a refund and its order arriving at the same moment', () => {
  it('puts the refund on the bus once the order is indexed between its lookup and its parking', async () => {
    const store = createMemoryStore();
    const bus = recordingBus();
    const clock = new ManualClock('2026-11-21T12:00:00Z');
    const deps: WebhookDeps = {
      bus,
      store,
      clock,
      metrics: noMetrics,
      secretsOf: async () => ({ shopifyWebhookSecret: SECRET }),
    };
    const command = (topic: string, raw: Buffer) => ({
      tenantId: 'shop',
      raw,
      headers: {
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(raw).digest('base64'),
      },
    });
    // The order's webhook runs whole while the refund's is between its lookup and its parking.
    const put = store.put.bind(store);
    let orderAnswer: Promise<{ status: number }> | undefined;
    store.put = async (item, condition) => {
      if (String(item.sk).startsWith('PARKED#') && !orderAnswer) {
        orderAnswer = receiveShopifyWebhook(deps, command('orders/create', fixture('orders__create.json')));
        await orderAnswer;
      }
      return put(item, condition);
    };
    const answer = await receiveShopifyWebhook(deps, command('refunds/create', refundOf(ORDER_ID)));
    expect(answer.status).toBe(200);
    expect((await orderAnswer)?.status).toBe(200);
    const refunds = bus.events.filter((e) => e.detailType === 'refund');
    expect(refunds.map((e) => (e.detail as { customerId: string }).customerId)).toEqual([ORDER_CUSTOMER]);
    expect(await store.query(`shop#ORDER#${ORDER_ID}`, { consistent: true })).toHaveLength(1);
  });
});
