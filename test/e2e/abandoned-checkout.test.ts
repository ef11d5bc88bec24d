// The abandoned-checkout example end to end on the local runtime, set up only through the admin
// API from examples/: a checkout with no order gets a push after an hour and an e-mail with a
// real code from the coupon pool after a day; the order that uses the code redeems it for the
// journey. A ManualClock stands in for the hours; the journey's timers fire as the clock passes them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { postEvents } from '../helpers/events';
import { adminApi, pipelineSettled } from '../helpers/runtime';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T09:00:00Z'); // 10:00 in Berlin: neither the push nor the e-mail falls in quiet hours
const config = demoConfig();
const tenant = config.tenants[0]!;
// Nobody held out in the tenant's control group, so the one customer gets the journey's sends.
tenant.dispatch = { guardrails: { controlGroup: { percent: 0 } } } as typeof tenant.dispatch;
const clock = new ManualClock(T0);
let runtime: LocalRuntime;
/** The code the e-mail carried. */
let lastCode = '';

const example = (path: string) => JSON.parse(readFileSync(join(__dirname, '../../examples', path), 'utf8')) as unknown;

const admin = adminApi(() => runtime, tenant.adminKey);
const settled = () => pipelineSettled(runtime);

async function post(event: Record<string, unknown>) {
  expect(
    (await postEvents(runtime.url, tenant.apiKey, event as Omit<CanonicalEvent, 'tenantId' | 'source'>)).status,
  ).toBe(202);
  await settled();
}

/** Moves the clock and fires the timers due by then, as the system's timers would. */
async function advanceTo(at: number) {
  clock.set(at);
  await runtime.timers.fireDue();
  await settled();
}

async function outbox() {
  const { status, body } = await admin('GET', '/v1/outbox');
  expect(status).toBe(200);
  return (body as { items: Record<string, unknown>[] }).items;
}

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, clock, daily: false });
  for (const name of ['cart-reminder', 'cart-coupon'])
    expect((await admin('POST', '/v1/templates', example(`templates/${name}.json`))).status).toBe(201);
  expect((await admin('POST', '/v1/coupon-pools', example('coupon-pools/cart-10.json'))).status).toBe(201);
  expect((await admin('POST', '/v1/coupon-pools/cart-10/generate', {})).body).toMatchObject({ added: 1000 });
  expect((await admin('POST', '/v1/journeys', example('journeys/abandoned-checkout.json'))).status).toBe(201);
  expect((await admin('POST', '/v1/journeys/abandoned-checkout/publish')).status).toBe(200);

  const at = (ms: number) => new Date(T0 + ms).toISOString();
  await post({
    type: 'identify',
    eventId: 'identify-mia',
    customerId: 'mia',
    occurredAt: at(-120_000),
    properties: { traits: { first_name: 'Mia', email: 'mia@example.com', pushEndpoint: 'device-mia' } },
  });
  for (const channel of ['email', 'push'])
    await post({
      type: 'consent_changed',
      eventId: `consent-mia-${channel}`,
      customerId: 'mia',
      occurredAt: at(-60_000),
      properties: { channel, granted: true },
    });
  await post({
    type: 'checkout_started',
    eventId: 'checkout-mia-1',
    customerId: 'mia',
    occurredAt: at(0),
    properties: { checkoutId: 'chk-1', value: { amount: 8_990, currency: 'EUR' }, itemCount: 2 },
  });
});
afterAll(() => runtime.close());

describe('the abandoned-checkout example under npm start', () => {
  it('sends nothing before the hour is up', async () => {
    await advanceTo(T0 + HOUR - 60_000);
    expect(await outbox()).toEqual([]);
  });

  it('sends the cart-reminder push at +1 h, rendered for the customer', async () => {
    await advanceTo(T0 + HOUR);
    const items = await outbox();
    expect(items.map((i) => [i.channel, i.customerId, i.sentAt])).toEqual([
      ['push', 'mia', new Date(T0 + HOUR).toISOString()],
    ]);
    expect(items[0]).toMatchObject({ endpoint: 'device-mia', title: 'Mia, your cart is waiting' });
    expect(items[0]?.body).toContain('2 items');
  });

  it('sends the e-mail with a real code from the cart-10 pool at +24 h', async () => {
    await advanceTo(T0 + 24 * HOUR - 60_000);
    expect(await outbox()).toHaveLength(1);
    await advanceTo(T0 + 24 * HOUR);
    const email = (await outbox()).find((i) => i.channel === 'email');
    expect(email).toMatchObject({ to: 'mia@example.com', sentAt: new Date(T0 + 24 * HOUR).toISOString() });
    expect(email?.subject).toBe('Mia, here is 10% off for your cart');
    const code = /CART-[A-Z0-9]{8}/.exec(String(email?.text))?.[0];
    expect(code).toBeDefined();
    expect(email?.html).toContain(code);
    // The welcome-gift rule of the journey: the code expires 3 days after it is given, shown in Berlin time.
    expect(email?.text).toContain('Valid until 2026-03-06 10:00.');
    expect(email?.text).toContain('For orders of');
    // Marketing mail: a one-click unsubscribe link of this runtime, in the text and on the message.
    expect(email?.unsubscribeUrl).toMatch(new RegExp(`^${runtime.url}/u/`));
    expect(email?.text).toContain(email?.unsubscribeUrl);

    const { body: pool } = await admin('GET', '/v1/coupon-pools/cart-10');
    expect(pool).toMatchObject({ stats: { issued: 1, redeemed: 0 } });
    lastCode = code!;
  });

  it('attributes the next order that uses the code to the journey', async () => {
    clock.set(T0 + 30 * HOUR);
    await post({
      type: 'order_placed',
      eventId: 'order-mia-1',
      customerId: 'mia',
      occurredAt: new Date(T0 + 30 * HOUR).toISOString(),
      properties: {
        orderId: 'order-1',
        total: { amount: 8_091, currency: 'EUR' },
        discount: { amount: 899, currency: 'EUR' },
        discountCodes: [lastCode.toLowerCase()],
      },
    });
    const { body: pool } = await admin('GET', '/v1/coupon-pools/cart-10');
    expect(pool).toMatchObject({ stats: { issued: 1, redeemed: 1 } });
    const { body: journey } = await admin('GET', '/v1/journeys/abandoned-checkout');
    expect(journey.stats).toMatchObject({ entered: 1, sent: 2, converted: 1, couponsRedeemed: 1 });
  });
});
