import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  type Accepted,
  accepted,
  firstIssue,
  type Ignored,
  ignored,
  type Rejected,
  rejected,
} from '../core/events/ingest';
import { type CanonicalEvent, CanonicalEventInput, type Money } from '../core/events/schemas';
import { jsonPath } from '../core/json-path';
import { setOwn } from '../core/own';
import { type ApiError, reject } from '../core/rejection';
import { toMinorUnits } from './money';

// WooCommerce core webhooks (WC_Webhook): verify the signature, recognise the creation ping and map
// REST API v3 bodies onto canonical events. Pure: no I/O, no clock reads.

const SOURCE = 'woocommerce';

/**
 * `X-WC-Webhook-Signature` is base64(HMAC-SHA256(secret, exact body bytes)). Compared in constant
 * time; a missing or malformed header, or an empty secret, is simply "not verified". Never throws.
 */
export function verifyWooSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  try {
    if (typeof header !== 'string' || header.trim() === '' || secret === '') return false;
    const expected = Buffer.from(createHmac('sha256', secret).update(rawBody).digest('base64'), 'utf8');
    const given = Buffer.from(header.trim(), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  } catch {
    return false;
  }
}

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * The ping WooCommerce sends when a webhook is created or activated: a form body `webhook_id=<n>`
 * without any X-WC-Webhook-* header and without a signature. Answer it 200 and do nothing else.
 */
export function isWooPing(contentType: string | undefined, rawBody: string, headers: HeaderBag): boolean {
  if (!contentType || !/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType.trim())) return false;
  if (Object.keys(headers).some((name) => name.toLowerCase().startsWith('x-wc-webhook-'))) return false;
  return /^webhook_id=\d+$/.test(rawBody.trim());
}

export type WooTopic = string;
export type WooInput = {
  /** `X-WC-Webhook-Topic`, e.g. `order.created`. */
  topic: WooTopic;
  /** The parsed JSON body. */
  body: unknown;
  tenantId: string;
  /**
   * `X-WC-Webhook-Resource` (e.g. `order`) and `X-WC-Webhook-Event` (e.g. `created`): WooCommerce sends both, split
   * from the topic. When given they must agree with it; the signature covers the body, not these headers.
   */
  resource?: string;
  event?: string;
  /** `X-WC-Webhook-Delivery-ID`: new on every delivery, so never part of an eventId; accepted for tracing only. */
  deliveryId?: string;
  /**
   * `X-WC-Webhook-Source`, the store's home URL. Not part of the event: one tenant is one store, and the
   * canonical `source` is always `woocommerce`. Accepted so callers can pass the delivery's headers as they are.
   */
  source?: string;
};
/** The normalizers' result (core/events/ingest.ts); rejected: the body does not fit its topic (400). */
export type WooResult = Accepted | Rejected | Ignored;

// The signature covers the body, not the X-WC-Webhook-* headers: a signed customer body could be sent again as
// order.created. So each resource's body has its marks, keys only it has (an order its order_key and line_items,
// a customer its username and role), and none of the other's; a body without them is another resource's and is
// refused as `topic_mismatch` before it is read. Past that, only the fields the mapping reads are checked;
// everything else in the REST body is ignored (and never kept).
const markOf = (what: string) => z.never({ error: `is a key of ${what}` }).optional();
const WooOrderKind = z.object({
  username: markOf('a customer'),
  role: markOf('a customer'),
  order_key: z.string(),
  line_items: z.array(z.unknown()),
});
const WooCustomerKind = z.object({
  order_key: markOf('an order'),
  line_items: markOf('an order'),
  username: z.string(),
  role: z.string(),
});
const gmt = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'must be a WooCommerce _gmt time such as 2017-03-22T19:28:02');
// Ids are MySQL auto-increments; a JSON parser that keeps big integers exact may hand them over as bigint.
const wooId = z.union([z.int().min(1), z.bigint().positive()]);
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as 29.35');

const WooOrder = z.object({
  id: wooId,
  status: z.string(),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code such as USD'),
  date_created_gmt: gmt,
  date_modified_gmt: gmt,
  total: decimal,
  discount_total: decimal.optional(),
  customer_id: z.union([z.int().min(0), z.bigint().nonnegative()]),
  billing: z.object({ email: z.string().nullish() }).nullish(),
  line_items: z
    .array(
      z.object({
        product_id: z.int().nullish(),
        variation_id: z.int().nullish(),
        quantity: z.number(),
        price: z.union([z.number(), z.string()]).nullish(),
      }),
    )
    .default([]),
  coupon_lines: z.array(z.object({ code: z.string() })).default([]),
  refunds: z.array(z.object({ id: wooId, total: decimal })).default([]),
});
type WooOrder = z.infer<typeof WooOrder>;

const WooCustomer = z.object({
  id: wooId,
  date_modified_gmt: gmt,
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  username: z.string().nullish(),
  role: z.string().nullish(),
  billing: z.object({ phone: z.string().nullish(), email: z.string().nullish() }).nullish(),
});

