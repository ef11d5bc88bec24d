// Coupons over every store: issuing is atomic per code and idempotent per action key, and budgets are
// never overspent, however many issues race. moto_server applies conditions on threads without
// atomicity (test/contract/store.contract.ts), so its variant sends one request at a time: the
// 1,500 issues still interleave, request by request, as DynamoDB orders the writes to an item.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import {
  createPool,
  issueCoupon,
  poolStats,
  redeemCoupons,
  uploadCodes,
  voidCoupons,
} from '../../functions/app/coupons';
import type { EventOf } from '../../functions/core/events/schemas';
import type { Store } from '../../functions/ports';
import { describeWithEmulator } from '../helpers/moto';
import { dynaliteStore, motoStore, type TestStore } from '../helpers/stores';

const clock = { now: () => Date.parse('2026-03-01T10:00:00Z') };
const EUR = (amount: number) => ({ amount, currency: 'EUR' });

function couponSuite(subject: () => Store, options: { codes: number; issues: number }) {
  const tenant = () => `t${Math.random().toString(36).slice(2, 8)}`;
  const deps = () => ({ store: subject(), clock });
  const { codes: size, issues } = options;

  it(`gives ${size} distinct codes to ${issues} concurrent issues, ${issues - size} exhausted, replays the same`, async () => {
    const t = tenant();
    await createPool(deps(), t, { id: 'p', kind: 'uploaded', value: { type: 'amount', amount: EUR(500) } });
    const codes = Array.from({ length: size }, (_, i) => `CODE-${String(i).padStart(5, '0')}`);
    expect(await uploadCodes(deps(), { tenantId: t, poolId: 'p', codes })).toEqual({ ok: true, added: size, size });
    const issue = (i: number) =>
      issueCoupon(deps(), { tenantId: t, poolId: 'p', actionKey: `action-${i}`, customerId: `c${i}`, journeyId: 'j' });
    const results = await Promise.all(Array.from({ length: issues }, (_, i) => issue(i)));
    const given = results.flatMap((r) => (r.ok ? [r.code] : []));
    expect(given).toHaveLength(size);
    expect(new Set(given).size).toBe(size);
    expect(new Set(given)).toEqual(new Set(codes));
    expect(results.filter((r) => !r.ok && r.reason === 'exhausted')).toHaveLength(issues - size);
    const firstGiven = results.findIndex((r) => r.ok);
    const replay = await issue(firstGiven);
    expect(replay).toMatchObject({ ok: true, replayed: true, code: (results[firstGiven] as { code: string }).code });
    expect(await poolStats(deps(), t, 'p')).toMatchObject({
      size,
      issued: size,
      available: 0,
      exhaustedAttempts: issues - size,
    });
  });

  it('never overspends a money budget under concurrent issues', async () => {
    const t = tenant();
    await createPool(deps(), t, {
      id: 'b',
      kind: 'uploaded',
      value: { type: 'percent', percent: 10 },
      budget: { money: EUR(10_000), costPerCoupon: EUR(300) },
    });
    const codes = Array.from({ length: 100 }, (_, i) => `B${i}`);
    await uploadCodes(deps(), { tenantId: t, poolId: 'b', codes });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        issueCoupon(deps(), { tenantId: t, poolId: 'b', actionKey: `k${i}`, customerId: `c${i}` }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(33); // 33 × 300 ≤ 10,000 < 34 × 300
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'budget')).toBe(true);
    expect(await poolStats(deps(), t, 'b')).toMatchObject({ spent: 9900, budgetRefusals: 67 });
  });

  it('redeems and voids once however often the order and its refund come', async () => {
    const t = tenant();
    await createPool(deps(), t, { id: 'r', kind: 'uploaded', value: { type: 'free_shipping' } });
    await uploadCodes(deps(), { tenantId: t, poolId: 'r', csv: 'code\nSHIP-1\nSHIP-2\n' });
    const given = await issueCoupon(deps(), {
      tenantId: t,
      poolId: 'r',
      actionKey: 'a',
      customerId: 'c1',
      journeyId: 'j',
    });
    expect(given.ok).toBe(true);
    const placed = {
      type: 'order_placed',
      tenantId: t,
      eventId: 'e1',
      customerId: 'c1',
      occurredAt: '2026-03-02T00:00:00.000Z',
      source: 'api',
      properties: { orderId: 'o1', total: EUR(2000), discountCodes: ['ship-1'] },
    } as EventOf<'order_placed'>;
    const redeemed = await Promise.all(Array.from({ length: 4 }, () => redeemCoupons(deps(), placed)));
    for (const outcome of redeemed.flat())
      expect(outcome).toMatchObject({
        status: 'redeemed',
        attribution: { actionKey: 'a', journeyId: 'j', orderId: 'o1' },
      });
    const refund = {
      type: 'refund',
      tenantId: t,
      eventId: 'e2',
      customerId: 'c1',
      occurredAt: '2026-03-03T00:00:00.000Z',
      source: 'api',
      properties: { orderId: 'o1', amount: EUR(2000) },
    } as EventOf<'refund'>;
    await Promise.all(Array.from({ length: 4 }, () => voidCoupons(deps(), refund)));
    expect(await poolStats(deps(), t, 'r')).toMatchObject({ issued: 1, redeemed: 1, voided: 1 });
  });
}

function storeSuite(start: () => Promise<TestStore>, options: { codes: number; issues: number }) {
  let subject: TestStore;
  beforeAll(async () => {
    subject = await start();
  }, 60_000);
  afterAll(() => subject.stop());
  couponSuite(() => subject.store, options);
}

describe('coupons on the memory store', () => {
  const store = createMemoryStore();
  couponSuite(() => store, { codes: 1000, issues: 1500 });
});

describe('coupons on DynamoDB (dynalite)', { timeout: 120_000 }, () =>
  storeSuite(() => dynaliteStore(), { codes: 1000, issues: 1500 }),
);

describeWithEmulator('coupons on DynamoDB (moto_server)', () => {
  describe('full size', { timeout: 240_000 }, () =>
    storeSuite(() => motoStore({ oneRequestAtATime: true }), { codes: 1000, issues: 1500 }),
  );
});
