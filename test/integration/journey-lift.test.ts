// A journey that starts with a 50 % holdout, live on the local runtime with a fake clock: customers
// enter and some order over HTTP, and the journey's detail shows both arms and the lift between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { JourneyDetail } from '../../functions/contracts/http-api';
import { customerJourneysKey, fromCustomerJourneysItem } from '../../functions/core/journeys/items';
import type { JourneyInput } from '../../functions/core/journeys/schema';
import { measureLift } from '../../functions/core/metrics/lift';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { adminApi, pipelineSettled } from '../helpers/runtime';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T10:00:00Z');
const config = demoConfig();
const tenant = config.tenants[0]!;
const clock = new ManualClock(T0);
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, clock, daily: false, dispatch: false });
});
afterAll(() => runtime.close());

const journey: JourneyInput = {
  id: 'cart-holdout',
  name: 'Cart reminder with a holdout',
  status: 'draft',
  entry: { type: 'event', event: 'checkout_started' },
  startActivity: 'control',
  activities: {
    control: { type: 'holdout', percent: 50, next: 'push-reminder' },
    'push-reminder': { type: 'action', action: { kind: 'push', template: 'cart-reminder' } },
  },
  goals: [{ event: 'order_placed', attributionWindow: '7d' }],
};

const admin = adminApi(() => runtime, tenant.adminKey);
// The dispatcher is off: the actions queue keeps what the journey put on it.
const settled = () => pipelineSettled(runtime, ['profile-updates', 'journey-events', 'journey-steps']);

async function post(batch: object[]) {
  const res = await fetch(`${runtime.url}/v1/events`, {
    method: 'POST',
    headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  });
  expect(res.status).toBe(202);
  await settled();
}
const checkout = (customerId: string, at: number) => ({
  type: 'checkout_started',
  eventId: `${customerId}-checkout`,
  customerId,
  occurredAt: new Date(at).toISOString(),
  properties: { checkoutId: `k-${customerId}`, value: { amount: 5000, currency: 'EUR' } },
});
const order = (customerId: string, at: number) => ({
  type: 'order_placed',
  eventId: `${customerId}-order`,
  customerId,
  occurredAt: new Date(at).toISOString(),
  properties: { orderId: `o-${customerId}`, total: { amount: 5000, currency: 'EUR' } },
});

async function detail(): Promise<JourneyDetail> {
  const { status, body } = await admin('GET', `/v1/journeys/${journey.id}`);
  expect(status).toBe(200);
  // The answer is exactly what the contract documents.
  expect(JourneyDetail.parse(body)).toEqual(body);
  return body as JourneyDetail;
}

/** The arm each customer's instance of the journey fell on. */
async function armOf(customerId: string) {
  const stored = fromCustomerJourneysItem(await runtime.store.get(customerJourneysKey(tenant.id, customerId)));
  return stored?.state.instances.find((i) => i.journeyId === journey.id)?.arm;
}

const customers = Array.from({ length: 40 }, (_, i) => `shopper-${i}`);

describe('the holdout lift of a journey, in its detail', () => {
  it('a journey with a holdout that no customer reached yet has no lift, and says why', async () => {
    expect((await admin('POST', '/v1/journeys', journey)).status).toBe(201);
    expect(await detail()).toMatchObject({ lift: null, liftNote: 'no customer has reached the holdout yet' });
    expect((await admin('POST', `/v1/journeys/${journey.id}/publish`)).status).toBe(200);
    expect(await detail()).toMatchObject({ lift: null, liftNote: 'no customer has reached the holdout yet' });
  });

  it('shows both arms as the customers fell, their conversions as they ordered, and the lift between them', async () => {
    await post(customers.map((c, i) => checkout(c, T0 + i * 1000)));
    const arms = await Promise.all(customers.map(armOf));
    const treated = customers.filter((_, i) => arms[i] === 'treated');
    const heldOut = customers.filter((_, i) => arms[i] === 'holdout');
    expect(treated.length + heldOut.length).toBe(40);
    expect(treated.length).toBeGreaterThanOrEqual(5);
    expect(heldOut.length).toBeGreaterThanOrEqual(3);

    // Five treated customers and three held-out ones order within the attribution window.
    clock.set(T0 + 2 * HOUR);
    const buyers = [...treated.slice(0, 5), ...heldOut.slice(0, 3)];
    await post(buyers.map((c) => order(c, T0 + 2 * HOUR)));

    const { stats, lift, liftNote } = await detail();
    expect(stats).toMatchObject({
      entered: 40,
      treated: treated.length,
      heldOut: heldOut.length,
      treatedConverted: 5,
      holdoutConverted: 3,
      converted: 5,
    });
    expect(stats.treated + stats.heldOut).toBe(stats.entered);
    expect(liftNote).toBeNull();
    expect(lift).toEqual(
      measureLift({
        treated: { n: treated.length, conversions: 5 },
        holdout: { n: heldOut.length, conversions: 3 },
        expectedHoldoutShare: 0.5,
      }),
    );
    expect(lift).toMatchObject({
      status: 'insufficient_data',
      reasons: ['treated_below_min_members', 'holdout_below_min_members', 'holdout_below_min_conversions'],
      treated: { n: treated.length, conversions: 5, rate: 5 / treated.length },
      holdout: { n: heldOut.length, conversions: 3, rate: 3 / heldOut.length },
    });
  });
});

