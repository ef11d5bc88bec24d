// 10,000 randomized hostile events (fixed seed) through the local runtime on dynalite: ids, trait
// names, tags and order ids from Object.prototype's member names and arbitrary strings, numbers at
// and past what the store keeps, dates out of range, malformed fields. No request gets a 5xx, and
// every event answered as accepted is folded into its customer's profile or parked in quarantine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { postEvents } from '../helpers/events';
import { startTestRuntime } from '../helpers/runtime';

const local = startTestRuntime();
const { tenant } = local;

const NOW = Date.now();
const DAY = 86_400_000;
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const CUSTOMERS = [
  ...PROTOTYPE_NAMES,
  'ada',
  '顾客-1',
  'anon:visitor',
  'a'.repeat(128),
  ' spaced ',
  'null',
  '%2F..%2F',
  'emoji-🎁',
];

const key = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ minLength: 1, maxLength: 70 }));
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e20, 1e-200, 5e-324, 1e300, Number.MAX_SAFE_INTEGER, -0, 1e-130),
);
const traitValue = fc.oneof(fc.string({ maxLength: 300 }), number, fc.boolean(), fc.constant(null));
const occurredAt = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 1, max: 400 * DAY }).map((ago) => new Date(NOW - ago).toISOString()) },
  fc.constantFrom('1999-12-31T23:59:59Z', '9999-12-31T23:59:59Z', new Date(NOW + DAY).toISOString(), 'yesterday'),
);
const money = fc.record({
  amount: fc.oneof({ weight: 50, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) }, number),
  currency: fc.constantFrom('EUR', 'CNY', 'JPY', 'eur', 'XXXX'),
});
const properties = fc.oneof(
  fc.record({
    type: fc.constant('identify'),
    properties: fc.record({ traits: fc.array(fc.tuple(key, traitValue), { maxLength: 8 }).map(Object.fromEntries) }),
  }),
  fc.record({ type: fc.constant('order_placed'), properties: fc.record({ orderId: key, total: money }) }),
  fc.record({ type: fc.constant('refund'), properties: fc.record({ orderId: key, amount: money }) }),
  fc.record({
    type: fc.constant('tags_updated'),
    properties: fc.record({ add: fc.array(key, { maxLength: 5 }), remove: fc.array(key, { maxLength: 3 }) }),
  }),
  fc.record({ type: fc.constant('product_viewed'), properties: fc.record({ productId: key }) }),
  fc.record({
    type: fc.constant('consent_changed'),
    properties: fc.record({ channel: fc.constantFrom('email', 'sms', 'fax'), granted: fc.boolean() }),
  }),
  fc.record({
    type: fc.constantFrom('session_started', 'login', 'constructor', '__proto__'),
    properties: fc.constant({}),
  }),
);
const hostileEvent = fc
  .record({ customerId: fc.constantFrom(...CUSTOMERS), occurredAt, body: properties })
  .map(({ body, ...rest }) => ({ ...rest, ...body }));

const BATCHES = 100;
const PER_BATCH = 100;

const settled = () => local.settled(20);
const admin = (path: string) =>
  fetch(`${local.runtime.url}${path}`, { headers: { authorization: `Bearer ${tenant.adminKey}` } });

describe('10,000 hostile events', () => {
  it('get no 5xx, and every accepted event is folded or in quarantine', { timeout: 300_000 }, async () => {
    const events = fc.sample(hostileEvent, { numRuns: BATCHES * PER_BATCH, seed: 20261202 });
    const accepted = new Map<string, Map<string, number>>();
    for (let b = 0; b < BATCHES; b++) {
      const batch = events
        .slice(b * PER_BATCH, (b + 1) * PER_BATCH)
        .map((e, i) => ({ ...e, eventId: `hostile-${b}-${i}` }));
      const res = await postEvents(local.runtime.url, tenant.apiKey, { batch });
      expect(res.status, `batch ${b}`).toBeLessThan(500);
      const body = (await res.json()) as { errors?: { index: number }[] };
      if (res.status !== 202) continue;
      const refused = new Set((body.errors ?? []).map((e) => e.index));
      batch.forEach((e, i) => {
        if (refused.has(i)) return;
        const byType = accepted.get(e.customerId) ?? new Map<string, number>();
        byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
        accepted.set(e.customerId, byType);
      });
    }
    expect(accepted.size).toBeGreaterThan(CUSTOMERS.length / 2);
    await settled();

    const quarantined = (await (await admin('/v1/quarantine')).json()) as {
      total: number;
      messages: { body: string }[];
    };
    // Only totals past 2^53 minor units cannot be folded; all of them must be in view to be counted.
    expect(quarantined.total).toBe(quarantined.messages.length);
    const parked = new Map<string, number>();
    for (const m of quarantined.messages) {
      const { customerId, type } = JSON.parse(m.body).detail as { customerId: string; type: string };
      parked.set(`${customerId}\u0000${type}`, (parked.get(`${customerId}\u0000${type}`) ?? 0) + 1);
    }
    for (const [customerId, byType] of accepted) {
      const res = await admin(`/v1/customers/${encodeURIComponent(customerId)}`);
      expect(res.status, customerId).toBe(200);
      const { counts } = (await res.json()) as { counts: Record<string, number> };
      for (const [type, n] of byType) {
        const folded = Object.hasOwn(counts, type) ? (counts[type] as number) : 0;
        expect(folded + (parked.get(`${customerId}\u0000${type}`) ?? 0), `${customerId} ${type}`).toBe(n);
      }
    }
  });
});
