import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type Accepted, accepted, type Ignored, ignored, type Rejected, rejected } from '../core/events/ingest';
import type { CanonicalEvent, Channel, EventOf, Money } from '../core/events/schemas';
import { jsonPath } from '../core/json-path';
import { setOwn } from '../core/own';
import type { OrphanRefund } from '../core/profiles/parked-refunds';
import { reject } from '../core/rejection';
import { isIanaTimeZone } from '../core/time-zone';
import { toMinorUnits } from './money';

// Shopify HTTPS webhooks (Admin REST payloads): verify the signature and map bodies onto canonical
// events. Pure: no I/O, no clock reads. Bodies must be parsed with parseJsonPreservingBigInts (./json):
// Shopify ids are 64-bit, and an id that lost precision is refused rather than used.

const SOURCE = 'shopify';
const HMAC_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * `X-Shopify-Hmac-Sha256` is base64(HMAC-SHA256(app client secret, raw body bytes)). Any of `secrets`
 * may have signed it (during a rotation Shopify keeps signing with the old secret for up to an hour).
 * Compared in constant time; a missing, malformed or wrong-length header is simply false. Never throws.
 */
export function verifyShopifyHmac(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  if (typeof header !== 'string' || !HMAC_BASE64.test(header)) return false;
  const given = Buffer.from(header, 'base64');
  let ok = false;
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret === '') continue;
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

export type ShopifyPrivacyRequest = {
  type: 'customer_data_request' | 'customer_redact' | 'shop_redact';
  shopDomain?: string;
  customerId?: string;
  email?: string;
  phone?: string;
  /** Order ids to export (customers/data_request) or to redact (customers/redact). */
  ordersRequested?: string[];
  dataRequestId?: string;
};

/** The normalizers' result (core/events/ingest.ts), plus Shopify's privacy requests and uninstall; rejected: the
 * body does not have the shape the topic promises (400, `path` points into it). `errors` of events stays empty. */
export type ShopifyResult =
  | Accepted
  | Rejected
  | Ignored
  | { kind: 'privacy'; request: ShopifyPrivacyRequest }
  | { kind: 'uninstalled' }
  /** A refund whose order's customer the caller does not know (no orderCustomerId): to keep until it is known. */
  | { kind: 'orphan_refund'; refund: OrphanRefund };

export type ShopifyInput = {
  /** `X-Shopify-Topic`, e.g. `orders/create`. */
  topic: string;
  /** The body, parsed with parseJsonPreservingBigInts. */
  body: unknown;
  tenantId: string;
  /** `X-Shopify-Webhook-Id`: one per delivery; dedupe deliveries on it, never part of an eventId. */
  webhookId?: string;
  /** `X-Shopify-Event-Id`: shared by the deliveries of one merchant action; accepted for tracing. */
  eventId?: string;
  /** `X-Shopify-Triggered-At`: the event time when the payload carries none. */
  triggeredAt?: string;
  /**
   * refunds/create carries the order id but no customer: the customer of that order, when the caller
   * knows it (e.g. from the order's earlier events). Without it the refund comes back as an orphan_refund.
   */
  orderCustomerId?: string;
};

type Json = Record<string, unknown>;
type OrderState = EventOf<'order_placed'>['properties'];
type Item = NonNullable<OrderState['items']>[number];

class Invalid extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** An exact integer id: a digit string (from the big-int-safe parser) or a safe integer number. */
function exactId(v: unknown): string | undefined {
  if (typeof v === 'string') return /^\d{1,40}$/.test(v) ? v : undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  return undefined;
}

/** `gid://shopify/Customer/706405506930370084` holds the exact id; `id` is the fallback. */
function resourceId(o: Json): string | undefined {
  const gid = o.admin_graphql_api_id;
  if (typeof gid === 'string') {
    const tail = gid.slice(gid.lastIndexOf('/') + 1);
    if (/^\d{1,40}$/.test(tail)) return tail;
  }
  return exactId(o.id);
}

