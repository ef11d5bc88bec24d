import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectDeliveries } from '../../../../functions/app/fold-profiles/deliveries';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { coldWeeks, pastOrderPeriods, planProfileWrite } from '../../../../functions/core/profiles/apply';
import { groupByCustomer } from '../../../../functions/core/profiles/batch';
import type { StoredProfile } from '../../../../functions/core/profiles/items';
import { addPastOrder, pastOrderBook } from '../../../../functions/core/profiles/order-book';
import { foldEvents, mergeProfiles, type Profile } from '../../../../functions/core/profiles/profile';
import { eventHash, holds, weekOf } from '../../../../functions/core/profiles/seen';
import { profileView } from '../../../../functions/core/profiles/view';
import { shopHistory } from '../../../../scripts/workload';

const withTenant = (events: ReturnType<typeof shopHistory>): CanonicalEvent[] =>
  events.map((e) => ({ ...e, tenantId: 't1' }) as CanonicalEvent);

const base = { tenantId: 't1', customerId: 'c1', source: 'api' } as const;
const ev = (eventId: string, occurredAt: string, rest: Pick<CanonicalEvent, 'type' | 'properties'>) =>
  ({ ...base, eventId, occurredAt, ...rest }) as CanonicalEvent;

describe('profile fold', () => {
  it('counts orders, revenue per currency in minor units, AOV and refunds', () => {
    const profile = foldEvents(undefined, [
      ev('1', '2026-01-01T10:00:00.000Z', {
        type: 'order_placed',
        properties: { orderId: 'a', total: { amount: 1000, currency: 'EUR' } },
      }),
      ev('2', '2026-01-03T10:00:00.000Z', {
        type: 'order_placed',
        properties: { orderId: 'b', total: { amount: 3001, currency: 'EUR' } },
      }),
      ev('3', '2026-01-02T10:00:00.000Z', {
        type: 'order_placed',
        properties: { orderId: 'c', total: { amount: 500, currency: 'USD' } },
      }),
      ev('4', '2026-01-04T10:00:00.000Z', {
        type: 'refund',
        properties: { orderId: 'b', amount: { amount: 1001, currency: 'EUR' } },
      }),
    ]);
    const view = profileView(profile!);
    expect(view.orders).toBe(3);
    expect(view.firstOrderAt).toBe('2026-01-01T10:00:00.000Z');
    expect(view.lastOrderAt).toBe('2026-01-03T10:00:00.000Z');
    expect(view.revenue).toEqual({
      EUR: { orders: 2, gross: 4001, refunded: 1001, net: 3000, aov: 2001 },
      USD: { orders: 1, gross: 500, refunded: 0, net: 500, aov: 500 },
    });
    expect(view.lastSeenAt).toBe('2026-01-04T10:00:00.000Z');
  });

  it('keeps the latest cart, and an order empties the cart it came from', () => {
    const cart = ev('1', '2026-01-01T10:00:00.000Z', {
      type: 'cart_updated',
      properties: { value: { amount: 900, currency: 'EUR' }, itemCount: 2 },
    });
    const order = ev('2', '2026-01-01T10:05:00.000Z', {
      type: 'order_placed',
      properties: { orderId: 'o', total: { amount: 900, currency: 'EUR' } },
    });
    const later = ev('3', '2026-01-02T10:00:00.000Z', {
      type: 'checkout_started',
      properties: { checkoutId: 'k', value: { amount: 50, currency: 'EUR' } },
    });
    expect(profileView(foldEvents(undefined, [cart])!).cart).toEqual({
      value: { amount: 900, currency: 'EUR' },
      itemCount: 2,
    });
    expect(profileView(foldEvents(undefined, [order, cart])!).cart).toBeNull();
    expect(profileView(foldEvents(undefined, [later, order, cart])!).cart).toEqual({
      value: { amount: 50, currency: 'EUR' },
      itemCount: 0,
      checkoutId: 'k',
    });
  });

  it('keeps the latest consent per channel, time zone and traits, whatever the arrival order', () => {
    const events = [
      ev('1', '2026-01-01T00:00:00.000Z', { type: 'consent_changed', properties: { channel: 'email', granted: true } }),
      ev('2', '2026-02-01T00:00:00.000Z', {
        type: 'consent_changed',
        properties: { channel: 'email', granted: false },
      }),
      ev('3', '2026-01-15T00:00:00.000Z', { type: 'consent_changed', properties: { channel: 'sms', granted: true } }),
      ev('4', '2026-01-01T00:00:00.000Z', {
        type: 'identify',
        properties: { traits: { plan: 'free', email: 'a@example.com' }, timezone: 'Asia/Shanghai' },
      }),
      ev('5', '2026-03-01T00:00:00.000Z', {
        type: 'identify',
        properties: { traits: { plan: 'plus' }, timezone: 'Europe/Berlin' },
      }),
      ev('6', '2026-03-02T00:00:00.000Z', { type: 'login', properties: {} }),
      ev('7', '2026-03-01T00:00:00.000Z', { type: 'session_started', properties: {} }),
    ];
    for (const order of [events, [...events].reverse()]) {
      const view = profileView(foldEvents(undefined, order)!);
      expect(view.consent).toEqual({ email: false, sms: true });
      expect(view.timezone).toBe('Europe/Berlin');
      expect(view.traits).toEqual({ plan: 'plus', email: 'a@example.com' });
      expect(view.logins).toBe(1);
      expect(view.lastLoginAt).toBe('2026-03-02T00:00:00.000Z');
      expect(view.sessions).toBe(1);
    }
  });

  it('keeps the tags whose latest change added them, whatever the arrival order, and the latest session and recall', () => {
    const events = [
      ev('t1', '2026-01-01T10:00:00.000Z', {
        type: 'tags_updated',
        properties: { add: ['vip', 'newsletter'], remove: [] },
      }),
      ev('t2', '2026-01-02T10:00:00.000Z', { type: 'tags_updated', properties: { add: [], remove: ['newsletter'] } }),
      ev('s1', '2026-01-03T10:00:00.000Z', { type: 'session_started', properties: {} }),
      ev('m1', '2026-01-04T10:00:00.000Z', {
        type: 'message_delivered',
        properties: { messageId: 'm', channel: 'email', recall: true },
      }),
      ev('m2', '2026-01-05T10:00:00.000Z', {
        type: 'message_delivered',
        properties: { messageId: 'n', channel: 'email' },
      }),
    ];
    for (const order of [events, [...events].reverse()]) {
      const view = profileView(foldEvents(undefined, order)!);
      expect(view).toMatchObject({
        tags: ['vip'],
        lastSessionAt: '2026-01-03T10:00:00.000Z',
        lastRecallAt: '2026-01-04T10:00:00.000Z',
      });
    }
  });

  it('a shuffled 1,000-event history, folded in any grouping, gives the same profile as the ordered one', () => {
    const history = withTenant(shopHistory({ customers: 1, events: 1000, seed: 3 }));
    const ordered = foldEvents(undefined, history);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(history, { minLength: history.length, maxLength: history.length }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }),
        (shuffled, cuts) => {
          expect(deliver(shuffled, cuts, NOW).profile).toEqual(ordered);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('folds each event once, however often, late and out of order it is delivered', () => {
    const history = withTenant(shopHistory({ customers: 1, events: 300, seed: 6 }));
    const once = foldEvents(undefined, history);
    const withRedeliveries = fc
      .array(fc.integer({ min: 0, max: history.length - 1 }), { minLength: 100, maxLength: 600 })
      .chain((again) => {
        const all = [...history, ...again.map((i) => history[i]!)];
        return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
      });
    fc.assert(
      fc.property(
        withRedeliveries,
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 120 }),
        (stream, cuts, daysLater) => {
          expect(deliver(stream, cuts, NOW, daysLater).profile).toEqual(once);
        },
      ),
      { numRuns: 40 },
    );
  });
});

