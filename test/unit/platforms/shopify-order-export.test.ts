import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CanonicalEventInput } from '../../../functions/core/events/schemas';
import { shopifyCustomerIds, shopifyOrderExportEvents } from '../../../functions/platforms/shopify-order-export';

const FIXTURES = join(import.meta.dirname, '../../fixtures/exports');
const orders = readFileSync(join(FIXTURES, 'shopify-orders-export.csv'), 'utf8');
const customers = readFileSync(join(FIXTURES, 'shopify-customers-export.csv'), 'utf8');

describe('Shopify orders export', () => {
  const { events, skipped, problems } = shopifyOrderExportEvents(orders);

  it('maps each order once, on its first row, with the ids the webhooks give it', () => {
    for (const { event } of events) expect(CanonicalEventInput.safeParse(event).success).toBe(true);
    expect(events.map(({ line, event }) => [line, event.type, event.eventId, event.customerId])).toEqual([
      [2, 'order_placed', 'shopify:order:5910368682041:placed', 'email:anna.schmidt@example.com'],
      [2, 'consent_changed', 'shopify:order:5910368682041:placed:consent:email', 'email:anna.schmidt@example.com'],
      // The note of line 2 spans two lines, so the second line item is line 4.
      [5, 'order_placed', 'shopify:order:5910368682042:placed', 'email:anna.schmidt@example.com'],
      [5, 'consent_changed', 'shopify:order:5910368682042:placed:consent:email', 'email:anna.schmidt@example.com'],
      [5, 'order_cancelled', 'shopify:order:5910368682042:cancelled', 'email:anna.schmidt@example.com'],
      [5, 'refund', 'shopify:order:5910368682042:export-refund', 'email:anna.schmidt@example.com'],
      [6, 'order_placed', 'shopify:order:5910368682043:placed', 'email:ken@example.jp'],
      [9, 'order_placed', 'shopify:order:5910368682046:placed', 'email:li.wei@example.cn'],
      [9, 'consent_changed', 'shopify:order:5910368682046:placed:consent:email', 'email:li.wei@example.cn'],
    ]);
  });

  it('reads money in the order currency and times with their offsets', () => {
    const [first, consent, , , cancelled, refund, yen] = events.map((e) => e.event);
    expect(first).toMatchObject({
      occurredAt: '2025-03-02T09:15:30.000Z',
      source: 'shopify',
      properties: {
        orderId: '5910368682041',
        total: { amount: 9480, currency: 'EUR' },
        discount: { amount: 1000, currency: 'EUR' },
        discountCodes: ['WELCOME10'],
        placedAt: '2025-03-02T09:15:30.000Z',
      },
    });
    expect(consent?.properties).toEqual({ channel: 'email', granted: true });
    expect(cancelled?.occurredAt).toBe('2025-04-12T07:00:00.000Z');
    expect(refund?.properties).toMatchObject({ amount: { amount: 5990, currency: 'EUR' } });
    expect(yen?.properties).toMatchObject({ total: { amount: 5400, currency: 'JPY' } });
  });

  it('leaves out an order without an e-mail and names an unreadable one', () => {
    expect(skipped).toEqual([{ line: 7, message: 'order #1004 has no e-mail to attribute it to' }]);
    expect(problems).toEqual([
      { line: 8, message: 'order #1005: Total: the amount 12.505 has more than 2 decimal places, the most CNY allows' },
    ]);
  });

  it("attributes orders to the customers export's Shopify ids where it knows the e-mail", () => {
    const ids = shopifyCustomerIds(customers);
    expect(ids).toEqual(new Map([['ken@example.jp', '7254678093903']]));
    const mapped = shopifyOrderExportEvents(orders, ids).events.map((e) => e.event.customerId);
    expect(mapped).toContain('7254678093903');
    expect(mapped).not.toContain('email:ken@example.jp');
  });

  it('refuses a file that is not the export', () => {
    expect(shopifyOrderExportEvents('a,b\n1,2\n').problems[0]?.message).toMatch(/not a Shopify orders export/);
    expect(() => shopifyCustomerIds(orders)).toThrow(/not a Shopify customers export/);
  });
});
