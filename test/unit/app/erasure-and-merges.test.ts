// Erasure against late, redelivered, aliased and concurrent events, and identity merges that
// hold whatever order a visitor's events and the alias arrive in. Races are played out exactly:
// a store whose writes of one item first let another use case run.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../functions/adapters/clock';
import { silentLog } from '../../../functions/adapters/log';
import { createMemoryBus } from '../../../functions/adapters/memory/bus';
import { createMemoryStore } from '../../../functions/adapters/memory/store';
import { createFoldProfiles } from '../../../functions/app/fold-profiles/run';
import { createPrivacy } from '../../../functions/app/privacy/run';
import type { QueueRecord } from '../../../functions/contracts/messages';
import { customerPk, profileKey } from '../../../functions/core/profiles/items';
import { liveProfile } from '../../../functions/core/profiles/markers';
import type { Store } from '../../../functions/ports';
import { busDelivery, testEvent } from '../../helpers/events';
import { testTenants } from '../../helpers/scoring';
import { beforeFirstPut } from '../../helpers/stores';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const MINUTE = 60_000;
const tenantId = 'shop';

function world() {
  const clock = new ManualClock(T0);
  const store = createMemoryStore();
  const bus = createMemoryBus();
  const deps = { bus, clock, tenants: testTenants([tenantId]), log: silentLog };
  const fold = createFoldProfiles({ store, ...deps });
  // Another process on the same table: its writes do not wait in line behind this one's.
  const elsewhere = { ...store };
  const privacy = createPrivacy({ store: elsewhere, clock });
  const foldElsewhere = createFoldProfiles({ store: elsewhere, ...deps });
  return {
    clock,
    store,
    fold: (records: QueueRecord[]) => fold({ records }),
    foldElsewhere: (records: QueueRecord[]) => foldElsewhere({ records }),
    privacy,
  };
}

const event = (type: string, customerId: string, at: number, properties: object, eventId = `${type}-${at}`) =>
  testEvent(tenantId, type, customerId, at, properties, eventId);
const order = (customerId: string, at: number, id: string) =>
  event('order_placed', customerId, at, { orderId: id, total: { amount: 1000, currency: 'EUR' } }, `order-${id}`);

const profileOf = async (store: Store, customerId: string) =>
  liveProfile(await store.get(profileKey(tenantId, customerId), { consistent: true }))?.profile;

