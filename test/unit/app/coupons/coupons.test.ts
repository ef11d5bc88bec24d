import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { SimulatedCrash } from '../../../../functions/adapters/memory/faults';
import { createMemoryStore, type MemoryStore } from '../../../../functions/adapters/memory/store';
import {
  createPool,
  generatePoolCodes,
  issueCoupon,
  listPools,
  poolStats,
  readPool,
  redeemCoupons,
  uploadCodes,
  voidCoupons,
} from '../../../../functions/app/coupons';
import { settleCoupons } from '../../../../functions/app/coupons/settle';
import type { CanonicalEvent, EventOf } from '../../../../functions/core/events/schemas';
import { DEFAULT_ALPHABET, LOOK_ALIKES } from '../../../../functions/core/incentives/coupon-pool';
import { issueKey, lookupKey } from '../../../../functions/core/incentives/items';
import { statsKey, statsOf } from '../../../../functions/core/journeys/items';
import type { BusEvent } from '../../../../functions/ports';

const T = 't1';
const T0 = Date.parse('2026-03-01T10:00:00Z');
const DAY = 86_400_000;
const EUR = (amount: number) => ({ amount, currency: 'EUR' });

let store: MemoryStore;
let now: number;
const clock = { now: () => now };
const deps = () => ({ store, clock, random: (n: number) => new Uint8Array(randomBytes(n)) });

beforeEach(() => {
  store = createMemoryStore();
  now = T0;
});

async function uploadedPool(id: string, codes: string[], extra: Record<string, unknown> = {}) {
  const created = await createPool(deps(), T, {
    id,
    kind: 'uploaded',
    value: { type: 'amount', amount: EUR(500) },
    ...extra,
  });
  expect(created).toMatchObject({ ok: true });
  if (codes.length > 0)
    expect(await uploadCodes(deps(), { tenantId: T, poolId: id, codes })).toMatchObject({ ok: true });
}
const issue = (poolId: string, actionKey: string, extra: Record<string, unknown> = {}) =>
  issueCoupon(deps(), { tenantId: T, poolId, actionKey, customerId: `c-${actionKey}`, journeyId: 'welcome', ...extra });

const order = (
  orderId: string,
  codes: string[],
  customerId = 'c-a1',
  type: 'order_placed' | 'order_updated' = 'order_placed',
) =>
  ({
    type,
    tenantId: T,
    eventId: `shop:${orderId}:${type}`,
    customerId,
    occurredAt: '2026-03-02T10:00:00.000Z',
    source: 'shopify',
    properties: {
      orderId,
      total: EUR(4000),
      discountCodes: codes,
      ...(type === 'order_updated' ? { placedAt: '2026-03-02T10:00:00.000Z' } : {}),
    },
  }) as EventOf<'order_placed'>;
const refund = (orderId: string, refundId = 'r1') =>
  ({
    type: 'refund',
    tenantId: T,
    eventId: `shop:refund:${refundId}`,
    customerId: 'c-a1',
    occurredAt: '2026-03-05T10:00:00.000Z',
    source: 'shopify',
    properties: { orderId, refundId, amount: EUR(4000) },
  }) as EventOf<'refund'>;