/** Any ISO-8601 time with an offset → `2022-01-01T00:00:00.000Z`; undefined when absent or unreadable. */
function utc(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function money(amount: unknown, currency: unknown, path: string): Money {
  if (typeof currency !== 'string') throw new Invalid(path, `${path}: the currency is missing`);
  if (typeof amount !== 'string' && typeof amount !== 'number') {
    throw new Invalid(path, `${path}: the amount is missing`);
  }
  try {
    return { amount: toMinorUnits(amount, currency), currency };
  } catch (e) {
    throw new Invalid(path, `${path}: ${(e as Error).message}`);
  }
}

/** `{ shop_money: { amount, currency_code } }` (the `*_set` fields), else the plain amount in `currency`. */
function shopMoney(o: Json, field: string, currency: unknown): Money | undefined {
  const set = obj(o[`${field}_set`]);
  const shop = set && obj(set.shop_money);
  if (shop) return money(shop.amount, shop.currency_code, `$.${field}_set.shop_money`);
  const plain = o[field];
  if (plain === undefined || plain === null) return undefined;
  return money(plain, currency, `$.${field}`);
}

function presentmentMoney(o: Json, field: string): Money | undefined {
  const set = obj(o[`${field}_set`]);
  const shown = set && obj(set.presentment_money);
  return shown ? money(shown.amount, shown.currency_code, `$.${field}_set.presentment_money`) : undefined;
}

/** Shopify marketing consent states: pending (double opt-in not confirmed yet) says nothing. */
function consentGranted(consent: unknown): boolean | undefined {
  const state = obj(consent)?.state;
  switch (state) {
    case 'subscribed':
      return true;
    case 'unsubscribed':
    case 'not_subscribed':
    case 'redacted':
    case 'invalid':
      return false;
    default:
      return undefined;
  }
}

type Envelope = { tenantId: string; customerId: string; source: string };

function consentEvent(
  base: Envelope,
  eventId: string,
  channel: Channel,
  granted: boolean,
  at: string,
): EventOf<'consent_changed'> {
  return {
    ...base,
    type: 'consent_changed',
    eventId: `${eventId}:consent:${channel}`,
    occurredAt: at,
    properties: { channel, granted },
  };
}

/**
 * Consent events carried by a customer object (its email/sms_marketing_consent, else the legacy
 * accepts_marketing) or, failing those, by a checkout's buyer_accepts_marketing box. An unticked box is
 * not an opt-out (Shopify hides the box from subscribers), so it only ever grants.
 */
function consentEvents(base: Envelope, eventId: string, at: string, customer: Json, holder?: Json): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  const channels: [Channel, string, string, string][] = [
    ['email', 'email_marketing_consent', 'accepts_marketing', 'buyer_accepts_marketing'],
    ['sms', 'sms_marketing_consent', 'accepts_sms_marketing', 'buyer_accepts_sms_marketing'],
  ];
  for (const [channel, consentField, legacyField, boxField] of channels) {
    const consent = customer[consentField];
    let granted = consentGranted(consent);
    let when = at;
    if (granted !== undefined) {
      when = utc(obj(consent)?.consent_updated_at) ?? at;
    } else if (consent === undefined && typeof customer[legacyField] === 'boolean') {
      granted = customer[legacyField] as boolean;
      when = utc(customer.accepts_marketing_updated_at) ?? at;
    } else if (holder?.[boxField] === true) {
      granted = true;
    }
    if (granted !== undefined) events.push(consentEvent(base, eventId, channel, granted, when));
  }
  return events;
}

function customerOf(body: Json): { customer: Json; id: string } | undefined {
  const customer = obj(body.customer);
  const id = customer && resourceId(customer);
  return customer && id ? { customer, id } : undefined;
}

// ---- the payload each topic promises -----------------------------------------------------------
// Shopify signs the body, not the headers: a body signed for orders/create can be sent again under
// `X-Shopify-Topic: customers/redact`. So every topic used has the schema of its payload, and nothing
// happens to a body that does not fit it. Each kind of payload has a mark, keys that only it has
// (an order its financial_status, a checkout its abandoned_checkout_url, a refund its order_id and
// refund_line_items, a customer its state, a shop its myshopify_domain, the privacy payloads their
// shop_id and shop_domain, and their own lists), and no other kind's mark. A body of another kind
// is refused as `topic_mismatch`; one of the right kind with a field of the wrong type as
// `invalid_payload`. Only the fields the mapping reads are typed; other fields are left alone.

