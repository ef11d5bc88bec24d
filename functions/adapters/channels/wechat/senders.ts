/**
 * The WeChat channels:
 *
 *   wechat_miniprogram  POST {api}/cgi-bin/message/subscribe/send?access_token=…
 *                       {touser, template_id, page?, data: {kw: {value}}, miniprogram_state?, lang?}
 *   wechat_oa           POST {api}/cgi-bin/message/template/send?access_token=…
 *                       {touser, template_id, url?, miniprogram?: {appid, pagepath}, data, client_msg_id}
 *   wecom               POST {qyapi}/cgi-bin/externalcontact/add_msg_template?access_token=…
 *                       {chat_type: 'single', external_userid: [to], sender?, text: {content}}
 *
 * Each tenant's apps come from its secrets (TenantSecrets.wechat). A token error (40001, 40014, 41001, 42001)
 * drops the cached token and the send is tried once more with a fresh one. The refusals revoke the channel's
 * consent (ProviderError.revokesConsent): 43101 on the mini-program (the user declined, or a one-time
 * subscription was used up), 43004 on the official account (the user does not follow it). A WeCom message
 * whose customer comes back in `fail_list` (not a contact of the sender, or the monthly limit reached) is
 * 'permanent'. WeCom's add_msg_template creates a task the member confirms in the WeCom app: `msgid` names it.
 */
import { createHash } from 'node:crypto';
import type { WeChatSecrets } from '../../../core/config/schema';
import { type Clock, type OutgoingMessage, ProviderError, type SendReceipt } from '../../../ports';
import type { ChannelSender } from '../router';
import { callWeChat, classifyAnswer, isOk, TOKEN_ERRCODES, type WeChatAnswer } from './http';
import { createTokenCache, type TokenCache, type TokenSource, WECHAT_API_BASE, WECOM_API_BASE } from './token-cache';

export const WECHAT_MINIPROGRAM_PROVIDER = 'wechat-miniprogram';
export const WECHAT_OA_PROVIDER = 'wechat-oa';
export const WECOM_PROVIDER = 'wecom';

export type WeChatSendersOptions = {
  clock: Clock;
  /** The tenant's WeChat credentials as held now (a failed read is retried: 'transient'). */
  credentialsOf(tenantId: string): Promise<WeChatSecrets | undefined>;
  /** https://api.weixin.qq.com by default. */
  apiBase?: string;
  /** https://qyapi.weixin.qq.com by default. */
  wecomBase?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Shared by the senders; one is made when absent. */
  tokens?: TokenCache;
};

export type WeChatSenders = {
  wechat_miniprogram: ChannelSender<'wechat_miniprogram'>;
  wechat_oa: ChannelSender<'wechat_oa'>;
  wecom: ChannelSender<'wecom'>;
};

type Api = {
  provider: string;
  base: string;
  path: string;
  refusals: ReadonlySet<number>;
  source(credentials: WeChatSecrets | undefined): TokenSource | undefined;
};

const asData = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([keyword, value]) => [keyword, { value }]));

/** OA client_msg_id (at most 64 characters): the action key, hashed when longer, so a retry is dropped by WeChat. */
const clientMsgId = (key: string) =>
  key.length <= 64 ? key : createHash('sha256').update(key).digest('base64url').slice(0, 43);

const refuse = (provider: string, reason: string) => new ProviderError('permanent', `${provider}: ${reason}`);

