// The dispatcher as `npm start` runs it: messages go to the local outbox (JSON lines in the data
// directory, GET /v1/outbox), e-mail through SMTP when a server is configured, webhooks for real
// (loopback allowed, since this runs on one machine); templates render in a worker. Marketing messages
// carry unsubscribe links to this runtime's own /u/{token} (or the tenant's dispatch.publicUrl). WeChat
// messages go to WeChat for a tenant whose secrets hold the app's credentials, to the outbox otherwise.

import { createOutbox } from '../adapters/channels/outbox';
import { createChannels } from '../adapters/channels/router';
import { createSmtpSender, type SmtpOptions } from '../adapters/channels/smtp';
import { createWebhookSender } from '../adapters/channels/webhook';
import { createWeChatSenders } from '../adapters/channels/wechat/senders';
import { createWorkerRenderer } from '../adapters/templates/worker-renderer';
import type { AppPorts } from '../app/common/ports';
import { createCouponIssuer } from '../app/dispatch/coupons';
import { createGuard } from '../app/dispatch/guard';
import { createRender } from '../app/dispatch/render';
import { createDispatch } from '../app/dispatch/run';
import type { TenantSecrets, WeChatSecrets } from '../core/config/schema';
import type { DataKeys } from '../ports';

export type LocalDispatchOptions = Pick<
  AppPorts,
  'store' | 'bus' | 'timers' | 'clock' | 'tenants' | 'log' | 'metrics'
> & {
  /** Where the outbox file is written. */
  outboxDir: string;
  /** E-mail goes out through this SMTP server when given, to the outbox otherwise. */
  smtp?: Omit<SmtpOptions, 'clock'>;
  secretsOf(tenantId: string): TenantSecrets | undefined;
  /** Where unsubscribe links point when a tenant sets no dispatch.publicUrl: this runtime's own URL. */
  publicUrl?: string;
  /** Seal the outbox's personal fields under each customer's data key. */
  dataKeys: DataKeys;
  /** Where the WeChat APIs are (api.weixin.qq.com and qyapi.weixin.qq.com by default; a loopback fake in tests). */
  wechat?: { apiBase?: string; wecomBase?: string };
};

export function startLocalDispatch(options: LocalDispatchOptions) {
  const { store, clock } = options;
  const outbox = createOutbox({ dataDir: options.outboxDir, clock, dataKeys: options.dataKeys });
  const renderer = createWorkerRenderer();
  const wechat = createWeChatSenders({
    clock,
    credentialsOf: async (tenantId) => options.secretsOf(tenantId)?.wechat,
    ...options.wechat,
  });
  // A tenant whose secrets hold the app's credentials sends through WeChat; the others' messages go to the outbox.
  const viaWeChat = <C extends keyof typeof wechat>(channel: C, has: (s: WeChatSecrets) => unknown) => ({
    send: (message: Parameters<(typeof wechat)[C]['send']>[0]) => {
      const credentials = options.secretsOf(message.tenantId)?.wechat;
      const sender = credentials && has(credentials) ? wechat[channel] : outbox;
      return sender.send(message as never);
    },
  });
  const channels = createChannels({
    email: options.smtp ? createSmtpSender({ ...options.smtp, clock }) : outbox,
    sms: outbox,
    push: outbox,
    webhook: createWebhookSender({ clock, allowLoopbackHttp: true }),
    wechat_miniprogram: viaWeChat('wechat_miniprogram', (s) => s.miniProgram),
    wechat_oa: viaWeChat('wechat_oa', (s) => s.officialAccount),
    wecom: viaWeChat('wecom', (s) => s.wecom),
  });
  const dispatch = createDispatch({
    ...options,
    channels,
    guard: createGuard({ store, clock }),
    issueCoupon: createCouponIssuer({ store, clock }),
    render: createRender({
      store,
      clock,
      renderer,
      unsubscribe: {
        secretOf: async (tenantId) => options.secretsOf(tenantId)?.unsubscribeSecret,
        ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      },
    }),
    emailFrom: (tenant) => tenant.dispatch?.emailFrom ?? `no-reply@${tenant.id}.localhost`,
    webhookSecrets: (tenant) => options.secretsOf(tenant.id)?.webhookSigningSecrets ?? [],
  });
  return { dispatch, close: () => renderer.close() };
}