/** An exact integer id: a digit string (from the big-int-safe parser) or a safe integer number. */
const ExactId = z.union([z.string().regex(/^\d{1,40}$/), z.int().min(0)], { error: 'must be an integer id' });
const Time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time');
const Amount = z.union([z.string(), z.number()], { error: 'must be a decimal amount' });
const MoneyBag = z.object({ amount: Amount, currency_code: z.string() });
const MoneySet = z.object({ shop_money: MoneyBag, presentment_money: MoneyBag.nullish() });
const Consent = z.object({ state: z.string().nullish(), consent_updated_at: Time.nullish() });
/** The customer an order or a checkout names (not its own resource: the mapping reads only these). */
const CustomerRef = z.object({
  id: ExactId.nullish(),
  admin_graphql_api_id: z.string().nullish(),
  email_marketing_consent: Consent.nullish(),
  sms_marketing_consent: Consent.nullish(),
  accepts_marketing: z.boolean().nullish(),
  accepts_marketing_updated_at: Time.nullish(),
});

/** A key that is another kind's mark: a body that has it is that kind's payload, whatever the topic header says. */
const markOf = (what: string) => z.never({ error: `is a key of ${what}` }).optional();
type Mark = ReturnType<typeof markOf>;
const MARKS = {
  order: { what: 'an order', keys: ['financial_status'] },
  checkout: { what: 'a checkout', keys: ['abandoned_checkout_url'] },
  refund: { what: 'a refund', keys: ['order_id', 'refund_line_items'] },
  customer: { what: 'a customer', keys: ['state'] },
  shop: { what: 'a shop', keys: ['myshopify_domain'] },
  privacy: { what: 'a privacy request', keys: ['shop_id', 'shop_domain'] },
} as const;
type Kind = keyof typeof MARKS;
/** The keys of every kind's marks but `K`'s. */
type OthersMarks<K extends Kind> = Record<
  { [O in Exclude<Kind, K>]: (typeof MARKS)[O]['keys'][number] }[Exclude<Kind, K>],
  Mark
>;
/** The marks of every kind but `kind`, as keys its payload must not have. */
function othersMarks<const K extends Kind>(kind: K): OthersMarks<K> {
  const shape: Record<string, Mark> = {};
  for (const [other, { what, keys }] of Object.entries(MARKS)) {
    if (other !== kind) for (const key of keys) shape[key] = markOf(what);
  }
  return shape as OthersMarks<K>;
}

/** The Order resource (orders/create, paid, updated, cancelled: Shopify sends the same object for all four). */
const OrderKind = z.object({
  ...othersMarks('order'),
  financial_status: z.string().nullable(),
  line_items: z.array(z.unknown()),
});
const OrderPayload = OrderKind.extend({
  id: ExactId,
  admin_graphql_api_id: z.string().nullish(),
  created_at: Time.nullish(),
  updated_at: Time.nullish(),
  cancelled_at: Time.nullish(),
  currency: z.string().nullish(),
  total_price: Amount.nullish(),
  total_price_set: MoneySet.nullish(),
  total_discounts: Amount.nullish(),
  total_discounts_set: MoneySet.nullish(),
  discount_codes: z.array(z.object({ code: z.string().nullish() })).nullish(),
  buyer_accepts_marketing: z.boolean().nullish(),
  line_items: z.array(
    z.object({
      product_id: ExactId.nullish(),
      variant_id: ExactId.nullish(),
      quantity: z.number(),
      price: Amount.nullish(),
      price_set: MoneySet.nullish(),
    }),
  ),
  customer: CustomerRef.nullish(),
});
/** orders/cancelled: an order that has been cancelled (a live order's body is not a cancellation). */
const CancelledAt = z
  .string({ error: 'is not set: the order has not been cancelled' })
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time');
const CancelledOrderKind = OrderKind.extend({ cancelled_at: CancelledAt });
const CancelledOrderPayload = OrderPayload.extend({ cancelled_at: CancelledAt });

