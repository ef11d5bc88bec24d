import { z } from 'zod';
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import type { TenantSecrets } from '../../core/config/schema';
import { shopifySecrets } from '../../core/config/tenants';
import type { CanonicalEvent } from '../../core/events/schemas';
import { eventTimesRejection } from '../../core/events/time-window';
import { tombstoneKey } from '../../core/privacy/records';
import { orderCustomer, orderIndexKey } from '../../core/profiles/items';
import {
  type OrphanRefund,
  PARKED_REFUND_PREFIX,
  parkedRefundItem,
  releasedRefund,
} from '../../core/profiles/parked-refunds';
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
import { requestTenantErasure } from '../privacy/erase-tenant';
import { createPrivacy, type Privacy } from '../privacy/run';
import { type PublishDeps, publishEvents } from './publish';

export const WebhookCommand = z.object({
  tenantId: z.string(),
  /** The body exactly as delivered: signatures are over these bytes. */
  raw: z.instanceof(Buffer),
  /** Header names in lower case. */
  headers: z.record(z.string(), z.string()),
});
export type WebhookCommand = z.infer<typeof WebhookCommand>;

export type WebhookDeps = Pick<AppPorts, 'bus' | 'store' | 'clock'> &
  Pick<PublishDeps, 'dataKeys'> & {
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

/** The customer an order was reported for; read strongly consistent, since the order's webhook may have just written it. */
async function customerOfOrder(store: Store, tenantId: string, orderId: string): Promise<string | undefined> {
  const index = await store.get(orderIndexKey(tenantId, orderId), { consistent: true });
  return index && orderCustomer(index);
}

/** The refunds parked under these orders, as their events now that the orders' customers are known. */
async function parkedRefundsOf(store: Store, indexItems: Item[]) {
  const found: { item: Item; event: CanonicalEvent }[] = [];
  for (const index of indexItems) {
    const parked = await store.query(index.pk, { skPrefix: PARKED_REFUND_PREFIX, consistent: true });
    for (const item of parked) found.push({ item, event: releasedRefund(item, String(index.customerId)) });
  }
  return found;
}

/**
 * A refund of an order not reported yet (placed before the store installed growthloop, or its webhook still on its
 * way) is answered 200 and parked under its order: Shopify removes a subscription whose deliveries keep failing. The
 * order's webhook releases it (its event id makes a release and a redelivery fold once). Parked first, then the order
 * looked up again: an order indexed in between either finds this refund or is found here.
 */
async function parkRefund(deps: WebhookDeps, refund: OrphanRefund): Promise<Answer> {
  const outOfRange = eventTimesRejection([{ ...refund, customerId: 'unknown' }], deps.clock.now());
  if (outOfRange) return outOfRange;
  const item = parkedRefundItem(refund);
  await deps.store.put(item);
  const customerId = await customerOfOrder(deps.store, refund.tenantId, refund.properties.orderId);
  if (customerId) {
    await publishEvents(deps, [releasedRefund(item, customerId)]);
    await deps.store.delete(item);
    return answer(200, { accepted: 1 });
  }
  deps.metrics.count('ParkedRefunds', 1);
  return answer(200, { accepted: 0, parked: 1 });
}

/**
 * Shopify's mandatory privacy topics (Shopify allows 30 days): a customer's are done at once; a shop's erasure is
 * recorded and answered at once, and runs in the background (functions/app/privacy/erase-tenant.ts).
 */
async function privacyRequest(deps: WebhookDeps, privacy: Privacy, tenantId: string, request: ShopifyPrivacyRequest) {
  if (request.type === 'shop_redact') {
    const job = await requestTenantErasure(deps, tenantId, 'shopify');
    return { privacy: request.type, erasure: job.status, requestedAt: job.requestedAt };
  }
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
    orderCustomerId = orderId ? await customerOfOrder(deps.store, tenantId, orderId) : undefined;
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
      const indexed = await withoutErasedCustomers(deps.store, orderIndexItems(result.events));
      await deps.store.putMany(indexed);
      const parked = await parkedRefundsOf(deps.store, indexed);
      await publishEvents(deps, [...result.events, ...parked.map((p) => p.event)]);
      for (const { item } of parked) await deps.store.delete(item);
      return answer(200, { accepted: result.events.length, ...(parked.length ? { released: parked.length } : {}) });
    }
    case 'orphan_refund':
      return parkRefund(deps, result.refund);
    case 'privacy':
      return answer(200, await privacyRequest(deps, createPrivacy(deps), tenantId, result.request));
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
