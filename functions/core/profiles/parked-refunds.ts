import { z } from 'zod';
import type { Item } from '../../ports';
import type { EventOf } from '../events/schemas';
import { decodeItem, ItemKey } from '../stored-item';
import { orderIndexKey } from './items';

/** A refund as its platform reports it: every field of its event but the customer, which only its order names. */
export type OrphanRefund = Omit<EventOf<'refund'>, 'customerId'>;

export const PARKED_REFUND_PREFIX = 'PARKED#';

/**
 * `<tenant>#ORDER#<orderId>` / `PARKED#<refundId>`: a refund whose order had not been reported
 * when it arrived, beside the order's index item, until the order's customer is known. It holds
 * no personal data (ids, an amount and a time).
 */
export function parkedRefundItem(refund: OrphanRefund): Item {
  const { pk } = orderIndexKey(refund.tenantId, refund.properties.orderId);
  return { pk, sk: `${PARKED_REFUND_PREFIX}${refund.properties.refundId ?? refund.eventId}`, refund };
}

export const ParkedRefundItem = z.looseObject({
  ...ItemKey,
  refund: z.looseObject({
    type: z.literal('refund'),
    tenantId: z.string().min(1),
    eventId: z.string().min(1),
    occurredAt: z.string(),
    source: z.string(),
    properties: z.looseObject({
      orderId: z.string().min(1),
      refundId: z.string().optional(),
      amount: z.looseObject({ amount: z.number(), currency: z.string() }),
    }),
  }),
});

/** The refund event of a parked refund, now that its order's customer is known. */
export function releasedRefund(item: Item, customerId: string): EventOf<'refund'> {
  const { refund } = decodeItem(ParkedRefundItem, item);
  return { ...(refund as OrphanRefund), customerId };
}