/** The Refund resource (refunds/create): it names its order, not its customer. */
const RefundKind = z.object({
  ...othersMarks('refund'),
  order_id: ExactId,
  refund_line_items: z.array(z.unknown()),
});
const RefundPayload = RefundKind.extend({
  id: ExactId,
  admin_graphql_api_id: z.string().nullish(),
  created_at: Time.nullish(),
  processed_at: Time.nullish(),
  refund_line_items: z.array(z.object({ subtotal_set: MoneySet.nullish(), total_tax_set: MoneySet.nullish() })),
  transactions: z.array(
    z.object({
      kind: z.string().nullish(),
      status: z.string().nullish(),
      amount: Amount.nullish(),
      currency: z.string().nullish(),
    }),
  ),
  total_duties_set: MoneySet.nullish(),
});

/** The Customer resource (customers/create, customers/update). */
const CustomerKind = z.object({ ...othersMarks('customer'), state: z.string() });
const CustomerPayload = CustomerKind.extend({
  id: ExactId,
  admin_graphql_api_id: z.string().nullish(),
  created_at: Time.nullish(),
  updated_at: Time.nullish(),
  email_marketing_consent: Consent.nullish(),
  sms_marketing_consent: Consent.nullish(),
  accepts_marketing: z.boolean().nullish(),
  accepts_marketing_updated_at: Time.nullish(),
});

/** The abandoned checkout (checkouts/create, checkouts/update). */
const CheckoutKind = z.object({
  ...othersMarks('checkout'),
  abandoned_checkout_url: z.string().nullable(),
  token: z.string(),
  line_items: z.array(z.unknown()),
});
const CheckoutPayload = CheckoutKind.extend({
  created_at: Time.nullish(),
  updated_at: Time.nullish(),
  currency: z.string().nullish(),
  presentment_currency: z.string().nullish(),
  total_price: Amount.nullish(),
  line_items: z.array(z.object({ quantity: z.number().nullish() })),
  customer: CustomerRef.nullish(),
  buyer_accepts_marketing: z.boolean().nullish(),
  buyer_accepts_sms_marketing: z.boolean().nullish(),
});

/** The Shop resource (app/uninstalled). Shopify's own sample has null domains: the keys must be there. */
const ShopKind = z.object({
  ...othersMarks('shop'),
  myshopify_domain: z.string().nullable(),
  domain: z.string().nullable(),
});
const ShopPayload = ShopKind.extend({ id: ExactId });

// The mandatory privacy payloads, as https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance
// documents them; each has its own list and none of the others'. shop/redact erases the whole tenant: a body
// that names a customer is not one.
const ofDataRequest = markOf('a customers/data_request payload');
const ofRedact = markOf('a customers/redact payload');
const PrivacyShop = { ...othersMarks('privacy'), shop_id: ExactId, shop_domain: z.string() };
const PrivacyCustomer = z.object({ id: ExactId, email: z.string().nullish(), phone: z.string().nullish() });
const DataRequestPayload = z.object({
  ...PrivacyShop,
  orders_to_redact: ofRedact,
  customer: PrivacyCustomer,
  orders_requested: z.array(ExactId),
  data_request: z.object({ id: ExactId }),
});
const CustomerRedactPayload = z.object({
  ...PrivacyShop,
  orders_requested: ofDataRequest,
  data_request: ofDataRequest,
  customer: PrivacyCustomer,
  orders_to_redact: z.array(ExactId),
});
const ShopRedactPayload = z.object({
  ...PrivacyShop,
  customer: markOf('a customer’s privacy request'),
  orders_to_redact: ofRedact,
  orders_requested: ofDataRequest,
  data_request: ofDataRequest,
});

type TopicSchemas = {
  /** The kind of payload: a body that fails it is another topic's (400 topic_mismatch). */
  kind: z.ZodType;
  /** The whole payload the mapping reads: a body of the right kind that fails it is malformed (400 invalid_payload). */
  payload: z.ZodType;
};
const whole = (schema: z.ZodType): TopicSchemas => ({ kind: schema, payload: schema });

