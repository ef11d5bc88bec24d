// The coupon of a coupon action: issued once per action key (a redelivery gets the same code),
// refused as `budget` when its pool is exhausted, over budget or expired.
import type { ActionMessage } from '../../contracts/messages';
import { messageCoupon } from '../../core/incentives/coupon-pool';
import type { AppPorts } from '../common/ports';
import { issueCoupon } from '../coupons/issue';
import { CouponPoolNotFoundError } from '../coupons/pools';
import type { CouponIssue } from './run';

export function createCouponIssuer(deps: Pick<AppPorts, 'store' | 'clock'>) {
  return async function issue(message: ActionMessage & { action: { kind: 'coupon' } }): Promise<CouponIssue> {
    const { pool, expiresIn } = message.action;
    try {
      const issued = await issueCoupon(deps, {
        tenantId: message.tenantId,
        poolId: pool,
        actionKey: message.key,
        customerId: message.customerId,
        journeyId: message.journeyId,
        ...(message.campaignId !== undefined ? { campaignId: message.campaignId } : {}),
        ...(expiresIn ? { expiresIn } : {}),
      });
      if (!issued.ok) return { ok: false, skip: { reason: 'budget', rule: `coupon_pool:${pool}:${issued.reason}` } };
      return { ok: true, coupon: messageCoupon(issued) };
    } catch (e) {
      if (e instanceof CouponPoolNotFoundError)
        return { ok: false, skip: { reason: 'provider', rule: `coupon_pool:${pool}:not_found` } };
      throw e;
    }
  };
}