describe('erasure holds', () => {
  it('against an event received before the erasure and dated after it, delivered late', async () => {
    const w = world();
    await w.fold([busDelivery(order('ada', T0 - MINUTE, 'o1'), T0 - MINUTE)]);
    const late = busDelivery(order('ada', T0 + 4 * MINUTE, 'o2'), T0);
    w.clock.advance(MINUTE);
    await w.privacy.erase(tenantId, 'ada', 'admin_api');
    w.clock.advance(10 * MINUTE);
    expect(await w.fold([late])).toEqual({ failedIds: [] });
    expect(await profileOf(w.store, 'ada')).toBeUndefined();
  });

  it('against an old event sent again after the erasure', async () => {
    const w = world();
    const first = order('ada', T0 - MINUTE, 'o1');
    await w.fold([busDelivery(first, T0)]);
    w.clock.advance(MINUTE);
    await w.privacy.erase(tenantId, 'ada', 'admin_api');
    w.clock.advance(MINUTE);
    await w.fold([busDelivery(first, w.clock.now())]);
    expect(await profileOf(w.store, 'ada')).toBeUndefined();
  });

  it('lets a customer who comes back after the erasure start a new profile with nothing of the old', async () => {
    const w = world();
    await w.fold([busDelivery(order('ada', T0 - MINUTE, 'o1'), T0)]);
    w.clock.advance(MINUTE);
    await w.privacy.erase(tenantId, 'ada', 'admin_api');
    w.clock.advance(2000);
    await w.fold([busDelivery(order('ada', w.clock.now(), 'o2'), w.clock.now())]);
    const profile = await profileOf(w.store, 'ada');
    expect(profile?.orders).toBe(1);
    expect(Object.keys(profile?.orderBook ?? {})).toEqual(['o2']);
  });

  it('when the erasure lands between a fold reading the profile and writing it (no retry re-creates it)', async () => {
    const w = world();
    await w.fold([busDelivery(order('ada', T0 - MINUTE, 'o1'), T0 - MINUTE)]);
    beforeFirstPut(w.store, profileKey(tenantId, 'ada'), () => w.privacy.erase(tenantId, 'ada', 'admin_api'));
    const result = await w.fold([busDelivery(order('ada', T0, 'o2'), T0)]);
    expect(result.failedIds).toEqual([]);
    expect(await profileOf(w.store, 'ada')).toBeUndefined();
  });

  it('when the erasure lands between a fold finding no profile and creating it', async () => {
    const w = world();
    beforeFirstPut(w.store, profileKey(tenantId, 'ada'), () => w.privacy.erase(tenantId, 'ada', 'admin_api'));
    await w.fold([busDelivery(order('ada', T0, 'o1'), T0)]);
    expect(await profileOf(w.store, 'ada')).toBeUndefined();
  });

  it('for aliases both ways: the visitor linked by identify neither re-creates nor names the customer', async () => {
    const w = world();
    const at = T0 - MINUTE;
    await w.fold([
      busDelivery(event('identify', 'user-1', at, { traits: { email: 'ada@example.com' } }, 'identify-1'), at),
      busDelivery(event('alias', 'user-1', at, { previousId: 'anon:v1' }, 'alias-1'), at),
    ]);
    w.clock.advance(MINUTE);
    await w.privacy.erase(tenantId, 'user-1', 'admin_api');
    expect(JSON.stringify(await w.store.query(customerPk(tenantId, 'anon:v1')))).not.toContain('user-1');
    w.clock.advance(MINUTE);
    await w.fold([busDelivery(event('product_viewed', 'anon:v1', w.clock.now(), { productId: 'p' }), w.clock.now())]);
    expect(await profileOf(w.store, 'user-1')).toBeUndefined();
    expect((await profileOf(w.store, 'anon:v1'))?.counts).toEqual({ product_viewed: 1 });
  });

  it('asked for the visitor id, erases the customer it was merged into', async () => {
    const w = world();
    await w.fold([
      busDelivery(event('product_viewed', 'anon:v1', T0 - 2 * MINUTE, { productId: 'p' }), T0 - 2 * MINUTE),
    ]);
    await w.fold([busDelivery(event('alias', 'user-1', T0 - MINUTE, { previousId: 'anon:v1' }, 'alias-1'), T0)]);
    expect((await profileOf(w.store, 'user-1'))?.counts.product_viewed).toBe(1);
    w.clock.advance(MINUTE);
    await w.privacy.erase(tenantId, 'anon:v1', 'admin_api');
    expect(await profileOf(w.store, 'user-1')).toBeUndefined();
  });
});

describe('identity merges are order-insensitive', () => {
  const viewed = event('product_viewed', 'anon:v1', T0, { productId: 'p' }, 'viewed-1');
  const identify = event('identify', 'user-1', T0 + 1000, { traits: {} }, 'identify-1');
  const alias = event('alias', 'user-1', T0 + 1000, { previousId: 'anon:v1' }, 'alias-1');

  async function expectMerged(w: ReturnType<typeof world>) {
    expect((await profileOf(w.store, 'user-1'))?.counts).toMatchObject({ product_viewed: 1, identify: 1 });
    expect(await profileOf(w.store, 'anon:v1')).toBeUndefined();
  }

  it.each([
    ['before', [viewed, identify, alias]],
    ['after', [identify, alias, viewed]],
  ])('a visitor event batched %s the alias ends on the customer, once', async (_, events) => {
    const w = world();
    expect(await w.fold(events.map((e) => busDelivery(e, T0 + 2000)))).toEqual({ failedIds: [] });
    await expectMerged(w);
  });

  it('a visitor event folded while the alias is merged ends on the customer once it is delivered again', async () => {
    const w = world();
    const visitor = [busDelivery(viewed, T0 + 2000)];
    beforeFirstPut(w.store, profileKey(tenantId, 'anon:v1'), () =>
      w.foldElsewhere([busDelivery(identify, T0 + 2000), busDelivery(alias, T0 + 2000)]),
    );
    const first = await w.fold(visitor);
    expect(first.failedIds).toEqual([visitor[0]?.id]);
    expect(await w.fold(visitor)).toEqual({ failedIds: [] });
    expect(await w.fold(visitor)).toEqual({ failedIds: [] });
    await expectMerged(w);
  });
});

