import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { foldEvents } from '../../functions/core/profiles/profile';
import { profileView } from '../../functions/core/profiles/view';
import { shopHistory } from '../../scripts/workload';
import { postEvents } from '../helpers/events';
import { startTestRuntime } from '../helpers/runtime';

const local = startTestRuntime();
const { tenant, settled } = local;

const post = (body: unknown) => postEvents(local.runtime.url, tenant.apiKey, body);

/** The profile as the admin API returns it: the folded view, and apart from it the lifecycle, scores and points. */
async function profile(customerId: string) {
  const res = await fetch(`${local.runtime.url}/v1/customers/${encodeURIComponent(customerId)}`, {
    headers: { authorization: `Bearer ${tenant.adminKey}` },
  });
  const { lifecycle, scores, points, ...body } = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body, lifecycle, scores, points };
}

const expected = (events: ReturnType<typeof shopHistory>, customerId: string) =>
  profileView(
    foldEvents(
      undefined,
      events.filter((e) => e.customerId === customerId).map((e) => ({ ...e, tenantId: tenant.id }) as CanonicalEvent),
    )!,
  );

describe('the local runtime', () => {
  it('keeps traits, tags and orders named after Object.prototype members, through the table', async () => {
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty'];
    const at = (minute: number) => `2026-11-20T11:${String(minute).padStart(2, '0')}:00Z`;
    const res = await post({
      batch: [
        {
          type: 'identify',
          eventId: 'proto-identify',
          customerId: 'proto-keys',
          occurredAt: at(0),
          properties: { traits: Object.fromEntries(names.map((n) => [n, `${n}!`])) },
        },
        {
          type: 'tags_updated',
          eventId: 'proto-tags',
          customerId: 'proto-keys',
          occurredAt: at(1),
          properties: { add: names },
        },
        ...names.map((orderId, i) => ({
          type: 'order_placed',
          eventId: `proto-order-${orderId}`,
          customerId: 'proto-keys',
          occurredAt: at(2 + i),
          properties: { orderId, total: { amount: 1000, currency: 'EUR' } },
        })),
      ],
    });
    expect(await res.json()).toEqual({ accepted: 6, rejected: 0, errors: [] });
    await settled();
    const { status, body } = await profile('proto-keys');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      orders: 4,
      revenue: { EUR: { orders: 4, gross: 4000 } },
      traits: Object.fromEntries(names.map((n) => [n, `${n}!`])),
    });
    expect([...(body.tags as string[])].sort()).toEqual([...names].sort());
  });

  it('folds a posted order into the profile the admin API returns', async () => {
    const res = await post({
      type: 'order_placed',
      eventId: 'order-1001',
      customerId: 'ada@example.com',
      occurredAt: '2026-11-20T10:00:00Z',
      properties: { orderId: '1001', total: { amount: 4999, currency: 'EUR' } },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    await settled();
    const { status, body } = await profile('ada@example.com');
    expect(status).toBe(200);
    expect(body).toMatchObject({ orders: 1, revenue: { EUR: { orders: 1, gross: 4999, net: 4999, aov: 4999 } } });
  });

  it('puts a customer who ordered in a lifecycle stage with its next due time, and scores their value', async () => {
    const now = Date.now();
    const order = (n: number) => ({
      type: 'order_placed',
      eventId: `stage-order-${n}`,
      customerId: 'grace@example.com',
      occurredAt: new Date(now - (2 - n) * 86_400_000).toISOString(),
      properties: { orderId: `stage-${n}`, total: { amount: 60_000, currency: 'EUR' } },
    });
    expect((await post(order(1))).status).toBe(202);
    await settled();
    expect((await profile('grace@example.com')).lifecycle).toMatchObject({ stage: 'activated', reason: 'first order' });
    expect((await post(order(2))).status).toBe(202);
    await settled();
    const { lifecycle, scores } = await profile('grace@example.com');
    const due = new Date(now + 30 * 86_400_000).toISOString();
    expect(lifecycle).toEqual({
      stage: 'loyal',
      since: expect.any(String),
      reason: 'top value tier',
      nextDueAt: due,
      nextStage: 'at_risk',
    });
    expect(scores).toEqual({
      value: { tier: 'high', highQuality: false, lifetimeValue: 1200, averageMonthlySpend: 200 },
    });
  });

  it('posting the same 1,000-event batch twice leaves every profile exactly as one post did', async () => {
    const events = shopHistory({ customers: 60, events: 1000, seed: 21, prefix: 'twice' });
    const postAll = async () => {
      for (const batch of [events.slice(0, 500), events.slice(500)]) expect((await post({ batch })).status).toBe(202);
      await settled();
    };
    const customers = [...new Set(events.map((e) => e.customerId))];
    await postAll();
    const once = await Promise.all(customers.map(profile));
    await postAll();
    expect(await Promise.all(customers.map(profile))).toEqual(once);
    for (const [i, c] of customers.entries()) expect(once[i]?.body).toEqual(expected(events, c));
  });

  it('200 concurrent requests for one customer leave exact counters', async () => {
    const events = shopHistory({ customers: 1, events: 200, seed: 22, prefix: 'hot' });
    const answers = await Promise.all(events.map((e) => post(e)));
    expect(answers.map((a) => a.status)).toEqual(events.map(() => 202));
    await settled();
    const { body } = await profile('hot-0');
    expect(body).toEqual(expected(events, 'hot-0'));
    expect(Object.values(body.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(200);
  });
});
