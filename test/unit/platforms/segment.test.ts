import { describe, expect, it } from 'vitest';
import { CanonicalEventInput } from '../../../functions/core/events/schemas';
import type { ItemError } from '../../../functions/core/rejection';
import {
  normalizeSegmentBatch,
  normalizeSegmentCall,
  parseBasicAuthWriteKey,
} from '../../../functions/platforms/segment';

const TENANT = 'shop-1';
const RECEIVED = '2026-11-21T09:30:00.000Z';
const opts = { receivedAt: RECEIVED };

const track = (event: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  messageId: `m-${event}`,
  userId: 'u1',
  event,
  properties,
  timestamp: '2026-11-20T10:00:00Z',
  ...extra,
});

function one(call: unknown, kind: 'track' | 'identify' = 'track') {
  const result = normalizeSegmentCall(call, kind, TENANT, undefined, opts);
  if (result.kind !== 'events') throw new Error(`expected an event, got ${JSON.stringify(result.rejection)}`);
  expect(result.events).toHaveLength(1);
  const event = result.events[0]!;
  expect(CanonicalEventInput.safeParse(event).success).toBe(true);
  return event;
}

function error(call: unknown, kind: 'track' | 'identify' = 'track') {
  const result = normalizeSegmentCall(call, kind, TENANT, undefined, opts);
  if (result.kind !== 'rejected') throw new Error(`expected an error, got ${JSON.stringify(result.events)}`);
  expect(result.rejection.status).toBe(400);
  return result.rejection.body;
}

describe('Segment Basic auth', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

  it('reads the write key from the user name of an empty-password credential', () => {
    expect(parseBasicAuthWriteKey(basic('wk_live_123:'))).toBe('wk_live_123');
    expect(parseBasicAuthWriteKey(`basic   ${Buffer.from('wk_9:').toString('base64')}`)).toBe('wk_9');
    expect(parseBasicAuthWriteKey(basic('wk_no_colon'))).toBe('wk_no_colon');
  });

  it('refuses a missing, empty or malformed credential', () => {
    expect(parseBasicAuthWriteKey(undefined)).toBeUndefined();
    expect(parseBasicAuthWriteKey('')).toBeUndefined();
    expect(parseBasicAuthWriteKey('Basic ')).toBeUndefined();
    expect(parseBasicAuthWriteKey(basic(':'))).toBeUndefined();
    expect(parseBasicAuthWriteKey(basic(':secret'))).toBeUndefined();
    expect(parseBasicAuthWriteKey('Bearer d2tfMTIzOg==')).toBeUndefined();
    expect(parseBasicAuthWriteKey('Basic !!!not-base64')).toBeUndefined();
    expect(parseBasicAuthWriteKey('Basic d2t=fMTIz')).toBeUndefined();
    expect(parseBasicAuthWriteKey(basic('wk\n1:'))).toBeUndefined();
  });
});