describe('a visitor with more orders than the profile keeps, merged into a customer', () => {
  const DAY = 86_400_000;
  const visitorOrders = Array.from({ length: 30 }, (_, n) => order('anon:v2', T0 - (60 - n) * DAY, `v-${n}`));
  const customerOrders = Array.from({ length: 25 }, (_, n) =>
    order('user-2', T0 - (59 - n) * DAY - 3600_000, `c-${n}`),
  );
  const alias = event('alias', 'user-2', T0, { previousId: 'anon:v2' }, 'alias-2');
  const lateUpdate = (id: string, placedAt: number, amount: number) =>
    event(
      'order_updated',
      'anon:v2',
      T0 + MINUTE,
      {
        orderId: id,
        total: { amount, currency: 'EUR' },
        placedAt: new Date(placedAt).toISOString(),
        updatedAt: new Date(T0 + MINUTE).toISOString(),
      },
      `late-${id}`,
    );

  async function merged() {
    const w = world();
    // Folded five at a time, as batches come: both books move their older orders out.
    for (const orders of [visitorOrders, customerOrders])
      for (let i = 0; i < orders.length; i += 5)
        await w.fold(orders.slice(i, i + 5).map((e) => busDelivery(e, T0 - DAY)));
    expect((await profileOf(w.store, 'anon:v2'))?.orderBookFrom).toBeDefined();
    expect((await profileOf(w.store, 'user-2'))?.orderBookFrom).toBeDefined();
    expect(await w.fold([busDelivery(alias, T0)])).toEqual({ failedIds: [] });
    return w;
  }

  const revenue = async (w: ReturnType<typeof world>) => {
    const p = await profileOf(w.store, 'user-2');
    return { orders: p?.orders, eur: p?.revenue.EUR };
  };

  it('counts every order of both once', async () => {
    const w = await merged();
    expect(await revenue(w)).toEqual({ orders: 55, eur: { orders: 55, gross: 55_000, refunded: 0 } });
  });

  it('applies a late report of one of the visitor’s moved orders once, redelivered and after later writes too', async () => {
    const w = await merged();
    const late = lateUpdate('v-0', T0 - 60 * DAY, 4000);
    expect(await w.fold([busDelivery(late, T0 + MINUTE)])).toEqual({ failedIds: [] });
    const after = { orders: 55, eur: { orders: 55, gross: 58_000, refunded: 0 } };
    expect(await revenue(w)).toEqual(after);
    await w.fold([busDelivery(order('user-2', T0 + 2 * MINUTE, 'c-new'), T0 + 2 * MINUTE)]);
    await w.fold([busDelivery(late, T0 + 3 * MINUTE)]);
    await w.fold([busDelivery(lateUpdate('v-1', T0 - 59 * DAY, 1000), T0 + 4 * MINUTE)]);
    expect(await revenue(w)).toEqual({ orders: 56, eur: { orders: 56, gross: 59_000, refunded: 0 } });
  });

  it('keeps the visitor’s orders in the customer’s partition, where erasing the customer finds them', async () => {
    const w = await merged();
    await w.fold([busDelivery(order('user-2', T0 + MINUTE, 'c-new'), T0 + MINUTE)]);
    await w.privacy.erase(tenantId, 'user-2', 'admin_api');
    expect(await w.store.query(`${tenantId}#C#user-2`, { consistent: true })).toEqual([
      expect.objectContaining({ sk: 'PROFILE' }),
    ]);
    expect(await w.store.query(`${tenantId}#C#anon:v2`, { consistent: true })).toEqual([
      expect.objectContaining({ sk: 'PROFILE' }),
    ]);
  });
});