/** `2017-03-22T19:28:02` (UTC, no zone) → `2017-03-22T19:28:02.000Z`. */
const utc = (gmtTime: string): string => new Date(`${gmtTime}Z`).toISOString();

/**
 * Maps one WooCommerce webhook delivery onto canonical events, once checkWooDelivery has found its topic, resource
 * and event headers in agreement and its body the topic's resource (else rejected, 400 topic_mismatch):
 *
 * - order.created → order_placed (`woocommerce:order:<id>:placed`, at date_created_gmt); a block-checkout
 *   draft (`checkout-draft`) is ignored.
 * - order.updated → order_updated (`woocommerce:order:<id>:updated:<date_modified_gmt>`), or order_cancelled
 *   under the same eventId when the status is `cancelled`. Every order report carries placedAt (date_created_gmt)
 *   and updatedAt (date_modified_gmt).
 * - each entry of `refunds[]` adds a refund (`woocommerce:refund:<refund id>`, the absolute value of its total).
 *   Status `refunded` itself adds nothing: WooCommerce core creates the refund record when an order is set to
 *   refunded (wc_order_fully_refunded), so it arrives in `refunds[]` and counts once, partial refunds included.
 * - customer.created / customer.updated → identify (`woocommerce:customer:<id>:<date_modified_gmt>`).
 * - *.deleted, *.restored and every other topic → ignored with a reason.
 *
 * Guest orders (customer_id 0) belong to `email:<billing email, trimmed and lower-cased>`; a guest order
 * without an e-mail is ignored. No other personal data leaves this function for orders.
 */
export function normalizeWoo(input: WooInput): WooResult {
  const { topic, body, tenantId } = input;
  const refused = checkWooDelivery(input);
  if (refused) return refused;
  switch (topic) {
    case 'order.created':
    case 'order.updated': {
      const parsed = WooOrder.safeParse(body);
      if (!parsed.success) return invalid(firstIssue(parsed.error, '$'));
      return mapOrder(topic, parsed.data, tenantId);
    }
    case 'customer.created':
    case 'customer.updated': {
      const parsed = WooCustomer.safeParse(body);
      if (!parsed.success) return invalid(firstIssue(parsed.error, '$'));
      const c = parsed.data;
      const traits: Record<string, string> = {};
      const put = (name: string, value: string | null | undefined) => {
        const v = value?.trim();
        if (v) setOwn(traits, name, v.slice(0, 256));
      };
      put('first_name', c.first_name);
      put('last_name', c.last_name);
      put('email', c.email || c.billing?.email);
      put('phone', c.billing?.phone);
      put('username', c.username);
      put('role', c.role);
      return finish(
        [
          {
            type: 'identify',
            tenantId,
            eventId: `woocommerce:customer:${c.id}:${c.date_modified_gmt}`,
            customerId: String(c.id),
            occurredAt: utc(c.date_modified_gmt),
            source: SOURCE,
            properties: { traits },
          },
        ],
        tenantId,
      );
    }
    case 'order.deleted':
      return ignored('order.deleted carries only the order id, with no customer to attribute it to');
    case 'customer.deleted':
      return ignored(
        'customer.deleted is not a marketing event; erase a customer through the admin API delete request',
      );
    default:
      return ignored(`the WooCommerce topic ${JSON.stringify(topic)} is not mapped`);
  }
}

/** The body kind each topic used promises. */
const KINDS: ReadonlyMap<string, { resource: string; kind: z.ZodType }> = new Map([
  ['order.created', { resource: 'order', kind: WooOrderKind }],
  ['order.updated', { resource: 'order', kind: WooOrderKind }],
  ['customer.created', { resource: 'customer', kind: WooCustomerKind }],
  ['customer.updated', { resource: 'customer', kind: WooCustomerKind }],
]);

/**
 * For a topic used: `X-WC-Webhook-Resource` and `X-WC-Webhook-Event`, when given, must be the topic's two halves,
 * and the body must be that resource (an order for order.*, a customer for customer.*). Undefined when they agree
 * (or the topic is not used), else the 400 `topic_mismatch` to answer.
 */
export function checkWooDelivery(input: Pick<WooInput, 'topic' | 'body' | 'resource' | 'event'>): Rejected | undefined {
  const used = KINDS.get(input.topic);
  if (used === undefined) return undefined;
  const event = input.topic.slice(used.resource.length + 1);
  for (const [header, given, expected] of [
    ['x-wc-webhook-resource', input.resource, used.resource],
    ['x-wc-webhook-event', input.event, event],
  ] as const) {
    if (given !== undefined && given !== expected) {
      const message = `headers.${header}: ${JSON.stringify(given)} does not match the topic ${input.topic} (${expected})`;
      return rejected(reject(400, 'topic_mismatch', message, `headers.${header}`));
    }
  }
  const body = input.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return rejected(reject(400, 'invalid_body', 'the body must be a JSON object', '$'));
  }
  const parsed = used.kind.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const keys = issue?.path ?? [];
  const path = jsonPath('$', keys);
  const top = keys[0];
  const missing = keys.length === 1 && typeof top === 'string' && !Object.hasOwn(body, top);
  const reason = missing ? 'is missing' : (issue?.message ?? 'is invalid');
  const message = `${path}: ${reason}; the body is not ${used.resource === 'order' ? 'an order' : 'a customer'}, as ${input.topic} promises`;
  return rejected(reject(400, 'topic_mismatch', message, path));
}

