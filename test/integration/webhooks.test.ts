import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { emfMetrics } from '../../functions/adapters/metrics';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { customerPk, fromProfileItem } from '../../functions/core/profiles/items';
import { foldEvents } from '../../functions/core/profiles/profile';
import { parseJsonPreservingBigInts } from '../../functions/platforms/json';
import { normalizeShopify } from '../../functions/platforms/shopify';
import { demoConfig } from '../../functions/runtime/config-file';
import { localDynamoClient } from '../../functions/runtime/dynalite';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { itemsHolding } from '../helpers/erasure';

const SHOPIFY_SECRET = 'shpss_test_current_secret';
const SHOPIFY_PREVIOUS = 'shpss_test_previous_secret';
const [demo] = demoConfig().tenants;
const tenant = {
  ...demo!,
  id: 'shop',
  secrets: {
    woocommerceWebhookSecret: 'woo_test_secret',
    shopifyWebhookSecret: SHOPIFY_SECRET,
    shopifyPreviousWebhookSecret: SHOPIFY_PREVIOUS,
    shopifyPreviousSecretValidUntil: '2026-11-22T00:00:00Z',
  },
};
const sibling = (id: string) => ({ ...demoConfig().tenants[0]!, id, secrets: tenant.secrets });
const config: GrowthloopConfig = {
  tenants: [tenant, sibling('shop-in-order'), sibling('shop-reversed'), sibling('shop-all')],
};
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/shopify', name));
const sign = (body: Buffer, secret: string) => createHmac('sha256', secret).update(body).digest('base64');
const ORDER_CUSTOMER = '115310627314723954';

let dir: string;
let clock: ManualClock;
let runtime: LocalRuntime;
/** The runtime's metrics, as embedded-metric-format lines. */
const metricLines: string[] = [];

