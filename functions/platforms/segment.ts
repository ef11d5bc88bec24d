import { type Accepted, accepted, firstIssue, MAX_BATCH, type Rejected, rejected } from '../core/events/ingest';
import { type CanonicalEvent, CanonicalEventInput, type Money } from '../core/events/schemas';
import { occurredAtProblem } from '../core/events/time-window';
import { jsonPath } from '../core/json-path';
import { setOwn } from '../core/own';
import { type ItemError, reject } from '../core/rejection';
import { storableNumberProblem } from '../core/storable';
import { isIanaTimeZone } from '../core/time-zone';
import { toMinorUnits } from './money';

// Segment-spec HTTP Tracking API (/v1/track, /v1/identify, /v1/batch) onto canonical events.
// Pure: no I/O, no clock reads. The caller passes the time it received the request.
//
// Mapping (event names compared case-insensitively, spaces collapsed):
//   Order Completed   → order_placed    (order_id; total ?? revenue ?? value; discount; coupon → discountCodes; products → items)
//   Order Cancelled   → order_cancelled (as Order Completed, plus placed_at: the canonical event must say when the
//                                        order was placed and the Segment spec has no such field)
//   Order Refunded    → refund          (order_id; total ?? revenue ?? value ?? Σ products price × quantity)
//   Checkout Started  → checkout_started (checkout_id ?? order_id ?? cart_id; value ?? revenue ?? total ?? Σ products)
//   Cart Viewed       → cart_updated    (the whole cart: Σ products price × quantity, Σ quantity; cart_id)
//   Product Viewed    → product_viewed  (product_id ?? sku; price)
//   Product Added     → product_viewed  (it names one product, not the cart, so it cannot say what the cart holds)
//   Coupon Applied    → coupon_redeemed (coupon ?? coupon_id ?? coupon_name; only with order_id: a coupon applied to a
//                                        cart is not yet redeemed, the order's discount codes record that)
//   Signed In         → sign_in         (method, when given)
//   Product Reviewed  → review          (product_id; rating, an integer 1-5)
//   anything else (Product Removed, Signed Up, ...) → a per-item `unsupported_event` error; page, screen, group and
//   alias calls → a per-item `unsupported_type` error. Nothing else in the batch is affected.
// Amounts are decimal numbers in major units; each is converted exactly from its decimal text (29.35 → 2935), and an
// amount that is not exact in its currency (0.30000000000000004 USD) is an error, never rounded.

export const SEGMENT_SOURCE = 'segment';
const DEFAULT_CURRENCY = 'USD';

export type SegmentOptions = {
  /**
   * When the request arrived (ISO-8601): the time of a call without `timestamp`, and the limit of one with it
   * (a `timestamp` later than this plus the allowed skew is refused, as is one before 2000: core/events/time-window).
   */
  receivedAt?: string;
  /** The currency of amounts without `properties.currency` (default USD, as Segment destinations assume). */
  defaultCurrency?: string;
};

/** One call: its events (`errors` stays empty), or the call refused with a 400. */
export type SegmentCallResult =
  | (Accepted & {
      /** An identify that names both a userId and an anonymousId: the caller may merge `anon:<anonymousId>` into it. */
      anonymousId?: string;
    })
  | Rejected;

export type SegmentIdentity = { index: number; customerId: string; anonymousId: string };
/** A batch: the events of its good calls and an error per bad one, or (body not a batch, empty, too large) rejected. */
export type SegmentBatchResult =
  | (Accepted & {
      /** The identifies of the batch that link an anonymousId to a userId. */
      identities: SegmentIdentity[];
    })
  | Rejected;

/**
 * Segment sends the write key as the Basic user name with an empty password (`writeKey:`).
 * Returns undefined for a missing, non-Basic, undecodable or empty credential.
 */