/** Every topic used, with the payload it promises; a topic not in here is ignored (200). */
const TOPICS: ReadonlyMap<string, TopicSchemas> = new Map([
  ['orders/create', { kind: OrderKind, payload: OrderPayload }],
  ['orders/paid', { kind: OrderKind, payload: OrderPayload }],
  ['orders/updated', { kind: OrderKind, payload: OrderPayload }],
  ['orders/cancelled', { kind: CancelledOrderKind, payload: CancelledOrderPayload }],
  ['refunds/create', { kind: RefundKind, payload: RefundPayload }],
  ['customers/create', { kind: CustomerKind, payload: CustomerPayload }],
  ['customers/update', { kind: CustomerKind, payload: CustomerPayload }],
  ['checkouts/create', { kind: CheckoutKind, payload: CheckoutPayload }],
  ['checkouts/update', { kind: CheckoutKind, payload: CheckoutPayload }],
  ['app/uninstalled', { kind: ShopKind, payload: ShopPayload }],
  ['customers/data_request', whole(DataRequestPayload)],
  ['customers/redact', whole(CustomerRedactPayload)],
  ['shop/redact', whole(ShopRedactPayload)],
]);

/** The Shopify topics growthloop uses (each with its payload schema); every other topic is ignored. */
export const SHOPIFY_TOPICS: readonly string[] = [...TOPICS.keys()];

function refusal(error: string, body: Json, issues: z.ZodError, topic?: string): Rejected {
  const issue = issues.issues[0];
  const keys = issue?.path ?? [];
  const path = jsonPath('$', keys);
  const top = keys[0];
  const missing = keys.length === 1 && typeof top === 'string' && !Object.hasOwn(body, top);
  const reason = missing ? 'is missing' : (issue?.message ?? 'is invalid');
  const message = topic ? `${path}: ${reason}; the body is not the payload of ${topic}` : `${path}: ${reason}`;
  return rejected(reject(400, error, message, path));
}

/**
 * Whether `body` is the payload `topic` promises: undefined when it is (or the topic is not used), else the
 * 400 to answer. `topic_mismatch`: the body is another kind of payload (an order sent as customers/redact);
 * `invalid_payload`: the right kind with a malformed field; `invalid_body`: not a JSON object. The signature
 * covers the body only, so this runs before anything is done with a delivery.
 */
export function checkShopifyPayload(topic: string, body: unknown): Rejected | undefined {
  const schemas = TOPICS.get(topic);
  if (schemas === undefined) return undefined;
  const json = obj(body);
  if (json === undefined) return rejected(reject(400, 'invalid_body', 'the body must be a JSON object', '$'));
  // The payload schema extends the kind's, so a body that fits it is of the right kind.
  const payload = schemas.payload.safeParse(json);
  if (payload.success) return undefined;
  const kind = schemas.payload === schemas.kind ? payload : schemas.kind.safeParse(json);
  if (!kind.success) return refusal('topic_mismatch', json, kind.error, topic);
  return refusal('invalid_payload', json, payload.error);
}

/** The order a refunds/create body names: its customer must be looked up, since the refund does not say. */
export function refundOrderId(body: unknown): string | undefined {
  return body && typeof body === 'object' ? exactId((body as Json).order_id) : undefined;
}

const ORDER_TOPICS: ReadonlyMap<string, 'order_placed' | 'order_paid' | 'order_updated' | 'order_cancelled'> = new Map([
  ['orders/create', 'order_placed'],
  ['orders/paid', 'order_paid'],
  ['orders/updated', 'order_updated'],
  ['orders/cancelled', 'order_cancelled'],
] as const);

/**
 * Maps one Shopify webhook delivery onto canonical events (source `shopify`, eventIds are business keys,
 * so redeliveries, duplicate subscriptions and retries all give the same ids), once the body has been
 * checked against its topic's payload schema (checkShopifyPayload; a body of another topic is rejected):
 *
 * - orders/create → order_placed `shopify:order:<id>:placed` at created_at; orders/paid → order_paid
 *   `…:paid`; orders/updated → order_updated `…:updated:<updated_at>`; orders/cancelled → order_cancelled
 *   `…:cancelled` at cancelled_at. Money is the shop currency (`*_set.shop_money`). Plus consent_changed
 *   from the order's customer consent or buyer_accepts_marketing. An order without a customer is ignored.
 * - refunds/create → refund `shopify:refund:<id>` (successful refund transactions, else the refunded lines).
 * - customers/create|update → identify `shopify:customer:<id>:<updated_at>` plus consent_changed.
 * - checkouts/create|update → checkout_started `shopify:checkout:<token>:<updated_at>` (presentment
 *   currency, the one the buyer saw) plus consent_changed; a checkout without a customer is ignored.
 * - app/uninstalled (a Shop body) → uninstalled; customers/data_request, customers/redact, shop/redact → privacy.
 */