export function createWeChatSenders(options: WeChatSendersOptions): WeChatSenders {
  const { clock } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const apiBase = options.apiBase ?? WECHAT_API_BASE;
  const wecomBase = options.wecomBase ?? WECOM_API_BASE;
  const tokens =
    options.tokens ?? createTokenCache({ clock, apiBase, wecomBase, ...(options.timeoutMs ? { timeoutMs } : {}) });

  async function credentials(tenantId: string, provider: string): Promise<WeChatSecrets | undefined> {
    try {
      return await options.credentialsOf(tenantId);
    } catch (e) {
      throw new ProviderError('transient', `${provider}: the tenant's WeChat credentials could not be read`, {
        cause: e,
      });
    }
  }

  /** One send with the app's token; on a token error, once more with a fresh token. */
  async function post(api: Api, tenantId: string, body: unknown): Promise<WeChatAnswer> {
    const source = api.source(await credentials(tenantId, api.provider));
    if (!source) throw refuse(api.provider, `no credentials for this channel in the tenant's secrets (wechat)`);
    let answer: WeChatAnswer | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const token = await tokens.get(source);
      const url = new URL(api.path, api.base);
      url.searchParams.set('access_token', token);
      answer = await callWeChat(url, { body, timeoutMs, provider: api.provider });
      const errcode = typeof answer.body?.errcode === 'number' ? answer.body.errcode : undefined;
      if (errcode === undefined || !TOKEN_ERRCODES.has(errcode)) break;
      tokens.invalidate(source, token);
    }
    const last = answer as WeChatAnswer;
    if (!isOk(last)) throw classifyAnswer(last, { provider: api.provider, refusals: api.refusals, nowMs: clock.now() });
    return last;
  }

  const receipt = (provider: string, answer: WeChatAnswer, key: string): SendReceipt => {
    const msgid = answer.body?.msgid;
    return {
      provider,
      providerMessageId: typeof msgid === 'string' || typeof msgid === 'number' ? String(msgid) : key,
    };
  };

  const miniProgram: Api = {
    provider: WECHAT_MINIPROGRAM_PROVIDER,
    base: apiBase,
    path: '/cgi-bin/message/subscribe/send',
    refusals: new Set([43101]),
    source: (c) => c?.miniProgram && { kind: 'app', ...c.miniProgram },
  };
  const officialAccount: Api = {
    provider: WECHAT_OA_PROVIDER,
    base: apiBase,
    path: '/cgi-bin/message/template/send',
    refusals: new Set([43004]),
    source: (c) => c?.officialAccount && { kind: 'app', ...c.officialAccount },
  };
  const wecom: Api = {
    provider: WECOM_PROVIDER,
    base: wecomBase,
    path: '/cgi-bin/externalcontact/add_msg_template',
    refusals: new Set(),
    source: (c) => c?.wecom && { kind: 'wecom', ...c.wecom },
  };

  const needs = (provider: string, message: { to: string; templateId?: string }) => {
    if (message.to.trim() === '') throw refuse(provider, 'the customer has no id on this channel');
    if (message.templateId !== undefined && message.templateId === '') throw refuse(provider, 'no template_id');
  };

  return {
    wechat_miniprogram: {
      async send(message: Extract<OutgoingMessage, { channel: 'wechat_miniprogram' }>) {
        needs(miniProgram.provider, message);
        const answer = await post(miniProgram, message.tenantId, {
          touser: message.to,
          template_id: message.templateId,
          ...(message.page ? { page: message.page } : {}),
          data: asData(message.data),
          ...(message.state ? { miniprogram_state: message.state } : {}),
          ...(message.lang ? { lang: message.lang } : {}),
        });
        return receipt(miniProgram.provider, answer, message.key);
      },
    },
    wechat_oa: {
      async send(message: Extract<OutgoingMessage, { channel: 'wechat_oa' }>) {
        needs(officialAccount.provider, message);
        const answer = await post(officialAccount, message.tenantId, {
          touser: message.to,
          template_id: message.templateId,
          ...(message.url ? { url: message.url } : {}),
          ...(message.miniprogram ? { miniprogram: message.miniprogram } : {}),
          data: asData(message.data),
          client_msg_id: clientMsgId(message.key),
        });
        return receipt(officialAccount.provider, answer, message.key);
      },
    },
    wecom: {
      async send(message: Extract<OutgoingMessage, { channel: 'wecom' }>) {
        needs(wecom.provider, message);
        if (message.text.trim() === '') throw refuse(wecom.provider, 'the message text is empty');
        const answer = await post(wecom, message.tenantId, {
          chat_type: 'single',
          external_userid: [message.to],
          ...(message.sender ? { sender: message.sender } : {}),
          text: { content: message.text },
        });
        const failed = answer.body?.fail_list;
        if (Array.isArray(failed) && failed.includes(message.to))
          throw refuse(wecom.provider, 'the customer cannot receive it (fail_list: not a contact, or over the limit)');
        return receipt(wecom.provider, answer, message.key);
      },
    },
  };
}
