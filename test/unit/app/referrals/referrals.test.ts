// Referrals over memory ports: attribution to the first valid invite within the window, the
// inviter's caps under many concurrent acceptances, and the rewards sent once by key.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryQueue } from '../../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createDailyRun } from '../../../../functions/app/daily-run/run';
import { createLoyaltyConsumer } from '../../../../functions/app/loyalty/run';
import { createReferrals } from '../../../../functions/app/referrals/referrals';
import type { ActionMessage } from '../../../../functions/contracts/messages';
import { tenantDirectory } from '../../../../functions/core/config/tenants';
import { ReferralSettings, type ReferralSettingsInput } from '../../../../functions/core/referrals/settings';
import type { Bus } from '../../../../functions/ports';
import { busDelivery, testEvent } from '../../../helpers/events';

const DAY = 86_400_000;
const bus: Bus = { put: async () => undefined };

function world(start: string, referrals: ReferralSettingsInput = {}) {
  const tenant = {
    id: 'shop',
    timezone: 'Asia/Shanghai',
    currency: 'CNY',
    referrals: ReferralSettings.parse(referrals),
  };
  const store = createMemoryStore();
  const clock = new ManualClock(start);
  const queue = createMemoryQueue({ clock });
  const deps = { store, bus, queue, clock, tenants: tenantDirectory([tenant]), log: silentLog };
  const consume = createLoyaltyConsumer(deps);
  const referralsOf = createReferrals(deps);
  const daily = createDailyRun(deps);
  let n = 0;
  const event = (type: string, customerId: string, properties: object, at = clock.now()) =>
    testEvent(tenant.id, type, customerId, at, properties, `${type}-${customerId}-${++n}`);
  const deliver = (...events: ReturnType<typeof testEvent>[]) =>
    consume({ records: events.map((e) => busDelivery(e, clock.now())) });
  /** The reward actions sent so far, by key (the dispatcher carries out each key once). */
  const rewards = async () => {
    const messages = await queue.receive('actions', { max: 10_000 });
    const byKey = new Map<string, ActionMessage>();
    for (const m of messages) {
      const action = JSON.parse(m.body) as ActionMessage;
      byKey.set(action.key, action);
    }
    return byKey;
  };
  return {
    tenant,
    store,
    clock,
    event,
    deliver,
    rewards,
    referral: (friendId: string) => referralsOf.referralOf(tenant.id, friendId),
    code: (customerId: string) => referralsOf.codeFor(tenant, customerId),
    dailyPass: () => daily.run({ tenantIds: [tenant.id] }),
  };
}

const cny = (yuan: number) => ({ amount: yuan * 100, currency: 'CNY' });

describe('invite codes', () => {
  it('are 8 characters of an unambiguous alphabet, one per customer, and match in any case', async () => {
    const w = world('2026-06-01T02:00:00Z');
    const code = await w.code('ann');
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(await w.code('ann')).toBe(code);
    expect(await w.code('bob')).not.toBe(code);
    await w.deliver(w.event('invite_accepted', 'fay', { inviteCode: ` ${code.toLowerCase()} ` }));
    expect(await w.referral('fay')).toMatchObject({ inviterId: 'ann', code });
  });

  it('takes a code the store made as the sender’s, unless someone holds it', async () => {
    const w = world('2026-06-01T02:00:00Z');
    await w.deliver(w.event('invite_sent', 'ann', { inviteCode: 'ANN2026' }));
    await w.deliver(w.event('invite_sent', 'bob', { inviteCode: 'ann2026' }));
    expect(await w.code('ann')).toBe('ANN2026');
    await w.deliver(w.event('invite_accepted', 'fay', { inviteCode: 'Ann2026' }));
    expect(await w.referral('fay')).toMatchObject({ inviterId: 'ann' });
  });
});

describe('attribution', () => {
  it('goes to the first invite the friend opened within the window, once', async () => {
    const w = world('2026-06-01T02:00:00Z');
    const [ann, bob, cat] = [await w.code('ann'), await w.code('bob'), await w.code('cat')];
    await w.deliver(w.event('invite_clicked', 'fay', { inviteCode: ann })); // 31 days before: too old
    w.clock.advance(DAY);
    await w.deliver(w.event('invite_clicked', 'fay', { inviteCode: 'NOSUCHCODE' }));
    await w.deliver(w.event('invite_clicked', 'fay', { inviteCode: bob }));
    w.clock.advance(30 * DAY);
    await w.deliver(w.event('invite_accepted', 'fay', { inviteCode: cat }));
    expect(await w.referral('fay')).toMatchObject({ inviterId: 'bob' });
    // A second acceptance changes nothing: one inviter per friend.
    await w.deliver(w.event('invite_accepted', 'fay', { inviteCode: ann }));
    expect(await w.referral('fay')).toMatchObject({ inviterId: 'bob' });
  });

  it('attributes nobody for an unknown code', async () => {
    const w = world('2026-06-01T02:00:00Z');
    await w.deliver(w.event('invite_accepted', 'fay', { inviteCode: 'NOSUCHCODE' }));
    expect(await w.referral('fay')).toBeUndefined();
    expect((await w.rewards()).size).toBe(0);
  });
});

