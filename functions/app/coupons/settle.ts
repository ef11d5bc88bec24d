// Coupons meet orders: an order that names issued codes redeems them (attributed to the action
// and journey that gave them), a refund or cancellation of it voids them; each is told on the bus
// (`coupon.redeemed`, `coupon.voided`) and counted in the journey's stats. Both are idempotent, so
// events folded again change nothing; their bus events may repeat, named by code and order.
import type { CanonicalEvent } from '../../core/events/schemas';
import { statsKey } from '../../core/journeys/items';
import type { Bus, BusEvent } from '../../ports';
import { INCENTIVES_SOURCE } from '../../routes';
import type { PoolDeps } from './pools';
import {
  type OrderEvent,
  type RedemptionOutcome,
  redeemCoupons,
  type VoidingEvent,
  type VoidOutcome,
  voidCoupons,
} from './redeem';

const namesCodes = (event: CanonicalEvent): event is OrderEvent =>
  (event.type === 'order_placed' || event.type === 'order_updated') &&
  (event.properties.discountCodes?.length ?? 0) > 0;
const voids = (event: CanonicalEvent): event is VoidingEvent =>
  event.type === 'refund' || event.type === 'order_cancelled';

export async function settleCoupons(deps: PoolDeps & { bus: Bus }, events: readonly CanonicalEvent[]): Promise<void> {
  const told: BusEvent[] = [];
  const counted: Promise<unknown>[] = [];
  const tell = (
    event: CanonicalEvent,
    detailType: 'coupon.redeemed' | 'coupon.voided',
    outcome: RedemptionOutcome | VoidOutcome,
  ) => {
    if (outcome.status !== 'redeemed' && outcome.status !== 'voided') return;
    const { attribution } = outcome;
    told.push({
      source: INCENTIVES_SOURCE,
      detailType,
      detail: { tenantId: event.tenantId, at: event.occurredAt, ...attribution },
    });
    // Counted when first settled only: a replayed order was counted the first time.
    if (!outcome.replayed && attribution.journeyId !== undefined)
      counted.push(
        deps.store.increment(statsKey(event.tenantId, attribution.journeyId), {
          [detailType === 'coupon.redeemed' ? 'coupons_redeemed' : 'coupons_voided']: 1,
        }),
      );
  };
  for (const event of events) {
    if (namesCodes(event))
      for (const outcome of await redeemCoupons(deps, event)) tell(event, 'coupon.redeemed', outcome);
    else if (voids(event)) for (const outcome of await voidCoupons(deps, event)) tell(event, 'coupon.voided', outcome);
  }
  await Promise.all(counted);
  if (told.length > 0) await deps.bus.put(told);
}
