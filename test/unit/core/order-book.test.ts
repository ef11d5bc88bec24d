import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../functions/core/events/schemas';
import { coldWeeks, pastOrderPeriods, planProfileWrite } from '../../../functions/core/profiles/apply';
import {
  movedOrderIds,
  ORDER_PERIOD_ENTRIES,
  orderPeriodKey,
  profileKey,
  type StoredProfile,
  toProfileItem,
} from '../../../functions/core/profiles/items';
import {
  decodeOrder,
  encodeOrder,
  HOT_ORDERS_MAX,
  orderDays,
  pastOrderBook,
} from '../../../functions/core/profiles/order-book';
import { foldEvents, mergeProfiles, type Profile } from '../../../functions/core/profiles/profile';
import { summaryAt } from '../../../functions/core/scoring/tenant-model';
import type { Item } from '../../../functions/ports';

const DAY = 86_400_000;
const START = Date.parse('2021-01-01T00:00:00Z');
const NOW = Date.parse('2026-01-01T00:00:00Z');
const base = { tenantId: 't1', customerId: 'c1', source: 'api' } as const;

const placed = (n: number, at: number, amount = 1000 + n, currency = n % 4 === 0 ? 'USD' : 'EUR') =>
  ({
    ...base,
    type: 'order_placed',
    eventId: `placed-${n}`,
    occurredAt: new Date(at).toISOString(),
    properties: { orderId: `o-${n}`, total: { amount, currency } },
  }) as CanonicalEvent;

const updated = (n: number, placedAt: number, at: number, amount: number, currency = n % 4 === 0 ? 'USD' : 'EUR') =>
  ({
    ...base,
    type: 'order_updated',
    eventId: `updated-${n}-${at}`,
    occurredAt: new Date(at).toISOString(),
    properties: {
      orderId: `o-${n}`,
      total: { amount, currency },
      placedAt: new Date(placedAt).toISOString(),
      updatedAt: new Date(at).toISOString(),
    },
  }) as CanonicalEvent;

const cancelled = (
  n: number,
  placedAt: number,
  at: number,
  amount = 1000 + n,
  currency = n % 4 === 0 ? 'USD' : 'EUR',
) =>
  ({
    ...updated(n, placedAt, at, amount, currency),
    type: 'order_cancelled',
    eventId: `cancelled-${n}`,
  }) as CanonicalEvent;

const refund = (n: number, at: number, amount: number, currency = n % 4 === 0 ? 'USD' : 'EUR') =>
  ({
    ...base,
    type: 'refund',
    eventId: `refund-${n}`,
    occurredAt: new Date(at).toISOString(),
    properties: { orderId: `o-${n}`, refundId: `r-${n}`, amount: { amount, currency } },
  }) as CanonicalEvent;

/** The table as the fold uses it: the profile, its ledgers and its period items. */
function table() {
  let stored: StoredProfile | undefined;
  const ledgers = new Map<string, Set<string>>();
  const periods = new Map<string, Set<string>>();
  const items = new Map<string, Item>();
  return {
    get stored() {
      return stored;
    },
    periods,
    items,
    deliver(batch: CanonicalEvent[], now: number) {
      const read = Object.fromEntries(coldWeeks(batch, now).map((w) => [w, ledgers.get(w) ?? new Set<string>()]));
      const past = pastOrderBook(pastOrderPeriods(stored, batch).map((p) => periods.get(p) ?? []));
      const plan = planProfileWrite(stored, batch, read, now, [], past);
      for (const { week, hashes } of plan.toLedger)
        ledgers.set(week, new Set([...(ledgers.get(week) ?? []), ...hashes]));
      for (const { period, version, members } of plan.toOrderPeriods) {
        periods.set(period, new Set([...(periods.get(period) ?? []), ...members]));
        const key = orderPeriodKey(profileKey('t1', 'c1'), period, version);
        items.set(key.sk, { ...key, [ORDER_PERIOD_ENTRIES]: new Set(members) });
      }
      stored = plan.next ?? stored;
      return plan;
    },
  };
}

const itemBytes = (stored: StoredProfile) => Buffer.byteLength(JSON.stringify(toProfileItem(stored)));