const NOW = Date.parse('2026-02-10T00:00:00Z');

/**
 * Delivers events in batches as the profile processor does, keeping ledgers as the store
 * would; the clock moves from `now` by `daysLater` days across the deliveries.
 */
function deliver(events: CanonicalEvent[], cuts: number[], now: number, daysLater = 0) {
  let stored: StoredProfile | undefined;
  const ledgers = new Map<string, Set<string>>();
  const periods = new Map<string, Set<string>>();
  let offset = 0;
  for (let i = 0; offset < events.length; i++) {
    const batch = events.slice(offset, offset + (cuts[i % cuts.length] as number));
    const at = now + Math.floor((offset / events.length) * daysLater) * 86_400_000;
    const read = Object.fromEntries(coldWeeks(batch, at).map((w) => [w, ledgers.get(w) ?? new Set<string>()]));
    const past = pastOrderBook(pastOrderPeriods(stored, batch).map((p) => periods.get(p) ?? []));
    const plan = planProfileWrite(stored, batch, read, at, [], past);
    for (const { week, hashes } of plan.toLedger) ledgers.set(week, new Set([...(ledgers.get(week) ?? []), ...hashes]));
    for (const { period, members } of plan.toOrderPeriods) {
      periods.set(period, new Set([...(periods.get(period) ?? []), ...members]));
    }
    stored = plan.next ?? stored;
    offset += batch.length;
  }
  return { profile: stored && withEveryOrder(stored.profile, periods), stored, ledgers };
}

