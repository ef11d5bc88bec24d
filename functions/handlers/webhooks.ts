import middy from '@middy/core';
import { awsBus, awsDataKeys, awsStore, awsTenantSecrets } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import {
  receiveShopifyWebhook,
  receiveWooWebhook,
  type WebhookCommand,
  type WebhookDeps,
} from '../app/ingest/webhooks';
import type { Answer } from '../contracts/answers';
import {
  encode,
  type HttpEvent,
  type HttpResult,
  headersOf,
  jsonErrors,
  lambdaEntry,
  rawBody,
  routeByKey,
} from '../http/lambda';
import type { Log } from '../ports';

/** The platform webhooks function: Shopify and WooCommerce deliveries, each to its use case. */
export function createWebhooksFunction(deps: WebhookDeps & { log: Log }) {
  const route = (receive: (deps: WebhookDeps, command: WebhookCommand) => Promise<Answer>) =>
    middy<HttpEvent, HttpResult>(async (event: HttpEvent) =>
      encode(
        await receive(deps, {
          tenantId: event.pathParameters?.tenantId ?? '',
          raw: rawBody(event),
          headers: headersOf(event),
        }),
      ),
    ).use(jsonErrors(deps.log));
  return routeByKey({
    'POST /v1/webhooks/shopify/{tenantId}': route(receiveShopifyWebhook),
    'POST /v1/webhooks/woocommerce/{tenantId}': route(receiveWooWebhook),
  });
}

export const handler = lambdaEntry('webhooks', (observed) =>
  createWebhooksFunction({
    bus: awsBus(),
    dataKeys: awsDataKeys(),
    store: awsStore(),
    clock: systemClock,
    secretsOf: awsTenantSecrets(),
    ...observed,
  }),
);