describe("the inviter's caps", () => {
  it('hold under 1,000 concurrent acceptances: 5 rewarded invites a day, the programme’s most in all', async () => {
    const w = world('2026-06-01T02:00:00Z', {
      inviterReward: { kind: 'points', points: 10 },
      inviterCap: 200,
      dailyLimit: 5,
      fraud: { inviterAcceptsPerHour: 100_000, firstOrdersPerHour: 100_000 },
    });
    const code = await w.code('ann');
    const accept = (friend: string) => w.deliver(w.event('invite_accepted', friend, { inviteCode: code }));
    const order = (friend: string) =>
      w.deliver(w.event('order_placed', friend, { orderId: `o-${friend}`, total: cny(100) }));
    const friends: string[] = [];
    // Day 1: a thousand friends at once; days 2 to 6: a hundred more each.
    for (let day = 0; day < 6; day++) {
      const today = Array.from({ length: day === 0 ? 1000 : 100 }, (_, i) => `f${day}-${i}`);
      await Promise.all(today.map(accept));
      await Promise.all(today.map(order));
      friends.push(...today);
      w.clock.advance(DAY);
    }
    w.clock.advance(8 * DAY);
    await w.dailyPass();
    const referrals = await Promise.all(friends.map(w.referral));
    const rewarded = referrals.filter((r) => r?.inviter === 'granted');
    const perDay = new Map<string, number>();
    for (const r of rewarded) perDay.set(r?.acceptDay as string, (perDay.get(r?.acceptDay as string) ?? 0) + 1);
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(5);
    expect(rewarded).toHaveLength(20); // 200 / 10 in all, though 6 days × 5 were allowed a day
    expect(referrals.filter((r) => r?.inviter === 'capped')).toHaveLength(10);
    const inviterRewards = [...(await w.rewards()).values()].filter((a) => a.customerId === 'ann');
    expect(inviterRewards).toHaveLength(20);
    // Every friend got theirs, once.
    expect(referrals.every((r) => r?.friend === 'granted')).toBe(true);
  });
});

describe('the rewards', () => {
  it('go to the friend on acceptance and to the inviter after the refund window, once each, redelivered or not', async () => {
    const w = world('2026-06-01T02:00:00Z', { milestone: { friends: 2, reward: { kind: 'points', points: 30 } } });
    const code = await w.code('ann');
    const accepts = ['fay', 'gus'].map((f) => w.event('invite_accepted', f, { inviteCode: code }));
    await w.deliver(...accepts, ...accepts);
    const orders = ['fay', 'gus'].map((f) => w.event('order_placed', f, { orderId: `o-${f}`, total: cny(80) }));
    await w.deliver(...orders);
    await w.deliver(...orders);
    w.clock.advance(6 * DAY);
    await w.dailyPass();
    expect((await w.referral('fay'))?.inviter).toBe('waiting');
    w.clock.advance(2 * DAY);
    await w.dailyPass();
    await w.dailyPass();
    await w.deliver(...accepts, ...orders);
    const rewards = await w.rewards();
    expect([...rewards.keys()].sort()).toEqual([
      'shop:referral:ann:milestone:2',
      'shop:referral:fay:friend',
      'shop:referral:fay:inviter',
      'shop:referral:gus:friend',
      'shop:referral:gus:inviter',
    ]);
    expect(rewards.get('shop:referral:fay:inviter')).toMatchObject({
      customerId: 'ann',
      purpose: 'transactional',
      action: { kind: 'points', points: 50 },
    });
  });

  it('on the first order instead, when the programme says so; a refund of it before the window cancels the inviter’s', async () => {
    const w = world('2026-06-01T02:00:00Z', { friendRewardOn: 'first_order' });
    const code = await w.code('ann');
    await w.deliver(w.event('invite_accepted', 'fay', { inviteCode: code }));
    expect((await w.rewards()).size).toBe(0);
    // The refund arrives before the order it refunds: the referral is the same either way.
    w.clock.advance(DAY);
    const refund = w.event('refund', 'fay', { orderId: 'o1', amount: cny(10) });
    await w.deliver(refund);
    await w.deliver(w.event('order_placed', 'fay', { orderId: 'o1', total: cny(80) }, w.clock.now() - 3_600_000));
    w.clock.advance(10 * DAY);
    await w.dailyPass();
    expect(await w.referral('fay')).toMatchObject({ friend: 'granted', inviter: 'cancelled' });
    expect([...(await w.rewards()).keys()]).toEqual(['shop:referral:fay:friend']);
  });

  it('takes an order of the acceptance’s very second as the first order, whatever format its time is written in', async () => {
    const w = world('2026-06-01T02:00:00Z');
    await w.deliver(w.event('invite_accepted', 'fay', { inviteCode: await w.code('ann') }));
    const order = w.event('order_placed', 'fay', { orderId: 'o1', total: cny(80) });
    await w.deliver({ ...order, occurredAt: '2026-06-01T02:00:00Z' });
    expect((await w.referral('fay'))?.firstOrder).toEqual({ orderId: 'o1', at: '2026-06-01T02:00:00.000Z' });
  });

  it('reach a second level only when the programme has two', async () => {
    const w = world('2026-06-01T02:00:00Z', { levels: 2, secondLevelReward: { kind: 'points', points: 5 } });
    await w.deliver(w.event('invite_accepted', 'bob', { inviteCode: await w.code('ann') }));
    await w.deliver(w.event('invite_accepted', 'cat', { inviteCode: await w.code('bob') }));
    await w.deliver(w.event('order_placed', 'cat', { orderId: 'o1', total: cny(80) }));
    w.clock.advance(8 * DAY);
    await w.dailyPass();
    const rewards = await w.rewards();
    expect(rewards.get('shop:referral:cat:inviter')?.customerId).toBe('bob');
    expect(rewards.get('shop:referral:cat:second')).toMatchObject({
      customerId: 'ann',
      action: { kind: 'points', points: 5 },
    });
    expect(() => ReferralSettings.parse({ levels: 3 })).toThrow();
  });
});
