import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../../../functions/app/backtest/run';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { createCatalog } from '../../../../functions/core/journeys/catalog';
import { emptyCustomerJourneys, onCustomerEvent } from '../../../../functions/core/journeys/customer';
import { localParts } from '../../../../functions/core/journeys/local-time';
import {
  type Customer,
  enter,
  type Instance,
  MAX_ARMS_KEPT,
  onEvent,
  onTimer,
} from '../../../../functions/core/journeys/runtime';
import type { Journey, JourneyInput } from '../../../../functions/core/journeys/schema';
import { validateJourney } from '../../../../functions/core/journeys/validate';
import { DEFAULT_SCORING_SETTINGS } from '../../../../functions/core/scoring/settings';

const EXAMPLES = join(import.meta.dirname, '../../../../examples/journeys');
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T10:00:00Z');
const scoring = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR', timeZone: 'Europe/Berlin' };

function journey(input: JourneyInput | string): Journey {
  const raw = typeof input === 'string' ? JSON.parse(readFileSync(join(EXAMPLES, `${input}.json`), 'utf8')) : input;
  const result = validateJourney(raw);
  if (!result.journey) throw new Error(JSON.stringify(result.problems));
  return result.journey;
}

let n = 0;
function event(customerId: string, at: number, type: string, properties: Record<string, unknown> = {}): CanonicalEvent {
  return {
    type,
    tenantId: 't',
    eventId: `e${n++}`,
    customerId,
    occurredAt: new Date(at).toISOString(),
    source: 'test',
    properties,
  } as CanonicalEvent;
}
const checkout = (customerId: string, at: number, checkoutId = 'k1') =>
  event(customerId, at, 'checkout_started', { checkoutId, value: { amount: 5000, currency: 'EUR' } });
const order = (customerId: string, at: number) =>
  event(customerId, at, 'order_placed', { orderId: `o${n}`, total: { amount: 5000, currency: 'EUR' } });

describe('the abandoned-checkout example', () => {
  const abandoned = journey('abandoned-checkout');

  it('an order within the hour: nothing is sent, and the conversion is counted', async () => {
    const report = await backtest({
      journeys: [abandoned],
      events: [checkout('ada', T0), order('ada', T0 + 0.5 * HOUR)],
      scoring,
      to: T0 + 48 * HOUR,
    });
    expect(report.sends).toEqual([]);
    expect(report.journeys['abandoned-checkout']).toMatchObject({ entered: 1, converted: 1, exited: 1, completed: 0 });
  });

  it('no order: a push at one hour and an e-mail with a coupon at 24 hours', async () => {
    const report = await backtest({
      journeys: [abandoned],
      events: [checkout('ada', T0)],
      scoring,
      to: T0 + 48 * HOUR,
    });
    expect(report.sends.map((s) => [s.at, s.kind, s.activity])).toEqual([
      [new Date(T0 + HOUR).toISOString(), 'push', 'push-reminder'],
      [new Date(T0 + 24 * HOUR).toISOString(), 'coupon', 'email-coupon'],
    ]);
    expect(report.journeys['abandoned-checkout']).toMatchObject({ entered: 1, completed: 1, converted: 0 });
    expect(report.coupons).toEqual({ issued: 1, byPool: { 'cart-10': 1 }, cost: null });
  });

  it('the same trigger delivered 10 times, or 10 triggers for one checkout, make one instance', async () => {
    const once = checkout('ada', T0);
    const redelivered = await backtest({
      journeys: [abandoned],
      events: Array(10).fill(once),
      scoring,
      to: T0 + 48 * HOUR,
    });
    expect(redelivered.journeys['abandoned-checkout']?.entered).toBe(1);
    const repeated = Array.from({ length: 10 }, (_, i) => checkout('ada', T0 + i * 60_000));
    const report = await backtest({ journeys: [abandoned], events: repeated, scoring, to: T0 + 48 * HOUR });
    expect(report.journeys['abandoned-checkout']).toMatchObject({ entered: 1, refused: { already_in: 9 } });
    expect(report.sends).toHaveLength(2);
  });

  it('honours re-entry: another checkout within a day of entering is refused, after a day it enters', async () => {
    const events = [
      checkout('ada', T0, 'k1'),
      checkout('ada', T0 + 23 * HOUR, 'k2'),
      checkout('ada', T0 + 25 * HOUR, 'k3'),
    ];
    const report = await backtest({ journeys: [abandoned], events, scoring, to: T0 + 72 * HOUR });
    expect(report.journeys['abandoned-checkout']).toMatchObject({ entered: 2, refused: { reentry_interval: 1 } });
  });
});

