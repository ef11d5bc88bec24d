import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { itemsHolding } from '../helpers/erasure';
import { INGEST_QUEUES } from '../helpers/runtime';

const [a] = demoConfig().tenants;
const [b] = demoConfig().tenants;
const shopA = { ...a!, id: 'shop-a', secrets: { segmentWriteKey: 'segment-write-key-shop-a' } };
const shopB = { ...b!, id: 'shop-b', secrets: { segmentWriteKey: 'segment-write-key-shop-b' } };
const config: GrowthloopConfig = { tenants: [shopA, shopB] };
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0 });
});
afterAll(() => runtime.close());

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const send = (path: string, body: unknown, key = shopA.secrets.segmentWriteKey) =>
  fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { authorization: basic(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
async function settled() {
  while (INGEST_QUEUES.some((q) => runtime.queue.depth(q) > 0)) await new Promise((r) => setTimeout(r, 10));
}
async function profile(customerId: string) {
  const res = await fetch(`${runtime.url}/v1/customers/${customerId}`, {
    headers: { authorization: `Bearer ${shopA.adminKey}` },
  });
  return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
}

const track = (i: number, user: string) => ({
  type: 'track',
  messageId: `msg-${i}`,
  userId: user,
  event: i % 2 === 0 ? 'Product Viewed' : 'Order Completed',
  properties: i % 2 === 0 ? { product_id: `p-${i}` } : { order_id: `o-${i}`, total: 12.5, currency: 'EUR' },
  timestamp: '2026-11-20T10:00:00.000Z',
});

describe('the Segment-spec HTTP API', () => {
  it('accepts a batch of 500 mixed calls with an error for each bad item', async () => {
    const batch: unknown[] = Array.from({ length: 500 }, (_, i) => {
      if (i % 50 === 7) return { ...track(i, 'u-1'), messageId: undefined };
      if (i % 50 === 9) return { type: 'page', messageId: `msg-${i}`, userId: 'u-1', name: 'Home' };
      if (i % 100 === 3) return { type: 'identify', messageId: `msg-${i}`, userId: 'u-2', traits: { plan: 'plus' } };
      return track(i, `u-${i % 5}`);
    });
    const res = await send('/v1/batch', { batch });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      accepted: number;
      rejected: number;
      errors: { index: number; path: string }[];
    };
    expect(body.rejected).toBe(20);
    expect(body.accepted).toBe(480);
    expect(body.errors.find((e) => e.index === 7)?.path).toBe('$.batch[7].messageId');
    expect(body.errors.find((e) => e.index === 9)?.path).toMatch(/^\$\.batch\[9\]/);
    await settled();
    expect(await profile('u-2')).toMatchObject({ traits: { plan: 'plus' } });
  });

  it('treats a repeated messageId as a no-op', async () => {
    const before = await profile('u-1');
    expect((await send('/v1/track', track(1, 'u-1'))).status).toBe(200);
    expect((await send('/v1/batch', { batch: [track(3, 'u-3'), track(11, 'u-1')] })).status).toBe(200);
    await settled();
    expect(await profile('u-1')).toEqual(before);
  });

  it('merges an anonymous visitor into the customer on identify, and sends later anonymous events there', async () => {
    const anon = (i: number, event: string, properties: Record<string, unknown>) => ({
      type: 'track',
      messageId: `anon-msg-${i}`,
      anonymousId: 'visitor-42',
      event,
      properties,
      timestamp: `2026-11-20T10:0${i}:00.000Z`,
    });
    const browsing = [
      anon(1, 'Product Viewed', { product_id: 'p-1' }),
      anon(2, 'Order Completed', { order_id: 'anon-o-1', total: 20, currency: 'EUR' }),
    ];
    expect((await send('/v1/batch', { batch: browsing })).status).toBe(200);
    await settled();
    expect(await profile('anon:visitor-42')).toMatchObject({ orders: 1 });
    const identify = {
      type: 'identify',
      messageId: 'identify-42',
      userId: 'user-42',
      anonymousId: 'visitor-42',
      traits: { plan: 'plus' },
      timestamp: '2026-11-20T10:05:00.000Z',
    };
    expect((await send('/v1/identify', identify)).status).toBe(200);
    await settled();
    expect(await profile('anon:visitor-42')).toBeUndefined();
    expect(await profile('user-42')).toMatchObject({
      orders: 1,
      revenue: { EUR: { gross: 2000 } },
      counts: { product_viewed: 1, order_placed: 1, identify: 1, alias: 1 },
      traits: { plan: 'plus' },
    });
    // A late anonymous event and a redelivery of the old ones land on the customer, once.
    const late = [anon(6, 'Product Viewed', { product_id: 'p-2' }), ...browsing];
    expect((await send('/v1/batch', { batch: late })).status).toBe(200);
    expect((await send('/v1/identify', identify)).status).toBe(200);
    await settled();
    expect(await profile('anon:visitor-42')).toBeUndefined();
    expect(await profile('user-42')).toMatchObject({
      orders: 1,
      counts: { product_viewed: 2, order_placed: 1, alias: 1 },
    });
  });

  it('erasing the customer also erases the anonymous visitor merged into it', async () => {
    const res = await fetch(`${runtime.url}/v1/customers/user-42`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${shopA.adminKey}` },
    });
    expect(res.status).toBe(200);
    expect(itemsHolding(await runtime.store.scan('shop-a#'), ['user-42', 'visitor-42'])).toEqual([]);
  });

  it("refuses another tenant's write key for this tenant's data and a missing one", async () => {
    const res = await send('/v1/track', { ...track(999, 'u-9') }, 'not-a-write-key-at-all');
    expect(res.status).toBe(401);
    const none = await fetch(`${runtime.url}/v1/track`, { method: 'POST', body: JSON.stringify(track(998, 'u-9')) });
    expect(none.status).toBe(401);
    // Addressed to shop A, shop B's key is refused; on the plain routes it writes to shop B only.
    const addressed = await fetch(`${runtime.url}/v1/segment/shop-a/track`, {
      method: 'POST',
      headers: { authorization: basic(shopB.secrets.segmentWriteKey) },
      body: JSON.stringify(track(996, 'u-9')),
    });
    expect(addressed.status).toBe(401);
    const own = await fetch(`${runtime.url}/v1/segment/shop-a/track`, {
      method: 'POST',
      headers: { authorization: basic(shopA.secrets.segmentWriteKey) },
      body: JSON.stringify(track(995, 'u-8')),
    });
    expect(own.status).toBe(200);
    expect((await send('/v1/track', track(997, 'u-9'), shopB.secrets.segmentWriteKey)).status).toBe(200);
    await settled();
    expect(await profile('u-9')).toBeUndefined();
  });
});
