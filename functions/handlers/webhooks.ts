import middy from '@middy/core';
import { systemClock } from '../adapters/clock';
import type { TenantSecrets } from '../core/config/schema';
import { shopifySecrets } from '../core/config/tenants';
import type { CanonicalEvent } from '../core/events/schemas';
import { tombstoneKey } from '../core/privacy/records';
import { orderIndexKey } from '../core/profiles/items';
import { parseJsonPreservingBigInts } from '../platforms/json';
import { normalizeShopify, refundOrderId, type ShopifyPrivacyRequest, verifyShopifyHmac } from '../platforms/shopify';
import { isWooPing, normalizeWoo, verifyWooSignature } from '../platforms/woocommerce';
import type { Bus, Clock, Item, Store } from '../ports';
import { awsBus, awsStore, awsTenantSecrets, lazyHandler } from './aws';
import { apiError, type HttpEvent, type HttpResult, header, json, jsonErrors, routeByKey } from './http';
import { createPrivacy, type Privacy } from './privacy';
import { publishEvents } from './publish';

export type WebhookDeps = {
  bus: Bus;
  store: Store;
  clock: Clock;
  secretsOf: (tenantId: string) => Promise<TenantSecrets | undefined>;
};

const rawBody = (event: HttpEvent): Buffer => Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
/**
 * Counts a delivery answered 200 but not used, as a CloudWatch metric in embedded metric format
 * (growthloop/IgnoredWebhooks by platform and topic); locally it is a log line.
 */
function countIgnored(platform: string, topic: string, reason: string, now: number) {
  const emf = {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: 'growthloop',
          Dimensions: [['platform', 'topic']],
          Metrics: [{ Name: 'IgnoredWebhooks', Unit: 'Count' }],
        },
      ],
    },
    platform,
    topic,
    reason,
    IgnoredWebhooks: 1,
  };
  console.log(JSON.stringify(emf));
}

/** A signature check failed: 401 and nothing stored, without telling which part was wrong. */
const unauthorized = (signatureHeader: string) =>
  apiError(
    401,
    'unauthorized',
    `${signatureHeader} does not match this body for this tenant`,
    `headers.${signatureHeader}`,
  );

function parseBody(raw: Buffer): { ok: true; body: unknown } | { ok: false; result: HttpResult } {
  try {
    return { ok: true, body: parseJsonPreservingBigInts(raw.toString('utf8')) };
  } catch (e) {
    return {
      ok: false,
      result: apiError(400, 'invalid_json', `the body is not valid JSON: ${(e as Error).message}`, '$'),
    };
  }
}

/** POST /v1/webhooks/shopify/{tenantId}: verified with the tenant's Shopify secret, normalized, put on the bus. */
export function createShopifyWebhookHandler(deps: WebhookDeps) {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
    const tenantId = event.pathParameters?.tenantId ?? '';
    const raw = rawBody(event);
    const secrets = shopifySecrets(await deps.secretsOf(tenantId), deps.clock.now());
    if (!verifyShopifyHmac(raw, header(event, 'x-shopify-hmac-sha256'), secrets)) {
      return unauthorized('x-shopify-hmac-sha256');
    }
    const topic = header(event, 'x-shopify-topic');
    if (!topic) return apiError(400, 'invalid_request', 'x-shopify-topic is missing', 'headers.x-shopify-topic');
    const parsed = parseBody(raw);
    if (!parsed.ok) return parsed.result;
    let orderCustomerId: string | undefined;
    if (topic === 'refunds/create') {
      const orderId = refundOrderId(parsed.body);
      const index = orderId ? await deps.store.get(orderIndexKey(tenantId, orderId)) : undefined;
      orderCustomerId = index?.customerId as string | undefined;
      if (orderId && !orderCustomerId) {
        // Shopify retries for hours: by then the order's own webhook has named its customer.
        return apiError(
          409,
          'order_unknown',
          `order ${orderId} has not been received yet; deliver the refund again later`,
          '$.order_id',
        );
      }
    }
    const result = normalizeShopify({
      topic,
      body: parsed.body,
      tenantId,
      orderCustomerId,
      webhookId: header(event, 'x-shopify-webhook-id'),
      eventId: header(event, 'x-shopify-event-id'),
      triggeredAt: header(event, 'x-shopify-triggered-at'),
    });
    switch (result.kind) {
      case 'events':
        await deps.store.putMany(await withoutErasedCustomers(deps.store, orderIndexItems(result.events)));
        await publishEvents(deps.bus, result.events);
        return json(200, { accepted: result.events.length });
      case 'privacy':
        return json(200, await handlePrivacyRequest(createPrivacy(deps), tenantId, result.request));
      case 'invalid':
        return json(400, result.error);
      default: {
        const reason = result.kind === 'ignored' ? result.reason : 'the app was uninstalled; shop/redact follows';
        countIgnored('shopify', topic, reason, deps.clock.now());
        return json(200, { accepted: 0, ignored: reason });
      }
    }
  }).use(jsonErrors());
}

