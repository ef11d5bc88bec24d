// Coupons meet orders: an order that names issued codes redeems them (attributed to the action
// and journey that gave them), a refund or cancellation of it voids them; each is told on the bus
// (`coupon.redeemed`, `coupon.voided`). Both are idempotent, so events folded again change nothing;
// their bus events may repeat, named by code and order.
import type { CanonicalEvent } from '../../core/events/schemas';
import type { Bus, BusEvent } from '../../ports';
import { INCENTIVES_SOURCE } from '../../routes';
import type { PoolDeps } from './pools';
import { type OrderEvent, redeemCoupons, type VoidingEvent, voidCoupons } from './redeem';

const namesCodes = (event: CanonicalEvent): event is OrderEvent =>
  (event.type === 'order_placed' || event.type === 'order_updated') &&
  (event.properties.discountCodes?.length ?? 0) > 0;
const voids = (event: CanonicalEvent): event is VoidingEvent =>
  event.type === 'refund' || event.type === 'order_cancelled';

export async function settleCoupons(deps: PoolDeps & { bus: Bus }, events: readonly CanonicalEvent[]): Promise<void> {
  const told: BusEvent[] = [];
  for (const event of events) {
    if (namesCodes(event)) {
      for (const outcome of await redeemCoupons(deps, event))
        if (outcome.status === 'redeemed')
          told.push({
            source: INCENTIVES_SOURCE,
            detailType: 'coupon.redeemed',
            detail: { tenantId: event.tenantId, at: event.occurredAt, ...outcome.attribution },
          });
    } else if (voids(event)) {
      for (const outcome of await voidCoupons(deps, event))
        told.push({
          source: INCENTIVES_SOURCE,
          detailType: 'coupon.voided',
          detail: { tenantId: event.tenantId, at: event.occurredAt, ...outcome.attribution },
        });
    }
  }
  if (told.length > 0) await deps.bus.put(told);
}