async function start() {
  runtime = await startLocal({
    config,
    dataDir: join(dir, 'data'),
    port: 0,
    clock,
    metrics: emfMetrics((l) => metricLines.push(l)),
  });
}
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'growthloop-webhooks-'));
  clock = new ManualClock('2026-11-21T12:00:00Z');
  await start();
});
afterAll(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

function deliver(body: Buffer, headers: Record<string, string>) {
  return fetch(`${runtime.url}/v1/webhooks/shopify/shop`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}
const shopifyHeaders = (topic: string, body: Buffer, secret = SHOPIFY_SECRET) => ({
  'x-shopify-topic': topic,
  'x-shopify-hmac-sha256': sign(body, secret),
  'x-shopify-shop-domain': 'example.myshopify.com',
  'x-shopify-api-version': '2026-01',
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
});

async function settled() {
  while (runtime.queue.depth('profile-updates') > 0) await new Promise((r) => setTimeout(r, 10));
}
async function profile(customerId: string) {
  const res = await fetch(`${runtime.url}/v1/customers/${customerId}`, {
    headers: { authorization: `Bearer ${tenant.adminKey}` },
  });
  return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
}

describe('Shopify webhooks', () => {
  it('refuses a wrong secret, a missing signature and a body altered by one byte, storing nothing', async () => {
    const body = fixture('orders__create.json');
    const altered = Buffer.from(body);
    altered[100] = altered[100] === 0x20 ? 0x09 : 0x20;
    const { 'x-shopify-hmac-sha256': _, ...unsigned } = shopifyHeaders('orders/create', body);
    for (const [payload, headers] of [
      [body, shopifyHeaders('orders/create', body, 'not-the-secret')],
      [body, unsigned],
      [altered, shopifyHeaders('orders/create', body)],
    ] as const) {
      const res = await deliver(payload, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized', path: 'headers.x-shopify-hmac-sha256' });
    }
    expect(runtime.queue.depth('profile-updates')).toBe(0);
    expect(await runtime.store.query(customerPk('shop', ORDER_CUSTOMER))).toEqual([]);
  });

  it('folds a signed orders/create into the customer profile, signed with the previous secret during rotation', async () => {
    const body = fixture('orders__create.json');
    const res = await deliver(body, shopifyHeaders('orders/create', body, SHOPIFY_PREVIOUS));
    expect(res.status).toBe(200);
    await settled();
    expect(await profile(ORDER_CUSTOMER)).toMatchObject({ orders: 1, revenue: { USD: { orders: 1, gross: 40495 } } });
  });

  it('changes the profile once for the same webhook delivered 100 times, also after a restart 3 days later', async () => {
    const body = fixture('orders__create.json');
    const before = await profile(ORDER_CUSTOMER);
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(
        Array.from({ length: 9 }, () => deliver(body, shopifyHeaders('orders/create', body))),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(9).fill(200));
    }
    await settled();
    expect(await profile(ORDER_CUSTOMER)).toEqual(before);
    await runtime.close();
    clock.advance(3 * 86_400_000);
    await start();
    for (let i = 0; i < 10; i++) expect((await deliver(body, shopifyHeaders('orders/create', body))).status).toBe(200);
    await settled();
    expect(await profile(ORDER_CUSTOMER)).toEqual(before);
  });

  it('no longer accepts the previous secret once its grace period is over', async () => {
    const body = fixture('orders__paid.json');
    expect((await deliver(body, shopifyHeaders('orders/paid', body, SHOPIFY_PREVIOUS))).status).toBe(401);
  });

  it('folds orders/updated before orders/create into the same profile as in order', async () => {
    const create = fixture('orders__create.json');
    const update = fixture('orders__updated.json');
    const post = (tenantId: string, topic: string, body: Buffer) =>
      fetch(`${runtime.url}/v1/webhooks/shopify/${tenantId}`, {
        method: 'POST',
        headers: shopifyHeaders(topic, body),
        body,
      });
    await post('shop-in-order', 'orders/create', create);
    await settled();
    await post('shop-in-order', 'orders/updated', update);
    await post('shop-reversed', 'orders/updated', update);
    await settled();
    await post('shop-reversed', 'orders/create', create);
    await settled();
    const read = async (tenantId: string) => {
      const item = await runtime.store.get(
        { pk: customerPk(tenantId, ORDER_CUSTOMER), sk: 'PROFILE' },
        { consistent: true },
      );
      // The profile, less its write bookkeeping (which seen-event hashes sit on it rather than in a ledger).
      const {
        pk: _pk,
        tenantId: _t,
        version: _v,
        seen: _s,
        buyerShard: _b,
        audienceShard: _a,
        ...rest
      } = item ?? { pk: '', sk: '' };
      return rest;
    };
    const inOrder = await read('shop-in-order');
    expect(inOrder).toMatchObject({ orders: 1, counts: { order_placed: 1, order_updated: 1 } });
    expect(await read('shop-reversed')).toEqual(inOrder);
  });

  it('refuses a signed orders/create body sent as customers/redact or shop/redact, erasing and auditing nothing', async () => {
    const body = fixture('orders__create.json');
    expect((await deliver(body, shopifyHeaders('orders/create', body))).status).toBe(200);
    await settled();
    const before = await profile(ORDER_CUSTOMER);
    expect(before).toMatchObject({ orders: 1 });
    const held = async (tenantId: string) =>
      (await runtime.store.scan(`${tenantId}#`)).map((item) => JSON.stringify(item)).sort();
    const items = await held('shop');
    // The same bytes, the tenant's real signature, only X-Shopify-Topic changed; also a customers/redact body
    // sent as shop/redact, which would erase the whole tenant.
    const redact = fixture('customers__redact.json');
    for (const [payload, topic, path] of [
      [body, 'customers/redact', '$.financial_status'],
      [body, 'shop/redact', '$.financial_status'],
      [body, 'customers/data_request', '$.financial_status'],
      [redact, 'shop/redact', '$.customer'],
      [redact, 'orders/create', '$.shop_id'],
    ] as const) {
      const res = await deliver(payload, shopifyHeaders(topic, payload));
      expect(res.status, topic).toBe(400);
      const error = (await res.json()) as { error: string; message: string; path: string };
      expect(error, topic).toEqual({
        error: 'topic_mismatch',
        message: expect.stringContaining(`the body is not the payload of ${topic}`),
        path,
      });
    }
    expect(runtime.queue.depth('profile-updates')).toBe(0);
    expect(await profile(ORDER_CUSTOMER)).toEqual(before);
    // Nothing erased, no tombstone, no audit entry: every item of the tenant is as it was.
    expect(await held('shop')).toEqual(items);
  });

  it('erases the customer on customers/redact: no item holds the id, e-mail or phone, and the export is empty', async () => {
    const body = fixture('customers__redact.json');
    const identify = {
      type: 'identify',
      eventId: 'redact-me-1',
      customerId: '191167',
      occurredAt: '2026-11-20T10:00:00Z',
      properties: { traits: { email: 'john@example.com', phone: '555-625-1199' } },
    };
    const ingest = await fetch(`${runtime.url}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': tenant.apiKey },
      body: JSON.stringify(identify),
    });
    expect(ingest.status).toBe(202);
    await settled();
    expect(await profile('191167')).toBeDefined();
    const res = await deliver(body, shopifyHeaders('customers/redact', body));
    expect(res.status).toBe(200);
    const client = localDynamoClient(String(runtime.dynamoEndpoint));
    const scan = await client.send(new ScanCommand({ TableName: 'growthloop' }));
    client.destroy();
    expect(itemsHolding(scan.Items ?? [], ['191167', 'john@example.com', '555-625-1199'])).toEqual([]);
    const exported = await fetch(`${runtime.url}/v1/customers/191167/export`, {
      headers: { authorization: `Bearer ${tenant.adminKey}` },
    });
    expect(((await exported.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('attributes a refund to the customer of its order, and parks a refund of an unknown order with a 200', async () => {
    // The published sample names its order with a rounded id; point it at the sample order.
    const refund = (orderId: string) =>
      Buffer.from(
        fixture('refunds__create.json')
          .toString('utf8')
          .replace('"order_id": 820982911946154500', `"order_id": ${orderId}`),
      );
    const early = refund('820982911946150000');
    const res = await deliver(early, shopifyHeaders('refunds/create', early));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 0, parked: 1 });
    const known = refund('820982911946154508');
    expect((await deliver(known, shopifyHeaders('refunds/create', known))).status).toBe(200);
    await settled();
    expect(await profile(ORDER_CUSTOMER)).toMatchObject({
      revenue: { USD: { gross: 40495, refunded: 8500, net: 31995 } },
    });
  });

  it('turns every published topic sample into the profiles its canonical events fold to', async () => {
    const topics = [
      'orders/create',
      'orders/paid',
      'orders/updated',
      'customers/create',
      'customers/update',
      'checkouts/create',
      'checkouts/update',
      'app/uninstalled',
    ];
    const expected: CanonicalEvent[] = [];
    for (const topic of topics) {
      const body = fixture(`${topic.replace('/', '__')}.json`);
      const res = await fetch(`${runtime.url}/v1/webhooks/shopify/shop-all`, {
        method: 'POST',
        headers: shopifyHeaders(topic, body),
        body,
      });
      expect(res.status, topic).toBe(200);
      const result = normalizeShopify({
        topic,
        body: parseJsonPreservingBigInts(body.toString('utf8')),
        tenantId: 'shop-all',
      });
      if (result.kind === 'events') expected.push(...result.events);
    }
    await settled();
    // customers/create and customers/update publish the same sample: one event id, folded once.
    const unique = [...new Map(expected.map((e) => [e.eventId, e])).values()];
    const customers = [...new Set(unique.map((e) => e.customerId))];
    expect(customers.length).toBeGreaterThanOrEqual(2);
    for (const customerId of customers) {
      const item = await runtime.store.get(
        { pk: customerPk('shop-all', customerId), sk: 'PROFILE' },
        { consistent: true },
      );
      const folded = foldEvents(
        undefined,
        unique.filter((e) => e.customerId === customerId),
      );
      expect(item && fromProfileItem(item).profile, customerId).toEqual(folded);
    }
  });

  it("erasing the order's customer also removes the order index that named it", async () => {
    const res = await fetch(`${runtime.url}/v1/customers/${ORDER_CUSTOMER}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tenant.adminKey}` },
    });
    expect(res.status).toBe(200);
    const held = async () => itemsHolding(await runtime.store.scan('shop#'), [ORDER_CUSTOMER]);
    expect(await held()).toEqual([]);
    // Shopify delivers the order again after the erasure: nothing names the customer again.
    const body = fixture('orders__updated.json');
    expect((await deliver(body, shopifyHeaders('orders/updated', body))).status).toBe(200);
    await settled();
    expect(await held()).toEqual([]);
  });

  it('answers customers/data_request with an export written to the audit log', async () => {
    const body = fixture('customers__data_request.json');
    const res = await deliver(body, shopifyHeaders('customers/data_request', body));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ privacy: 'customer_data_request' });
    const audit = await runtime.store.query('shop#AUDIT', { consistent: true });
    expect(audit.filter((entry) => entry.action === 'export' && entry.requestedBy === 'shopify')).toHaveLength(1);
  });

  it('erases the whole tenant on shop/redact, in the background, keeping only its audit log', async () => {
    expect((await runtime.store.scan('shop-all#')).length).toBeGreaterThan(0);
    const body = fixture('shop__redact.json');
    const res = await fetch(`${runtime.url}/v1/webhooks/shopify/shop-all`, {
      method: 'POST',
      headers: shopifyHeaders('shop/redact', body),
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ privacy: 'shop_redact', erasure: 'pending' });
    await runtime.runTenantErasures();
    const left = await runtime.store.scan('shop-all#');
    expect(left.map((item) => [item.pk, item.action])).toEqual([['shop-all#AUDIT', 'erase_tenant']]);
    expect((await runtime.store.scan('shop#')).length).toBeGreaterThan(0);
  });

  it('answers 200 to a topic it does not use, stores nothing for it and counts it in a metric', async () => {
    const body = Buffer.from('{"id": 1}');
    const res = await deliver(body, shopifyHeaders('products/create', body));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 0 });
    expect(runtime.queue.depth('profile-updates')).toBe(0);
    const metric = metricLines.map((line) => JSON.parse(line)).find((l) => l.topic === 'products/create');
    expect(metric).toMatchObject({
      platform: 'shopify',
      topic: 'products/create',
      _aws: { CloudWatchMetrics: [{ Namespace: 'growthloop' }] },
    });
  });
});

describe('WooCommerce webhooks', () => {
  const WOO_SECRET = 'woo_test_secret';
  const wooFixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/woocommerce', name));
  const deliverWoo = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${runtime.url}/v1/webhooks/woocommerce/shop`, { method: 'POST', headers, body });
  const signed = (topic: string, body: Buffer, secret = WOO_SECRET) => ({
    'content-type': 'application/json',
    'x-wc-webhook-topic': topic,
    'x-wc-webhook-resource': topic.split('.')[0] as string,
    'x-wc-webhook-event': topic.split('.')[1] as string,
    'x-wc-webhook-signature': sign(body, secret),
    'x-wc-webhook-source': 'https://example.com/',
    'x-wc-webhook-id': '12',
    'x-wc-webhook-delivery-id': 'a1b2c3',
  });

  it('answers the creation ping with 200 without a signature', async () => {
    const res = await deliverWoo('webhook_id=12', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
  });

  it('refuses a delivery whose signature does not match, storing nothing', async () => {
    const body = wooFixture('order.created.json');
    const res = await deliverWoo(body, signed('order.created', body, 'wrong-secret'));
    expect(res.status).toBe(401);
    expect(runtime.queue.depth('profile-updates')).toBe(0);
  });

  it('refuses a signed body that is not the resource its topic and resource headers name, publishing nothing', async () => {
    const customer = wooFixture('customer.created.json');
    const order = wooFixture('order.created.json');
    const guest = `email:${encodeURIComponent('john.doe@example.com')}`;
    const before = await profile(guest);
    for (const [payload, headers, path] of [
      [customer, signed('order.created', customer), '$.username'],
      [order, signed('customer.updated', order), '$.order_key'],
      [
        order,
        { ...signed('order.created', order), 'x-wc-webhook-resource': 'customer' },
        'headers.x-wc-webhook-resource',
      ],
    ] as const) {
      const res = await deliverWoo(payload, headers);
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'topic_mismatch', path });
    }
    expect(runtime.queue.depth('profile-updates')).toBe(0);
    expect(await profile('25')).toBeUndefined();
    expect(await profile(guest)).toEqual(before);
  });

  it('folds a signed order.created of a guest into a profile keyed by the billing e-mail', async () => {
    const body = wooFixture('order.created.json');
    for (let i = 0; i < 3; i++) expect((await deliverWoo(body, signed('order.created', body))).status).toBe(200);
    await settled();
    const guest = `email:${encodeURIComponent('john.doe@example.com')}`;
    expect(await profile(guest)).toMatchObject({ orders: 1, revenue: { USD: { orders: 1, gross: 2935 } } });
  });
});
