import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CanonicalEventInput } from '../../../functions/core/events/schemas';
import { wooCommerceOrderExportEvents } from '../../../functions/platforms/woocommerce-order-export';

const orders = readFileSync(join(import.meta.dirname, '../../fixtures/exports/woocommerce-orders-export.csv'), 'utf8');

describe('WooCommerce order export', () => {
  const { events, skipped, problems } = wooCommerceOrderExportEvents(orders, 'Europe/Berlin');

  it('maps each order once, with the ids and customers the webhooks give it', () => {
    for (const { event } of events) expect(CanonicalEventInput.safeParse(event).success).toBe(true);
    expect(events.map(({ line, event }) => [line, event.type, event.eventId, event.customerId])).toEqual([
      [2, 'order_placed', 'woocommerce:order:1201:placed', '17'],
      // The note of line 2 spans two lines.
      [4, 'order_placed', 'woocommerce:order:1202:placed', 'email:li.wei@example.cn'],
      [4, 'order_cancelled', 'woocommerce:order:1202:export-cancelled', 'email:li.wei@example.cn'],
      // Its second item's row (line 6) repeats the order: read once.
      [5, 'order_placed', 'woocommerce:order:1203:placed', '17'],
      [5, 'refund', 'woocommerce:order:1203:export-refund', '17'],
      [10, 'order_placed', 'woocommerce:order:1207:placed', '31'],
    ]);
  });

  it("reads order_date in the store's time zone, DST included, and money in the order currency", () => {
    const [winter, summer, , fallBack, refund, yen] = events.map((e) => e.event);
    expect(winter).toMatchObject({
      occurredAt: '2025-01-15T13:30:05.000Z',
      source: 'woocommerce',
      properties: {
        orderId: '1201',
        total: { amount: 5200, currency: 'EUR' },
        discount: { amount: 1000, currency: 'EUR' },
        discountCodes: ['WELCOME10'],
        placedAt: '2025-01-15T13:30:05.000Z',
      },
    });
    expect(summer?.occurredAt).toBe('2025-07-01T07:00:00.000Z');
    // 02:30 happens twice on 2025-10-26 in Berlin: the first, still in summer time.
    expect(fallBack).toMatchObject({
      occurredAt: '2025-10-26T00:30:00.000Z',
      properties: { discountCodes: ['AUTUMN', 'FREESHIP'], total: { amount: 8000, currency: 'EUR' } },
    });
    expect(refund?.properties).toEqual({
      orderId: '1203',
      refundId: '1203-export',
      amount: { amount: 2550, currency: 'EUR' },
    });
    expect(yen?.properties).toMatchObject({ total: { amount: 4800, currency: 'JPY' } });
    expect(wooCommerceOrderExportEvents(orders, 'Asia/Shanghai').events[0]?.event.occurredAt).toBe(
      '2025-01-15T06:30:05.000Z',
    );
  });

  it('leaves out drafts and guests without an e-mail, and names the rows it cannot read', () => {
    expect(skipped).toEqual([
      { line: 7, message: 'order 1204 is a checkout draft, not a placed order' },
      { line: 8, message: 'guest order 1205 has no billing e-mail to attribute it to' },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 9 });
    expect(problems[0]?.message).toMatch(/^order 1206: order_total: /);
  });

  it('refuses a file that is not the export, and dates it cannot read', () => {
    expect(wooCommerceOrderExportEvents('Name,Email\n#1,a@b.c\n', 'Europe/Berlin').problems).toEqual([
      {
        line: 1,
        message: 'not a WooCommerce order export (order_id, order_date, status, order_total, billing_email)',
      },
    ]);
    const header = 'order_id,order_date,status,order_total,order_currency,billing_email,customer_id';
    const bad = wooCommerceOrderExportEvents(
      `${header}\n7,15/01/2025 14:30,completed,10.00,EUR,a@b.c,0\n8,2025-01-15 14:30,completed,10.00,euro,a@b.c,0\nx,2025-01-15 14:30,completed,1,EUR,a@b.c,0\n`,
      'Europe/Berlin',
    );
    expect(bad.events).toEqual([]);
    expect(bad.problems.map((p) => p.message)).toEqual([
      'order 7: order_date "15/01/2025 14:30" is not a time',
      'order 8: order_currency "euro" is not an ISO 4217 code',
      'order x: order_id "x" is not an order number',
    ]);
  });
});
