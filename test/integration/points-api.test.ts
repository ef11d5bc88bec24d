// Points through the local runtime: an order's points pending through its return window, spent
// through the admin API once per redemption id, never overdrawn, and a partial refund after the
// spend leaving the balance the policy says; a journey's points action credited once.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { LoyaltySettings } from '../../functions/core/loyalty/settings';
import { demoConfig } from '../../functions/runtime/config-file';
import { postEvents } from '../helpers/events';
import { adminApi, pipelineSettled, startTestRuntime } from '../helpers/runtime';

const DAY = 86_400_000;
const demo = demoConfig();
const loyalty = LoyaltySettings.parse({ tiers: { paid: { level: 'gold', months: 12 } } });
const config = { ...demo, tenants: [{ ...demo.tenants[0]!, timezone: 'Asia/Shanghai', currency: 'CNY', loyalty }] };
const clock = new ManualClock('2026-05-01T02:00:00Z');
const local = startTestRuntime({ config, clock, daily: false });
const admin = adminApi(() => local.runtime, local.tenant.adminKey);
const cny = (yuan: number) => ({ amount: yuan * 100, currency: 'CNY' });

async function post(...batch: object[]) {
  const res = await postEvents(local.runtime.url, local.tenant.apiKey, { batch });
  expect(res.status).toBe(202);
  await pipelineSettled(local.runtime);
}
const points = async (customerId: string) => (await admin('GET', `/v1/customers/${customerId}/points`)).body;
const redeem = (customerId: string, body: object) =>
  admin('POST', `/v1/customers/${customerId}/points/redemptions`, body);

describe('points on the local runtime', () => {
  it('earns, spends once per redemption, refuses an overdraft, and takes back a refund after the spend', async () => {
    const order = {
      type: 'order_placed',
      eventId: 'p-order-1',
      customerId: 'mei',
      occurredAt: new Date(clock.now()).toISOString(),
      properties: { orderId: 'A-1', total: cny(300) },
    };
    await post(order, order);
    expect(await points('mei')).toMatchObject({ balance: 0, pending: 300, available: 0 });
    const early = await redeem('mei', { redemptionId: 'r-early', points: 10 });
    expect(early).toMatchObject({ status: 409, body: { error: 'insufficient_points', available: 0 } });

    clock.advance(7 * DAY);
    expect(await points('mei')).toMatchObject({ balance: 300, pending: 0 });
    const first = await redeem('mei', { redemptionId: 'r-1', points: 250, reason: 'points mall' });
    expect(first).toMatchObject({ status: 201, body: { outcome: 'redeemed', balance: 50 } });
    expect(await redeem('mei', { redemptionId: 'r-1', points: 250 })).toMatchObject({
      status: 200,
      body: { outcome: 'replayed', balance: 50 },
    });
    expect((await redeem('mei', { redemptionId: 'r-2', points: 51 })).status).toBe(409);
    const bad = await redeem('mei', { redemptionId: 'r-3', points: 0 });
    expect(bad).toMatchObject({ status: 400, body: { path: '$.points' } });

    // Half the order refunded after 250 of its 300 points were spent: 150 go back, 50 of them were
    // there, 100 are owed (the default policy, `negative`).
    const refund = {
      type: 'refund',
      eventId: 'p-refund-1',
      customerId: 'mei',
      occurredAt: new Date(clock.now()).toISOString(),
      properties: { orderId: 'A-1', refundId: 'R-1', amount: cny(150) },
    };
    await post(refund, refund);
    expect(await points('mei')).toMatchObject({ balance: -100, debt: 100, clawedBack: 150, redeemed: 250 });
    // The profile carries the account as the loyalty function last folded it, as journeys see it.
    const profile = (await admin('GET', '/v1/customers/mei')).body;
    expect(profile.points).toEqual({ balance: -100, available: 0, pending: 0, expiringNext: null });
  });

  it("credits a journey's points action once, however often the action comes", async () => {
    const action = {
      key: 'j-welcome:mei:1:give',
      tenantId: local.tenant.id,
      customerId: 'mei',
      journeyId: 'j-welcome',
      version: 1,
      instanceId: '1',
      activity: 'give',
      action: { kind: 'points', points: 25, reason: 'welcome' },
    };
    const before = (await points('mei')) as { earned: number };
    // One after the other: a copy that finds the other's lease waits for the visibility timeout, which
    // this test's clock never reaches.
    for (let copy = 0; copy < 3; copy++) {
      await local.runtime.queue.send('actions', [JSON.stringify(action)]);
      await pipelineSettled(local.runtime);
    }
    expect(await points('mei')).toMatchObject({ earned: before.earned + 25 });
    const timeline = (await admin('GET', '/v1/customers/mei/timeline')).body as { entries: { state: string }[] };
    expect(timeline.entries.filter((e) => e.state === 'sent')).toHaveLength(1);
  });

  it('moves a customer up a tier at once, multiplies their points from then on, and sells the paid tier once', async () => {
    const tier = async (customerId: string) => ((await points(customerId)) as { tier: Record<string, unknown> }).tier;
    expect(await tier('lan')).toMatchObject({ level: 'member', qualified: 'member', measure: 0, paidUntil: null });
    const order = (n: number, yuan: number) => ({
      type: 'order_placed',
      eventId: `tier-order-${n}`,
      customerId: 'lan',
      occurredAt: new Date(clock.now()).toISOString(),
      properties: { orderId: `T-${n}`, total: cny(yuan) },
    });
    await post(order(1, 1200));
    expect(await tier('lan')).toMatchObject({
      level: 'silver',
      qualified: 'silver',
      measure: 1200,
      benefits: { pointsMultiplier: 1.2 },
    });
    await post(order(2, 100));
    expect(await points('lan')).toMatchObject({ pending: 1200 + 120 });

    const buy = () => admin('POST', '/v1/customers/lan/tier/memberships', { membershipId: 'm-1' });
    const bought = await buy();
    expect(bought).toMatchObject({ status: 201, body: { outcome: 'bought', level: 'gold' } });
    expect(await buy()).toMatchObject({ status: 200, body: { outcome: 'replayed', level: 'gold' } });
    expect(await tier('lan')).toMatchObject({ level: 'gold', qualified: 'silver', paidUntil: bought.body.paidUntil });
    const badBody = await admin('POST', '/v1/customers/lan/tier/memberships', {});
    expect(badBody).toMatchObject({ status: 400, body: { path: '$.membershipId' } });
  });

  it('answers zeros for a customer without points', async () => {
    expect(await points('nobody')).toMatchObject({ balance: 0, earned: 0, expiring: [], streak: null });
  });
});