/** The profile with the orders moved to period items back in its order book, as one fold keeps them. */
function withEveryOrder(profile: Profile, periods: Map<string, Set<string>>): Profile {
  const { orderBookFrom: _from, pastOrders: _past, ...rest } = profile;
  const book = pastOrderBook(periods.values());
  for (const [id, entry] of Object.entries(profile.orderBook)) addPastOrder(book, id, entry);
  return { ...rest, orderBook: Object.fromEntries([...book].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

describe('planning a profile write', () => {
  const order = (id: string, occurredAt = '2026-02-09T10:00:00.000Z') =>
    ev(id, occurredAt, {
      type: 'order_placed',
      properties: { orderId: id, total: { amount: 100, currency: 'EUR' } },
    });

  it('does not fold again an event the profile has seen', () => {
    const first = planProfileWrite(undefined, [order('a'), order('b')], {}, NOW);
    const again = planProfileWrite(first.next, [order('b'), order('c')], {}, NOW + 60_000);
    expect(again.duplicates.map((e) => e.eventId)).toEqual(['b']);
    expect(again.applied.map((e) => e.eventId)).toEqual(['c']);
    expect(again.next?.profile.orders).toBe(3);
    expect(again.next?.version).toBe(2);
  });

  it('writes nothing when every event was folded before', () => {
    const first = planProfileWrite(undefined, [order('a')], {}, NOW);
    expect(planProfileWrite(first.next, [order('a')], {}, NOW + 1000).next).toBeUndefined();
  });

  it('keeps only the weeks around now on the profile and moves older ones to the ledger', () => {
    const first = planProfileWrite(undefined, [order('a'), order('old', '2025-12-01T10:00:00.000Z')], {}, NOW);
    expect(first.next?.seen[weekOf('2025-12-01T10:00:00.000Z')]).toBe(eventHash('old'));
    const later = planProfileWrite(first.next, [order('b', '2026-03-01T10:00:00.000Z')], {}, NOW + 21 * 86_400_000);
    expect(Object.keys(later.next?.seen ?? {})).toEqual([weekOf('2026-03-01T10:00:00.000Z')]);
    expect(later.toLedger).toEqual([
      { week: weekOf('2025-12-01T10:00:00.000Z'), hashes: [eventHash('old')] },
      { week: weekOf('2026-02-09T10:00:00.000Z'), hashes: [eventHash('a')] },
    ]);
    const ledgers = { [weekOf('2026-02-09T10:00:00.000Z')]: new Set([eventHash('a')]) };
    const redelivered = planProfileWrite(later.next, [order('a')], ledgers, NOW + 22 * 86_400_000);
    expect(redelivered.duplicates).toHaveLength(1);
    expect(redelivered.next).toBeUndefined();
  });

  it('asks for the ledgers of old events only', () => {
    expect(coldWeeks([order('a'), order('b', '2025-06-01T00:00:00.000Z')], NOW)).toEqual([
      weekOf('2025-06-01T00:00:00.000Z'),
    ]);
  });
});

describe('folding into a stored profile', () => {
  it('leaves the stored profile untouched', () => {
    const history = withTenant(shopHistory({ customers: 1, events: 200, seed: 4 }));
    const stored = foldEvents(undefined, history.slice(0, 100))!;
    const before = structuredClone(stored);
    foldEvents(stored, history.slice(100));
    expect(stored).toEqual(before);
  });
});

describe('the seen-event hash', () => {
  it('tells apart 100,000 similar event ids', () => {
    const hashes = new Set(Array.from({ length: 100_000 }, (_, i) => eventHash(`evt-${i}`)));
    expect(hashes.size).toBe(100_000);
  });

  it('is found only at whole-hash positions', () => {
    expect(holds('AAAAAAAABBBBBBBB', 'BBBBBBBB')).toBe(true);
    expect(holds('AAAAAAAABBBBBBBB', 'AAAABBBB')).toBe(false);
    expect(holds(undefined, 'AAAAAAAA')).toBe(false);
  });
});

describe('a batch of deliveries', () => {
  it('groups events by customer and folds an event delivered twice in it once', () => {
    const a = ev('a', '2026-02-09T10:00:00.000Z', { type: 'login', properties: {} });
    const b = { ...a, eventId: 'b', customerId: 'c2' } as CanonicalEvent;
    const body = (event: CanonicalEvent) => JSON.stringify({ source: 'growthloop.ingest', detail: event });
    const { deliveries, undecodable } = collectDeliveries([
      { id: '1', body: body(a) },
      { id: '2', body: body(b) },
      { id: '3', body: body(a) },
      { id: '4', body: 'not json' },
      { id: '5', body: body({ ...a, properties: { method: 42 } } as unknown as CanonicalEvent) },
      { id: '6', body: JSON.stringify({ source: 'growthloop.profiles', detail: a }) },
    ]);
    // A delivery is read with the schemas the event was accepted with, not trusted.
    expect(undecodable).toEqual([
      { id: '4', reason: expect.stringMatching(/^not JSON/) },
      { id: '5', reason: expect.stringMatching(/^detail\.properties\.method: /) },
      { id: '6', reason: expect.stringMatching(/^source: /) },
    ]);
    const groups = groupByCustomer(deliveries);
    expect(groups.map((g) => g.recordIds)).toEqual([['1', '3'], ['2']]);
    const plan = planProfileWrite(undefined, groups[0]!.events, {}, NOW);
    expect([plan.applied.length, plan.duplicates.length, plan.next?.profile.logins]).toEqual([1, 1, 1]);
  });
});

describe('reports of one order', () => {
  const report = (
    type: 'order_placed' | 'order_updated' | 'order_cancelled',
    id: string,
    amount: number,
    updatedAt: string,
  ) =>
    ev(`${type}-${id}-${updatedAt}`, updatedAt, {
      type,
      properties: {
        orderId: id,
        total: { amount, currency: 'EUR' },
        placedAt: '2026-01-05T10:00:00.000Z',
        updatedAt,
      },
    } as Pick<CanonicalEvent, 'type' | 'properties'>);
  const reports = [
    report('order_placed', 'o1', 5000, '2026-01-05T10:00:00.000Z'),
    report('order_updated', 'o1', 4000, '2026-01-06T10:00:00.000Z'),
    report('order_placed', 'o2', 2500, '2026-01-05T10:00:00.000Z'),
    report('order_updated', 'o2', 2600, '2026-01-07T10:00:00.000Z'),
    report('order_cancelled', 'o2', 2600, '2026-01-08T10:00:00.000Z'),
    report('order_updated', 'o3', 900, '2026-01-09T10:00:00.000Z'),
  ];

  it('counts an order once and its latest total, and drops a cancelled one', () => {
    const view = profileView(foldEvents(undefined, reports)!);
    expect(view.orders).toBe(2);
    expect(view.revenue.EUR).toMatchObject({ orders: 2, gross: 4900 });
    expect(view.firstOrderAt).toBe('2026-01-05T10:00:00.000Z');
    expect(view.lastOrderAt).toBe('2026-01-05T10:00:00.000Z');
  });

  it('an update that arrives before its order_placed ends in the same profile as in order', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(reports, { minLength: reports.length, maxLength: reports.length }),
        (shuffled) => {
          expect(foldEvents(undefined, shuffled)).toEqual(foldEvents(undefined, reports));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('merging a previous profile', () => {
  it("gives the profile folding both histories under the customer's id would give", () => {
    const history = withTenant(shopHistory({ customers: 1, events: 400, seed: 9 }));
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: history.length, maxLength: history.length }), (sides) => {
        const visitor = history.filter((_, i) => sides[i]).map((e) => ({ ...e, customerId: 'anon:v' }));
        const customer = history.filter((_, i) => !sides[i]);
        if (visitor.length === 0 || customer.length === 0) return;
        const merged = mergeProfiles(foldEvents(undefined, customer)!, foldEvents(undefined, visitor)!);
        expect({ ...merged, mergedFrom: undefined }).toEqual({
          ...foldEvents(undefined, history)!,
          mergedFrom: undefined,
        });
        expect(merged.mergedFrom).toEqual(['anon:v']);
      }),
      { numRuns: 50 },
    );
  });
});