/** What the profile counts: orders, revenue per currency and order dates. */
const counted = (p: Profile | undefined) =>
  p && { orders: p.orders, revenue: p.revenue, firstOrderAt: p.firstOrderAt, lastOrderAt: p.lastOrderAt };

describe('the bounded order book', () => {
  it('counts 10,000 orders of one customer exactly while the profile item stays small', () => {
    const history = Array.from({ length: 10_000 }, (_, n) => placed(n, START + n * 4 * 3_600_000));
    const t = table();
    let largest = 0;
    for (let i = 0; i < history.length; i += 25) {
      t.deliver(history.slice(i, i + 25), START + (i + 25) * 4 * 3_600_000);
      largest = Math.max(largest, itemBytes(t.stored as StoredProfile));
    }
    expect(counted(t.stored?.profile)).toEqual(counted(foldEvents(undefined, history)));
    expect(t.stored?.profile.orders).toBe(10_000);
    expect(Object.keys(t.stored?.profile.orderBook ?? {}).length).toBeLessThanOrEqual(HOT_ORDERS_MAX + 25);
    expect(largest).toBeLessThan(6_000);
    // Every order is in exactly one place: the profile or a period item.
    const moved = pastOrderBook(t.periods.values());
    const hot = Object.keys(t.stored?.profile.orderBook ?? {});
    expect(moved.size + hot.length).toBe(10_000);
    expect(hot.filter((id) => moved.has(id))).toEqual([]);
  });

  it('puts 10,000 orders placed at the same instant out of the profile too (ties go by order id)', () => {
    const at = Date.parse('2025-12-01T00:00:00Z');
    const history = Array.from({ length: 10_000 }, (_, n) => placed(n, at));
    const t = table();
    for (let i = 0; i < history.length; i += 100) t.deliver(history.slice(i, i + 100), NOW);
    expect(t.stored?.profile.orders).toBe(10_000);
    expect(itemBytes(t.stored as StoredProfile)).toBeLessThan(16_000);
  });

  it('applies late updates, cancellations and redeliveries of moved orders once, in any order and grouping', () => {
    const orders = Array.from({ length: 60 }, (_, n) => placed(n, START + n * 20 * DAY));
    const late = [
      updated(3, START + 3 * 20 * DAY, START + 1400 * DAY, 777),
      cancelled(5, START + 5 * 20 * DAY, START + 1401 * DAY),
      updated(7, START + 7 * 20 * DAY, START + 1402 * DAY, 5000),
      updated(7, START + 7 * 20 * DAY, START + 1403 * DAY, 4000),
      refund(9, START + 1404 * DAY, 300),
      updated(58, START + 58 * 20 * DAY, START + 1405 * DAY, 12),
    ];
    const everything = [...orders, ...late];
    const expected = counted(foldEvents(undefined, everything));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: late.length - 1 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
        (again, cuts) => {
          const t = table();
          const stream = [...orders, ...late, ...again.map((i) => late[i] as CanonicalEvent)];
          for (let i = 0, offset = 0; offset < stream.length; i++) {
            const size = cuts[i % cuts.length] as number;
            t.deliver(stream.slice(offset, offset + size), START + 1410 * DAY);
            offset += size;
          }
          expect(counted(t.stored?.profile)).toEqual(expected);
        },
      ),
      { numRuns: 60, seed: 10 },
    );
  });

  it('folds an import of history that arrives after the recent orders, and its second report of each order, once', () => {
    const recent = Array.from({ length: 30 }, (_, n) => placed(1000 + n, NOW - (30 - n) * DAY));
    const old = Array.from({ length: 40 }, (_, n) => placed(n, START + n * 30 * DAY));
    // The platform reports the same orders again under other event ids (a second import).
    const again = old.map((_, n) => updated(n, START + n * 30 * DAY, START + n * 30 * DAY + 60_000, 1000 + n));
    const t = table();
    t.deliver(recent.slice(0, 15), NOW);
    t.deliver(recent.slice(15), NOW);
    t.deliver(old.slice(0, 20), NOW);
    t.deliver(old, NOW + DAY);
    t.deliver(again.slice(0, 25), NOW + DAY);
    t.deliver(again, NOW + DAY);
    t.deliver([placed(5000, NOW)], NOW + DAY);
    const everything = [...recent, ...old, ...again, placed(5000, NOW)];
    expect(counted(t.stored?.profile)).toEqual(counted(foldEvents(undefined, everything)));
    expect(t.stored?.profile.orders).toBe(71);
  });

  it('a refund of an order that has moved out applies once, redelivered too', () => {
    const t = table();
    const orders = Array.from({ length: 40 }, (_, n) => placed(n, START + n * DAY));
    t.deliver(orders, START + 500 * DAY);
    t.deliver([placed(100, START + 501 * DAY)], START + 501 * DAY);
    expect(pastOrderBook(t.periods.values()).has('o-1')).toBe(true);
    for (const _ of [1, 2, 3]) t.deliver([refund(1, START + 502 * DAY, 250)], START + 502 * DAY);
    expect(t.stored?.profile.revenue.EUR?.refunded).toBe(250);
  });

  it('keeps the purchase days scoring reads: the same repeat count, recency and age as the whole order book', () => {
    const orders = Array.from({ length: 80 }, (_, n) => placed(n, START + n * 9 * DAY + (n % 3) * 3_600_000));
    const t = table();
    for (let i = 0; i < orders.length; i += 7) t.deliver(orders.slice(i, i + 7), START + 800 * DAY);
    const whole = foldEvents(undefined, orders) as Profile;
    const profile = t.stored?.profile as Profile;
    expect(profile.pastOrders).toBeDefined();
    for (const currency of ['EUR', 'USD']) {
      const [a, b] = [profile, whole].map((p) => summaryAt('c1', orderDays(p, currency, 100), NOW));
      expect(a?.x).toBe(b?.x);
      expect(a?.tx).toBe(b?.tx);
      expect(a?.T).toBe(b?.T);
      expect(a?.zbar).toBeCloseTo(b?.zbar as number, 6);
    }
  });

  it('names every moved order for erasure, and every order lives in the customer partition', () => {
    const t = table();
    const orders = Array.from({ length: 50 }, (_, n) => placed(n, START + n * DAY));
    for (let i = 0; i < orders.length; i += 5) t.deliver(orders.slice(i, i + 5), START + 100 * DAY);
    const items = [...t.items.values()];
    expect(items.every((item) => item.pk === profileKey('t1', 'c1').pk && item.sk.startsWith('ORDERS#'))).toBe(true);
    const hot = Object.keys(t.stored?.profile.orderBook ?? {});
    expect(new Set([...movedOrderIds(items), ...hot])).toEqual(new Set(orders.map((_, n) => `o-${n}`)));
  });

  it('keeps the totals and the orders of a visitor with moved orders when it is merged into a customer', () => {
    const t = table();
    const orders = Array.from({ length: 30 }, (_, n) => placed(n, START + n * DAY));
    for (let i = 0; i < orders.length; i += 5) t.deliver(orders.slice(i, i + 5), START + 100 * DAY);
    const customer = foldEvents(undefined, [{ ...placed(99, START + 200 * DAY), customerId: 'c2' }]) as Profile;
    const merged = mergeProfiles(customer, t.stored?.profile as Profile, pastOrderBook(t.periods.values()));
    expect(counted(merged)).toEqual(counted(foldEvents(undefined, [...orders, placed(99, START + 200 * DAY)])));
    // Every order of the visitor comes over by id: a later report of one of them is known.
    expect(Object.keys(merged.orderBook).sort()).toEqual([...orders.map((_, n) => `o-${n}`), 'o-99'].sort());
  });

  it('encodes an order entry as a set member and back, whatever its id holds', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.boolean(),
        (id, total, isCancelled) => {
          const entry = {
            total,
            currency: 'EUR',
            at: '2026-01-01T00:00:00.000Z',
            placedAt: '2025-12-31T00:00:00.000Z',
            ...(isCancelled ? { cancelled: true as const } : {}),
          };
          expect(decodeOrder(encodeOrder(id, entry))).toEqual([id, entry]);
        },
      ),
      { seed: 11 },
    );
  });
});