describe('the lift of each split path and holdout arm, and the counts per activity, in the detail', () => {
  const split: JourneyInput = {
    id: 'cart-split',
    name: 'Cart reminder: a holdout, then push or e-mail',
    status: 'draft',
    entry: { type: 'event', event: 'cart_updated' },
    startActivity: 'control',
    activities: {
      control: { type: 'holdout', percent: 20, next: 'channel' },
      channel: {
        type: 'split',
        paths: [
          { name: 'push first', percent: 50, next: 'push' },
          { name: 'email first', percent: 50, next: 'email' },
        ],
      },
      push: { type: 'action', action: { kind: 'push', template: 'cart-reminder' } },
      email: { type: 'action', action: { kind: 'email', template: 'cart-reminder' } },
    },
    goals: [{ event: 'order_placed', attributionWindow: '7d' }],
  };
  const shoppers = Array.from({ length: 60 }, (_, i) => `splitter-${i}`);
  const cart = (customerId: string, at: number) => ({
    type: 'cart_updated',
    eventId: `${customerId}-cart`,
    customerId,
    occurredAt: new Date(at).toISOString(),
    properties: { value: { amount: 3000, currency: 'EUR' }, itemCount: 1 },
  });
  const armsOf = async (customerId: string) => {
    const stored = fromCustomerJourneysItem(await runtime.store.get(customerJourneysKey(tenant.id, customerId)));
    return stored?.state.instances.find((i) => i.journeyId === split.id)?.arms ?? {};
  };

  it('counts every arm as the customers fell and its goal conversions, with each arm’s lift against its reference', async () => {
    expect((await admin('POST', '/v1/journeys', split)).status).toBe(201);
    expect((await admin('POST', `/v1/journeys/${split.id}/publish`)).status).toBe(200);
    const start = clock.now();
    await post(shoppers.map((c, i) => cart(c, start + i * 1000)));
    const arms = await Promise.all(shoppers.map(armsOf));
    const on = (activity: string, arm: string) => shoppers.filter((_, i) => arms[i]?.[activity] === arm);
    const [held, treated, push, email] = [
      on('control', 'holdout'),
      on('control', 'treated'),
      on('channel', 'push first'),
      on('channel', 'email first'),
    ];
    expect(held.length + treated.length).toBe(60);
    expect(push.length + email.length).toBe(treated.length);
    expect(Math.min(held.length, push.length, email.length)).toBeGreaterThan(0);

    // Two of each split path and one held-out customer order within the window.
    clock.set(start + HOUR);
    const buyers = [...push.slice(0, 2), ...email.slice(0, 2), ...held.slice(0, 1)];
    await post(buyers.map((c) => ({ ...order(c, start + HOUR), eventId: `${c}-split-order` })));

    const { body } = await admin('GET', `/v1/journeys/${split.id}`);
    const shown = JourneyDetail.parse(body);
    expect(shown.stats.reached).toEqual({
      control: 60,
      channel: treated.length,
      push: push.length,
      email: email.length,
    });
    expect(shown.arms).toEqual([
      {
        activity: 'control',
        type: 'holdout',
        arms: [
          { name: 'treated', percent: 80, n: treated.length, conversions: 4 },
          { name: 'holdout', percent: 20, n: held.length, conversions: 1 },
        ],
        lifts: [
          {
            arm: 'treated',
            against: 'holdout',
            lift: measureLift({
              treated: { n: treated.length, conversions: 4 },
              holdout: { n: held.length, conversions: 1 },
              expectedHoldoutShare: 0.2,
            }),
            liftNote: null,
          },
        ],
      },
      {
        activity: 'channel',
        type: 'split',
        arms: [
          { name: 'push first', percent: 50, n: push.length, conversions: 2 },
          { name: 'email first', percent: 50, n: email.length, conversions: 2 },
        ],
        lifts: [
          {
            arm: 'email first',
            against: 'push first',
            lift: measureLift({
              treated: { n: email.length, conversions: 2 },
              holdout: { n: push.length, conversions: 2 },
              expectedHoldoutShare: 0.5,
            }),
            liftNote: null,
          },
        ],
      },
    ]);
    // The one-holdout lift stays as it was.
    expect(shown.lift).toMatchObject({ treated: { n: treated.length, conversions: 4 }, holdout: { n: held.length } });
  });
});
