import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../../functions/core/simulate/random';
import {
  injectedOrderAt,
  type ReachedMember,
  windowProbabilities,
} from '../../../../functions/core/simulate/recall-effect';
import type { ShopperTruth } from '../../../../functions/core/simulate/shoppers';

const DAY = 86_400_000;
const offeredAt = Date.parse('2025-03-03T09:00:00Z');
const measureAt = offeredAt + 14 * DAY;

const truth = (over: Partial<ShopperTruth> = {}): ShopperTruth => ({
  customerId: 'c1',
  lambda: 0.2,
  p: 0.1,
  joinedAt: '2025-01-10T00:00:00Z',
  meanOrderValue: 3500,
  orders: 2,
  repeatPurchases: 1,
  lastOrderAt: '2025-02-01T00:00:00Z',
  diedAt: null,
  aliveAtEnd: true,
  ...over,
});

const member = (over: Partial<ReachedMember> = {}): ReachedMember => ({
  truth: truth(),
  offeredAt,
  measureAt,
  ordersAnyway: false,
  ...over,
});

describe('the injected effect of an offer', () => {
  it('raises the probability of an order in the window from P_C to P_C + effect', () => {
    const { pControl, pTreatment } = windowProbabilities(member(), 5);
    expect(pControl).toBeCloseTo(1 - Math.exp(-0.2 * 2), 12);
    expect(pTreatment - pControl).toBeCloseTo(0.05, 12);
    // Among members without an order of their own, the injected share is effect / (1 − P_C).
    const random = createRandom(7, 1);
    const draws = 200_000;
    let injected = 0;
    for (let i = 0; i < draws; i++) {
      const at = injectedOrderAt(member(), 5, { u: random.next(), v: random.next(), from: offeredAt });
      if (at !== undefined) injected++;
    }
    const expected = 0.05 / (1 - pControl);
    expect(Math.abs(injected / draws - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / draws));
  });

  it('adds nothing to a member who orders anyway, or with no effect', () => {
    expect(injectedOrderAt(member({ ordersAnyway: true }), 50, { u: 0, v: 0.5, from: offeredAt })).toBeUndefined();
    expect(injectedOrderAt(member(), 0, { u: 0, v: 0.5, from: offeredAt })).toBeUndefined();
  });

  it('brings back a dead customer with the same points (P_C = 0), within the window', () => {
    const dead = member({ truth: truth({ diedAt: '2025-02-01T00:00:00Z' }) });
    expect(windowProbabilities(dead, 5)).toMatchObject({ alive: false, pControl: 0, pTreatment: 0.05 });
    expect(injectedOrderAt(dead, 5, { u: 0.049, v: 0, from: offeredAt + DAY })).toBe(offeredAt + DAY);
    expect(injectedOrderAt(dead, 5, { u: 0.051, v: 0, from: offeredAt + DAY })).toBeUndefined();
    const late = injectedOrderAt(dead, 5, { u: 0, v: 0.999999, from: offeredAt + DAY }) as number;
    expect(late).toBeLessThan(measureAt);
    expect(injectedOrderAt(dead, 5, { u: 0, v: 0.5, from: measureAt })).toBeUndefined();
  });

  it('caps the effect where P_C + effect passes 1, and refuses an effect outside [0, 100]', () => {
    const { pControl, pTreatment } = windowProbabilities(member({ truth: truth({ lambda: 50 }) }), 5);
    expect(pTreatment).toBe(1);
    expect(pTreatment - pControl).toBeLessThan(0.05);
    expect(() => windowProbabilities(member(), -1)).toThrow(RangeError);
    expect(() => windowProbabilities(member(), 101)).toThrow(RangeError);
  });
});
