import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CanonicalEventInput } from '../../../functions/core/events/schemas';
import { parseJsonPreservingBigInts } from '../../../functions/platforms/json';
import {
  checkShopifyPayload,
  normalizeShopify,
  SHOPIFY_TOPICS,
  type ShopifyInput,
  verifyShopifyHmac,
} from '../../../functions/platforms/shopify';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/shopify/${name}.json`, import.meta.url));
const body = (name: string): Record<string, unknown> =>
  parseJsonPreservingBigInts(fixture(name).toString('utf8')) as Record<string, unknown>;
const normalize = (topic: string, b: unknown, extra: Partial<ShopifyInput> = {}) =>
  normalizeShopify({ topic, body: b, tenantId: 'shop-1', ...extra });
const eventsOf = (result: ReturnType<typeof normalizeShopify>) => {
  if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
  return result.events;
};

/**
 * The topics that map to events, each with a published sample of its body. Shopify's docs publish one
 * Order body for all four order topics (a cancelled order: cancelled_at is set), so orders/cancelled
 * uses the orders/create file.
 */
const EVENT_SAMPLES: [topic: string, file: string][] = [
  ['orders/create', 'orders__create'],
  ['orders/paid', 'orders__paid'],
  ['orders/updated', 'orders__updated'],
  ['orders/cancelled', 'orders__create'],
  ['refunds/create', 'refunds__create'],
  ['customers/create', 'customers__create'],
  ['customers/create', 'customers__create.api-2024-07'],
  ['customers/update', 'customers__update'],
  ['checkouts/create', 'checkouts__create'],
  ['checkouts/update', 'checkouts__update'],
];
const ORDER_ID = '820982911946154508';
const CUSTOMER = '115310627314723954';
const T0 = '2022-01-01T00:00:00.000Z'; // 2021-12-31T19:00:00-05:00
const USD = (amount: number) => ({ amount, currency: 'USD' });
const orderState = {
  orderId: ORDER_ID,
  total: USD(40495),
  discount: USD(2000),
  discountCodes: [],
  items: [
    { productId: '788032119674292900', quantity: 1, price: USD(8999) },
    { productId: '788032119674292900', quantity: 1, price: USD(15999) },
    { productId: '788032119674292900', quantity: 1, price: USD(11999) },
  ],
  placedAt: T0,
  updatedAt: T0,
};
const envelope = { tenantId: 'shop-1', customerId: CUSTOMER, source: 'shopify', occurredAt: T0 };

describe('verifying a Shopify webhook signature', () => {
  const raw = fixture('orders__create');
  const signature = 'RhRYpkds8WnHZse4JYdi8GvNKeLLSF0z7CQYHN55wxk=';

  it('accepts the documented HMAC of the exact body bytes', () => {
    expect(raw.length).toBe(14891);
    expect(verifyShopifyHmac(raw, signature, ['test_secret'])).toBe(true);
  });

  it('accepts the previous secret while a rotation lists both', () => {
    expect(verifyShopifyHmac(raw, signature, ['new_secret', 'test_secret'])).toBe(true);
    const signedWithNew = createHmac('sha256', 'new_secret').update(raw).digest('base64');
    expect(verifyShopifyHmac(raw, signedWithNew, ['new_secret', 'test_secret'])).toBe(true);
  });

  it('refuses a wrong secret, a missing or malformed header and a body altered by one byte', () => {
    expect(verifyShopifyHmac(raw, signature, ['wrong_secret'])).toBe(false);
    expect(verifyShopifyHmac(raw, signature, [])).toBe(false);
    expect(verifyShopifyHmac(raw, signature, [''])).toBe(false);
    expect(verifyShopifyHmac(raw, undefined, ['test_secret'])).toBe(false);
    expect(verifyShopifyHmac(raw, '', ['test_secret'])).toBe(false);
    expect(verifyShopifyHmac(raw, signature.slice(0, -4), ['test_secret'])).toBe(false);
    expect(verifyShopifyHmac(raw, `${signature}AAAA`, ['test_secret'])).toBe(false);
    expect(verifyShopifyHmac(raw, signature.replace('R', '*'), ['test_secret'])).toBe(false);
    expect(verifyShopifyHmac(raw, createHmac('sha256', 'test_secret').update(raw).digest('hex'), ['test_secret'])).toBe(
      false,
    );
    const altered = Buffer.from(raw);
    altered[100] = (altered[100] as number) ^ 1;
    expect(verifyShopifyHmac(altered, signature, ['test_secret'])).toBe(false);
  });
});

describe('parsing Shopify JSON', () => {
  it('keeps ids beyond 2^53 exact as decimal strings and leaves other values alone', () => {
    expect(parseJsonPreservingBigInts('{"id":820982911946154508,"n":42,"x":1.5,"s":"820982911946154508"}')).toEqual({
      id: '820982911946154508',
      n: 42,
      x: 1.5,
      s: '820982911946154508',
    });
    expect(parseJsonPreservingBigInts('[9007199254740991, 9007199254740993, -9007199254740993]')).toEqual([
      9007199254740991,
      '9007199254740993',
      '-9007199254740993',
    ]);
    expect(parseJsonPreservingBigInts('12345678901234567890')).toBe('12345678901234567890');
  });

  it('is not fooled by long digit runs inside strings', () => {
    const text = '{"note":"a:12345678901234567890,b","id":12345678901234567890}';
    expect(parseJsonPreservingBigInts(text)).toEqual({ note: 'a:12345678901234567890,b', id: '12345678901234567890' });
  });

  it('throws a SyntaxError on invalid JSON, leading zeros included', () => {
    expect(() => parseJsonPreservingBigInts('{"id":')).toThrow(SyntaxError);
    expect(() => parseJsonPreservingBigInts('{"id":012345678901234567890}')).toThrow(SyntaxError);
  });

  it('reads the sample order ids as published, not as rounded floats', () => {
    const order = body('orders__create');
    expect(order.id).toBe('820982911946154500');
    expect((order.customer as Record<string, unknown>).id).toBe('115310627314723950');
    expect(order.number).toBe(234);
  });
});

describe('normalizing Shopify webhooks', () => {
  it('maps orders/create to order_placed in shop minor units, with the email consent the buyer gave', () => {
    expect(eventsOf(normalize('orders/create', body('orders__create')))).toEqual([
      {
        ...envelope,
        type: 'order_placed',
        eventId: `shopify:order:${ORDER_ID}:placed`,
        properties: orderState,
      },
      {
        ...envelope,
        type: 'consent_changed',
        eventId: `shopify:order:${ORDER_ID}:placed:consent:email`,
        properties: { channel: 'email', granted: true },
      },
    ]);
  });

  it('maps orders/paid to order_paid and orders/updated to an order_updated keyed by updated_at', () => {
    const [paid] = eventsOf(normalize('orders/paid', body('orders__paid')));
    expect(paid).toEqual({
      ...envelope,
      type: 'order_paid',
      eventId: `shopify:order:${ORDER_ID}:paid`,
      properties: { orderId: ORDER_ID, total: USD(40495) },
    });
    const [updated] = eventsOf(normalize('orders/updated', body('orders__updated')));
    expect(updated).toEqual({
      ...envelope,
      type: 'order_updated',
      eventId: `shopify:order:${ORDER_ID}:updated:${T0}`,
      properties: orderState,
    });
  });

  it('carries the discount codes of orders/create and orders/updated, trimmed and once each', () => {
    // The published sample order has no discount code; a real one lists them as {code, amount, type}.
    const discount_codes = [
      { code: 'WB-ACDE7K', amount: '20.00', type: 'fixed_amount' },
      { code: ' WB-ACDE7K ', amount: '0.00', type: 'fixed_amount' },
      { code: 'FREESHIP', amount: '0.00', type: 'shipping' },
      { code: null, amount: '0.00', type: 'percentage' },
    ];
    expect(body('orders__create').discount_codes).toEqual([]);
    for (const [topic, file] of [
      ['orders/create', 'orders__create'],
      ['orders/updated', 'orders__updated'],
    ] as const) {
      const [event] = eventsOf(normalize(topic, { ...body(file), discount_codes }));
      expect(event?.properties).toMatchObject({ orderId: ORDER_ID, discountCodes: ['WB-ACDE7K', 'FREESHIP'] });
      expect(CanonicalEventInput.safeParse(event).success).toBe(true);
    }
  });

  it('maps orders/cancelled (the same Order object) to order_cancelled at cancelled_at', () => {
    const order = { ...body('orders__create'), cancelled_at: '2022-01-02T10:30:00+01:00' };
    const [cancelled] = eventsOf(normalize('orders/cancelled', order));
    expect(cancelled).toMatchObject({
      type: 'order_cancelled',
      eventId: `shopify:order:${ORDER_ID}:cancelled`,
      occurredAt: '2022-01-02T09:30:00.000Z',
      properties: { orderId: ORDER_ID, total: USD(40495), placedAt: T0 },
    });
  });

  it('gives a redelivered or re-subscribed order the same event ids', () => {
    const first = eventsOf(normalize('orders/create', body('orders__create'), { webhookId: 'w1', eventId: 'e1' }));
    const again = eventsOf(normalize('orders/create', body('orders__create'), { webhookId: 'w2', eventId: 'e2' }));
    expect(again.map((e) => e.eventId)).toEqual(first.map((e) => e.eventId));
  });

  it('carries the presentment total when the buyer paid in another currency', () => {
    const order = body('orders__create');
    order.total_price_set = {
      shop_money: { amount: '404.95', currency_code: 'USD' },
      presentment_money: { amount: '60000', currency_code: 'JPY' },
    };
    const [placed] = eventsOf(normalize('orders/create', order));
    expect(placed?.properties).toMatchObject({
      total: USD(40495),
      presentmentTotal: { amount: 60000, currency: 'JPY' },
    });
  });

  it('ignores an order without a customer and reports a malformed amount with its path', () => {
    const guest = { ...body('orders__create'), customer: null };
    expect(normalize('orders/create', guest)).toEqual({
      kind: 'ignored',
      reason: `order ${ORDER_ID} has no customer to attribute it to`,
    });
    const bad = {
      ...body('orders__create'),
      total_price_set: { shop_money: { amount: '1.2.3', currency_code: 'USD' } },
    };
    expect(normalize('orders/create', bad)).toMatchObject({
      kind: 'rejected',
      rejection: { status: 400, body: { error: 'invalid_payload', path: '$.total_price_set.shop_money' } },
    });
  });

  it('takes order consent from the customer record when it has one, including an opt-out', () => {
    const order = body('orders__create');
    order.customer = {
      ...(order.customer as object),
      email_marketing_consent: { state: 'unsubscribed', consent_updated_at: '2021-12-30T12:00:00Z' },
      sms_marketing_consent: { state: 'subscribed', consent_updated_at: null },
    };
    const consents = eventsOf(normalize('orders/create', order)).filter((e) => e.type === 'consent_changed');
    expect(consents.map((e) => [e.properties, e.occurredAt])).toEqual([
      [{ channel: 'email', granted: false }, '2021-12-30T12:00:00.000Z'],
      [{ channel: 'sms', granted: true }, T0],
    ]);
  });

  it('maps refunds/create to a refund of the successful refund transactions, for the known customer', () => {
    expect(normalize('refunds/create', body('refunds__create'))).toMatchObject({
      kind: 'orphan_refund',
      refund: { eventId: 'shopify:refund:890088186047892319', properties: { amount: USD(8500) } },
    });
    expect(eventsOf(normalize('refunds/create', body('refunds__create'), { orderCustomerId: CUSTOMER }))).toEqual([
      {
        ...envelope,
        type: 'refund',
        eventId: 'shopify:refund:890088186047892319',
        // The sample's order_id was rounded by its publisher (the order's gid ends in ...508).
        properties: { orderId: '820982911946154500', refundId: '890088186047892319', amount: USD(8500) },
      },
    ]);
  });

  it('falls back to the refunded lines when a refund has no successful transaction', () => {
    const refund = { ...body('refunds__create'), transactions: [] };
    const [event] = eventsOf(normalize('refunds/create', refund, { orderCustomerId: CUSTOMER }));
    expect(event?.properties).toMatchObject({ amount: USD(41495) });
  });

  it('maps customers/create and customers/update to identify with minimal traits', () => {
    for (const topic of ['customers/create', 'customers/update']) {
      const file = topic.replace('/', '__');
      expect(eventsOf(normalize(topic, body(file)))).toEqual([
        {
          ...envelope,
          customerId: '706405506930370084',
          type: 'identify',
          eventId: `shopify:customer:706405506930370084:${T0}`,
          properties: {
            traits: {
              first_name: 'Bob',
              last_name: 'Biller',
              email: 'bob@biller.com',
              phone: null,
              state: 'disabled',
              currency: 'USD',
            },
          },
        },
      ]);
    }
  });

  it('reads older customer payloads: tags, null consents give nothing, accepts_marketing gives email consent', () => {
    const older = body('customers__create.api-2024-07');
    const events = eventsOf(normalize('customers/create', older));
    expect(events).toHaveLength(1);
    expect(events[0]?.properties).toMatchObject({ traits: { tags: '' } });
    const legacy = { ...older, email_marketing_consent: undefined, accepts_marketing: true, timezone: 'Europe/Paris' };
    const [identify, consent] = eventsOf(normalize('customers/update', legacy));
    expect(identify?.properties).toMatchObject({ timezone: 'Europe/Paris' });
    expect(consent).toMatchObject({
      type: 'consent_changed',
      eventId: `shopify:customer:706405506930370084:${T0}:consent:email`,
      properties: { channel: 'email', granted: true },
    });
    const notIana = eventsOf(normalize('customers/update', { ...older, timezone: '(GMT-05:00) Eastern Time' }));
    expect(notIana[0]?.properties).not.toHaveProperty('timezone');
  });

  it('maps checkouts/create and checkouts/update to the same checkout_started', () => {
    const expected = {
      ...envelope,
      customerId: '603851970716743426',
      type: 'checkout_started',
      eventId: `shopify:checkout:123123123:${T0}`,
      properties: { checkoutId: '123123123', value: USD(42188), itemCount: 2 },
    };
    expect(eventsOf(normalize('checkouts/create', body('checkouts__create')))).toEqual([expected]);
    expect(eventsOf(normalize('checkouts/update', body('checkouts__update')))).toEqual([expected]);
    const accepted = { ...body('checkouts__create'), buyer_accepts_marketing: true };
    expect(eventsOf(normalize('checkouts/update', accepted))[1]).toMatchObject({
      type: 'consent_changed',
      properties: { channel: 'email', granted: true },
    });
    expect(normalize('checkouts/create', { ...body('checkouts__create'), customer: null })).toMatchObject({
      kind: 'ignored',
    });
  });

  it('turns compliance topics into privacy requests and app/uninstalled into uninstalled', () => {
    expect(normalize('customers/data_request', body('customers__data_request'))).toEqual({
      kind: 'privacy',
      request: {
        type: 'customer_data_request',
        shopDomain: '{shop}.myshopify.com',
        customerId: '191167',
        email: 'john@example.com',
        phone: '555-625-1199',
        ordersRequested: ['299938', '280263', '220458'],
        dataRequestId: '9999',
      },
    });
    expect(normalize('customers/redact', body('customers__redact'))).toMatchObject({
      kind: 'privacy',
      request: { type: 'customer_redact', customerId: '191167', ordersRequested: ['299938', '280263', '220458'] },
    });
    expect(normalize('shop/redact', body('shop__redact'))).toEqual({
      kind: 'privacy',
      request: { type: 'shop_redact', shopDomain: '{shop}.myshopify.com' },
    });
    expect(normalize('app/uninstalled', body('app__uninstalled'))).toEqual({ kind: 'uninstalled' });
  });

  it('ignores unmapped topics and refuses a body that is not an object', () => {
    expect(normalize('products/create', {})).toEqual({
      kind: 'ignored',
      reason: 'the Shopify topic "products/create" is not mapped',
    });
    expect(normalize('orders/create', [])).toEqual({
      kind: 'rejected',
      rejection: { status: 400, body: { error: 'invalid_body', message: 'the body must be a JSON object', path: '$' } },
    });
  });

  it('emits only events the canonical schema accepts, for every fixture', () => {
    for (const [topic, file] of EVENT_SAMPLES) {
      const events = eventsOf(normalize(topic, body(file), { orderCustomerId: CUSTOMER }));
      expect(events.length, file).toBeGreaterThan(0);
      for (const event of events) {
        const parsed = CanonicalEventInput.safeParse(event);
        expect(parsed.success ? 'ok' : parsed.error.issues, `${topic} ${event.type}`).toBe('ok');
      }
    }
  });
});

describe('a Shopify body sent under another topic (the signature covers the body, not X-Shopify-Topic)', () => {
  // Every used topic with a published sample of its body.
  const samples: [topic: string, file: string][] = [
    ...EVENT_SAMPLES,
    ['app/uninstalled', 'app__uninstalled'],
    ['customers/data_request', 'customers__data_request'],
    ['customers/redact', 'customers__redact'],
    ['shop/redact', 'shop__redact'],
  ];
  // The only pairs allowed to pass each other's schema: Shopify sends the same resource under these topics.
  const sameShape = [
    // The Order object, whole, on every change; a cancelled order (cancelled_at set) is also a valid
    // create/paid/updated body, while a live order is not a cancellation (tested below).
    ['orders/create', 'orders/paid', 'orders/updated', 'orders/cancelled'],
    // The Customer object; the docs publish one body for both.
    ['customers/create', 'customers/update'],
    // The abandoned checkout; the two samples differ only in line-item keys and location ids.
    ['checkouts/create', 'checkouts/update'],
  ];
  const alike = (a: string, b: string) => sameShape.some((group) => group.includes(a) && group.includes(b));
  const pairs = samples.flatMap(([from, file]) =>
    SHOPIFY_TOPICS.filter((to) => to !== from).map((to) => ({ from, file, to, alike: alike(from, to) })),
  );

  it('covers every topic used, each with a sample body', () => {
    expect([...SHOPIFY_TOPICS].sort()).toEqual([...new Set(samples.map(([topic]) => topic))].sort());
    expect(pairs).toHaveLength(14 * 12);
    expect(pairs.filter((p) => p.alike)).toHaveLength(4 * 3 + 3 * 1 + 2 * 1);
  });

  it.each(pairs.filter((p) => !p.alike))(
    'refuses the $file body ($from) sent as $to: topic_mismatch',
    ({ file, to }) => {
      const result = normalize(to, body(file), { orderCustomerId: CUSTOMER });
      expect(result).toMatchObject({ kind: 'rejected', rejection: { status: 400, body: { error: 'topic_mismatch' } } });
      const refusal = (result as Extract<typeof result, { kind: 'rejected' }>).rejection.body;
      expect(refusal.path).toMatch(/^\$\.[a-z_]+$/);
      expect(refusal.message).toBe(`${refusal.path}: ${refusal.message.slice(refusal.path!.length + 2)}`);
      expect(refusal.message).toContain(`the body is not the payload of ${to}`);
      expect(checkShopifyPayload(to, body(file))).toEqual(result as Extract<typeof result, { kind: 'rejected' }>);
    },
  );

  it.each(pairs.filter((p) => p.alike))('accepts the $file body ($from) as $to: the same resource', ({ file, to }) => {
    expect(checkShopifyPayload(to, body(file))).toBeUndefined();
    expect(normalize(to, body(file), { orderCustomerId: CUSTOMER }).kind).toBe('events');
  });

  it('does not erase a customer or a shop on an order body: the swap of the issue', () => {
    for (const topic of ['customers/redact', 'shop/redact', 'customers/data_request']) {
      expect(normalize(topic, body('orders__create'))).toEqual({
        kind: 'rejected',
        rejection: {
          status: 400,
          body: {
            error: 'topic_mismatch',
            message: `$.financial_status: is a key of an order; the body is not the payload of ${topic}`,
            path: '$.financial_status',
          },
        },
      });
    }
  });

  it('does not erase the whole shop on a customers/redact or data_request body sent as shop/redact', () => {
    for (const file of ['customers__redact', 'customers__data_request']) {
      expect(normalize('shop/redact', body(file))).toMatchObject({
        kind: 'rejected',
        rejection: {
          status: 400,
          body: {
            error: 'topic_mismatch',
            message: '$.customer: is a key of a customer’s privacy request; the body is not the payload of shop/redact',
            path: '$.customer',
          },
        },
      });
    }
  });

  it('does not cancel a live order: orders/cancelled needs the time it was cancelled', () => {
    const live = { ...body('orders__create'), cancelled_at: null, cancel_reason: null };
    expect(normalize('orders/create', live).kind).toBe('events');
    expect(normalize('orders/cancelled', live)).toMatchObject({
      kind: 'rejected',
      rejection: { status: 400, body: { error: 'topic_mismatch', path: '$.cancelled_at' } },
    });
  });

  it('refuses a privacy request whose customer or order ids are not Shopify ids', () => {
    const redact = body('customers__redact');
    expect(normalize('customers/redact', { ...redact, customer: { email: 'john@example.com' } })).toMatchObject({
      rejection: { status: 400, body: { error: 'topic_mismatch', path: '$.customer.id' } },
    });
    expect(normalize('customers/redact', { ...redact, orders_to_redact: ['#1001'] })).toMatchObject({
      rejection: { status: 400, body: { error: 'topic_mismatch', path: '$.orders_to_redact[0]' } },
    });
  });

  it('tells a malformed body of the right kind (invalid_payload) from another topic’s body', () => {
    const order = body('orders__create');
    const lines = order.line_items as Record<string, unknown>[];
    const bad = { ...order, line_items: [{ ...lines[0], quantity: '1' }] };
    expect(normalize('orders/create', bad)).toMatchObject({
      kind: 'rejected',
      rejection: { status: 400, body: { error: 'invalid_payload', path: '$.line_items[0].quantity' } },
    });
    expect(normalize('refunds/create', { ...body('refunds__create'), transactions: 'none' })).toMatchObject({
      rejection: { status: 400, body: { error: 'invalid_payload', path: '$.transactions' } },
    });
    expect(normalize('app/uninstalled', { ...body('app__uninstalled'), id: 'Super Toys' })).toMatchObject({
      rejection: { status: 400, body: { error: 'invalid_payload', path: '$.id' } },
    });
  });

  it('checks only the topics it uses, and never looks a topic up on an object prototype', () => {
    expect(checkShopifyPayload('products/create', body('orders__create'))).toBeUndefined();
    for (const topic of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(normalize(topic, body('orders__create'))).toMatchObject({ kind: 'ignored' });
    }
  });
});
