// A coupon action issues its code once per action key and sends it in its message; an
// exhausted pool skips the action as `budget`, naming the pool.
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../../../functions/adapters/log';
import { createPool, uploadCodes } from '../../../../functions/app/coupons';
import { createFoldProfiles } from '../../../../functions/app/fold-profiles/run';
import type { ActionMessage } from '../../../../functions/contracts/messages';
import type { OutgoingMessage } from '../../../../functions/ports';
import { INCENTIVES_SOURCE } from '../../../../functions/routes';
import { busDelivery, testEvent } from '../../../helpers/events';
import { deliveryOf, dispatchWorld, T0, tenantId } from './world';

const couponAction = (n: number): ActionMessage => ({
  key: `${tenantId}:cart:${n}`,
  tenantId,
  customerId: `c${n % 100}`,
  journeyId: 'cart',
  version: 1,
  instanceId: `i${n}`,
  activity: 'email-coupon',
  action: { kind: 'coupon', pool: 'cart-10', channel: 'email', template: 'cart-coupon', expiresIn: '3d' },
});

describe('coupon actions', () => {
  it('1,000 codes and 1,500 concurrent coupon e-mails: 1,000 distinct codes sent, 500 skipped as exhausted', async () => {
    const w = dispatchWorld({
      deps: { render: async ({ coupon }) => ({ subject: 'A gift', text: `Your code: ${coupon?.code}` }) },
    });
    for (let c = 0; c < 100; c++) await w.customer(`c${c}`);
    await createPool(w, tenantId, { id: 'cart-10', kind: 'uploaded', value: { type: 'percent', percent: 10 } });
    const codes = Array.from({ length: 1000 }, (_, i) => `CART-${String(i).padStart(4, '0')}`);
    await uploadCodes(w, { tenantId, poolId: 'cart-10', codes });
    const actions = Array.from({ length: 1500 }, (_, n) => couponAction(n));
    expect(await w.dispatch({ records: actions.map((a) => deliveryOf(a)) })).toEqual({ failedIds: [] });

    const sentCodes = w.calls.map((m) => (m as OutgoingMessage & { text: string }).text.replace('Your code: ', ''));
    expect(sentCodes).toHaveLength(1000);
    expect(new Set(sentCodes)).toEqual(new Set(codes));
    const skipped = w.bus.events.filter((e) => e.detailType === 'message.skipped').map((e) => e.detail);
    expect(skipped).toHaveLength(500);
    expect(
      new Set(skipped.map((s) => JSON.stringify([(s as { reason: string }).reason, (s as { rule: string }).rule]))),
    ).toEqual(new Set([JSON.stringify(['budget', 'coupon_pool:cart-10:exhausted'])]));

    // Every action delivered again: nothing more is sent, no code is taken twice.
    expect(await w.dispatch({ records: actions.map((a) => deliveryOf(a, 2)) })).toEqual({ failedIds: [] });
    expect(w.calls).toHaveLength(1000);
  });

  it('skips a coupon of a pool that does not exist, naming it', async () => {
    const w = dispatchWorld();
    await w.customer('c1');
    await w.dispatch({ records: [deliveryOf(couponAction(1))] });
    expect(w.calls).toHaveLength(0);
    expect(w.bus.events.map((e) => e.detail)).toEqual([
      expect.objectContaining({ reason: 'provider', rule: 'coupon_pool:cart-10:not_found' }),
    ]);
  });

  it('the next order with the sent code is attributed to the journey and action; its refund voids it', async () => {
    const w = dispatchWorld({
      deps: { render: async ({ coupon }) => ({ subject: 'A gift', text: `Your code: ${coupon?.code}` }) },
    });
    await w.customer('c1');
    await createPool(w, tenantId, { id: 'cart-10', kind: 'uploaded', value: { type: 'percent', percent: 10 } });
    await uploadCodes(w, { tenantId, poolId: 'cart-10', codes: ['WELCOME-A', 'WELCOME-B'] });
    await w.dispatch({ records: [deliveryOf(couponAction(1))] });
    const code = (w.calls[0] as OutgoingMessage & { text: string }).text.replace('Your code: ', '');

    const fold = createFoldProfiles({ ...w.deps, log: silentLog });
    const order = testEvent(tenantId, 'order_placed', 'c1', T0 + 3_600_000, {
      orderId: 'o-1',
      total: { amount: 4500, currency: 'EUR' },
      discountCodes: [code.toLowerCase()],
    });
    const refund = testEvent(tenantId, 'refund', 'c1', T0 + 7_200_000, {
      orderId: 'o-1',
      refundId: 'r-1',
      amount: { amount: 4500, currency: 'EUR' },
    });
    for (const event of [order, order, refund])
      expect(await fold({ records: [busDelivery(event, T0)] })).toEqual({ failedIds: [] });
    const told = w.bus.events.filter((e) => e.source === INCENTIVES_SOURCE);
    expect(told.map((e) => e.detailType)).toEqual(['coupon.redeemed', 'coupon.redeemed', 'coupon.voided']);
    expect(told[0]?.detail).toMatchObject({
      code,
      journeyId: 'cart',
      actionKey: `${tenantId}:cart:1`,
      orderId: 'o-1',
      customerId: 'c1',
    });
  });
});
