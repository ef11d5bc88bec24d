// Referrals through the local runtime: events posted to the API, rewards carried out by the
// dispatcher as points on the ledger, the daily run paying inviters once the refund window has
// passed, every fraud pattern ending in review, and reviews through the admin API.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import type { Referral } from '../../functions/core/referrals/referral';
import { ReferralSettings } from '../../functions/core/referrals/settings';
import { demoConfig } from '../../functions/runtime/config-file';
import { postEvents } from '../helpers/events';
import { adminApi, pipelineSettled, startTestRuntime } from '../helpers/runtime';

const DAY = 86_400_000;
const demo = demoConfig();
const referrals = ReferralSettings.parse({
  linkBase: 'https://shop.example.cn/invite',
  fraud: { inviterAcceptsPerHour: 3, deviceAcceptsPerHour: 2, firstOrdersPerHour: 2, disposableDomains: ['junk.cn'] },
});
const config = {
  ...demo,
  tenants: [{ ...demo.tenants[0]!, timezone: 'Asia/Shanghai', currency: 'CNY', referrals }],
};
const clock = new ManualClock('2026-07-01T02:00:00Z');
const local = startTestRuntime({ config, clock, daily: false });
const admin = adminApi(() => local.runtime, local.tenant.adminKey);
const cny = (yuan: number) => ({ amount: yuan * 100, currency: 'CNY' });

let n = 0;
const event = (type: string, customerId: string, properties: object) => ({
  type,
  eventId: `ref-${type}-${customerId}-${++n}`,
  customerId,
  occurredAt: new Date(clock.now()).toISOString(),
  properties,
});
async function post(...batch: object[]) {
  const res = await postEvents(local.runtime.url, local.tenant.apiKey, { batch });
  expect(res.status).toBe(202);
  await pipelineSettled(local.runtime);
}
async function daily() {
  await local.runtime.runDaily();
  await pipelineSettled(local.runtime);
}
const balance = async (customerId: string) =>
  (await admin('GET', `/v1/customers/${customerId}/points`)).body.balance as number;
const referralOf = async (customerId: string) =>
  (await admin('GET', `/v1/customers/${customerId}/referral`)).body as {
    referredBy: Referral;
    [field: string]: unknown;
  };
async function codeOf(customerId: string) {
  const res = await admin('POST', `/v1/customers/${customerId}/referral/code`);
  expect(res.status).toBe(200);
  return res.body.code as string;
}
const identify = (customerId: string, traits: object) => event('identify', customerId, { traits });
const order = (customerId: string, orderId: string, extra: object = {}) =>
  event('order_placed', customerId, { orderId, total: cny(100), ...extra });

