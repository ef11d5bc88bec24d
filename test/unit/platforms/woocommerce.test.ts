import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CanonicalEventInput } from '../../../functions/core/events/schemas';
import {
  checkWooDelivery,
  isWooPing,
  normalizeWoo,
  verifyWooSignature,
} from '../../../functions/platforms/woocommerce';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/woocommerce/${name}`, import.meta.url));
const body = (name: string): Record<string, unknown> => JSON.parse(fixture(name).toString('utf8'));
const sign = (raw: Buffer, secret: string) => createHmac('sha256', secret).update(raw).digest('base64');

const TENANT = 'shop-1';

const items = [
  { productId: '93', quantity: 2, price: { amount: 300, currency: 'USD' } },
  { productId: '22', variantId: '23', quantity: 1, price: { amount: 1200, currency: 'USD' } },
];

function events(topic: string, payload: unknown) {
  const result = normalizeWoo({ topic, body: payload, tenantId: TENANT });
  if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
  for (const event of result.events) expect(CanonicalEventInput.safeParse(event).success).toBe(true);
  return result.events;
}

describe('WooCommerce signatures', () => {
  const raw = fixture('order.created.json');

  it('matches the value SIGNING.md computed for order.created.json with test_secret', () => {
    expect(raw.length).toBe(3468);
    expect(sign(raw, 'test_secret')).toBe('dbd8cN7BISGillqMsi0zMR+0Y9kuiw/6Hcjf+nwkYE0=');
    expect(verifyWooSignature(raw, 'dbd8cN7BISGillqMsi0zMR+0Y9kuiw/6Hcjf+nwkYE0=', 'test_secret')).toBe(true);
  });

  it('verifies every fixture signed over its exact bytes', () => {
    for (const name of ['order.created.json', 'order.updated.json', 'customer.created.json', 'customer.updated.json']) {
      const bytes = fixture(name);
      expect(verifyWooSignature(bytes, sign(bytes, 'whsec-test'), 'whsec-test')).toBe(true);
    }
  });

  it('refuses a wrong secret, a missing or empty header, an empty secret and one altered byte', () => {
    const good = sign(raw, 'test_secret');
    expect(verifyWooSignature(raw, good, 'other_secret')).toBe(false);
    expect(verifyWooSignature(raw, undefined, 'test_secret')).toBe(false);
    expect(verifyWooSignature(raw, '', 'test_secret')).toBe(false);
    expect(verifyWooSignature(raw, sign(raw, ''), '')).toBe(false);
    const altered = Buffer.from(raw);
    altered[100] = (altered[100] as number) ^ 0x01;
    expect(verifyWooSignature(altered, good, 'test_secret')).toBe(false);
  });

  it('never throws on a header of another length or of non-base64 text', () => {
    expect(verifyWooSignature(raw, 'short', 'test_secret')).toBe(false);
    expect(verifyWooSignature(raw, 'ü'.repeat(44), 'test_secret')).toBe(false);
    expect(verifyWooSignature(raw, `${sign(raw, 'test_secret')}x`, 'test_secret')).toBe(false);
  });
});

describe('the WooCommerce creation ping', () => {
  const form = 'application/x-www-form-urlencoded; charset=UTF-8';
  const ua = { 'user-agent': 'WooCommerce/8.0.0 Hookshot (WordPress/6.3)', 'content-type': form };

  it('is a form body webhook_id=<n> without X-WC-Webhook-* headers', () => {
    expect(isWooPing(form, 'webhook_id=12', ua)).toBe(true);
    expect(isWooPing('application/x-www-form-urlencoded', 'webhook_id=7', {})).toBe(true);
  });

  it('is not a signed delivery, a JSON body or another form body', () => {
    expect(isWooPing(form, 'webhook_id=12', { ...ua, 'X-WC-Webhook-Topic': 'order.created' })).toBe(false);
    expect(isWooPing('application/json', 'webhook_id=12', ua)).toBe(false);
    expect(isWooPing(undefined, 'webhook_id=12', ua)).toBe(false);
    expect(isWooPing(form, 'webhook_id=abc', ua)).toBe(false);
    expect(isWooPing(form, 'webhook_id=12&x=1', ua)).toBe(false);
    expect(isWooPing('application/json', fixture('order.created.json').toString('utf8'), ua)).toBe(false);
  });
});

describe('normalizing WooCommerce deliveries', () => {
  it('maps order.created to order_placed of the guest, with exact money and items', () => {
    expect(events('order.created', body('order.created.json'))).toEqual([
      {
        type: 'order_placed',
        tenantId: TENANT,
        eventId: 'woocommerce:order:727:placed',
        customerId: 'email:john.doe@example.com',
        occurredAt: '2017-03-22T19:28:02.000Z',
        source: 'woocommerce',
        properties: {
          orderId: '727',
          total: { amount: 2935, currency: 'USD' },
          items,
          placedAt: '2017-03-22T19:28:02.000Z',
          updatedAt: '2017-03-22T19:28:08.000Z',
        },
      },
    ]);
  });

  it('maps order.updated to order_updated keyed by its modification time', () => {
    expect(events('order.updated', body('order.updated.json'))).toEqual([
      {
        type: 'order_updated',
        tenantId: TENANT,
        eventId: 'woocommerce:order:727:updated:2017-03-22T19:30:35',
        customerId: 'email:john.doe@example.com',
        occurredAt: '2017-03-22T19:30:35.000Z',
        source: 'woocommerce',
        properties: {
          orderId: '727',
          total: { amount: 2935, currency: 'USD' },
          items,
          placedAt: '2017-03-22T19:28:02.000Z',
          updatedAt: '2017-03-22T19:30:35.000Z',
        },
      },
    ]);
  });

  it('maps customer.created and customer.updated to identify with only the six traits', () => {
    const identify = (modified: string, firstName: string) => ({
      type: 'identify',
      tenantId: TENANT,
      eventId: `woocommerce:customer:25:${modified}`,
      customerId: '25',
      occurredAt: `${modified}.000Z`,
      source: 'woocommerce',
      properties: {
        traits: {
          first_name: firstName,
          last_name: 'Doe',
          email: 'john.doe@example.com',
          phone: '(555) 555-5555',
          username: 'john.doe',
          role: 'customer',
        },
      },
    });
    expect(events('customer.created', body('customer.created.json'))).toEqual([
      identify('2017-03-21T19:09:30', 'John'),
    ]);
    expect(events('customer.updated', body('customer.updated.json'))).toEqual([
      identify('2017-03-21T19:12:28', 'James'),
    ]);
  });

  it('gives a redelivered order or customer the same eventIds', () => {
    for (const [topic, name] of [
      ['order.created', 'order.created.json'],
      ['order.updated', 'order.updated.json'],
      ['customer.updated', 'customer.updated.json'],
    ] as const) {
      expect(events(topic, body(name)).map((e) => e.eventId)).toEqual(events(topic, body(name)).map((e) => e.eventId));
    }
  });

  it('attributes a registered customer order to the customer id and keeps coupons and discounts', () => {
    const order = {
      ...body('order.created.json'),
      customer_id: 25,
      discount_total: '5.00',
      coupon_lines: [{ id: 1, code: 'welcome5', discount: '5.00' }],
    };
    const [event] = events('order.created', order);
    expect(event?.customerId).toBe('25');
    expect(event?.properties).toMatchObject({
      discount: { amount: 500, currency: 'USD' },
      discountCodes: ['welcome5'],
    });
  });

  it('carries the coupon lines of an order.updated report as discount codes, trimmed and once each', () => {
    expect(body('order.updated.json').coupon_lines).toEqual([]);
    const order = {
      ...body('order.updated.json'),
      coupon_lines: [
        { id: 1, code: 'wb-acde7k', discount: '5.00' },
        { id: 2, code: ' wb-acde7k', discount: '0.00' },
        { id: 3, code: 'freeship', discount: '0.00' },
      ],
    };
    const [event] = events('order.updated', order);
    expect(event).toMatchObject({ type: 'order_updated', properties: { discountCodes: ['wb-acde7k', 'freeship'] } });
  });

  it('reports a cancelled order as order_cancelled under the update eventId', () => {
    const [event] = events('order.updated', { ...body('order.updated.json'), status: 'cancelled' });
    expect(event).toMatchObject({
      type: 'order_cancelled',
      eventId: 'woocommerce:order:727:updated:2017-03-22T19:30:35',
    });
  });

  it('turns each refund record into one refund event keyed by the refund id', () => {
    const order = {
      ...body('order.updated.json'),
      status: 'refunded',
      refunds: [
        { id: 730, reason: 'Order fully refunded.', total: '-19.35' },
        { id: 729, reason: '', total: '-10.00' },
      ],
    };
    const out = events('order.updated', order);
    expect(out.map((e) => [e.type, e.eventId])).toEqual([
      ['order_updated', 'woocommerce:order:727:updated:2017-03-22T19:30:35'],
      ['refund', 'woocommerce:refund:730'],
      ['refund', 'woocommerce:refund:729'],
    ]);
    expect(out[1]?.properties).toEqual({ orderId: '727', refundId: '730', amount: { amount: 1935, currency: 'USD' } });
    expect(out[2]?.properties).toEqual({ orderId: '727', refundId: '729', amount: { amount: 1000, currency: 'USD' } });
  });

  it('converts a zero-decimal currency exactly', () => {
    const [event] = events('order.created', { ...body('order.created.json'), currency: 'JPY', total: '2935' });
    expect(event?.properties).toMatchObject({ total: { amount: 2935, currency: 'JPY' } });
  });

  it('ignores deletions, drafts, guest orders without e-mail and unknown topics with a reason', () => {
    const ignored = (topic: string, payload: unknown) => normalizeWoo({ topic, body: payload, tenantId: TENANT });
    expect(ignored('order.deleted', { id: 727 })).toEqual({
      kind: 'ignored',
      reason: 'order.deleted carries only the order id, with no customer to attribute it to',
    });
    expect(ignored('order.created', { ...body('order.created.json'), status: 'checkout-draft' })).toMatchObject({
      kind: 'ignored',
    });
    expect(
      ignored('order.created', {
        ...body('order.created.json'),
        billing: { ...(body('order.created.json').billing as object), email: '' },
      }),
    ).toMatchObject({ kind: 'ignored', reason: 'guest order 727 has no billing e-mail to attribute it to' });
    expect(ignored('coupon.created', {})).toMatchObject({ kind: 'ignored' });
    expect(ignored('customer.deleted', { id: 25 })).toMatchObject({ kind: 'ignored' });
  });

  it('refuses a malformed body with the path of the bad field', () => {
    const result = normalizeWoo({
      topic: 'order.created',
      body: { ...body('order.created.json'), total: '29.355' },
      tenantId: TENANT,
    });
    expect(result).toMatchObject({
      kind: 'rejected',
      rejection: { status: 400, body: { error: 'invalid_amount', path: '$.total' } },
    });
    const noDate = normalizeWoo({
      topic: 'order.updated',
      body: { ...body('order.updated.json'), date_modified_gmt: null },
      tenantId: TENANT,
    });
    expect(noDate).toMatchObject({
      kind: 'rejected',
      rejection: { status: 400, body: { path: '$.date_modified_gmt' } },
    });
  });
});

describe('a WooCommerce body or header that does not fit its topic (the signature covers the body only)', () => {
  const samples: [topic: string, file: string][] = [
    ['order.created', 'order.created.json'],
    ['order.updated', 'order.updated.json'],
    ['customer.created', 'customer.created.json'],
    ['customer.updated', 'customer.updated.json'],
  ];
  const TOPICS = samples.map(([topic]) => topic);
  // WooCommerce sends the resource's whole REST body for each of its topics, so the only pairs that are the same
  // shape are order.created/order.updated (the order) and customer.created/customer.updated (the customer).
  const resource = (topic: string) => topic.split('.')[0];
  const pairs = samples.flatMap(([from, file]) => TOPICS.filter((to) => to !== from).map((to) => ({ from, file, to })));
  const refused = (input: Parameters<typeof normalizeWoo>[0]) => {
    const result = normalizeWoo(input);
    expect(result).toMatchObject({ kind: 'rejected', rejection: { status: 400, body: { error: 'topic_mismatch' } } });
    expect(checkWooDelivery(input)).toEqual(result);
    return (result as Extract<typeof result, { kind: 'rejected' }>).rejection.body;
  };

  it.each(pairs.filter((p) => resource(p.from) !== resource(p.to)))(
    'refuses the $file body sent as $to: topic_mismatch',
    ({ file, to }) => {
      const error = refused({ topic: to, body: body(file), tenantId: TENANT });
      expect(error.path).toMatch(/^\$\.[a-z_]+$/);
      expect(error.message).toMatch(/^\$\.[a-z_]+: .*; the body is not (an order|a customer), as /);
    },
  );

  it.each(pairs.filter((p) => resource(p.from) === resource(p.to)))(
    'accepts the $file body as $to: the same resource',
    ({ file, to }) => {
      expect(checkWooDelivery({ topic: to, body: body(file) })).toBeUndefined();
      expect(events(to, body(file)).length).toBeGreaterThan(0);
    },
  );

  it('says which key shows the body is the other resource', () => {
    expect(refused({ topic: 'order.created', body: body('customer.created.json'), tenantId: TENANT })).toEqual({
      error: 'topic_mismatch',
      message: '$.username: is a key of a customer; the body is not an order, as order.created promises',
      path: '$.username',
    });
    expect(refused({ topic: 'customer.updated', body: body('order.updated.json'), tenantId: TENANT })).toEqual({
      error: 'topic_mismatch',
      message: '$.order_key: is a key of an order; the body is not a customer, as customer.updated promises',
      path: '$.order_key',
    });
  });

  it('refuses X-WC-Webhook-Resource or X-WC-Webhook-Event headers that disagree with the topic', () => {
    const order = body('order.created.json');
    expect(refused({ topic: 'order.created', resource: 'customer', body: order, tenantId: TENANT })).toEqual({
      error: 'topic_mismatch',
      message: 'headers.x-wc-webhook-resource: "customer" does not match the topic order.created (order)',
      path: 'headers.x-wc-webhook-resource',
    });
    expect(
      refused({ topic: 'order.created', resource: 'order', event: 'updated', body: order, tenantId: TENANT }),
    ).toEqual({
      error: 'topic_mismatch',
      message: 'headers.x-wc-webhook-event: "updated" does not match the topic order.created (created)',
      path: 'headers.x-wc-webhook-event',
    });
    const customer = body('customer.created.json');
    expect(refused({ topic: 'customer.created', resource: 'order', body: customer, tenantId: TENANT }).path).toBe(
      'headers.x-wc-webhook-resource',
    );
    const agreed = normalizeWoo({
      topic: 'order.created',
      resource: 'order',
      event: 'created',
      body: order,
      tenantId: TENANT,
    });
    expect(agreed.kind).toBe('events');
  });

  it('checks only the topics it uses, and refuses a body that is not an object', () => {
    expect(checkWooDelivery({ topic: 'coupon.created', resource: 'order', body: [] })).toBeUndefined();
    expect(normalizeWoo({ topic: 'order.created', body: [], tenantId: TENANT })).toMatchObject({
      kind: 'rejected',
      rejection: { status: 400, body: { error: 'invalid_body', path: '$' } },
    });
  });
});