export function parseBasicAuthWriteKey(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^\s*Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  if (Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') !== m[1].replace(/=+$/, '')) return undefined;
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a write key never holds control characters
  if (key === '' || /[\u0000-\u001f\u007f]/.test(key)) return undefined;
  return key;
}

/** Normalizes a /v1/batch body: per-item errors name their JSON path; the other items still count. */
export function normalizeSegmentBatch(
  body: unknown,
  tenantId: string,
  options: SegmentOptions = {},
): SegmentBatchResult {
  const refuse = (status: 400 | 413, error: string, message: string, path: string) =>
    rejected(reject(status, error, message, path));
  if (!isRecord(body)) return refuse(400, 'invalid_body', 'the body must be {"batch": [...]}', '$');
  const { batch } = body;
  if (!Array.isArray(batch)) return refuse(400, 'invalid_body', '$.batch must be an array of calls', '$.batch');
  if (batch.length === 0) return refuse(400, 'invalid_body', '$.batch is empty', '$.batch');
  if (batch.length > MAX_BATCH)
    return refuse(413, 'batch_too_large', `at most ${MAX_BATCH} calls per batch`, '$.batch');
  const shared = isRecord(body.context) ? body.context : undefined;

  const result = { ...accepted([]), identities: [] as SegmentIdentity[] };
  for (const [index, item] of batch.entries()) {
    const base = `$.batch[${index}]`;
    if (!isRecord(item)) {
      result.errors.push(itemError(index, 'invalid_event', `${base}`, 'must be a call object'));
      continue;
    }
    const type = item.type;
    if (type !== 'track' && type !== 'identify') {
      if (typeof type === 'string' && ['page', 'screen', 'group', 'alias'].includes(type)) {
        const msg = `${type} calls are not processed: growthloop reads track and identify calls`;
        result.errors.push(itemError(index, 'unsupported_type', `${base}.type`, msg));
      } else {
        result.errors.push(itemError(index, 'invalid_event', `${base}.type`, 'must be "track" or "identify"'));
      }
      continue;
    }
    const call = shared ? { ...item, context: { ...shared, ...(isRecord(item.context) ? item.context : {}) } } : item;
    const r = normalizeSegmentCall(call, type, tenantId, index, options);
    if (r.kind === 'rejected') {
      // A bad call is an error of its item; the other calls still count.
      result.errors.push({ index, ...r.rejection.body });
      continue;
    }
    result.events.push(...r.events);
    if (r.anonymousId !== undefined && r.events[0]) {
      result.identities.push({ index, customerId: r.events[0].customerId, anonymousId: r.anonymousId });
    }
  }
  return result;
}

/**
 * Normalizes one track or identify call. With `index` its paths are `$.batch[index]...` (a batch item),
 * without it `$...` (a /v1/track or /v1/identify body).
 */
export function normalizeSegmentCall(
  call: unknown,
  kind: 'track' | 'identify',
  tenantId: string,
  index?: number,
  options: SegmentOptions = {},
): SegmentCallResult {
  const base = index === undefined ? '$' : `$.batch[${index}]`;
  try {
    return mapCall(call, kind, tenantId, base, options);
  } catch (e) {
    if (e instanceof CallError) return rejected(reject(400, e.code, `${e.path}: ${e.detail}`, e.path));
    throw e;
  }
}

class CallError extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

const fail = (path: string, detail: string, code = 'invalid_event'): never => {
  throw new CallError(code, path, detail);
};

function itemError(index: number, error: string, path: string, detail: string): ItemError {
  return { index, error, message: `${path}: ${detail}`, path };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or a safe integer, as an id of 1-`max` characters. */
function idOf(value: unknown, path: string, max = 128): string | undefined {
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isSafeInteger(value)) text = String(value);
  else return fail(path, 'must be a string');
  if (text === '') return undefined;
  if (text.length > max) fail(path, `must be at most ${max} characters`);
  return text;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function timeOf(value: unknown, path: string): string {
  if (typeof value !== 'string' || !ISO_TIME.test(value) || !Number.isFinite(Date.parse(value))) {
    return fail(path, 'must be an ISO-8601 time with a zone, such as 2026-11-21T09:30:00Z');
  }
  return new Date(value).toISOString();
}

function mapCall(
  call: unknown,
  kind: 'track' | 'identify',
  tenantId: string,
  base: string,
  options: SegmentOptions,
): SegmentCallResult {
  if (!isRecord(call)) return fail(base, 'must be a call object');
  const messageId = idOf(call.messageId, `${base}.messageId`, 120);
  if (messageId === undefined) fail(`${base}.messageId`, 'is required: it is the idempotency key of the call');
  const userId = idOf(call.userId, `${base}.userId`);
  const anonymousId = idOf(call.anonymousId, `${base}.anonymousId`, 123);
  if (userId === undefined && anonymousId === undefined)
    fail(`${base}.userId`, 'a userId or an anonymousId is required');
  let occurredAt: string;
  if (call.timestamp !== undefined && call.timestamp !== null) {
    occurredAt = timeOf(call.timestamp, `${base}.timestamp`);
    const receivedAt = options.receivedAt === undefined ? undefined : Date.parse(options.receivedAt);
    const problem = occurredAtProblem(occurredAt, receivedAt);
    if (problem !== undefined) fail(`${base}.timestamp`, problem);
  } else if (options.receivedAt !== undefined) occurredAt = timeOf(options.receivedAt, '$.receivedAt');
  else return fail(`${base}.timestamp`, 'is required when the receive time is unknown');

  const envelope = {
    tenantId,
    eventId: `segment:${messageId}`,
    customerId: userId ?? `anon:${anonymousId}`,
    occurredAt,
    source: SEGMENT_SOURCE,
  };
  const context = isRecord(call.context) ? call.context : {};

  let event: CanonicalEvent;
  if (kind === 'identify') {
    const traits = call.traits === undefined || call.traits === null ? {} : call.traits;
    if (!isRecord(traits)) fail(`${base}.traits`, 'must be an object');
    const properties: Extract<CanonicalEvent, { type: 'identify' }>['properties'] = {
      traits: scalarTraits(traits as Record<string, unknown>, `${base}.traits`),
    };
    // A zone that is not an IANA name is dropped: the call still counts.
    if (isIanaTimeZone(context.timezone)) properties.timezone = context.timezone;
    event = { ...envelope, type: 'identify', properties };
  } else {
    const name = call.event;
    if (typeof name !== 'string' || name.trim() === '') return fail(`${base}.event`, 'is required');
    const props = call.properties === undefined || call.properties === null ? {} : call.properties;
    if (!isRecord(props)) return fail(`${base}.properties`, 'must be an object');
    const mapped = mapTrack(name, props, `${base}.properties`, `${base}.event`, occurredAt, options);
    event = { ...envelope, ...mapped } as CanonicalEvent;
  }

  // Every event leaves through the canonical schema: a mapping gap is an error with a path, never bad data.
  const parsed = CanonicalEventInput.safeParse(event);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, base);
    return rejected(reject(400, issue.error, issue.message, issue.path));
  }
  const out = { ...parsed.data, tenantId } as CanonicalEvent;
  const merge = kind === 'identify' && userId !== undefined && anonymousId !== undefined;
  if (!merge) return accepted([out]);
  // The anonymous visitor's activity merges into the customer's profile.
  const alias: CanonicalEvent = {
    ...envelope,
    eventId: `segment:${messageId}:alias`,
    type: 'alias',
    properties: { previousId: `anon:${anonymousId}` },
  };
  return { ...accepted([out, alias]), anonymousId };
}