describe('creating pools and uploading codes', () => {
  it('creates a pool once; the same settings again answer it, other settings are refused', async () => {
    const settings = { id: 'p', kind: 'uploaded', value: { type: 'free_shipping' } } as const;
    expect(await createPool(deps(), T, settings)).toMatchObject({ ok: true, created: true });
    expect(await createPool(deps(), T, settings)).toMatchObject({ ok: true, created: false });
    expect(await createPool(deps(), T, { ...settings, value: { type: 'percent', percent: 5 } })).toEqual({
      ok: false,
      reason: 'exists',
    });
    expect(
      await createPool(deps(), T, { id: 'bad id', kind: 'uploaded', value: { type: 'free_shipping' } }),
    ).toMatchObject({ ok: false, reason: 'invalid', issues: [{ path: '$.id' }] });
    expect(await listPools(deps(), T)).toEqual(['p']);
  });

  it('uploads a CSV, refusing the whole file when a code repeats, naming both lines', async () => {
    await uploadedPool('p', []);
    const refused = await uploadCodes(deps(), { tenantId: T, poolId: 'p', csv: 'code\nSAVE-1\nSAVE-2\nsave-1\n' });
    expect(refused).toMatchObject({
      ok: false,
      reason: 'invalid',
      problems: [{ line: 4, problem: 'duplicate', firstLine: 2 }],
    });
    expect((await readPool(deps(), T, 'p')).size).toBe(0);
    expect(store.items().filter((i) => i.pk.includes('#COUPON#'))).toEqual([]);
    expect(await uploadCodes(deps(), { tenantId: T, poolId: 'p', csv: 'code\nSAVE-1\nSAVE-2\n' })).toEqual({
      ok: true,
      added: 2,
      size: 2,
    });
  });

  it('refuses codes another pool of the tenant holds, with their lines, and changes nothing', async () => {
    await uploadedPool('a', ['ONE', 'TWO']);
    await uploadedPool('b', []);
    const refused = await uploadCodes(deps(), { tenantId: T, poolId: 'b', codes: ['THREE', 'two'] });
    expect(refused).toMatchObject({ ok: false, problems: [{ line: 2, problem: 'exists', poolId: 'a' }] });
    expect((await readPool(deps(), T, 'b')).size).toBe(0);
  });

  it('appends batches and answers a batch sent again as added', async () => {
    await uploadedPool('p', ['A1', 'A2']);
    expect(await uploadCodes(deps(), { tenantId: T, poolId: 'p', codes: ['A3'] })).toEqual({
      ok: true,
      added: 1,
      size: 3,
    });
    expect(await uploadCodes(deps(), { tenantId: T, poolId: 'p', codes: ['A3'] })).toEqual({
      ok: true,
      added: 0,
      size: 3,
    });
  });

  it('finishes an upload cut short at any step when it is sent again, and refuses another batch meanwhile', async () => {
    const codes = Array.from({ length: 5 }, (_, i) => `CODE${i}`);
    for (let step = 1; step <= 8; step++) {
      store = createMemoryStore();
      await uploadedPool('p', []);
      store.faults.crashAfterStep(step);
      const first = await uploadCodes(deps(), { tenantId: T, poolId: 'p', codes }).catch((e) => e);
      store.faults.reset();
      if (first instanceof SimulatedCrash && (await readPool(deps(), T, 'p')).pending)
        expect(await uploadCodes(deps(), { tenantId: T, poolId: 'p', codes: ['OTHER'] })).toMatchObject({
          reason: 'busy',
        });
      expect(await uploadCodes(deps(), { tenantId: T, poolId: 'p', codes })).toMatchObject({ ok: true, size: 5 });
      const given = await Promise.all(codes.map((_, i) => issue('p', `k${i}`)));
      expect(new Set(given.map((g) => (g.ok ? g.code : g.reason)))).toEqual(new Set(codes));
    }
  });
});

