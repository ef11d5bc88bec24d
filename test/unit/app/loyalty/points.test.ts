// The loyalty consumer over memory ports: events become ledger entries once, the account folds as
// of the clock, the daily pass folds it again when points are released, near expiry and expired,
// and the reminder and the expiry notice go on the bus once each, again if the bus refused them.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryQueue } from '../../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createDailyRun } from '../../../../functions/app/daily-run/run';
import { createLoyaltyConsumer } from '../../../../functions/app/loyalty/run';
import { tenantDirectory } from '../../../../functions/core/config/tenants';
import { pointsAccountKey, storedAccountOf } from '../../../../functions/core/loyalty/items';
import { tombstoneItem } from '../../../../functions/core/privacy/records';
import type { Bus, BusEvent } from '../../../../functions/ports';
import { LOYALTY_SOURCE } from '../../../../functions/routes';
import { busDelivery, testEvent } from '../../../helpers/events';

const tenant = { id: 'shop', timezone: 'Asia/Shanghai', currency: 'CNY' };

function world(start: string) {
  const store = createMemoryStore();
  const clock = new ManualClock(start);
  const told: BusEvent[] = [];
  let busDown = false;
  const bus: Bus = {
    async put(events) {
      if (busDown) throw new Error('the bus is down');
      told.push(...events);
    },
  };
  const deps = {
    store,
    bus,
    queue: createMemoryQueue({ clock }),
    clock,
    tenants: tenantDirectory([tenant]),
    log: silentLog,
  };
  const consume = createLoyaltyConsumer(deps);
  const daily = createDailyRun(deps);
  const deliver = (...events: ReturnType<typeof testEvent>[]) =>
    consume({ records: events.map((e) => busDelivery(e, clock.now())) });
  /** The daily run's pass over what is due, as it runs each day. */
  const dailyPass = () => daily.run({ tenantIds: [tenant.id] });
  const account = async (customerId = 'c1') =>
    storedAccountOf(await store.get(pointsAccountKey(tenant.id, customerId)));
  const notices = () => told.filter((e) => e.source === LOYALTY_SOURCE);
  return { store, clock, deliver, dailyPass, account, notices, setBusDown: (d: boolean) => (busDown = d) };
}

const at = (iso: string) => Date.parse(iso);
const event = (type: string, when: string, properties: object, id?: string, customerId = 'c1') =>
  testEvent(tenant.id, type, customerId, at(when), properties, id);
const cny = (yuan: number) => ({ amount: yuan * 100, currency: 'CNY' });