/** Scalar traits only, as the canonical schema allows: nested objects (address, company) and long strings are dropped. */
function scalarTraits(traits: Record<string, unknown>, at: string): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  let count = 0;
  for (const [key, value] of Object.entries(traits)) {
    if (count === 50) break;
    if (key.length < 1 || key.length > 64) continue;
    // A number the store cannot keep is refused rather than dropped: it would be a wrong value, not a missing one.
    const problem = typeof value === 'number' ? storableNumberProblem(value) : undefined;
    if (problem) fail(jsonPath(at, [key]), problem);
    const keep =
      value === null ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= 256);
    if (!keep) continue;
    setOwn(out, key, value as string | number | boolean | null);
    count += 1;
  }
  return out;
}

type Mapped = { type: CanonicalEvent['type']; properties: Record<string, unknown> };
type Item = { productId: string; quantity: number; price?: Money };

function mapTrack(
  name: string,
  p: Record<string, unknown>,
  at: string,
  eventPath: string,
  occurredAt: string,
  options: SegmentOptions,
): Mapped {
  const currency = currencyOf(p.currency, `${at}.currency`, options.defaultCurrency ?? DEFAULT_CURRENCY);
  const money = (value: unknown, path: string): Money => ({ amount: minorUnits(value, currency, path), currency });
  const firstAmount = (keys: string[]): Money | undefined => {
    for (const key of keys) {
      if (p[key] !== undefined && p[key] !== null) return money(p[key], `${at}.${key}`);
    }
    return undefined;
  };
  const products = (): Item[] | undefined => productsOf(p.products, `${at}.products`, money);
  const sum = (items: Item[] | undefined, path: string): Money | undefined => {
    if (items === undefined) return undefined;
    let amount = 0;
    for (const [i, item] of items.entries()) {
      if (!item.price) return fail(`${path}[${i}].price`, 'is required to total the products');
      amount += item.price.amount * item.quantity;
    }
    if (!Number.isSafeInteger(amount)) fail(path, 'the products total is too large');
    return { amount, currency };
  };
  const orderId = () => idOf(p.order_id, `${at}.order_id`) ?? fail(`${at}.order_id`, 'is required');

  const orderState = () => {
    const total =
      firstAmount(['total', 'revenue', 'value']) ?? fail(`${at}.total`, 'is required (or revenue, or value)');
    const state: Record<string, unknown> = { orderId: orderId(), total };
    if (p.discount !== undefined && p.discount !== null) {
      // Some senders report the discount as a negative adjustment; its size is the discount either way.
      const discount = money(typeof p.discount === 'number' ? Math.abs(p.discount) : p.discount, `${at}.discount`);
      if (discount.amount > 0) state.discount = discount;
    }
    if (p.coupon !== undefined && p.coupon !== null) {
      if (typeof p.coupon !== 'string') fail(`${at}.coupon`, 'must be a string');
      const codes = [
        ...new Set(
          (p.coupon as string)
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c !== ''),
        ),
      ];
      if (codes.some((c) => c.length > 256)) fail(`${at}.coupon`, 'must be at most 256 characters');
      if (codes.length > 20) fail(`${at}.coupon`, 'at most 20 coupon codes');
      if (codes.length > 0) state.discountCodes = codes;
    }
    const items = products();
    if (items !== undefined) state.items = items;
    return state;
  };

  switch (name.trim().replace(/\s+/g, ' ').toLowerCase()) {
    case 'order completed':
      return { type: 'order_placed', properties: orderState() };
    case 'order cancelled': {
      if (p.placed_at === undefined || p.placed_at === null) {
        fail(`${at}.placed_at`, 'is required: say when the cancelled order was placed (the Segment spec has no field)');
      }
      const placedAt = timeOf(p.placed_at, `${at}.placed_at`);
      return { type: 'order_cancelled', properties: { ...orderState(), placedAt, updatedAt: occurredAt } };
    }
    case 'order refunded': {
      const id = orderId();
      const amount =
        firstAmount(['total', 'revenue', 'value']) ??
        sum(products(), `${at}.products`) ??
        fail(`${at}.total`, 'is required (or revenue, value, or products with prices)');
      return { type: 'refund', properties: { orderId: id, amount } };
    }
    case 'checkout started': {
      const checkoutId =
        idOf(p.checkout_id, `${at}.checkout_id`) ??
        idOf(p.order_id, `${at}.order_id`) ??
        idOf(p.cart_id, `${at}.cart_id`) ??
        fail(`${at}.checkout_id`, 'is required (or order_id, or cart_id)');
      const items = products();
      const value =
        firstAmount(['value', 'revenue', 'total']) ??
        sum(items, `${at}.products`) ??
        fail(`${at}.value`, 'is required (or revenue, total, or products with prices)');
      const properties: Record<string, unknown> = { checkoutId, value };
      if (items !== undefined) properties.itemCount = items.reduce((n, i) => n + i.quantity, 0);
      return { type: 'checkout_started', properties };
    }
    case 'cart viewed': {
      const items = products() ?? fail(`${at}.products`, 'is required: the products in the cart');
      const value = firstAmount(['value']) ?? (sum(items, `${at}.products`) as Money);
      const properties: Record<string, unknown> = { value, itemCount: items.reduce((n, i) => n + i.quantity, 0) };
      const cartId = idOf(p.cart_id, `${at}.cart_id`);
      if (cartId !== undefined) properties.cartId = cartId;
      return { type: 'cart_updated', properties };
    }
    case 'product viewed':
    case 'product added': {
      const productId =
        idOf(p.product_id, `${at}.product_id`) ??
        idOf(p.sku, `${at}.sku`) ??
        fail(`${at}.product_id`, 'is required (or sku)');
      const properties: Record<string, unknown> = { productId };
      if (p.price !== undefined && p.price !== null) properties.price = money(p.price, `${at}.price`);
      return { type: 'product_viewed', properties };
    }
    case 'coupon applied': {
      const orderRef = idOf(p.order_id, `${at}.order_id`);
      if (orderRef === undefined) {
        return fail(
          eventPath,
          'Coupon Applied without order_id is a coupon applied to a cart, not a redemption: the order records it',
          'unsupported_event',
        );
      }
      const code =
        idOf(p.coupon, `${at}.coupon`, 256) ??
        idOf(p.coupon_id, `${at}.coupon_id`, 256) ??
        idOf(p.coupon_name, `${at}.coupon_name`, 256) ??
        fail(`${at}.coupon_id`, 'is required (or coupon, or coupon_name)');
      return { type: 'coupon_redeemed', properties: { code, orderId: orderRef } };
    }
    case 'signed in': {
      const properties: Record<string, unknown> = {};
      if (typeof p.method === 'string' && p.method.trim() !== '') properties.method = p.method.trim().slice(0, 256);
      return { type: 'sign_in', properties };
    }
    case 'product reviewed': {
      const rating = typeof p.rating === 'string' && p.rating.trim() !== '' ? Number(p.rating) : p.rating;
      if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) {
        fail(`${at}.rating`, 'must be an integer star rating from 1 to 5');
      }
      const properties: Record<string, unknown> = { rating };
      const productId = idOf(p.product_id, `${at}.product_id`);
      if (productId !== undefined) properties.productId = productId;
      return { type: 'review', properties };
    }
    default:
      return fail(
        eventPath,
        `the event ${JSON.stringify(name)} is not mapped to a canonical event`,
        'unsupported_event',
      );
  }
}