describe('generating codes', () => {
  it('generates the pool count of distinct look-alike-free codes, once', async () => {
    await createPool(deps(), T, {
      id: 'gen',
      kind: 'generated',
      pattern: { prefix: 'WB-', length: 8 },
      count: 300,
      value: { type: 'percent', percent: 10 },
    });
    expect(await generatePoolCodes(deps(), { tenantId: T, poolId: 'gen' })).toEqual({
      ok: true,
      added: 300,
      size: 300,
    });
    expect(await generatePoolCodes(deps(), { tenantId: T, poolId: 'gen' })).toEqual({ ok: true, added: 0, size: 300 });
    const codes = store
      .items()
      .filter((i) => i.sk.startsWith('CODE#'))
      .map((i) => i.code as string);
    expect(new Set(codes).size).toBe(300);
    for (const code of codes) {
      expect(code).toMatch(/^WB-.{8}$/);
      for (const c of code.slice(3)) expect(LOOK_ALIKES.includes(c) || !DEFAULT_ALPHABET.includes(c)).toBe(false);
    }
    expect(await uploadCodes(deps(), { tenantId: T, poolId: 'gen', codes: ['X1'] })).toMatchObject({ reason: 'kind' });
  });

  it('draws again a code another pool holds, so codes stay distinct in the tenant', async () => {
    await uploadedPool('up', ['GGGG3333']);
    await createPool(deps(), T, {
      id: 'gen',
      kind: 'generated',
      pattern: { length: 8, alphabet: 'GHJKMNPQRT3' },
      count: 1,
      value: { type: 'free_shipping' },
    });
    let calls = 0;
    // The first draw spells GGGG3333 (index 0 of the alphabet four times, then 10), later draws vary.
    const random = (n: number) =>
      Uint8Array.from({ length: n }, (_, i) => (calls++ < 8 ? (i < 4 ? 0 : 10) : (calls * 7) % 11));
    expect(await generatePoolCodes({ store, clock, random }, { tenantId: T, poolId: 'gen' })).toMatchObject({
      ok: true,
    });
    const code = store.items().find((i) => i.pk.endsWith('#POOL#gen') && i.sk.startsWith('CODE#'))?.code;
    expect(code).not.toBe('GGGG3333');
    expect(await store.get(lookupKey(T, code as string))).toMatchObject({ poolId: 'gen' });
  });
});