describe('splits and holdouts', () => {
  const split = journey({
    id: 'split',
    name: 'split',
    status: 'live',
    entry: { type: 'event', event: 'session_started' },
    startActivity: 'ab',
    activities: {
      ab: {
        type: 'split',
        paths: [
          { name: 'a', percent: 50, next: 'a' },
          { name: 'b', percent: 50, next: 'b' },
        ],
      },
      a: { type: 'action', action: { kind: 'email', template: 'a' } },
      b: { type: 'action', action: { kind: 'email', template: 'b' } },
    },
  });
  const customer: Customer = { profile: {}, timeZone: 'UTC' };
  const pathOf = (id: string) => {
    const step = enter(split, undefined, [], event(id, T0, 'session_started'), customer, T0);
    if ('refused' in step) throw new Error(step.refused);
    return step.intents.find((i) => i.type === 'send')?.type === 'send' ? (step.instance.visits.a ? 'a' : 'b') : '?';
  };

  it('a 50/50 split over 100,000 customers lands within 1% of the configured share, and a customer always gets the same branch', () => {
    let a = 0;
    for (let i = 0; i < 100_000; i++) if (pathOf(`customer-${i}`) === 'a') a++;
    expect(Math.abs(a / 100_000 - 0.5)).toBeLessThan(0.01);
    for (let i = 0; i < 100; i++) expect(pathOf(`customer-${i}`)).toBe(pathOf(`customer-${i}`));
  });

  it('keeps the path a customer took at each split, counting it once, for the first MAX_ARMS_KEPT splits of a chain', () => {
    const ids = Array.from({ length: MAX_ARMS_KEPT + 10 }, (_, i) => `s${i}`);
    const activities = Object.fromEntries(
      ids.map((id, i) => [
        id,
        {
          type: 'split',
          paths: [
            { name: 'left', percent: 50, next: ids[i + 1] ?? 'end' },
            { name: 'right', percent: 50, next: ids[i + 1] ?? 'end' },
          ],
        },
      ]),
    );
    const chain = journey({
      id: 'chain',
      name: 'chain',
      status: 'live',
      entry: { type: 'event', event: 'session_started' },
      startActivity: 's0',
      activities: { ...activities, end: { type: 'action', action: { kind: 'email', template: 'a' } } },
    } as JourneyInput);
    const step = enter(chain, undefined, [], event('ada', T0, 'session_started'), customer, T0);
    if ('refused' in step) throw new Error(step.refused);
    const arms = step.intents.flatMap((i) => (i.type === 'metric' && i.metric === 'arm' ? [[i.activity, i.arm]] : []));
    expect(arms).toHaveLength(MAX_ARMS_KEPT);
    expect(Object.entries(step.instance.arms ?? {})).toEqual(arms);
    expect(arms.map(([activity]) => activity)).toEqual(ids.slice(0, MAX_ARMS_KEPT));
    // Its goal conversion is counted on every arm it kept.
    const withGoal = { ...chain, goals: [{ event: 'order_placed', attributionWindow: '7d' }] } as Journey;
    const converted = onEvent(withGoal, step.instance, order('ada', T0 + HOUR), customer, T0 + HOUR);
    expect(converted.intents.filter((i) => i.type === 'metric' && i.metric === 'arm_converted')).toHaveLength(
      MAX_ARMS_KEPT,
    );
  });

  it('holdout customers get nothing and are counted', async () => {
    const winback = journey('winback-no-login');
    const events = Array.from({ length: 2000 }, (_, i) =>
      event(`c${i}`, T0, 'lifecycle.stage_changed', { from: 'repeat', to: 'at_risk', reason: 'test' }),
    );
    const report = await backtest({ journeys: [winback], events, scoring, to: T0 + 30 * 24 * HOUR });
    const totals = report.journeys['winback-no-login']!;
    expect(totals.entered).toBe(2000);
    expect(totals.heldOut / 2000).toBeGreaterThan(0.08);
    expect(totals.heldOut / 2000).toBeLessThan(0.12);
    const held = new Set(report.sends.map((s) => s.customerId));
    expect(held.size).toBe(2000 - totals.heldOut);
    expect(report.actions).toEqual({ coupon: 2000 - totals.heldOut, push: 2000 - totals.heldOut });
  });

  it('held-out customers stay kept for the goal: their conversions are counted apart from the treated ones', async () => {
    const winback = journey('winback-no-login');
    const entries = Array.from({ length: 1000 }, (_, i) =>
      event(`c${i}`, T0, 'lifecycle.stage_changed', { from: 'repeat', to: 'at_risk', reason: 'test' }),
    );
    // Every customer orders within the 21-day window, half of them again after it.
    const orders = Array.from({ length: 1000 }, (_, i) => order(`c${i}`, T0 + 10 * 24 * HOUR));
    const late = Array.from({ length: 500 }, (_, i) => order(`c${i}`, T0 + 25 * 24 * HOUR));
    const report = await backtest({
      journeys: [winback],
      events: [...entries, ...orders, ...late],
      scoring,
      to: T0 + 40 * 24 * HOUR,
    });
    const totals = report.journeys['winback-no-login']!;
    expect(totals.heldOut).toBeGreaterThan(50);
    expect(totals.treated + totals.heldOut).toBe(1000);
    expect(totals.holdoutConverted).toBe(totals.heldOut);
    expect(totals.converted).toBe(totals.treated);
    expect(totals.treatedConverted).toBe(totals.treated);
  });

  /** A wait before a 50 % holdout: a customer who orders during the wait never reaches the holdout. */
  const lateHoldout = journey({
    id: 'late-holdout',
    name: 'late holdout',
    status: 'live',
    entry: { type: 'event', event: 'session_started' },
    startActivity: 'wait-1h',
    activities: {
      'wait-1h': { type: 'wait', for: '1h', next: 'holdout' },
      holdout: { type: 'holdout', percent: 50, next: 'wait-1d' },
      'wait-1d': { type: 'wait', for: '1d', next: 'hello' },
      hello: { type: 'action', action: { kind: 'email', template: 'hello' } },
    },
    goals: [{ event: 'order_placed', attributionWindow: '7d' }],
  });

  it('treated_converted counts the conversions of treated instances only, converted those of every instance not held out', async () => {
    const customers = Array.from({ length: 200 }, (_, i) => `c${i}`);
    const entries = customers.map((c) => event(c, T0, 'session_started'));
    // The first 60 order during the wait, before the holdout; the others after it.
    const orders = customers.map((c, i) => order(c, T0 + (i < 60 ? 0.5 * HOUR : 5 * HOUR)));
    const report = await backtest({
      journeys: [lateHoldout],
      events: [...entries, ...orders],
      scoring,
      to: T0 + 3 * 24 * HOUR,
    });
    const totals = report.journeys['late-holdout']!;
    expect(totals.entered).toBe(200);
    expect(totals.treated + totals.heldOut).toBe(140);
    expect(totals.heldOut).toBeGreaterThan(0);
    expect(totals.treated).toBeGreaterThan(0);
    expect(totals.holdoutConverted).toBe(totals.heldOut);
    expect(totals.treatedConverted).toBe(totals.treated);
    expect(totals.converted).toBe(60 + totals.treated);
  });

  it('an instance that loops back through its holdout is counted treated once', async () => {
    const looping = journey({
      id: 'looping',
      name: 'looping',
      status: 'live',
      entry: { type: 'event', event: 'session_started' },
      startActivity: 'holdout',
      activities: {
        holdout: { type: 'holdout', percent: 10, next: 'wait-1h' },
        'wait-1h': { type: 'wait', for: '1h', next: 'holdout' },
      },
    });
    const events = Array.from({ length: 100 }, (_, i) => event(`c${i}`, T0, 'session_started'));
    const report = await backtest({ journeys: [looping], events, scoring, to: T0 + 5.5 * HOUR });
    const totals = report.journeys.looping!;
    expect(totals.heldOut).toBeGreaterThan(0);
    expect(totals.treated + totals.heldOut).toBe(100);
  });
});