describe('referrals on the local runtime', () => {
  it('rewards the friend at once and the inviter after the refund window, once each, with every event redelivered', async () => {
    const code = await codeOf('ann');
    expect((await admin('POST', '/v1/customers/ann/referral/code')).body).toEqual({
      code,
      link: `https://shop.example.cn/invite?invite=${code}`,
    });
    const events = [
      identify('ann', { email: 'ann@example.com', phone: '+86 138 0000 0001' }),
      identify('bob', { email: 'bob@example.com', phone: '+86 138 0000 0002' }),
      event('invite_sent', 'ann', { inviteCode: code, channel: 'wechat' }),
      event('invite_clicked', 'bob', { inviteCode: code, deviceId: 'dev-bob' }),
      event('invite_accepted', 'bob', { inviteCode: code.toLowerCase(), deviceId: 'dev-bob' }),
    ];
    await post(...events, ...events);
    expect(await balance('bob')).toBe(50);
    const placed = order('bob', 'B-1', { paymentFingerprint: 'card-bob', shippingAddressHash: 'addr-bob' });
    await post(placed, placed);
    // The daily run after the window closes pays the inviter.
    clock.advance(8 * DAY);
    await daily();
    await post(...events, placed);
    await daily();
    expect(await balance('ann')).toBe(50);
    expect(await balance('bob')).toBe(150); // 50 for accepting, 100 for the order
    const bob = await referralOf('bob');
    expect(bob.referredBy).toMatchObject({ inviterId: 'ann', friend: 'granted', inviter: 'granted', flags: [] });
    expect(await referralOf('ann')).toMatchObject({ code, friends: [{ friendId: 'bob' }], rewardedFriends: 1 });
    const metrics = await admin('GET', '/v1/metrics/loyalty?from=2026-07-01&to=2026-07-09');
    expect(metrics).toMatchObject({
      status: 200,
      body: {
        customers: 1, // bob, the one who ordered
        referrals: { invitesSent: 1, friendsAttributed: 1, rewardCost: 100, kFactor: 1 },
        points: { outstanding: 150, liability: { amount: 150, currency: 'CNY' } },
      },
    });
    // Erased, the inviter's code is theirs no more: a later acceptance with it is attributed to nobody.
    expect((await admin('DELETE', '/v1/customers/ann')).status).toBe(200);
    await post(identify('kit', { email: 'kit@example.com' }), event('invite_accepted', 'kit', { inviteCode: code }));
    expect((await referralOf('kit')).referredBy).toBeUndefined();
  });

  it('gives the inviter nothing for a friend who refunds inside the window, and claws it back after', async () => {
    const code = await codeOf('cho');
    await post(
      identify('cho', { email: 'cho@example.com' }),
      identify('dan', { email: 'dan@example.com' }),
      identify('eli', { email: 'eli@example.com' }),
      event('invite_accepted', 'dan', { inviteCode: code }),
      event('invite_accepted', 'eli', { inviteCode: code }),
    );
    await post(order('dan', 'D-1'), order('eli', 'E-1'));
    clock.advance(3 * DAY);
    const inside = event('refund', 'dan', { orderId: 'D-1', amount: cny(100) });
    await post(inside, inside);
    clock.advance(5 * DAY);
    await daily();
    expect((await referralOf('dan')).referredBy).toMatchObject({ inviter: 'cancelled' });
    expect((await referralOf('eli')).referredBy).toMatchObject({ inviter: 'granted' });
    expect(await balance('cho')).toBe(50);
    const after = event('order_cancelled', 'eli', {
      orderId: 'E-1',
      total: cny(100),
      placedAt: new Date(clock.now() - 8 * DAY).toISOString(),
    });
    await post(after, after);
    expect((await referralOf('eli')).referredBy).toMatchObject({ inviter: 'clawed_back', friend: 'granted' });
    expect(await balance('cho')).toBe(0);
  });

  it('holds every fraud pattern for review, rewards nothing until approved, and lets a clean referral through', async () => {
    clock.advance(DAY);
    const inviter = async (id: string, traits: object = {}, orderExtra?: object) => {
      await post(
        identify(id, { email: `${id}@example.com`, ...traits }),
        ...(orderExtra ? [order(id, `${id}-own`, orderExtra)] : []),
      );
      return codeOf(id);
    };
    const accept = (friend: string, code: string, traits: object = {}, deviceId?: string) =>
      post(
        identify(friend, { email: `${friend}@example.com`, ...traits }),
        event('invite_accepted', friend, { inviteCode: code, ...(deviceId ? { deviceId } : {}) }),
      );
    const patterns: [string, () => Promise<string>][] = [
      [
        'self',
        async () => {
          const c = await inviter('s1');
          await post(event('invite_accepted', 's1', { inviteCode: c }));
          return 's1';
        },
      ],
      [
        'shared_email',
        async () => {
          const c = await inviter('s2');
          await accept('f2', c, { email: 's2@example.com' });
          return 'f2';
        },
      ],
      [
        'shared_phone',
        async () => {
          const c = await inviter('s3', { phone: '13800000003' });
          await accept('f3', c, { phone: '+86 138-0000-0003'.replace('+86 ', '') });
          return 'f3';
        },
      ],
      [
        'shared_device',
        async () => {
          const c = await inviter('s4', {}, { deviceId: 'dev-s4' });
          await accept('f4', c, {}, 'dev-s4');
          return 'f4';
        },
      ],
      [
        'shared_payment',
        async () => {
          const c = await inviter('s5', {}, { paymentFingerprint: 'card-s5' });
          await accept('f5', c);
          await post(order('f5', 'f5-1', { paymentFingerprint: 'card-s5' }));
          return 'f5';
        },
      ],
      [
        'shared_address',
        async () => {
          const c = await inviter('s6', {}, { shippingAddressHash: 'addr-s6' });
          await accept('f6', c);
          await post(order('f6', 'f6-1', { shippingAddressHash: 'addr-s6' }));
          return 'f6';
        },
      ],
      [
        'disposable_email',
        async () => {
          const c = await inviter('s7');
          await accept('f7', c, { email: 'f7@mailinator.com' });
          return 'f7';
        },
      ],
      [
        'inviter_velocity',
        async () => {
          const c = await inviter('s8');
          for (const f of ['f8a', 'f8b', 'f8c', 'f8d']) await accept(f, c);
          return 'f8d';
        },
      ],
      [
        'device_velocity',
        async () => {
          for (const s of ['s9a', 's9b', 's9c']) await accept(`f${s}`, await inviter(s), {}, 'dev-shared');
          return 'fs9c';
        },
      ],
      [
        'order_burst',
        async () => {
          const c = await inviter('s10');
          for (const f of ['f10a', 'f10b', 'f10c']) await accept(f, c);
          for (const f of ['f10a', 'f10b', 'f10c']) await post(order(f, `${f}-1`));
          return 'f10c';
        },
      ],
    ];
    // Patterns seen at acceptance hold the friend's reward too; those an order tells hold the inviter's.
    const atOrder = new Set(['shared_payment', 'shared_address', 'order_burst']);
    const held: string[] = [];
    for (const [flag, run] of patterns) {
      const friend = await run();
      const referral = (await referralOf(friend)).referredBy;
      expect(referral, flag).toMatchObject({ review: 'pending', friend: atOrder.has(flag) ? 'granted' : 'waiting' });
      expect(referral.flags, flag).toContain(flag);
      if (!atOrder.has(flag)) expect(await balance(friend), flag).toBe(0);
      held.push(friend);
    }
    for (const friend of held.filter((f) => !['f5', 'f6', 'f10c'].includes(f)))
      await post(order(friend, `${friend}-1`));
    clock.advance(8 * DAY);
    await daily();
    for (const friend of held) {
      const referral = (await referralOf(friend)).referredBy;
      expect(referral.inviter, friend).toBe('waiting');
      const sent = await local.runtime.store.get({
        pk: `${local.tenant.id}#C#${referral.inviterId}`,
        sk: `SEND#${local.tenant.id}:referral:${friend}:inviter`,
      });
      expect(sent, friend).toBeUndefined();
    }
    const clean = await inviter('s11');
    await accept('f11', clean);
    expect((await referralOf('f11')).referredBy).toMatchObject({ review: 'none', flags: [], friend: 'granted' });

    const queue = (await admin('GET', '/v1/referrals/review')).body.referrals as { friendId: string }[];
    expect(queue.map((r) => r.friendId).sort()).toEqual([...held].sort());
    const approved = await admin('POST', '/v1/referrals/f7/review', {
      decision: 'approve',
      reviewer: 'lin',
      note: 'real customer',
    });
    expect(approved).toMatchObject({
      status: 200,
      body: { review: 'approved', friend: 'granted', inviter: 'granted' },
    });
    await pipelineSettled(local.runtime);
    expect(await balance('f7')).toBe(150); // 50 for accepting, 100 for its order
    clock.advance(60_000);
    const rejected = await admin('POST', '/v1/referrals/f2/review', { decision: 'reject', reviewer: 'lin' });
    expect(rejected).toMatchObject({
      status: 200,
      body: { review: 'rejected', friend: 'rejected', inviter: 'rejected' },
    });
    expect((await admin('POST', '/v1/referrals/f2/review', { decision: 'approve', reviewer: 'x' })).status).toBe(409);
    expect((await admin('POST', '/v1/referrals/nobody/review', { decision: 'approve', reviewer: 'x' })).status).toBe(
      404,
    );
    expect((await admin('POST', '/v1/referrals/f3/review', { decision: 'maybe', reviewer: 'x' })).body).toMatchObject({
      error: 'invalid_request',
      path: '$.decision',
    });
    const audit = (await admin('GET', '/v1/referrals/review?decided=true')).body.decisions;
    expect(audit).toEqual([
      expect.objectContaining({
        friendId: 'f7',
        decision: 'approve',
        reviewer: 'lin',
        note: 'real customer',
        flags: ['disposable_email'],
      }),
      expect.objectContaining({ friendId: 'f2', decision: 'reject', reviewer: 'lin', flags: ['shared_email'] }),
    ]);
    const left = (await admin('GET', '/v1/referrals/review')).body.referrals as { friendId: string }[];
    expect(left.map((r) => r.friendId)).not.toContain('f7');
    await pipelineSettled(local.runtime);
    expect(await balance('f2')).toBe(100); // its order's points, no reward
  });
});