export function normalizeShopify(input: ShopifyInput): ShopifyResult {
  const body = obj(input.body);
  if (body === undefined) return rejected(reject(400, 'invalid_body', 'the body must be a JSON object', '$'));
  const topic = input.topic;
  if (!TOPICS.has(topic)) return ignored(`the Shopify topic ${JSON.stringify(topic)} is not mapped`);
  const refused = checkShopifyPayload(topic, body);
  if (refused) return refused;
  try {
    const orderType = ORDER_TOPICS.get(topic);
    if (orderType) return order(orderType, body, input);
    switch (topic) {
      case 'refunds/create':
        return refund(body, input);
      case 'customers/create':
      case 'customers/update':
        return customer(body, input);
      case 'checkouts/create':
      case 'checkouts/update':
        return checkout(body, input);
      case 'app/uninstalled':
        return { kind: 'uninstalled' };
      default:
        return { kind: 'privacy', request: privacy(topic, body) };
    }
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    return rejected(reject(400, 'invalid_payload', e.message, e.path));
  }
}

function order(
  type: 'order_placed' | 'order_paid' | 'order_updated' | 'order_cancelled',
  body: Json,
  input: ShopifyInput,
): ShopifyResult {
  const orderId = resourceId(body);
  if (orderId === undefined) throw new Invalid('$.id', '$.id: the order has no exact id');
  const owner = customerOf(body);
  if (owner === undefined) return ignored(`order ${orderId} has no customer to attribute it to`);

  const shopCurrency = body.currency;
  const total = shopMoney(body, 'total_price', shopCurrency);
  if (total === undefined) throw new Invalid('$.total_price', '$.total_price: the order has no total');
  const updatedAt = utc(body.updated_at);
  const createdAt = utc(body.created_at);
  const fallback = utc(input.triggeredAt);
  const occurredAt =
    type === 'order_placed'
      ? (createdAt ?? fallback)
      : type === 'order_cancelled'
        ? (utc(body.cancelled_at) ?? updatedAt ?? fallback)
        : (updatedAt ?? fallback);
  if (occurredAt === undefined) throw new Invalid('$.updated_at', '$.updated_at: the order has no time');

  const base: Envelope = { tenantId: input.tenantId, customerId: owner.id, source: SOURCE };
  const prefix = `shopify:order:${orderId}`;
  let event: CanonicalEvent;
  if (type === 'order_paid') {
    event = { ...base, type, eventId: `${prefix}:paid`, occurredAt, properties: { orderId, total } };
  } else {
    const state: OrderState = { orderId, total };
    const presentment = presentmentMoney(body, 'total_price');
    if (presentment && presentment.currency !== total.currency) state.presentmentTotal = presentment;
    const discount = shopMoney(body, 'total_discounts', shopCurrency);
    if (discount) state.discount = discount;
    if (Array.isArray(body.discount_codes)) {
      const codes: string[] = [];
      for (const d of body.discount_codes) {
        // Trimmed and once each, as WooCommerce's and Segment's are: redemption looks codes up normalized.
        const code = str(obj(d)?.code)?.trim();
        if (code && code.length <= 256 && codes.length < 20 && !codes.includes(code)) codes.push(code);
      }
      state.discountCodes = codes;
    }
    if (Array.isArray(body.line_items)) state.items = lineItems(body.line_items, shopCurrency);
    if (updatedAt) state.updatedAt = updatedAt;
    // A later report says when its order was placed (it may arrive before orders/create).
    if (createdAt) state.placedAt = createdAt;
    else if (type !== 'order_placed') throw new Invalid('$.created_at', '$.created_at: the order has no creation time');
    const eventId =
      type === 'order_placed'
        ? `${prefix}:placed`
        : type === 'order_updated'
          ? `${prefix}:updated:${updatedAt ?? occurredAt}`
          : `${prefix}:cancelled`;
    event = { ...base, type, eventId, occurredAt, properties: state } as CanonicalEvent;
  }
  return accepted([event, ...consentEvents(base, event.eventId, occurredAt, owner.customer, body)]);
}

