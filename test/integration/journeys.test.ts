// Journeys live on the local runtime with a fake clock: events over HTTP, the journey function,
// timers, the actions queue; and the backtester over the same events reports the same sends.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { backtest } from '../../functions/app/backtest/run';
import type { ActionMessage } from '../../functions/contracts/messages';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { customerJourneysKey } from '../../functions/core/journeys/items';
import { validateJourney } from '../../functions/core/journeys/validate';
import { DEFAULT_SCORING_SETTINGS } from '../../functions/core/scoring/settings';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T10:00:00Z');
const config = demoConfig();
const tenant = config.tenants[0]!;
const example = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../examples/journeys/abandoned-checkout.json'), 'utf8'),
) as Record<string, unknown>;

let runtime: LocalRuntime;
const clock = new ManualClock(T0 - HOUR);

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, clock, daily: false, dispatch: false });
});
afterAll(() => runtime.close());

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function settled() {
  const queues = ['profile-updates', 'journey-events', 'journey-steps'];
  for (let quiet = 0; quiet < 3; ) {
    quiet = queues.every((q) => runtime.queue.depth(q) === 0) ? quiet + 1 : 0;
    await sleep(20);
  }
}

const events: CanonicalEvent[] = [];
async function post(event: Omit<CanonicalEvent, 'tenantId' | 'source'>) {
  const res = await fetch(`${runtime.url}/v1/events`, {
    method: 'POST',
    headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  expect(res.status).toBe(202);
  events.push({ ...event, tenantId: tenant.id, source: 'api' } as CanonicalEvent);
  await settled();
}
const checkout = (customerId: string, at: number, checkoutId: string, eventId = `${customerId}-${checkoutId}`) =>
  post({
    type: 'checkout_started',
    eventId,
    customerId,
    occurredAt: new Date(at).toISOString(),
    properties: { checkoutId, value: { amount: 5000, currency: 'EUR' } },
  } as CanonicalEvent);
const order = (customerId: string, at: number) =>
  post({
    type: 'order_placed',
    eventId: `${customerId}-order-${at}`,
    customerId,
    occurredAt: new Date(at).toISOString(),
    properties: { orderId: `${customerId}-${at}`, total: { amount: 5000, currency: 'EUR' } },
  } as CanonicalEvent);

/** Moves the clock and fires the timers due, as the system's timers would. */
async function advanceTo(at: number) {
  clock.set(at);
  await runtime.timers.fireDue();
  await settled();
}

const sent: (ActionMessage & { at: string })[] = [];
/** Sends in time order; customers due at the same moment are handled concurrently, in any order. */
const inOrder = <T extends { at: string; customerId: string }>(list: T[]) =>
  [...list].sort((a, b) => a.at.localeCompare(b.at) || a.customerId.localeCompare(b.customerId));
async function drainActions() {
  for (;;) {
    const messages = await runtime.queue.receive('actions', { max: 100 });
    if (messages.length === 0) return;
    for (const m of messages)
      sent.push({ ...(JSON.parse(m.body) as ActionMessage), at: new Date(clock.now()).toISOString() });
    await runtime.queue.ack(
      'actions',
      messages.map((m) => m.receipt),
    );
  }
}

describe('the abandoned-checkout journey, live on the local runtime with a fake clock', () => {
  it('is published through the admin API', async () => {
    const { status: _, ...draft } = example;
    expect((await admin('POST', '/v1/journeys', draft)).status).toBe(201);
    expect((await admin('POST', '/v1/journeys/abandoned-checkout/publish')).status).toBe(200);
  });

  it('sends a push at one hour and an e-mail coupon at 24 hours; an order in the first hour sends nothing and converts', async () => {
    clock.set(T0);
    await checkout('ada', T0, 'k-ada');
    for (let i = 0; i < 10; i++) await checkout('bob', T0, 'k-bob', 'bob-same-delivery');
    await checkout('cara', T0, 'k-cara');
    clock.set(T0 + 0.5 * HOUR);
    await order('bob', T0 + 0.5 * HOUR);
    for (const hours of [1, 5, 24, 48]) {
      if (hours === 5) {
        clock.set(T0 + 5 * HOUR);
        await order('cara', T0 + 5 * HOUR);
      }
      await advanceTo(T0 + hours * HOUR);
      await drainActions();
    }
    expect(inOrder(sent).map((s) => [s.at, s.customerId, s.activity, s.action.kind])).toEqual([
      [new Date(T0 + HOUR).toISOString(), 'ada', 'push-reminder', 'push'],
      [new Date(T0 + HOUR).toISOString(), 'cara', 'push-reminder', 'push'],
      [new Date(T0 + 24 * HOUR).toISOString(), 'ada', 'email-coupon', 'coupon'],
    ]);
    // Each action carries the key the dispatcher sends it once by.
    expect(new Set(sent.map((s) => s.key)).size).toBe(3);
    const res = await admin('GET', '/v1/journeys/abandoned-checkout');
    const { stats } = (await res.json()) as { stats: Record<string, unknown> };
    // bob's ten deliveries of one checkout made one instance.
    expect(stats).toMatchObject({ entered: 3, converted: 2, completed: 1, exited: 2, queued: 3, waiting: {} });
  });

  it('a timer delivered again changes nothing', async () => {
    const before = sent.length;
    const message = {
      tenantId: tenant.id,
      customerId: 'ada',
      journeyId: 'abandoned-checkout',
      instanceId: 'ada#k-ada#1',
      timerId: 'abandoned-checkout:ada#k-ada#1:wait-23h:1',
    };
    await runtime.queue.send('journey-steps', [JSON.stringify(message)]);
    await settled();
    await drainActions();
    expect(sent.length).toBe(before);
  });

  it('a journey’s daily cap holds back its sends beyond the cap, and counts them', async () => {
    const capped = {
      id: 'capped-hello',
      name: 'Capped hello',
      entry: { type: 'event', event: 'login' },
      startActivity: 'hello',
      activities: { hello: { type: 'action', action: { kind: 'email', template: 'hello' } } },
      limits: { dailyCap: 1 },
    };
    expect((await admin('POST', '/v1/journeys', capped)).status).toBe(201);
    expect((await admin('POST', '/v1/journeys/capped-hello/publish')).status).toBe(200);
    // A new catalog is read when the cached one is older than 30 seconds.
    clock.set(T0 + 49 * HOUR);
    const before = sent.length;
    for (const customerId of ['dan', 'eve']) {
      await post({
        type: 'login',
        eventId: `${customerId}-login`,
        customerId,
        occurredAt: new Date(clock.now()).toISOString(),
        properties: {},
      } as CanonicalEvent);
    }
    await drainActions();
    expect(sent.slice(before).map((s) => s.activity)).toEqual(['hello']);
    const { stats } = (await (await admin('GET', '/v1/journeys/capped-hello')).json()) as {
      stats: Record<string, number>;
    };
    expect(stats).toMatchObject({ entered: 2, queued: 1, capped: 1 });
    sent.splice(before);
    events.splice(-2);
  });

  it('the backtest of the same events reports the same sends as the live run', async () => {
    const parsed = validateJourney(example);
    const report = await backtest({
      journeys: [{ ...parsed.journey!, version: 1 }],
      events,
      scoring: { settings: DEFAULT_SCORING_SETTINGS, currency: tenant.currency, timeZone: tenant.timezone },
      to: T0 + 48 * HOUR,
    });
    const live = inOrder(sent).map((s) => [s.at, s.customerId, s.activity, s.action.kind, s.key]);
    const backtested = inOrder(report.sends).map((s) => [
      s.at,
      s.customerId,
      s.activity,
      s.kind,
      `${tenant.id}:${s.key}`,
    ]);
    expect(backtested).toEqual(live);
  });

  it('an erased customer’s late events start no journey and leave nothing behind', async () => {
    expect((await admin('DELETE', '/v1/customers/ada')).status).toBe(200);
    expect(await runtime.store.get(customerJourneysKey(tenant.id, 'ada'))).toBeUndefined();
    const before = sent.length;
    await checkout('ada', T0 + 2 * HOUR, 'k-ada-late');
    await advanceTo(T0 + 60 * HOUR);
    await drainActions();
    expect(sent.length).toBe(before);
    expect(await runtime.store.get(customerJourneysKey(tenant.id, 'ada'))).toBeUndefined();
  });
});