describe('issuing coupons', () => {
  it('gives each action key its own code, the same one again on a replay, then answers exhausted', async () => {
    await uploadedPool('p', ['A1', 'A2']);
    const a = await issue('p', 'k1');
    expect(a).toMatchObject({ ok: true, code: 'A1', replayed: false, value: { type: 'amount', amount: EUR(500) } });
    expect(await issue('p', 'k1')).toMatchObject({ ok: true, code: 'A1', replayed: true });
    expect(await issue('p', 'k2')).toMatchObject({ ok: true, code: 'A2' });
    expect(await issue('p', 'k3')).toEqual({ ok: false, reason: 'exhausted' });
    expect(await poolStats(deps(), T, 'p')).toMatchObject({ size: 2, issued: 2, available: 0, exhaustedAttempts: 1 });
    expect(await store.get(lookupKey(T, 'A1'))).toMatchObject({
      poolId: 'p',
      index: 0,
      issued: { customerId: 'c-k1', actionKey: 'k1', journeyId: 'welcome', issuedAt: T0 },
    });
  });

  it('computes expiry from the issue time: 3 days after it is given, or the pool instant', async () => {
    await uploadedPool('rel', ['R1', 'R2'], { expiry: { days: 3 } });
    expect(await issue('rel', 'k1')).toMatchObject({ expiresAt: new Date(T0 + 3 * DAY).toISOString() });
    now = T0 + 5 * DAY;
    expect(await issue('rel', 'k2')).toMatchObject({ expiresAt: new Date(T0 + 8 * DAY).toISOString() });
    now = T0;
    expect(await issue('rel', 'k1')).toMatchObject({ expiresAt: new Date(T0 + 3 * DAY).toISOString(), replayed: true });

    await uploadedPool('abs', ['B1', 'B2', 'B3'], { expiry: { at: '2026-03-10T00:00:00Z' } });
    expect(await issue('abs', 'k1')).toMatchObject({ expiresAt: '2026-03-10T00:00:00.000Z' });
    expect(await issue('abs', 'k2', { expiresIn: 'PT2H' })).toMatchObject({
      expiresAt: new Date(T0 + 2 * 3_600_000).toISOString(),
    });
    now = Date.parse('2026-03-10T00:00:00Z');
    expect(await issue('abs', 'k3')).toEqual({ ok: false, reason: 'expired' });
  });

  it('stops at the count budget and the money budget with reason budget', async () => {
    const codes = Array.from({ length: 10 }, (_, i) => `C${i}`);
    await uploadedPool('count', codes, { budget: { count: 3 } });
    const counted = await Promise.all(Array.from({ length: 6 }, (_, i) => issue('count', `k${i}`)));
    expect(counted.filter((r) => r.ok)).toHaveLength(3);
    expect(counted.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(['budget', 'budget', 'budget']);

    await uploadedPool(
      'money',
      codes.map((c) => `M${c}`),
      { budget: { money: EUR(1200) } },
    );
    const paid = await Promise.all(Array.from({ length: 6 }, (_, i) => issue('money', `k${i}`)));
    expect(paid.filter((r) => r.ok)).toHaveLength(2);
    expect(await poolStats(deps(), T, 'money')).toMatchObject({ issued: 2, spent: 1000, budgetRefusals: 4 });
  });

  it('completes an issue cut short at any step with the same code on the next delivery', async () => {
    for (let step = 1; step <= 4; step++) {
      store = createMemoryStore();
      await uploadedPool('p', ['A1', 'A2', 'A3']);
      store.faults.crashAfterStep(step);
      const first = await issue('p', 'k1').catch((e) => e);
      store.faults.reset();
      const again = await issue('p', 'k1');
      expect(again.ok).toBe(true);
      if (!(first instanceof SimulatedCrash)) expect(again).toMatchObject({ code: (first as { code: string }).code });
      if (!again.ok) continue;
      expect(await store.get(lookupKey(T, again.code))).toMatchObject({ issued: { actionKey: 'k1' } });
      expect(await issue('p', 'k1')).toMatchObject({ code: again.code, replayed: true });
    }
  });

  it('answers concurrent deliveries of one action key with one code, counting the index wasted', async () => {
    await uploadedPool('p', ['A1', 'A2', 'A3', 'A4']);
    const all = await Promise.all(Array.from({ length: 3 }, () => issue('p', 'same')));
    expect(new Set(all.map((r) => r.ok && r.code)).size).toBe(1);
    const stats = await poolStats(deps(), T, 'p');
    expect(stats.issued - stats.wasted).toBe(1);
    expect(await store.get(issueKey(T, 'p', 'same'))).toMatchObject({ code: all[0]?.ok && all[0].code });
  });
});

describe('redemption', () => {
  beforeEach(async () => {
    await uploadedPool('p', ['SAVE-A', 'SAVE-B', 'SAVE-C']);
    await issue('p', 'a1');
    await issue('p', 'a2', { journeyId: undefined, campaignId: 'winback' });
  });

  it('attributes an order code to the action and journey that gave it, once per order', async () => {
    const outcomes = await redeemCoupons(deps(), order('o1', [' save-a ', 'STORE10', 'SAVE-C']));
    expect(outcomes).toEqual([
      {
        code: 'SAVE-A',
        status: 'redeemed',
        replayed: false,
        attribution: {
          code: 'SAVE-A',
          poolId: 'p',
          actionKey: 'a1',
          journeyId: 'welcome',
          customerId: 'c-a1',
          orderId: 'o1',
          orderCustomerId: 'c-a1',
        },
      },
      { code: 'STORE10', status: 'unknown' },
      { code: 'SAVE-C', status: 'not_issued', poolId: 'p' },
    ]);
    const again = await redeemCoupons(deps(), order('o1', ['SAVE-A'], 'c-a1', 'order_updated'));
    expect(again).toMatchObject([
      { status: 'redeemed', replayed: true, attribution: { orderId: 'o1', actionKey: 'a1' } },
    ]);
    expect(await poolStats(deps(), T, 'p')).toMatchObject({ redeemed: 1 });
  });

  it('counts a single-use code for the first order only, and a campaign code for its campaign', async () => {
    await redeemCoupons(deps(), order('o1', ['SAVE-A']));
    expect(await redeemCoupons(deps(), order('o2', ['SAVE-A'], 'c-other'))).toEqual([
      { code: 'SAVE-A', status: 'used', poolId: 'p', byOrderId: 'o1' },
    ]);
    expect(await redeemCoupons(deps(), order('o3', ['save-b'], 'c-friend'))).toMatchObject([
      { status: 'redeemed', attribution: { campaignId: 'winback', customerId: 'c-a2', orderCustomerId: 'c-friend' } },
    ]);
  });

  it('counts a multi-use code once per order', async () => {
    await uploadedPool('multi', ['MULTI'], { singleUse: false });
    await issue('multi', 'm1');
    await redeemCoupons(deps(), order('o1', ['MULTI']));
    await redeemCoupons(deps(), order('o2', ['MULTI']));
    await redeemCoupons(deps(), order('o2', ['MULTI']));
    expect(await poolStats(deps(), T, 'multi')).toMatchObject({ redeemed: 2 });
  });

  it("voids an order's redemptions on its refund, once however often the refund comes", async () => {
    await redeemCoupons(deps(), order('o1', ['SAVE-A']));
    expect(await voidCoupons(deps(), refund('o1'))).toMatchObject([
      { code: 'SAVE-A', status: 'voided', replayed: false, attribution: { actionKey: 'a1', orderId: 'o1' } },
    ]);
    expect(await voidCoupons(deps(), refund('o1', 'r2'))).toMatchObject([{ status: 'voided', replayed: true }]);
    expect(await voidCoupons(deps(), refund('o-none'))).toEqual([]);
    expect(await poolStats(deps(), T, 'p')).toMatchObject({ redeemed: 1, voided: 1 });
    // Another order's refund never voids a redemption that is not its own.
    await redeemCoupons(deps(), order('o2', ['SAVE-A'])); // used by o1
    expect(await voidCoupons(deps(), refund('o2'))).toEqual([]);
  });

  it('redeems and voids concurrently redelivered events once', async () => {
    await Promise.all(Array.from({ length: 5 }, () => redeemCoupons(deps(), order('o1', ['SAVE-A', 'SAVE-B']))));
    await Promise.all(Array.from({ length: 5 }, () => voidCoupons(deps(), refund('o1'))));
    expect(await poolStats(deps(), T, 'p')).toMatchObject({ redeemed: 2, voided: 2 });
  });

  it("counts redemptions and voids in the journey's stats once, and tells each on the bus", async () => {
    const told: BusEvent[] = [];
    const bus = { put: async (events: readonly BusEvent[]) => void told.push(...events) };
    const settle = (events: CanonicalEvent[]) => settleCoupons({ ...deps(), bus }, events);
    await settle([order('o1', ['SAVE-A', 'SAVE-B'])]);
    await settle([order('o1', ['SAVE-A'], 'c-a1', 'order_updated'), refund('o1'), refund('o1', 'r2')]);
    const stats = statsOf(await store.get(statsKey(T, 'welcome')));
    expect([stats.couponsRedeemed, stats.couponsVoided]).toEqual([1, 1]);
    expect(told.map((e) => [e.detailType, (e.detail as { code: string }).code])).toEqual([
      ['coupon.redeemed', 'SAVE-A'],
      ['coupon.redeemed', 'SAVE-B'],
      ['coupon.redeemed', 'SAVE-A'],
      ['coupon.voided', 'SAVE-A'],
      ['coupon.voided', 'SAVE-B'],
      ['coupon.voided', 'SAVE-A'],
      ['coupon.voided', 'SAVE-B'],
    ]);
  });

  it('finishes a redemption cut short at any step when the order comes again', async () => {
    for (let step = 1; step <= 3; step++) {
      store.faults.crashAfterStep(step);
      await redeemCoupons(deps(), order(`x${step}`, ['SAVE-A'])).catch((e) => {
        if (!(e instanceof SimulatedCrash)) throw e;
      });
      store.faults.reset();
      const again = await redeemCoupons(deps(), order(`x${step}`, ['SAVE-A']));
      if (step === 1) expect(again).toMatchObject([{ status: 'redeemed', attribution: { orderId: 'x1' } }]);
      expect((await voidCoupons(deps(), refund(`x${step}`))).length).toBe(step === 1 ? 1 : 0);
    }
  });
});