/** Lines without a product (custom items, deleted products) or quantity cannot be recommended on: left out. */
function lineItems(lines: unknown[], shopCurrency: unknown): Item[] {
  const items: Item[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = obj(raw);
    const productId = line && exactId(line.product_id);
    if (!line || productId === undefined) continue;
    const quantity = line.quantity;
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 100_000) continue;
    const item: Item = { productId, quantity };
    const variantId = exactId(line.variant_id);
    if (variantId) item.variantId = variantId;
    try {
      const price = shopMoney(line, 'price', shopCurrency);
      if (price) item.price = price;
    } catch (e) {
      if (e instanceof Invalid) throw new Invalid(`$.line_items[${i}]${e.path.slice(1)}`, e.message);
      throw e;
    }
    items.push(item);
    if (items.length === 250) break;
  }
  return items;
}

function refund(body: Json, input: ShopifyInput): ShopifyResult {
  const refundId = resourceId(body);
  if (refundId === undefined) throw new Invalid('$.id', '$.id: the refund has no exact id');
  const orderId = exactId(body.order_id);
  if (orderId === undefined) throw new Invalid('$.order_id', '$.order_id: the refund has no exact order id');
  const lines = arr(body.refund_line_items).map(obj);
  // The shop currency: every *_set.shop_money in the refund is in it.
  let currency: string | undefined;
  for (const line of lines) currency ??= str(obj(obj(line?.subtotal_set)?.shop_money)?.currency_code);
  currency ??= str(obj(obj(body.total_duties_set)?.shop_money)?.currency_code);

  // What went back to the buyer: successful refund transactions, when they are in the shop currency.
  let amount = 0;
  let counted = false;
  for (const [i, raw] of arr(body.transactions).entries()) {
    const t = obj(raw);
    if (t?.kind !== 'refund' || t.status !== 'success') continue;
    const txCurrency = str(t.currency) ?? currency;
    if (txCurrency === undefined || (currency !== undefined && txCurrency !== currency)) {
      counted = false;
      break; // in another currency: fall back to the refunded lines, which are in shop money
    }
    currency = txCurrency;
    amount += money(t.amount, txCurrency, `$.transactions[${i}].amount`).amount;
    counted = true;
  }
  if (!counted) {
    amount = 0;
    if (currency === undefined) throw new Invalid('$.refund_line_items', '$.refund_line_items: no shop currency');
    for (const [i, line] of lines.entries()) {
      const sub = obj(obj(line?.subtotal_set)?.shop_money);
      const tax = obj(obj(line?.total_tax_set)?.shop_money);
      if (sub) amount += money(sub.amount, sub.currency_code, `$.refund_line_items[${i}].subtotal_set`).amount;
      if (tax) amount += money(tax.amount, tax.currency_code, `$.refund_line_items[${i}].total_tax_set`).amount;
    }
  }
  if (currency === undefined) throw new Invalid('$.transactions', '$.transactions: no shop currency');
  if (amount === 0) return ignored(`refund ${refundId} returns no money`);
  const occurredAt = utc(body.processed_at) ?? utc(body.created_at) ?? utc(input.triggeredAt);
  if (occurredAt === undefined) throw new Invalid('$.created_at', '$.created_at: the refund has no time');
  const orphan: OrphanRefund = {
    type: 'refund',
    tenantId: input.tenantId,
    eventId: `shopify:refund:${refundId}`,
    occurredAt,
    source: SOURCE,
    properties: { orderId, refundId, amount: { amount, currency } },
  };
  const customerId = input.orderCustomerId;
  if (!customerId) return { kind: 'orphan_refund', refund: orphan };
  const event: EventOf<'refund'> = { ...orphan, customerId };
  return accepted([event]);
}