describe('Segment track calls', () => {
  it('maps Order Completed to order_placed with exact minor units, items and coupon codes', () => {
    const event = one(
      track('Order Completed', {
        order_id: '50314b8e9bcf000000000000',
        total: 27.5,
        revenue: 25.0,
        discount: 2.5,
        coupon: 'hasbros',
        currency: 'usd',
        products: [
          { product_id: '507f1f77bcf86cd799439011', sku: '45790-32', price: 19, quantity: 1 },
          { product_id: '505bd76785ebb509fc183733', price: 4.25, quantity: 2 },
        ],
      }),
    );
    expect(event).toEqual({
      type: 'order_placed',
      tenantId: TENANT,
      eventId: 'segment:m-Order Completed',
      customerId: 'u1',
      occurredAt: '2026-11-20T10:00:00.000Z',
      source: 'segment',
      properties: {
        orderId: '50314b8e9bcf000000000000',
        total: { amount: 2750, currency: 'USD' },
        discount: { amount: 250, currency: 'USD' },
        discountCodes: ['hasbros'],
        items: [
          { productId: '507f1f77bcf86cd799439011', quantity: 1, price: { amount: 1900, currency: 'USD' } },
          { productId: '505bd76785ebb509fc183733', quantity: 2, price: { amount: 425, currency: 'USD' } },
        ],
      },
    });
  });

  it('falls back from total to revenue and defaults the currency to USD; JPY has no minor digits', () => {
    expect(one(track('Order Completed', { order_id: 7, revenue: '89.99' })).properties).toEqual({
      orderId: '7',
      total: { amount: 8999, currency: 'USD' },
    });
    expect(one(track('order completed', { order_id: 'o', total: 1200, currency: 'JPY' })).properties).toMatchObject({
      total: { amount: 1200, currency: 'JPY' },
    });
  });

  it('refuses an amount that is not exact in its currency instead of rounding it', () => {
    expect(error(track('Order Completed', { order_id: 'o', total: 0.1 + 0.2 }))).toMatchObject({
      error: 'invalid_amount',
      path: '$.properties.total',
    });
    expect(error(track('Order Completed', { order_id: 'o', total: -5 }))).toMatchObject({
      error: 'invalid_amount',
      path: '$.properties.total',
    });
    expect(error(track('Order Completed', { order_id: 'o' }))).toMatchObject({ path: '$.properties.total' });
    expect(error(track('Order Completed', { total: 5 }))).toMatchObject({ path: '$.properties.order_id' });
  });

  it('maps Checkout Started, Cart Viewed, Product Viewed and Product Added', () => {
    const products = [
      { product_id: 'p1', price: 10, quantity: 2 },
      { sku: 'sku-2', price: '5.5' },
    ];
    expect(one(track('Checkout Started', { order_id: 'chk1', value: 25.5, products })).properties).toEqual({
      checkoutId: 'chk1',
      value: { amount: 2550, currency: 'USD' },
      itemCount: 3,
    });
    expect(one(track('Checkout Started', { checkout_id: 'c2', currency: 'EUR', products })).properties).toEqual({
      checkoutId: 'c2',
      value: { amount: 2550, currency: 'EUR' },
      itemCount: 3,
    });
    expect(one(track('Cart Viewed', { cart_id: 'cart9', products }))).toMatchObject({
      type: 'cart_updated',
      properties: { cartId: 'cart9', value: { amount: 2550, currency: 'USD' }, itemCount: 3 },
    });
    expect(one(track('Cart Viewed', { products: [] })).properties).toEqual({
      value: { amount: 0, currency: 'USD' },
      itemCount: 0,
    });
    expect(error(track('Cart Viewed', { products: [{ product_id: 'p' }] }))).toMatchObject({
      path: '$.properties.products[0].price',
    });
    expect(one(track('Product Viewed', { product_id: 'p1', price: 18.99 }))).toMatchObject({
      type: 'product_viewed',
      properties: { productId: 'p1', price: { amount: 1899, currency: 'USD' } },
    });
    expect(one(track('Product Added', { cart_id: 'c', sku: 'G-32', quantity: 1 }))).toMatchObject({
      type: 'product_viewed',
      properties: { productId: 'G-32' },
    });
  });

  it('reads several coupons in one Order Completed coupon string, and refuses a coupon that is no string', () => {
    const event = one(
      track('Order Completed', { order_id: 'o1', total: 10, currency: 'EUR', coupon: 'WB-ACDE7K, FREESHIP,WB-ACDE7K' }),
    );
    expect(event).toMatchObject({ type: 'order_placed', properties: { discountCodes: ['WB-ACDE7K', 'FREESHIP'] } });
    expect(
      error(track('Order Completed', { order_id: 'o1', total: 10, currency: 'EUR', coupon: ['X'] })),
    ).toMatchObject({
      path: expect.stringContaining('coupon'),
    });
  });

  it('maps Coupon Applied on an order to coupon_redeemed and leaves a cart-level one unsupported', () => {
    expect(
      one(track('Coupon Applied', { order_id: 'o1', coupon_id: 'may_deals_2016', coupon_name: 'May Deals 2016' })),
    ).toMatchObject({ type: 'coupon_redeemed', properties: { code: 'may_deals_2016', orderId: 'o1' } });
    expect(error(track('Coupon Applied', { cart_id: 'c1', coupon_id: 'x' }))).toMatchObject({
      error: 'unsupported_event',
      path: '$.event',
    });
  });

  it('maps Signed In, Order Refunded, Order Cancelled and Product Reviewed', () => {
    expect(one(track('Signed In', { username: 'peter' }))).toMatchObject({ type: 'sign_in', properties: {} });
    expect(one(track('Order Refunded', { order_id: 'o1', total: 30, currency: 'EUR' }))).toMatchObject({
      type: 'refund',
      properties: { orderId: 'o1', amount: { amount: 3000, currency: 'EUR' } },
    });
    expect(
      one(track('Order Refunded', { order_id: 'o1', products: [{ product_id: 'p', price: 3.5, quantity: 2 }] })),
    ).toMatchObject({ type: 'refund', properties: { amount: { amount: 700, currency: 'USD' } } });
    expect(
      one(track('Order Cancelled', { order_id: 'o1', total: 10, placed_at: '2026-11-19T08:00:00+01:00' })),
    ).toMatchObject({
      type: 'order_cancelled',
      properties: {
        orderId: 'o1',
        total: { amount: 1000, currency: 'USD' },
        placedAt: '2026-11-19T07:00:00.000Z',
        updatedAt: '2026-11-20T10:00:00.000Z',
      },
    });
    expect(error(track('Order Cancelled', { order_id: 'o1', total: 10 }))).toMatchObject({
      error: 'invalid_event',
      path: '$.properties.placed_at',
    });
    expect(one(track('Product Reviewed', { product_id: 'p1', review_id: 'r', rating: '5' }))).toMatchObject({
      type: 'review',
      properties: { productId: 'p1', rating: 5 },
    });
    expect(error(track('Product Reviewed', { product_id: 'p1', rating: 4.5 }))).toMatchObject({
      path: '$.properties.rating',
    });
  });

  it('reports other events as unsupported_event naming the event', () => {
    expect(error(track('Product Removed', { product_id: 'p' }))).toEqual({
      error: 'unsupported_event',
      message: '$.event: the event "Product Removed" is not mapped to a canonical event',
      path: '$.event',
    });
  });

  it('uses anon:<anonymousId> without a userId and the receive time without a timestamp', () => {
    const event = one({ messageId: 'm1', anonymousId: 'a-42', event: 'Signed In' });
    expect(event).toMatchObject({ customerId: 'anon:a-42', occurredAt: RECEIVED, eventId: 'segment:m1' });
    const offset = one({ messageId: 'm2', userId: 9, event: 'Signed In', timestamp: '2026-03-29T02:30:00.5+02:00' });
    expect(offset).toMatchObject({ customerId: '9', occurredAt: '2026-03-29T00:30:00.500Z' });
  });

  it('requires messageId, an identity, an event name and a time, naming each path', () => {
    expect(error({ userId: 'u', event: 'Signed In' })).toMatchObject({ path: '$.messageId' });
    expect(error({ messageId: 'm', event: 'Signed In' })).toMatchObject({ path: '$.userId' });
    expect(error({ messageId: 'm', userId: 'u' })).toMatchObject({ path: '$.event' });
    expect(error({ messageId: 'm', userId: 'u', event: 'Signed In', timestamp: 'yesterday' })).toMatchObject({
      path: '$.timestamp',
    });
    const noClock = normalizeSegmentCall({ messageId: 'm', userId: 'u', event: 'Signed In' }, 'track', TENANT);
    expect(noClock).toMatchObject({ kind: 'rejected', rejection: { status: 400, body: { path: '$.timestamp' } } });
  });
});