describe('waits on the customer’s clock', () => {
  const nine = journey({
    id: 'nine',
    name: 'nine',
    status: 'live',
    entry: { type: 'event', event: 'session_started' },
    startActivity: 'at-nine',
    activities: {
      'at-nine': { type: 'wait', until: { time: '09:00' }, next: 'hello' },
      hello: { type: 'action', action: { kind: 'push', template: 'hello' } },
    },
  });
  const days: [string, string][] = [
    ['America/New_York', '2026-03-08'],
    ['America/New_York', '2026-11-01'],
    ['Europe/Berlin', '2026-03-29'],
    ['Europe/Berlin', '2026-10-25'],
    ['Asia/Shanghai', '2026-03-08'],
    ['Asia/Shanghai', '2026-10-25'],
  ];
  it.each(days)('"at 9:00 local" fires at 9:00 local in %s on %s, when clocks change', (timeZone, day) => {
    const customer: Customer = { profile: {}, timeZone };
    // Entered at 00:30 UTC of the day before: the wait ends at the next 9:00 on the customer's clock.
    const start = Date.parse(`${day}T00:30:00Z`) - 24 * HOUR;
    const entered = enter(nine, undefined, [], event('ada', start, 'session_started'), customer, start);
    if ('refused' in entered) throw new Error(entered.refused);
    let instance: Instance = entered.instance;
    let now = Date.parse(instance.waiting!.at);
    const fired: number[] = [];
    // Twice: the day before and the day of the change.
    for (let round = 0; round < 2; round++) {
      const local = localParts(now, timeZone);
      expect([local.hour, local.minute]).toEqual([9, 0]);
      fired.push(now);
      const step = onTimer(nine, instance, instance.waiting!.timerId, customer, now);
      expect(step.intents.some((i) => i.type === 'send')).toBe(true);
      const again = enter(nine, undefined, [], event('ada', now + 60_000, 'session_started'), customer, now + 60_000);
      if ('refused' in again) throw new Error(again.refused);
      instance = again.instance;
      now = Date.parse(instance.waiting!.at);
    }
    expect(localParts(fired[1]!, timeZone)).toMatchObject({ hour: 9, minute: 0 });
    expect(new Date(fired[1]!).toISOString().slice(0, 10)).toBe(day);
  });
});