function mapOrder(topic: 'order.created' | 'order.updated', o: WooOrder, tenantId: string): WooResult {
  if (o.status === 'checkout-draft') {
    return ignored(`order ${o.id} is a checkout draft, not a placed order`);
  }
  let customerId: string;
  if (BigInt(o.customer_id) > 0n) {
    customerId = String(o.customer_id);
  } else {
    const email = o.billing?.email?.trim().toLowerCase();
    if (!email) return ignored(`guest order ${o.id} has no billing e-mail to attribute it to`);
    customerId = `email:${email}`;
    if (customerId.length > 128) return ignored(`guest order ${o.id} has an over-long e-mail`);
  }
  const currency = o.currency.toUpperCase();
  const money = (value: string, path: string): Money | ApiError => {
    try {
      return { amount: Math.abs(toMinorUnits(value, currency, { allowNegative: true })), currency };
    } catch (e) {
      return { error: 'invalid_amount', message: `${path}: ${(e as Error).message}`, path };
    }
  };
  const total = money(o.total, '$.total');
  if ('error' in total) return invalid(total);

  const items: NonNullable<CanonicalEventOrderState['items']> = [];
  for (const line of o.line_items) {
    if (!line.product_id || line.product_id < 1 || !Number.isInteger(line.quantity) || line.quantity < 1) continue;
    const item: (typeof items)[number] = { productId: String(line.product_id), quantity: line.quantity };
    if (line.variation_id && line.variation_id > 0) item.variantId = String(line.variation_id);
    if (line.price !== undefined && line.price !== null) {
      // `price` is total/quantity as a PHP float; keep it only when it is exact in the currency.
      const price = money(String(line.price), '$.line_items[].price');
      if (!('error' in price)) item.price = price;
    }
    items.push(item);
    if (items.length === 250) break;
  }
  const placedAt = utc(o.date_created_gmt);
  const updatedAt = utc(o.date_modified_gmt);
  const state = { orderId: String(o.id), total, items, placedAt, updatedAt } as CanonicalEventOrderState & {
    placedAt: string;
  };
  if (o.discount_total !== undefined) {
    const discount = money(o.discount_total, '$.discount_total');
    if ('error' in discount) return invalid(discount);
    if (discount.amount > 0) state.discount = discount;
  }
  const codes = [...new Set(o.coupon_lines.map((c) => c.code.trim()).filter((c) => c !== ''))];
  if (codes.length > 0) state.discountCodes = codes.slice(0, 20).map((c) => c.slice(0, 256));

  const base = { tenantId, customerId, source: SOURCE };
  const events: CanonicalEvent[] = [];
  if (topic === 'order.created') {
    events.push({
      ...base,
      type: 'order_placed',
      eventId: `woocommerce:order:${o.id}:placed`,
      occurredAt: placedAt,
      properties: state,
    });
  } else {
    // Each report of the order is one event; a cancelled order's every report says so, because the profile
    // keeps the latest report of each order and a later plain update must not revive it.
    events.push({
      ...base,
      type: o.status === 'cancelled' ? 'order_cancelled' : 'order_updated',
      eventId: `woocommerce:order:${o.id}:updated:${o.date_modified_gmt}`,
      occurredAt: updatedAt,
      properties: state,
    });
  }
  for (const [i, r] of o.refunds.entries()) {
    const amount = money(r.total, `$.refunds[${i}].total`);
    if ('error' in amount) return invalid(amount);
    if (amount.amount === 0) continue;
    events.push({
      ...base,
      type: 'refund',
      eventId: `woocommerce:refund:${r.id}`,
      occurredAt: updatedAt,
      properties: { orderId: String(o.id), refundId: String(r.id), amount },
    });
  }
  return finish(events, tenantId);
}

type CanonicalEventOrderState = Extract<CanonicalEvent, { type: 'order_placed' }>['properties'];

/** Every event leaves through the canonical schema, so a mapping mistake is an error, never bad data. */
function finish(events: CanonicalEvent[], tenantId: string): WooResult {
  const out: CanonicalEvent[] = [];
  for (const event of events) {
    const parsed = CanonicalEventInput.safeParse(event);
    if (!parsed.success) return invalid(firstIssue(parsed.error, '$'));
    out.push({ ...parsed.data, tenantId } as CanonicalEvent);
  }
  return accepted(out);
}

const invalid = ({ error, message, path }: ApiError): WooResult => rejected(reject(400, error, message, path));
