/**
 * From an action and the customer's profile to the message a provider gets: where it goes
 * (the profile's e-mail, phone or push endpoint; a webhook's URL) and what it says (the rendered
 * template parts). Pure: the caller renders and sends.
 */
import type { Action } from '../journeys/schema';
import { ownValue } from '../own';
import type { Profile } from '../profiles/profile';

/** The channel an action sends on, or undefined for actions that send nothing (tags, tasks, points). */
export type MessageChannel = 'email' | 'sms' | 'push' | 'webhook' | 'wechat_miniprogram' | 'wechat_oa' | 'wecom';

export function channelOf(action: Action): MessageChannel | undefined {
  switch (action.kind) {
    case 'email':
    case 'sms':
    case 'push':
    case 'webhook':
    case 'wechat_miniprogram':
    case 'wechat_oa':
    case 'wecom':
      return action.kind;
    case 'coupon':
      // A coupon goes out on its own channel; without one it has no message of its own.
      return action.channel;
    default:
      return undefined;
  }
}

/**
 * The profile traits each channel's address is read from (identify traits, as Segment names them). The WeChat
 * identities: an openid is per app (the mini-program's and the official account's differ), the external_userid
 * is WeCom's id of the customer as a contact; `wechat_unionid` (one per WeChat user across the brand's apps) is
 * kept as a trait too, but no send is addressed to it.
 */
export const ADDRESS_TRAITS: Record<Exclude<MessageChannel, 'webhook'>, readonly string[]> = {
  email: ['email'],
  sms: ['phone'],
  push: ['pushEndpoint', 'push_endpoint'],
  wechat_miniprogram: ['wechat_miniprogram_openid', 'wechatMiniProgramOpenId'],
  wechat_oa: ['wechat_oa_openid', 'wechatOaOpenId'],
  wecom: ['wecom_external_userid', 'wecomExternalUserId'],
};

/** Where the customer is reached on `channel`: undefined when the profile holds no address for it. */
export function addressOf(profile: Profile, action: Action): string | undefined {
  if (action.kind === 'webhook') return action.url;
  const channel = channelOf(action);
  if (!channel || channel === 'webhook') return undefined;
  for (const trait of ADDRESS_TRAITS[channel]) {
    const value = ownValue(profile.traits, trait)?.v;
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** The parts a template renders to for each channel. */
export type RenderedParts = {
  subject?: string;
  text?: string;
  html?: string;
  title?: string;
  body?: string;
  /** A webhook's JSON payload, as rendered. */
  json?: unknown;
  /** A WeChat template message: the template's id, the page (mini-program) or url (official account) it opens, its keywords. */
  templateId?: string;
  page?: string;
  url?: string;
  /** The page of the mini-program an official-account message opens (with the tenant's mini-program app id). */
  pagepath?: string;
  data?: Record<string, string>;
  /** The one-click unsubscribe link of a marketing message (e-mail, SMS, push), also the template's `unsubscribe_url`. */
  unsubscribeUrl?: string;
};
