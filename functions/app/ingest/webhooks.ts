import { z } from 'zod';
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import type { TenantSecrets } from '../../core/config/schema';
import { shopifySecrets } from '../../core/config/tenants';
import type { CanonicalEvent } from '../../core/events/schemas';
import { eventTimesRejection } from '../../core/events/time-window';
import { tombstoneKey } from '../../core/privacy/records';
import { orderCustomer, orderIndexKey } from '../../core/profiles/items';
import { parseJsonPreservingBigInts } from '../../platforms/json';
import {
  checkShopifyPayload,
  normalizeShopify,
  refundOrderId,
  type ShopifyPrivacyRequest,
  verifyShopifyHmac,
} from '../../platforms/shopify';
import { isWooPing, normalizeWoo, verifyWooSignature } from '../../platforms/woocommerce';
import type { Item, Metrics, Store } from '../../ports';
import type { AppPorts } from '../common/ports';
import { createPrivacy, type Privacy } from '../privacy/run';
import { publishEvents } from './publish';

export const WebhookCommand = z.object({
  tenantId: z.string(),
  /** The body exactly as delivered: signatures are over these bytes. */
  raw: z.instanceof(Buffer),
  /** Header names in lower case. */
  headers: z.record(z.string(), z.string()),
});
export type WebhookCommand = z.infer<typeof WebhookCommand>;

export type WebhookDeps = Pick<AppPorts, 'bus' | 'store' | 'clock'> & {
  metrics: Metrics;
  secretsOf: (tenantId: string) => Promise<TenantSecrets | undefined>;
};

/** A signature check failed: 401 and nothing stored, without telling which part was wrong. */
const unauthorized = (signatureHeader: string) =>
  reject(
    401,
    'unauthorized',
    `${signatureHeader} does not match this body for this tenant`,
    `headers.${signatureHeader}`,
  );

const missing = (name: string) => reject(400, 'invalid_request', `${name} is missing`, `headers.${name}`);

const parseBody = (raw: Buffer) => parseJsonBody(raw.toString('utf8'), { parse: parseJsonPreservingBigInts });

/** A delivery answered 200 but not used: counted (metric IgnoredWebhooks by platform and topic). */
function ignored(deps: WebhookDeps, platform: string, topic: string, reason: string): Answer {
  deps.metrics.count('IgnoredWebhooks', 1, { platform, topic });
  return answer(200, { accepted: 0, ignored: reason });
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
  const keys = items.map((i) => tombstoneKey(tenantId(i.pk), String(i.customerId)));
  const erased = new Set((await store.getMany(keys)).map((t) => t.pk));
  return items.filter((_, n) => !erased.has((keys[n] as { pk: string }).pk));
}

/** Shopify's mandatory privacy topics, done at once (Shopify allows 30 days). */
async function privacyRequest(privacy: Privacy, tenantId: string, request: ShopifyPrivacyRequest) {
  if (request.type === 'shop_redact')
    return { privacy: request.type, ...(await privacy.eraseTenant(tenantId, 'shopify')) };
  if (!request.customerId) return { privacy: request.type, ignored: 'the request names no Shopify customer id' };
  if (request.type === 'customer_redact') {
    return { privacy: request.type, ...(await privacy.erase(tenantId, request.customerId, 'shopify')) };
  }
  const exported = await privacy.export(tenantId, request.customerId, 'shopify');
  return { privacy: request.type, exportedItems: exported.items.length };
}

/** A Shopify delivery: verified with the tenant's secret, normalized, put on the bus (or a privacy request carried out). */
export async function receiveShopifyWebhook(deps: WebhookDeps, command: WebhookCommand): Promise<Answer> {
  const { tenantId, raw, headers } = command;
  const secrets = shopifySecrets(await deps.secretsOf(tenantId), deps.clock.now());
  if (!verifyShopifyHmac(raw, headers['x-shopify-hmac-sha256'], secrets)) return unauthorized('x-shopify-hmac-sha256');
  const topic = headers['x-shopify-topic'];
  if (!topic) return missing('x-shopify-topic');
  const parsed = parseBody(raw);
  if (!parsed.ok) return parsed.rejection;
  // The signature covers the body, not the topic header: a body that is not the payload its topic promises (an
  // order sent as customers/redact) is refused before anything is looked up, erased, audited or published.
  const mismatch = checkShopifyPayload(topic, parsed.value);
  if (mismatch) return mismatch.rejection;
  let orderCustomerId: string | undefined;
  if (topic === 'refunds/create') {
    const orderId = refundOrderId(parsed.value);
    const index = orderId ? await deps.store.get(orderIndexKey(tenantId, orderId)) : undefined;
    orderCustomerId = index && orderCustomer(index);
    if (orderId && !orderCustomerId) {
      // Shopify retries for hours: by then the order's own webhook has named its customer.
      const message = `order ${orderId} has not been received yet; deliver the refund again later`;
      return reject(409, 'order_unknown', message, '$.order_id');
    }
  }
  const result = normalizeShopify({
    topic,
    body: parsed.value,
    tenantId,
    orderCustomerId,
    webhookId: headers['x-shopify-webhook-id'],
    eventId: headers['x-shopify-event-id'],
    triggeredAt: headers['x-shopify-triggered-at'],
  });
  switch (result.kind) {
    case 'events': {
      const outOfRange = eventTimesRejection(result.events, deps.clock.now());
      if (outOfRange) return outOfRange;
      await deps.store.putMany(await withoutErasedCustomers(deps.store, orderIndexItems(result.events)));
      await publishEvents(deps, result.events);
      return answer(200, { accepted: result.events.length });
    }
    case 'privacy':
      return answer(200, await privacyRequest(createPrivacy(deps), tenantId, result.request));
    case 'rejected':
      return result.rejection;
    default:
      return ignored(
        deps,
        'shopify',
        topic,
        result.kind === 'ignored' ? result.reason : 'the app was uninstalled; shop/redact follows',
      );
  }
}

/**
 * A WooCommerce delivery: the creation ping gets 200; deliveries are verified and normalized. A topic, resource and
 * event header that disagree, or a body that is not the topic's resource, is refused (400 topic_mismatch) by
 * normalizeWoo before anything is published.
 */
export async function receiveWooWebhook(deps: WebhookDeps, command: WebhookCommand): Promise<Answer> {
  const { tenantId, raw, headers } = command;
  if (isWooPing(headers['content-type'], raw.toString('utf8'), headers)) return answer(200, { ping: true });
  const secret = (await deps.secretsOf(tenantId))?.woocommerceWebhookSecret;
  if (!secret || !verifyWooSignature(raw, headers['x-wc-webhook-signature'], secret)) {
    return unauthorized('x-wc-webhook-signature');
  }
  const topic = headers['x-wc-webhook-topic'];
  if (!topic) return missing('x-wc-webhook-topic');
  const parsed = parseBody(raw);
  if (!parsed.ok) return parsed.rejection;
  const result = normalizeWoo({
    topic,
    body: parsed.value,
    tenantId,
    resource: headers['x-wc-webhook-resource'],
    event: headers['x-wc-webhook-event'],
    deliveryId: headers['x-wc-webhook-delivery-id'],
    source: headers['x-wc-webhook-source'],
  });
  if (result.kind === 'events') {
    const outOfRange = eventTimesRejection(result.events, deps.clock.now());
    if (outOfRange) return outOfRange;
    await publishEvents(deps, result.events);
    return answer(200, { accepted: result.events.length });
  }
  if (result.kind === 'rejected') return result.rejection;
  return ignored(deps, 'woocommerce', topic, result.reason);
}