describe('Segment identify calls', () => {
  it('keeps scalar traits only, takes the IANA time zone from context and merges the anonymous visitor', () => {
    const traits: Record<string, unknown> = {
      email: 'peter@example.com',
      firstName: 'Peter',
      plan: 'premium',
      logins: 5,
      vip: true,
      nickname: null,
      address: { street: '6th St', city: 'San Francisco' },
      tags: ['a'],
      bio: 'x'.repeat(257),
    };
    const result = normalizeSegmentCall(
      {
        messageId: 'id-1',
        userId: '97980cfea0067',
        anonymousId: 'anon-7',
        traits,
        context: { timezone: 'Europe/Amsterdam', ip: '8.8.8.8' },
      },
      'identify',
      TENANT,
      undefined,
      opts,
    );
    expect(result).toEqual({
      kind: 'events',
      errors: [],
      anonymousId: 'anon-7',
      events: [
        {
          type: 'identify',
          tenantId: TENANT,
          eventId: 'segment:id-1',
          customerId: '97980cfea0067',
          occurredAt: RECEIVED,
          source: 'segment',
          properties: {
            traits: {
              email: 'peter@example.com',
              firstName: 'Peter',
              plan: 'premium',
              logins: 5,
              vip: true,
              nickname: null,
            },
            timezone: 'Europe/Amsterdam',
          },
        },
        {
          type: 'alias',
          tenantId: TENANT,
          eventId: 'segment:id-1:alias',
          customerId: '97980cfea0067',
          occurredAt: RECEIVED,
          source: 'segment',
          properties: { previousId: 'anon:anon-7' },
        },
      ],
    });
  });

  it('drops an invalid time zone and keeps at most 50 traits', () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, i]));
    const event = one(
      { messageId: 'id-2', userId: 'u', traits: many, context: { timezone: 'Mars/Olympus' } },
      'identify',
    );
    expect(event.properties).not.toHaveProperty('timezone');
    expect(Object.keys((event.properties as { traits: object }).traits)).toHaveLength(50);
    const anon = normalizeSegmentCall({ messageId: 'id-3', anonymousId: 'a', traits: {} }, 'identify', TENANT, 0, opts);
    expect(anon).toMatchObject({ kind: 'events', events: [{ customerId: 'anon:a' }], errors: [] });
    expect(anon).not.toHaveProperty('anonymousId');
  });
});