const ORDER_REPORTS = new Set(['order_placed', 'order_updated', 'order_cancelled', 'order_paid']);

/** Index items naming the customer of each order reported, so a later refund can be attributed. */
function orderIndexItems(events: CanonicalEvent[]): Item[] {
  return events
    .filter((e) => ORDER_REPORTS.has(e.type))
    .map((e) => ({
      ...orderIndexKey(e.tenantId, (e.properties as { orderId: string }).orderId),
      customerId: e.customerId,
    }));
}

/** An order index item must not bring back the id of an erased customer (a redelivery after erasure). */
async function withoutErasedCustomers(store: Store, items: Item[]): Promise<Item[]> {
  if (items.length === 0) return items;
  const tenantId = (pk: string) => pk.slice(0, pk.indexOf('#ORDER#'));
  const keys = items.map((i) => tombstoneKey(tenantId(i.pk), i.customerId as string));
  const erased = new Set((await store.getMany(keys)).map((t) => t.pk));
  return items.filter((_, n) => !erased.has((keys[n] as { pk: string }).pk));
}

/** Shopify's mandatory privacy topics, done at once (Shopify allows 30 days). */
async function handlePrivacyRequest(privacy: Privacy, tenantId: string, request: ShopifyPrivacyRequest) {
  if (request.type === 'shop_redact')
    return { privacy: request.type, ...(await privacy.eraseTenant(tenantId, 'shopify')) };
  if (!request.customerId) return { privacy: request.type, ignored: 'the request names no Shopify customer id' };
  if (request.type === 'customer_redact') {
    return { privacy: request.type, ...(await privacy.erase(tenantId, request.customerId, 'shopify')) };
  }
  const exported = await privacy.export(tenantId, request.customerId, 'shopify');
  return { privacy: request.type, exportedItems: exported.items.length };
}

/** POST /v1/webhooks/woocommerce/{tenantId}: the creation ping gets 200; deliveries are verified and normalized. */
export function createWooWebhookHandler(deps: WebhookDeps) {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
    const tenantId = event.pathParameters?.tenantId ?? '';
    const raw = rawBody(event);
    if (isWooPing(header(event, 'content-type'), raw.toString('utf8'), event.headers ?? {}))
      return json(200, { ping: true });
    const secret = (await deps.secretsOf(tenantId))?.woocommerceWebhookSecret;
    if (!secret || !verifyWooSignature(raw, header(event, 'x-wc-webhook-signature'), secret)) {
      return unauthorized('x-wc-webhook-signature');
    }
    const topic = header(event, 'x-wc-webhook-topic');
    if (!topic) return apiError(400, 'invalid_request', 'x-wc-webhook-topic is missing', 'headers.x-wc-webhook-topic');
    const parsed = parseBody(raw);
    if (!parsed.ok) return parsed.result;
    const result = normalizeWoo({
      topic,
      body: parsed.body,
      tenantId,
      deliveryId: header(event, 'x-wc-webhook-delivery-id'),
      source: header(event, 'x-wc-webhook-source'),
    });
    if (result.kind === 'events') {
      await publishEvents(deps.bus, result.events);
      return json(200, { accepted: result.events.length });
    }
    if (result.kind === 'invalid') return json(400, result.error);
    countIgnored('woocommerce', topic, result.reason, deps.clock.now());
    return json(200, { accepted: 0, ignored: result.reason });
  }).use(jsonErrors());
}

/** The platform webhooks function: Shopify and WooCommerce deliveries. */
export const createWebhooksFunction = (deps: WebhookDeps) =>
  routeByKey({
    'POST /v1/webhooks/shopify/{tenantId}': createShopifyWebhookHandler(deps),
    'POST /v1/webhooks/woocommerce/{tenantId}': createWooWebhookHandler(deps),
  });

export const handler = lazyHandler(() =>
  createWebhooksFunction({ bus: awsBus(), store: awsStore(), clock: systemClock, secretsOf: awsTenantSecrets() }),
);