function currencyOf(value: unknown, path: string, fallback: string): string {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'string' || !/^[A-Za-z]{3}$/.test(value.trim())) {
    return fail(path, 'must be an ISO 4217 code such as EUR');
  }
  return value.trim().toUpperCase();
}

function productsOf(value: unknown, path: string, money: (v: unknown, path: string) => Money): Item[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return fail(path, 'must be an array');
  if (value.length > 250) fail(path, 'at most 250 products');
  return value.map((product, i): Item => {
    const at = `${path}[${i}]`;
    if (!isRecord(product)) return fail(at, 'must be an object');
    const productId =
      idOf(product.product_id, `${at}.product_id`) ??
      idOf(product.sku, `${at}.sku`) ??
      fail(`${at}.product_id`, 'is required (or sku)');
    const q = product.quantity ?? 1;
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > 100_000) {
      fail(`${at}.quantity`, 'must be an integer from 1 to 100000');
    }
    const item: Item = { productId, quantity: q as number };
    if (product.price !== undefined && product.price !== null) item.price = money(product.price, `${at}.price`);
    return item;
  });
}

function minorUnits(value: unknown, currency: string, path: string): number {
  if (typeof value !== 'number' && typeof value !== 'string') {
    return fail(path, 'must be a decimal amount such as 29.35', 'invalid_amount');
  }
  try {
    return toMinorUnits(typeof value === 'string' ? value.trim() : value, currency);
  } catch (e) {
    return fail(path, (e as Error).message, 'invalid_amount');
  }
}