describe('Segment batches', () => {
  const BAD: Record<number, { call: Record<string, unknown>; error: Omit<ItemError, 'index'> }> = {};
  const bad = (index: number, call: Record<string, unknown>, error: string, path: string, detail: string) => {
    BAD[index] = { call, error: { error, path, message: `${path}: ${detail}` } };
  };
  const good = (i: number): Record<string, unknown> => {
    const common = { messageId: `msg-${i}`, userId: `user-${i % 37}`, timestamp: '2026-11-20T10:00:00Z' };
    switch (i % 5) {
      case 0:
        return { ...common, type: 'identify', traits: { email: `u${i}@example.com` } };
      case 1:
        return { ...common, type: 'track', event: 'Order Completed', properties: { order_id: `o${i}`, total: 12.34 } };
      case 2:
        return { ...common, type: 'track', event: 'Product Viewed', properties: { product_id: `p${i}` } };
      case 3:
        return { ...common, type: 'track', event: 'Signed In' };
      default:
        return { ...common, type: 'track', event: 'Checkout Started', properties: { checkout_id: `c${i}`, value: 1 } };
    }
  };
  bad(
    3,
    { type: 'track', userId: 'u', event: 'Signed In' },
    'invalid_event',
    '$.batch[3].messageId',
    'is required: it is the idempotency key of the call',
  );
  bad(
    17,
    { type: 'page', messageId: 'p', userId: 'u', name: 'Home' },
    'unsupported_type',
    '$.batch[17].type',
    'page calls are not processed: growthloop reads track and identify calls',
  );
  bad(
    42,
    { ...good(42), type: 'track', event: 'Product Removed' },
    'unsupported_event',
    '$.batch[42].event',
    'the event "Product Removed" is not mapped to a canonical event',
  );
  bad(
    99,
    { ...good(99), type: 'track', event: 'Order Completed', properties: { order_id: 'x', total: '12.345' } },
    'invalid_amount',
    '$.batch[99].properties.total',
    'the amount 12.345 has more than 2 decimal places, the most USD allows',
  );
  bad(
    250,
    { type: 'identify', messageId: 'm250', traits: {} },
    'invalid_event',
    '$.batch[250].userId',
    'a userId or an anonymousId is required',
  );
  bad(
    311,
    { type: 'alias', messageId: 'a', previousId: 'x', userId: 'y' },
    'unsupported_type',
    '$.batch[311].type',
    'alias calls are not processed: growthloop reads track and identify calls',
  );
  bad(
    402,
    { ...good(402), type: 'track', event: 'Product Viewed', properties: { product_id: ['p'] } },
    'invalid_event',
    '$.batch[402].properties.product_id',
    'must be a string',
  );
  bad(
    470,
    { ...good(470), type: 'screen' },
    'unsupported_type',
    '$.batch[470].type',
    'screen calls are not processed: growthloop reads track and identify calls',
  );
  bad(488, { ...good(488), type: undefined }, 'invalid_event', '$.batch[488].type', 'must be "track" or "identify"');
  bad(
    499,
    { ...good(499), timestamp: '2026-11-20 10:00' },
    'invalid_event',
    '$.batch[499].timestamp',
    'must be an ISO-8601 time with a zone, such as 2026-11-21T09:30:00Z',
  );

  it('normalizes a 500-call mixed batch and reports each bad item with its exact path', () => {
    const batch = Array.from({ length: 500 }, (_, i) => BAD[i]?.call ?? good(i));
    const result = normalizeSegmentBatch({ batch, context: { library: { name: 'analytics-node' } } }, TENANT, opts);
    if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result.rejection)}`);
    expect(result.errors).toEqual(
      Object.entries(BAD).map(([index, { error }]) => ({ index: Number(index), ...error })),
    );
    expect(result.events).toHaveLength(500 - Object.keys(BAD).length);
    for (const event of result.events) expect(CanonicalEventInput.safeParse(event).success).toBe(true);
    expect(new Set(result.events.map((e) => e.eventId)).size).toBe(result.events.length);
    expect(result.events.find((e) => e.eventId === 'segment:msg-1')).toMatchObject({
      type: 'order_placed',
      properties: { orderId: 'o1', total: { amount: 1234, currency: 'USD' } },
    });
  });

  it('gives a repeated messageId the same eventId, within a batch and across deliveries', () => {
    const call = { type: 'track', messageId: 'dup-1', userId: 'u', event: 'Signed In' };
    const first = normalizeSegmentBatch({ batch: [call, call] }, TENANT, { receivedAt: '2026-11-20T10:00:00Z' });
    const later = normalizeSegmentBatch({ batch: [call] }, TENANT, { receivedAt: '2026-11-22T10:00:00Z' });
    if (first.kind !== 'events' || later.kind !== 'events') throw new Error('expected events');
    expect([...first.events, ...later.events].map((e) => e.eventId)).toEqual([
      'segment:dup-1',
      'segment:dup-1',
      'segment:dup-1',
    ]);
  });

  it('applies the batch context to its calls and lists identities to merge', () => {
    const result = normalizeSegmentBatch(
      {
        batch: [{ type: 'identify', messageId: 'i1', userId: 'u1', anonymousId: 'a1', traits: { plan: 'pro' } }],
        context: { timezone: 'America/New_York' },
      },
      TENANT,
      opts,
    );
    if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result.rejection)}`);
    expect(result.events[0]?.properties).toEqual({ traits: { plan: 'pro' }, timezone: 'America/New_York' });
    expect(result.identities).toEqual([{ index: 0, customerId: 'u1', anonymousId: 'a1' }]);
  });

  it('rejects a body that is not a batch, an empty batch and a batch of more than 500 calls', () => {
    expect(normalizeSegmentBatch([], TENANT, opts)).toEqual({
      kind: 'rejected',
      rejection: {
        status: 400,
        body: { error: 'invalid_body', message: 'the body must be {"batch": [...]}', path: '$' },
      },
    });
    expect(normalizeSegmentBatch({ batch: {} }, TENANT, opts)).toMatchObject({
      kind: 'rejected',
      rejection: { status: 400, body: { path: '$.batch' } },
    });
    expect(normalizeSegmentBatch({ batch: [] }, TENANT, opts)).toMatchObject({ rejection: { status: 400 } });
    const big = normalizeSegmentBatch({ batch: Array.from({ length: 501 }, (_, i) => good(i)) }, TENANT, opts);
    expect(big).toEqual({
      kind: 'rejected',
      rejection: {
        status: 413,
        body: { error: 'batch_too_large', message: 'at most 500 calls per batch', path: '$.batch' },
      },
    });
  });
});

