import middy from '@middy/core';
import {
  awsBus,
  awsEmailSender,
  awsPushSender,
  awsSmsSender,
  awsStore,
  awsTenantSecrets,
  awsTimers,
  defaultEmailFrom,
  defaultPublicUrl,
} from '../adapters/aws/environment';
import { type ChannelSender, createChannels } from '../adapters/channels/router';
import { createWebhookSender } from '../adapters/channels/webhook';
import { createWeChatSenders } from '../adapters/channels/wechat/senders';
import { systemClock } from '../adapters/clock';
import { createWorkerRenderer } from '../adapters/templates/worker-renderer';
import { createCouponIssuer } from '../app/dispatch/coupons';
import { indexedSmsSender } from '../app/dispatch/feedback';
import { createGuard } from '../app/dispatch/guard';
import { createRender, type UnsubscribeLinks } from '../app/dispatch/render';
import { createDispatch, type DispatchDeps } from '../app/dispatch/run';
import type { TenantSecrets } from '../core/config/schema';
import { lambdaEntry, sqsBatch } from '../http/lambda';
import { ProviderError } from '../ports';
import { awsTenants } from './common/tenants';

/** The dispatch function (actions queue): carries out each action once, through the providers. */
export const createDispatchHandler = (deps: DispatchDeps) => {
  const dispatch = createDispatch(deps);
  return middy(sqsBatch((records) => dispatch({ records })));
};

/**
 * Webhook-out signed with the tenant's secrets as Secrets Manager holds them now. DispatchDeps.webhookSecrets
 * answers synchronously and the secret is read asynchronously (cached 5 minutes by the reader), so the
 * secrets are put on the message here, at send time. A secret that cannot be read is `transient`: the
 * action is retried with backoff, then parked, and never sent unsigned or counted as unknown.
 */
function signedWithTenantSecrets(
  sender: ChannelSender<'webhook'>,
  secretsOf: (tenantId: string) => Promise<TenantSecrets | undefined>,
): ChannelSender<'webhook'> {
  return {
    async send(message) {
      let secrets: readonly string[];
      try {
        secrets = (await secretsOf(message.tenantId))?.webhookSigningSecrets ?? [];
      } catch (e) {
        throw new ProviderError(
          'transient',
          `the tenant's webhook signing secrets could not be read: ${(e as Error).message}`,
        );
      }
      return sender.send({ ...message, secrets });
    },
  };
}

/** Unsubscribe links: the tenant's secret as Secrets Manager holds it now, at the HTTP API's URL by default. */
function unsubscribeLinks(): UnsubscribeLinks {
  const secretsOf = awsTenantSecrets();
  const publicUrl = defaultPublicUrl();
  return {
    secretOf: async (tenantId) => (await secretsOf(tenantId))?.unsubscribeSecret,
    ...(publicUrl ? { publicUrl } : {}),
  };
}

export const handler = lambdaEntry('dispatch', (observed) => {
  const store = awsStore();
  const clock = systemClock;
  const fallbackFrom = defaultEmailFrom();
  const tenantSecrets = awsTenantSecrets();
  // WeChat with each tenant's app credentials from the tenant secrets (a tenant without them: 'permanent').
  const wechat = createWeChatSenders({ clock, credentialsOf: async (id) => (await tenantSecrets(id))?.wechat });
  return createDispatchHandler({
    store,
    bus: awsBus(),
    timers: awsTimers(),
    clock,
    tenants: awsTenants(),
    ...observed,
    channels: createChannels({
      email: awsEmailSender(),
      sms: indexedSmsSender(awsSmsSender(), { store, clock, ...observed }),
      push: awsPushSender(),
      webhook: signedWithTenantSecrets(createWebhookSender({ clock, allowLoopbackHttp: false }), tenantSecrets),
      ...wechat,
    }),
    guard: createGuard({ store, clock }),
    issueCoupon: createCouponIssuer({ store, clock }),
    // Bundled, the renderer's worker is render-worker.mjs beside this bundle (lib/actions.ts builds it).
    // Marketing messages link to /u/{token}, signed with the tenant's unsubscribeSecret (none without one).
    render: createRender({ store, clock, renderer: createWorkerRenderer(), unsubscribe: unsubscribeLinks() }),
    // No From at all: SES refuses the message as permanent ("from is not an address SES can send to").
    emailFrom: (tenant) => tenant.dispatch?.emailFrom ?? fallbackFrom ?? '',
    // Put on each webhook at send time by signedWithTenantSecrets.
    webhookSecrets: () => [],
  });
});
