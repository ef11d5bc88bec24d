import { describe, expect, it } from 'vitest';
import { parseIngestBody } from '../../../../functions/core/events/ingest';
import { CanonicalEventInput } from '../../../../functions/core/events/schemas';
import { fnv1a32 } from '../../../../functions/core/hash';
import { expectedPurchases } from '../../../../functions/core/scoring/bgnbd';
import { type Arm, applyOffer, offerProbabilities } from '../../../../functions/core/simulate/offer';
import { createRandom, sampleBeta, sampleExponential, sampleGamma } from '../../../../functions/core/simulate/random';
import {
  CDNOW_BGNBD,
  DEFAULT_SPEND,
  type ShopperEvent,
  simulateShoppers,
  summarizeShoppers,
} from '../../../../functions/core/simulate/shoppers';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

const relative = (observed: number, expected: number) => Math.abs(observed - expected) / expected;

describe('seeded randomness', () => {
  it('the same seed and stream repeat the same numbers; another seed or stream gives others', () => {
    const take = (seed: number, stream = 0) => {
      const random = createRandom(seed, stream);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    expect(take(42, 1)).not.toEqual(take(42, 0));
    for (const u of take(7)) expect(u >= 0 && u < 1).toBe(true);
  });

  it('uniforms have mean 1/2 and variance 1/12', () => {
    const random = createRandom(1);
    const { mean, variance } = moments(() => random.next(), 100_000);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });

  it.each([
    [0.2426, 4.4135],
    [2.5, 2],
    [DEFAULT_SPEND.q, DEFAULT_SPEND.gamma],
  ])('Gamma(shape %d, rate %d) has mean shape/rate and variance shape/rate² over 100,000 draws', (shape, rate) => {
    const random = createRandom(11);
    const { mean, variance } = moments(() => sampleGamma(random, shape, rate), 100_000);
    expect(relative(mean, shape / rate)).toBeLessThan(0.03);
    expect(relative(variance, shape / rate ** 2)).toBeLessThan(0.06);
  });

  it('Beta(a, b) has mean a/(a+b) and variance ab/((a+b)²(a+b+1))', () => {
    const { a, b } = CDNOW_BGNBD;
    const random = createRandom(12);
    const { mean, variance } = moments(() => sampleBeta(random, a, b), 100_000);
    expect(Math.abs(mean - a / (a + b))).toBeLessThan(0.003);
    expect(relative(variance, (a * b) / ((a + b) ** 2 * (a + b + 1)))).toBeLessThan(0.03);
  });

  it('Exp(rate) has mean 1/rate', () => {
    const random = createRandom(13);
    expect(relative(moments(() => sampleExponential(random, 4), 100_000).mean, 0.25)).toBeLessThan(0.02);
  });

  it('refuses shapes and rates that are not positive', () => {
    expect(() => sampleGamma(createRandom(1), 0)).toThrow(RangeError);
    expect(() => sampleGamma(createRandom(1), 1, -1)).toThrow(RangeError);
  });
});

const all = (events: Iterable<ShopperEvent>) => [...events];

describe('simulateShoppers', () => {
  const options = { customers: 300, days: 120, seed: 5 };

  it('the same seed gives the same history and truth; another seed another', () => {
    const one = simulateShoppers(options);
    const again = simulateShoppers(options);
    expect(all(again.events())).toEqual(all(one.events()));
    expect(again.truth).toEqual(one.truth);
    expect(all(one.events())).toEqual(all(one.events())); // events() replays
    const other = simulateShoppers({ ...options, seed: 6 });
    expect(other.truth.map((t) => t.lambda)).not.toEqual(one.truth.map((t) => t.lambda));
    expect(all(other.events()).map((e) => e.occurredAt)).not.toEqual(all(one.events()).map((e) => e.occurredAt));
  });

  it("a customer's history does not depend on how many customers are simulated", () => {
    const small = simulateShoppers({ ...options, customers: 40 });
    const large = simulateShoppers(options);
    const first40 = new Set(small.truth.map((t) => t.customerId));
    expect(large.truth.slice(0, 40)).toEqual(small.truth);
    expect(all(large.events()).filter((e) => first40.has(e.customerId))).toEqual(all(small.events()));
  });

  it('every event passes the canonical schema, has a unique id and comes in time order within the period', () => {
    const sim = simulateShoppers({ customers: 2000, days: 365, seed: 3, start: '2025-03-01T00:00:00Z' });
    const events = all(sim.events());
    const start = Date.parse('2025-03-01T00:00:00Z');
    const ids = new Set<string>();
    let previous = start;
    for (const event of events) {
      const parsed = CanonicalEventInput.safeParse(event);
      if (!parsed.success) throw new Error(`${JSON.stringify(event)}: ${parsed.error.message}`);
      const at = Date.parse(event.occurredAt);
      expect(at).toBeGreaterThanOrEqual(previous);
      previous = at;
      ids.add(event.eventId);
    }
    expect(previous).toBeLessThan(start + 365 * DAY);
    expect(ids.size).toBe(events.length);
    const ingested = parseIngestBody(JSON.stringify({ batch: events.slice(0, 500) }), 'acme', start + 365 * DAY);
    expect(ingested).toMatchObject({ kind: 'events', errors: [] });
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual(['consent_changed', 'identify', 'login', 'order_placed', 'session_started']);
  });

  it('events agree with the truth: orders per customer, nothing after death, identify and consent at joining', () => {
    const sim = simulateShoppers({ customers: 3000, days: 365, seed: 9 });
    const events = all(sim.events());
    const byCustomer = new Map<string, ShopperEvent[]>();
    for (const e of events) byCustomer.set(e.customerId, [...(byCustomer.get(e.customerId) ?? []), e]);
    let dead = 0;
    for (const truth of sim.truth) {
      const mine = byCustomer.get(truth.customerId) ?? [];
      const orders = mine.filter((e) => e.type === 'order_placed');
      expect(orders).toHaveLength(truth.orders);
      expect(orders[0]?.occurredAt).toBe(truth.joinedAt);
      expect(orders.at(-1)?.occurredAt).toBe(truth.lastOrderAt);
      expect(mine.filter((e) => e.type === 'identify')).toHaveLength(1);
      expect(mine.filter((e) => e.type === 'consent_changed').map((e) => e.properties)).toEqual([
        { channel: 'email', granted: expect.any(Boolean) },
        { channel: 'push', granted: expect.any(Boolean) },
      ]);
      // A push endpoint (the app registered a device) for those who opt into push, and only them.
      const granted = mine.find((e) => e.type === 'consent_changed' && e.properties.channel === 'push');
      const identify = mine.find((e) => e.type === 'identify');
      const traits = identify?.type === 'identify' ? (identify.properties.traits ?? {}) : {};
      expect(typeof traits.push_endpoint === 'string').toBe(
        granted?.type === 'consent_changed' && granted.properties.granted,
      );
      if (truth.diedAt !== null) {
        dead++;
        expect(truth.aliveAtEnd).toBe(false);
        expect(truth.repeatPurchases).toBeGreaterThan(0);
        expect(truth.diedAt).toBe(truth.lastOrderAt);
        expect(mine.at(-1)?.occurredAt).toBe(truth.diedAt);
      }
    }
    expect(dead).toBeGreaterThan(100);
    const summary = summarizeShoppers(sim.truth);
    expect(summary.orders).toBe(events.filter((e) => e.type === 'order_placed').length);
    expect(summary.aliveAtEnd).toBe(3000 - dead);
  });

  it('customers join in the first third; opt-in shares and order values follow the settings', () => {
    const sim = simulateShoppers({ customers: 5000, days: 300, seed: 4, optIn: { email: 0.6, push: 0.25 } });
    const start = Date.parse(sim.settings.start);
    for (const t of sim.truth) expect(Date.parse(t.joinedAt) - start).toBeLessThan(100 * DAY);
    const events = all(sim.events());
    const share = (channel: string) =>
      events.filter((e) => e.type === 'consent_changed' && e.properties.channel === channel && e.properties.granted)
        .length / 5000;
    expect(Math.abs(share('email') - 0.6)).toBeLessThan(0.03);
    expect(Math.abs(share('push') - 0.25)).toBeLessThan(0.03);
    const totals = events.flatMap((e) => (e.type === 'order_placed' ? [e.properties.total] : []));
    for (const total of totals) {
      expect(Number.isInteger(total.amount) && total.amount >= 1).toBe(true);
      expect(total.currency).toBe('EUR');
    }
    const { p, q, gamma } = DEFAULT_SPEND;
    const meanTotal = totals.reduce((sum, t) => sum + t.amount, 0) / totals.length;
    expect(relative(meanTotal, ((p * gamma) / (q - 1)) * 100)).toBeLessThan(0.1);
  });

  it('totals in a currency without minor units are whole units', () => {
    const sim = simulateShoppers({ customers: 200, days: 60, seed: 1, currency: 'JPY' });
    const totals = all(sim.events()).flatMap((e) => (e.type === 'order_placed' ? [e.properties.total] : []));
    const mean = totals.reduce((sum, t) => sum + t.amount, 0) / totals.length;
    expect(totals.every((t) => t.currency === 'JPY')).toBe(true);
    expect(mean).toBeGreaterThan(10);
    expect(mean).toBeLessThan(100);
  });

  it('refuses settings it cannot simulate', () => {
    expect(() => simulateShoppers({ customers: -1, days: 10, seed: 1 })).toThrow(RangeError);
    expect(() => simulateShoppers({ customers: 1, days: 0, seed: 1 })).toThrow(RangeError);
    expect(() => simulateShoppers({ customers: 1, days: 10, seed: 1, joinDays: 20 })).toThrow(RangeError);
    expect(() => simulateShoppers({ customers: 1, days: 10, seed: 1, start: 'soon' })).toThrow(RangeError);
  });
});

describe('calibration against the BG/NBD formulas (CDNOW parameters, 20,000 customers)', () => {
  // Every customer joins in the first 91 days of 364, so each has 39 weeks after the first order.
  const sim = simulateShoppers({ customers: 20_000, days: 364, joinDays: 91, seed: 2026, sessionsPerWeek: 0 });
  const t = 39;
  const repeats = new Map<string, number>();
  for (const event of sim.events()) {
    if (event.type !== 'order_placed') continue;
    const joined = Date.parse(sim.truth[Number(event.customerId.split('-c')[1])]?.joinedAt ?? '');
    const at = Date.parse(event.occurredAt);
    if (at > joined && at <= joined + t * WEEK) repeats.set(event.customerId, (repeats.get(event.customerId) ?? 0) + 1);
  }
  const { r, alpha } = CDNOW_BGNBD;

  it('the share with at least one repeat purchase within 39 weeks is 1 − (α/(α+t))^r within 3 %', () => {
    const expected = 1 - (alpha / (alpha + t)) ** r; // P(X(t) > 0), 0.4257
    const observed = repeats.size / 20_000;
    expect(relative(observed, expected)).toBeLessThan(0.03);
  });

  it('the mean number of repeat purchases within 39 weeks is E[X(t)] within 5 %', () => {
    // E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))], eq. (9): 1.195.
    const expected = expectedPurchases(CDNOW_BGNBD, t, { x: 0, tx: 0, T: 0 });
    expect(expected).toBeCloseTo(1.195, 3);
    const observed = [...repeats.values()].reduce((sum, n) => sum + n, 0) / 20_000;
    expect(relative(observed, expected)).toBeLessThan(0.05);
  });

  it('λ and p are drawn from Gamma(r, α) and Beta(a, b)', () => {
    const { a, b } = CDNOW_BGNBD;
    const meanLambda = sim.truth.reduce((sum, c) => sum + c.lambda, 0) / 20_000;
    const meanP = sim.truth.reduce((sum, c) => sum + c.p, 0) / 20_000;
    expect(relative(meanLambda, r / alpha)).toBeLessThan(0.05);
    expect(Math.abs(meanP - a / (a + b))).toBeLessThan(0.01);
  });
});

describe('applyOffer', () => {
  const sim = simulateShoppers({ customers: 20_000, days: 273, seed: 77, sessionsPerWeek: 0 });
  const startAt = new Date(sim.settings.endMs).toISOString();
  const arm = (customerId: string): Arm => (fnv1a32(`split:${customerId}`) % 2 === 0 ? 'treatment' : 'control');

  it('adds effectPp to every member: the true effect is exactly 5 pp except where capped at 1, observed within ±1 pp', () => {
    const outcome = applyOffer(sim.truth, { startAt, windowDays: 14, effectPp: 5 }, { seed: 2026, arm });
    expect(outcome.members).toHaveLength(20_000);
    let capped = 0;
    outcome.members.forEach((m, i) => {
      const truth = sim.truth[i]!;
      expect(m.customerId).toBe(truth.customerId);
      expect(m.pControl).toBe(m.alive ? -Math.expm1(-truth.lambda * 2) : 0);
      if (m.pTreatment === 1) capped++;
      else expect(m.pTreatment - m.pControl).toBeCloseTo(0.05, 12);
      if (m.orderedIfControl) expect(m.orderedIfTreated).toBe(true);
      expect(m.ordered).toBe(m.arm === 'treatment' ? m.orderedIfTreated : m.orderedIfControl);
    });
    expect(capped).toBeLessThan(200);
    expect(outcome.trueEffect).toBeLessThanOrEqual(0.05 + 1e-12);
    expect(outcome.trueEffect).toBeGreaterThan(0.0495);
    expect(Math.abs(outcome.treatment.members - 10_000)).toBeLessThan(300);
    expect(Math.abs(outcome.observedEffect - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(outcome.realizedEffect - 0.05)).toBeLessThan(0.01);
  });

  it("uses one uniform per member whatever the member's arm (common random numbers)", () => {
    const offer = { startAt, windowDays: 14, effectPp: 5 };
    const members = sim.truth.slice(0, 500);
    const a = applyOffer(members, offer, { seed: 3, arm });
    const allTreated = applyOffer(members, offer, { seed: 3, arm: () => 'treatment' });
    expect(allTreated.members.map((m) => m.u)).toEqual(a.members.map((m) => m.u));
    expect(allTreated.members.map((m) => m.orderedIfControl)).toEqual(a.members.map((m) => m.orderedIfControl));
    expect(applyOffer(members, offer, { seed: 4, arm }).members.map((m) => m.u)).not.toEqual(a.members.map((m) => m.u));
  });

  it("the research's multiplier form: m = 1 and ρ = 0 is an A/A test; ρ brings back only the dead", () => {
    const members = sim.truth.slice(0, 2000);
    const aa = applyOffer(members, { startAt, windowDays: 14, multiplier: 1, resurrection: 0 }, { seed: 5, arm });
    expect(aa.trueEffect).toBe(0);
    expect(aa.realizedEffect).toBe(0);
    const dead = members.find((t) => t.diedAt !== null)!;
    expect(offerProbabilities(dead, { startAt, windowDays: 14, multiplier: 1.5, resurrection: 0.01 })).toEqual({
      alive: false,
      pControl: 0,
      pTreatment: 0.01,
    });
    const alive = members.find((t) => t.aliveAtEnd)!;
    const w = 2;
    expect(offerProbabilities(alive, { startAt, windowDays: 14, multiplier: 1.5 }).pTreatment).toBeCloseTo(
      1 - Math.exp(-1.5 * alive.lambda * w),
      12,
    );
  });

  it('refuses a member who joins after the start, and offers it cannot apply', () => {
    const [first] = sim.truth;
    expect(() => offerProbabilities(first!, { startAt: '2000-01-01T00:00:00Z', windowDays: 14, effectPp: 5 })).toThrow(
      /joins after/,
    );
    expect(() => applyOffer(sim.truth, { startAt, windowDays: 0, effectPp: 5 }, { seed: 1, arm })).toThrow(RangeError);
    expect(() => applyOffer(sim.truth, { startAt, windowDays: 14, effectPp: 500 }, { seed: 1, arm })).toThrow(
      RangeError,
    );
  });
});
