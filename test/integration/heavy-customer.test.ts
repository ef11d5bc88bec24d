// A customer who orders thousands of times, folded by the real profile function against dynalite:
// the profile item stays bounded, every order is counted once, and late reports, refunds and
// erasure still find the orders that moved out of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivacy } from '../../functions/app/privacy/run';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import {
  customerPk,
  fromProfileItem,
  movedOrderIds,
  profileKey,
  profileLinks,
} from '../../functions/core/profiles/items';
import { foldEvents } from '../../functions/core/profiles/profile';
import type { Store } from '../../functions/ports';
import { INGEST_SOURCE } from '../../functions/routes';
import { recordingBus, testTenants } from '../helpers/scoring';
import { dynaliteStore, type TestStore } from '../helpers/stores';
import { createProfileUpdater, type QueueRecord } from '../helpers/use-cases';

const tenantId = 'shop';
const START = Date.parse('2024-01-01T00:00:00Z');
const NOW = Date.parse('2026-11-21T12:00:00Z');
const clock = { now: () => NOW };
const HOUR = 3_600_000;

let records = 0;
const delivery = (event: CanonicalEvent): QueueRecord => ({
  id: `m-${records++}`,
  body: JSON.stringify({ 'detail-type': event.type, source: INGEST_SOURCE, detail: event }),
});

const order = (customerId: string, n: number, type = 'order_placed', at = START + n * 2 * HOUR, amount = 1000 + n) =>
  ({
    type,
    tenantId,
    customerId,
    source: 'api',
    eventId: `${type}-${n}-${at}`,
    occurredAt: new Date(at).toISOString(),
    properties: {
      orderId: `${customerId}-o${n}`,
      total: { amount, currency: n % 3 === 0 ? 'USD' : 'EUR' },
      placedAt: new Date(START + n * 2 * HOUR).toISOString(),
      ...(type === 'order_placed' ? {} : { updatedAt: new Date(at).toISOString() }),
    },
  }) as CanonicalEvent;

const refund = (customerId: string, n: number, amount: number) =>
  ({
    type: 'refund',
    tenantId,
    customerId,
    source: 'api',
    eventId: `refund-${n}`,
    occurredAt: new Date(NOW - HOUR).toISOString(),
    properties: { orderId: `${customerId}-o${n}`, refundId: `r-${n}`, amount: { amount, currency: 'EUR' } },
  }) as CanonicalEvent;

async function deliverAll(update: ReturnType<typeof createProfileUpdater>, events: CanonicalEvent[], size = 50) {
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size).map(delivery);
    const { failedIds } = await update(batch);
    expect(failedIds).toEqual([]);
  }
}

async function profileOf(store: Store, customerId: string) {
  const item = await store.get(profileKey(tenantId, customerId), { consistent: true });
  return { item, stored: item ? fromProfileItem(item) : undefined };
}

const counted = (p: ReturnType<typeof foldEvents>) => p && { orders: p.orders, revenue: p.revenue };

describe('a customer with thousands of orders', () => {
  let t: TestStore;
  let update: ReturnType<typeof createProfileUpdater>;
  const orders = Array.from({ length: 10_000 }, (_, n) => order('heavy', n));
  beforeAll(async () => {
    t = await dynaliteStore();
    update = createProfileUpdater({ bus: recordingBus(), tenants: testTenants([tenantId]), store: t.store, clock });
    await deliverAll(update, orders);
  }, 240_000);
  afterAll(() => t.stop());

  it('counts all 10,000 orders and their revenue exactly, with the profile item bounded', async () => {
    const { item, stored } = await profileOf(t.store, 'heavy');
    expect(stored?.profile.orders).toBe(10_000);
    expect(counted(stored?.profile)).toEqual(counted(foldEvents(undefined, orders)));
    const bytes = Buffer.byteLength(JSON.stringify(item));
    expect(bytes).toBeLessThan(8_000);
  });

  it('applies a late update of a moved order once, and its redelivery changes nothing', async () => {
    const late = order('heavy', 43, 'order_updated', NOW - 2 * HOUR, 99_999);
    const before = (await profileOf(t.store, 'heavy')).stored?.profile;
    await deliverAll(update, [late]);
    await deliverAll(update, [late, late]);
    const after = (await profileOf(t.store, 'heavy')).stored?.profile;
    expect(after?.orders).toBe(10_000);
    expect(after?.revenue.EUR?.gross).toBe((before?.revenue.EUR?.gross as number) - (1000 + 43) + 99_999);
    expect(counted(after)).toEqual(counted(foldEvents(undefined, [...orders, late])));
  });

  it('applies a refund of an order that has moved out once, redelivered too', async () => {
    const before = (await profileOf(t.store, 'heavy')).stored?.profile;
    const r = refund('heavy', 7, 500);
    await deliverAll(update, [r]);
    await deliverAll(update, [r]);
    await deliverAll(update, [r, r]);
    const after = (await profileOf(t.store, 'heavy')).stored?.profile;
    expect(after?.revenue.EUR?.refunded).toBe((before?.revenue.EUR?.refunded ?? 0) + 500);
  });

  it('keeps every order in the customer partition, where erasure finds them all', async () => {
    const partition = await t.store.query(customerPk(tenantId, 'heavy'), { consistent: true });
    const profile = partition.find((item) => item.sk === 'PROFILE');
    const ids = new Set([...movedOrderIds(partition), ...(profile ? profileLinks(profile).orderIds : [])]);
    expect(ids.size).toBe(10_000);
    expect(ids.has('heavy-o0')).toBe(true);
    expect(ids.has('heavy-o9999')).toBe(true);
  });

  it('erasure deletes the period items with the partition', async () => {
    const store = t.store;
    const small = Array.from({ length: 40 }, (_, n) => order('gone', n));
    await deliverAll(update, small, 10);
    const partition = await store.query(customerPk(tenantId, 'gone'), { consistent: true });
    expect(partition.some((item) => item.sk.startsWith('ORDERS#'))).toBe(true);
    await createPrivacy({ store, clock }).erase(tenantId, 'gone', 'admin_api');
    const left = await store.query(customerPk(tenantId, 'gone'), { consistent: true });
    expect(left.filter((item) => item.sk.startsWith('ORDERS#'))).toEqual([]);
  });
});