describe('the loyalty consumer', () => {
  it('folds each entry once, releases an order at the end of its return window, and takes back a partial refund', async () => {
    const w = world('2026-03-01T02:00:00Z');
    const placed = event('order_placed', '2026-03-01T02:00:00Z', { orderId: 'o1', total: cny(200) }, 'e1');
    expect(await w.deliver(placed, placed)).toEqual({ failedIds: [] });
    expect(await w.account()).toMatchObject({ balance: 0, pending: 200, version: 1 });
    await w.deliver(placed); // redelivered: nothing new, nothing written
    expect((await w.account())?.version).toBe(1);
    // Due again when the return window closes: the daily pass of that day folds it.
    expect(await w.store.get(pointsAccountKey(tenant.id, 'c1'))).toMatchObject({ dueDay: '2026-03-09' });
    w.clock.set('2026-03-09T00:05:00Z');
    await w.dailyPass();
    expect(await w.account()).toMatchObject({ balance: 200, pending: 0 });
    const refund = event('refund', '2026-03-09T01:00:00Z', { orderId: 'o1', refundId: 'r1', amount: cny(50) }, 'e2');
    w.clock.set('2026-03-09T01:00:00Z');
    await w.deliver(refund, refund);
    expect(await w.account()).toMatchObject({ balance: 150, clawedBack: 50 });
  });

  it("reminds 30 days before points expire and tells when they did, once each, in the tenant's time zone", async () => {
    const w = world('2026-03-01T15:30:00Z'); // 23:30 in Shanghai
    await w.deliver(event('points_earned', '2026-03-01T15:30:00Z', { points: 40 }, 'g1'));
    // Expiring at the start of 2027-03-01 in Shanghai; the reminder at the start of 2027-01-30 there
    // (16:00 UTC the day before), which the daily pass of 2027-01-30 tells.
    expect((await w.account())?.expiring).toEqual([{ at: '2027-02-28T16:00:00.000Z', points: 40 }]);
    expect(await w.store.get(pointsAccountKey(tenant.id, 'c1'))).toMatchObject({ dueDay: '2027-01-30' });
    w.clock.set('2027-01-29T23:00:00Z');
    await w.dailyPass();
    expect(w.notices()).toEqual([]);
    w.clock.set('2027-01-30T00:05:00Z');
    w.setBusDown(true);
    await w.dailyPass();
    expect((await w.account())?.unsent).toHaveLength(1);
    w.setBusDown(false);
    // The next pass tells it, once.
    await w.dailyPass();
    await w.dailyPass();
    expect(
      w.notices().map((e) => [e.detailType, (e.detail as { properties: { points: number } }).properties.points]),
    ).toEqual([['points.expiring', 40]]);
    expect(await w.store.get(pointsAccountKey(tenant.id, 'c1'))).toMatchObject({ dueDay: '2027-03-01' });
    w.clock.set('2027-03-01T00:05:00Z');
    await w.dailyPass();
    expect(await w.account()).toMatchObject({ balance: 0, expired: 40 });
    expect(w.notices().map((e) => e.detailType)).toEqual(['points.expiring', 'points.expired']);
    expect(w.notices()[1]?.detail).toMatchObject({
      type: 'points.expired',
      tenantId: 'shop',
      customerId: 'c1',
      source: LOYALTY_SOURCE,
      properties: { points: 40, balance: 0 },
    });
  });

  it('gives the same balance for 10,000 entries delivered in random order, each more than once', async () => {
    const w = world('2027-06-01T00:00:00Z');
    const start = at('2026-01-01T00:00:00Z');
    const events = Array.from({ length: 10_000 }, (_, n) => {
      const when = new Date(start + n * 3_000_000).toISOString();
      switch (n % 8) {
        case 0:
        case 1:
          return event('order_placed', when, { orderId: `o${n}`, total: cny(10 + (n % 50)) }, `e${n}`);
        case 2:
          return event('refund', when, { orderId: `o${n - 2}`, refundId: `r${n}`, amount: cny(3) }, `e${n}`);
        case 3:
          return event('sign_in', when, {}, `e${n}`);
        case 4:
          return event('points_redeemed', when, { points: 12 }, `e${n}`);
        case 5:
          return event('share', when, {}, `e${n}`);
        case 6:
          return event('order_cancelled', when, { orderId: `o${n - 5}`, total: cny(1), placedAt: when }, `e${n}`);
        default:
          return event('points_earned', when, { points: 7 }, `e${n}`);
      }
    });
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const deliveries = [...events, ...events, ...events.filter(() => random() < 0.3)];
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [
        deliveries[j] as (typeof events)[number],
        deliveries[i] as (typeof events)[number],
      ];
    }
    for (let i = 0; i < deliveries.length; i += 100) {
      expect((await w.deliver(...deliveries.slice(i, i + 100))).failedIds).toEqual([]);
    }
    const inOrder = world('2027-06-01T00:00:00Z');
    for (let i = 0; i < events.length; i += 100) await inOrder.deliver(...events.slice(i, i + 100));
    const [shuffled, ordered] = [await w.account(), await inOrder.account()];
    expect(ordered?.earned).toBeGreaterThan(0);
    expect(ordered?.clawedBack).toBeGreaterThan(0);
    expect(ordered?.redeemed).toBeGreaterThan(0);
    const figures = (a: typeof shuffled) => {
      const { version: _v, updatedAt: _u, ...rest } = a ?? ({} as NonNullable<typeof a>);
      return rest;
    };
    expect(figures(shuffled)).toEqual(figures(ordered));
  }, 120_000);

  it('makes no points for an erased customer', async () => {
    const w = world('2026-03-05T00:00:00Z');
    await w.store.put(tombstoneItem(tenant.id, 'gone', at('2026-03-04T00:00:00Z')));
    await w.deliver(event('points_earned', '2026-03-03T00:00:00Z', { points: 10 }, 'old', 'gone'));
    expect(await w.account('gone')).toBeUndefined();
  });
});