const TRAITS = ['first_name', 'last_name', 'email', 'phone', 'state', 'currency', 'locale'] as const;

function customer(body: Json, input: ShopifyInput): ShopifyResult {
  const customerId = resourceId(body);
  if (customerId === undefined) throw new Invalid('$.id', '$.id: the customer has no exact id');
  const updatedAt = utc(body.updated_at) ?? utc(body.created_at) ?? utc(input.triggeredAt);
  if (updatedAt === undefined) throw new Invalid('$.updated_at', '$.updated_at: the customer has no time');
  const traits: Record<string, string | null> = {};
  for (const name of TRAITS) {
    const v = body[name];
    if (v === null || (typeof v === 'string' && v.length <= 256)) setOwn(traits, name, v);
  }
  const tags = body.tags;
  const tagText = Array.isArray(tags) ? tags.filter((t) => typeof t === 'string').join(', ') : tags;
  if (typeof tagText === 'string' && tagText.length <= 256) traits.tags = tagText;
  const properties: EventOf<'identify'>['properties'] = { traits };
  const zone = str(body.timezone) ?? str(body.iana_timezone);
  // Shopify's `timezone` may be a display name ("(GMT-05:00) Eastern Time"): anything not IANA is dropped.
  if (isIanaTimeZone(zone)) properties.timezone = zone;

  const base: Envelope = { tenantId: input.tenantId, customerId, source: SOURCE };
  const eventId = `shopify:customer:${customerId}:${updatedAt}`;
  const identify: CanonicalEvent = { ...base, type: 'identify', eventId, occurredAt: updatedAt, properties };
  return accepted([identify, ...consentEvents(base, eventId, updatedAt, body)]);
}

function checkout(body: Json, input: ShopifyInput): ShopifyResult {
  const token = str(body.token);
  if (token === undefined || token.length > 100) throw new Invalid('$.token', '$.token: the checkout has no token');
  const owner = customerOf(body);
  if (owner === undefined) return ignored(`checkout ${token} has no customer to attribute it to`);
  const occurredAt = utc(body.updated_at) ?? utc(body.created_at) ?? utc(input.triggeredAt);
  if (occurredAt === undefined) throw new Invalid('$.updated_at', '$.updated_at: the checkout has no time');
  // A checkout's prices are in the presentment currency, the one the buyer saw.
  const value = money(body.total_price, str(body.presentment_currency) ?? body.currency, '$.total_price');
  let itemCount = 0;
  for (const line of arr(body.line_items)) {
    const q = obj(line)?.quantity;
    if (typeof q === 'number' && Number.isInteger(q) && q > 0) itemCount += q;
  }
  const base: Envelope = { tenantId: input.tenantId, customerId: owner.id, source: SOURCE };
  const eventId = `shopify:checkout:${token}:${occurredAt}`;
  const started: CanonicalEvent = {
    ...base,
    type: 'checkout_started',
    eventId,
    occurredAt,
    properties: { checkoutId: token, value, itemCount },
  };
  return accepted([started, ...consentEvents(base, eventId, occurredAt, owner.customer, body)]);
}

/** A privacy topic's request, read from its checked payload. */
function privacy(topic: string, body: Json): ShopifyPrivacyRequest {
  if (topic === 'shop/redact') {
    return { type: 'shop_redact', shopDomain: ShopRedactPayload.parse(body).shop_domain };
  }
  let request: ShopifyPrivacyRequest;
  let who: z.infer<typeof PrivacyCustomer>;
  if (topic === 'customers/redact') {
    const p = CustomerRedactPayload.parse(body);
    who = p.customer;
    request = { type: 'customer_redact', shopDomain: p.shop_domain, ordersRequested: p.orders_to_redact.map(String) };
  } else {
    const p = DataRequestPayload.parse(body);
    who = p.customer;
    request = {
      type: 'customer_data_request',
      shopDomain: p.shop_domain,
      ordersRequested: p.orders_requested.map(String),
      dataRequestId: String(p.data_request.id),
    };
  }
  request.customerId = String(who.id);
  if (who.email) request.email = who.email;
  if (who.phone) request.phone = who.phone;
  return request;
}
