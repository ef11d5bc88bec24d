import middy from '@middy/core';
import { awsBus, awsDataKeys, awsStore, awsTenantSecrets } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { errorFields } from '../adapters/log';
import {
  receiveShopifyWebhook,
  receiveWooWebhook,
  type WebhookCommand,
  type WebhookDeps,
} from '../app/ingest/webhooks';
import {
  confirmUnsubscribe,
  showUnsubscribe,
  type UnsubscribeAnswer,
  type UnsubscribeCommand,
  type UnsubscribeDeps,
} from '../app/unsubscribe/run';
import type { Answer } from '../contracts/answers';
import { PAGE_STATUS, pageLanguage, renderUnsubscribePage } from '../core/dispatch/unsubscribe-page';
import {
  bodyText,
  encode,
  type HttpEvent,
  type HttpResult,
  headersOf,
  html,
  jsonErrors,
  lambdaEntry,
  rawBody,
  routeByKey,
} from '../http/lambda';
import type { Log } from '../ports';
import { awsTenants } from './common/tenants';

/**
 * The platform webhooks function: Shopify and WooCommerce deliveries, each to its use case; and the public
 * one-click unsubscribe pages (`/u/{token}`), which also verify a signature with a tenant secret.
 */
export function createWebhooksFunction(deps: WebhookDeps & UnsubscribeDeps & { log: Log }) {
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
  // A person reads these: every answer is a page in their language, a failure too (its details only in the log).
  const page =
    (run: (deps: UnsubscribeDeps, command: UnsubscribeCommand) => Promise<UnsubscribeAnswer>) =>
    async (event: HttpEvent): Promise<HttpResult> => {
      const language = pageLanguage(event.headers?.['accept-language']);
      try {
        const contentType = event.headers?.['content-type'];
        const { page } = await run(deps, {
          token: event.pathParameters?.token ?? '',
          body: bodyText(event),
          ...(contentType ? { contentType } : {}),
        });
        return html(PAGE_STATUS[page.kind], renderUnsubscribePage(page, language));
      } catch (e) {
        deps.log.error('request failed', { ...errorFields(e), routeKey: event.routeKey });
        return html(PAGE_STATUS.error, renderUnsubscribePage({ kind: 'error' }, language));
      }
    };
  return routeByKey({
    'POST /v1/webhooks/shopify/{tenantId}': route(receiveShopifyWebhook),
    'POST /v1/webhooks/woocommerce/{tenantId}': route(receiveWooWebhook),
    'GET /u/{token}': page(showUnsubscribe),
    'POST /u/{token}': page(confirmUnsubscribe),
  });
}

export const handler = lambdaEntry('webhooks', (observed) =>
  createWebhooksFunction({
    bus: awsBus(),
    dataKeys: awsDataKeys(),
    store: awsStore(),
    clock: systemClock,
    tenants: awsTenants(),
    secretsOf: awsTenantSecrets(),
    ...observed,
  }),
);