describe('the time of a Segment call', () => {
  // RECEIVED is 2026-11-21T09:30:00Z: 5 minutes of clock skew are allowed past it.
  const at = (timestamp: string, messageId = `t-${timestamp}`) => ({
    type: 'track',
    messageId,
    userId: 'u1',
    event: 'Signed In',
    timestamp,
  });

  it('accepts a timestamp up to 5 minutes after the receive time, and history back to 2000', () => {
    expect(one(at('2026-11-21T09:35:00Z')).occurredAt).toBe('2026-11-21T09:35:00.000Z');
    expect(one(at('2026-11-21T10:34:00+01:00')).occurredAt).toBe('2026-11-21T09:34:00.000Z');
    expect(one(at('2000-01-01T00:00:00Z')).occurredAt).toBe('2000-01-01T00:00:00.000Z');
  });

  it('refuses a timestamp later than the receive time plus 5 minutes, or before 2000, naming its path and the limit', () => {
    expect(error(at('9999-12-31T00:00:00Z'))).toEqual({
      error: 'invalid_event',
      message: '$.timestamp: must not be later than the time of receipt plus 5 minutes (2026-11-21T09:35:00Z)',
      path: '$.timestamp',
    });
    expect(error(at('2026-11-21T09:35:00.001Z'))).toMatchObject({ path: '$.timestamp' });
    expect(error(at('1999-12-31T23:59:59Z'))).toEqual({
      error: 'invalid_event',
      message: '$.timestamp: must not be earlier than 2000-01-01T00:00:00Z',
      path: '$.timestamp',
    });
  });

  it('refuses a future-dated call of a batch on its own; the others count', () => {
    const batch = [
      at('2026-11-20T10:00:00Z', 'ok-1'),
      at('9999-12-31T00:00:00Z', 'future'),
      at('2026-11-21T09:00:00Z', 'ok-2'),
    ];
    const result = normalizeSegmentBatch({ batch }, TENANT, opts);
    if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result.rejection)}`);
    expect(result.events.map((e) => e.eventId)).toEqual(['segment:ok-1', 'segment:ok-2']);
    expect(result.errors).toEqual([
      {
        index: 1,
        error: 'invalid_event',
        message:
          '$.batch[1].timestamp: must not be later than the time of receipt plus 5 minutes (2026-11-21T09:35:00Z)',
        path: '$.batch[1].timestamp',
      },
    ]);
  });

  it('without a receive time (a replay) checks only the earliest date', () => {
    const replay = (timestamp: string) => normalizeSegmentCall(at(timestamp), 'track', TENANT);
    expect(replay('2030-01-01T00:00:00Z')).toMatchObject({ kind: 'events' });
    expect(replay('1999-12-31T23:59:59Z')).toMatchObject({
      kind: 'rejected',
      rejection: { body: { path: '$.timestamp' } },
    });
  });
});