describe('limits', () => {
  it('a daily cap stops the journey’s sends for the rest of the day and counts what it held back', async () => {
    const capped = journey({
      id: 'capped',
      name: 'capped',
      status: 'live',
      entry: { type: 'event', event: 'session_started' },
      startActivity: 'hello',
      activities: { hello: { type: 'action', action: { kind: 'email', template: 'hello' } } },
      limits: { dailyCap: 2 },
    });
    const day = (d: number, customer: string) => event(customer, T0 + d * 24 * HOUR, 'session_started');
    const report = await backtest({
      journeys: [capped],
      events: [day(0, 'a'), day(0, 'b'), day(0, 'c'), day(0, 'd'), day(1, 'e'), day(1, 'f')],
      scoring,
    });
    expect(report.sends.map((s) => s.customerId)).toEqual(['a', 'b', 'e', 'f']);
    expect(report.journeys.capped).toMatchObject({ entered: 6, capped: 2 });
  });
});

describe('date entries', () => {
  it('the birthday perk starts at 9:00 on the customer’s clock on their birthday, every year', async () => {
    const identify = event('ada', T0, 'identify', { traits: { birthday: '1990-03-05' }, timezone: 'America/New_York' });
    const report = await backtest({
      journeys: [journey('birthday-perk')],
      events: [identify],
      scoring,
      to: Date.parse('2027-03-06T00:00:00Z'),
    });
    expect(report.sends.map((s) => [s.at, s.kind])).toEqual([
      ['2026-03-05T14:00:00.000Z', 'points'],
      ['2026-03-05T14:00:00.000Z', 'email'],
      ['2027-03-05T14:00:00.000Z', 'points'],
      ['2027-03-05T14:00:00.000Z', 'email'],
    ]);
  });
});

describe('goals', () => {
  it('a customer in 3 journeys who places an order exits all whose goal it is', async () => {
    const waiting = (id: string, goal: boolean): Journey =>
      journey({
        id,
        name: id,
        status: 'live',
        entry: { type: 'event', event: 'session_started' },
        startActivity: 'wait',
        activities: {
          wait: { type: 'wait', for: '3d', next: 'send' },
          send: { type: 'action', action: { kind: 'email', template: 'x' } },
        },
        ...(goal ? { goals: [{ event: 'order_placed' }] } : {}),
      });
    const catalog = createCatalog([waiting('one', true), waiting('two', true), waiting('three', false)]);
    const customer: Customer = { profile: {}, timeZone: 'UTC' };
    const entered = onCustomerEvent(
      catalog,
      emptyCustomerJourneys(),
      event('ada', T0, 'session_started'),
      customer,
      T0,
    );
    expect(entered.state.instances.map((i) => i.journeyId)).toEqual(['one', 'two', 'three']);
    const ordered = onCustomerEvent(catalog, entered.state, order('ada', T0 + HOUR), customer, T0 + HOUR);
    expect(ordered.state.instances.map((i) => [i.journeyId, i.outcome ?? 'live'])).toEqual([
      ['one', 'converted'],
      ['two', 'converted'],
      ['three', 'live'],
    ]);
    expect(
      ordered.intents.filter((i) => i.type === 'metric').map((i) => [i.journeyId, i.type === 'metric' && i.metric]),
    ).toEqual([
      ['one', 'converted'],
      ['one', 'left'],
      ['one', 'exited'],
      ['two', 'converted'],
      ['two', 'left'],
      ['two', 'exited'],
    ]);
  });
});
