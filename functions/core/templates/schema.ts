/**
 * Message templates: what a marketer writes (Liquid text, one part per piece of a message on each
 * channel), the variables a template may read, and the limits that keep a template, its stored
 * item and its output bounded. Pure: no Liquid here (the renderer is an adapter,
 * functions/adapters/templates/), only shapes and limits.
 *
 * A template:
 * ```json
 * { "id": "cart-reminder", "name": "Cart reminder",
 *   "channels": { "push": { "title": "…", "body": "…" } },
 *   "locales": { "zh-CN": { "push": { "title": "…", "body": "…" } } } }
 * ```
 * - `channels` holds the default parts of each channel the template can send on (at least one):
 *   e-mail `{subject, html?, text}`, SMS `{body}`, push `{title?, body}`, webhook `{json}` (a
 *   Liquid text whose output must parse as JSON), WeChat mini-program `{templateId, page?, data}`,
 *   official account `{templateId, url?, pagepath?, data}` (`data`: each keyword's Liquid text, sent
 *   as `{keyword: {value}}`; the template id is WeChat's, not Liquid) and WeCom `{text}`;
 * - `locales` (optional) holds translations by BCP 47 tag: for a customer whose `locale` trait
 *   names one, its parts replace the default ones, channel by channel (partsFor).
 *
 * Variables (TemplateContext): `profile` (TemplateProfile: a safe view of the customer, never the
 * order book, consent registers or write versions), `event` (the event that triggered the
 * action), `offer`, `coupon` ({code, expiresAt, …}), `tenant` ({id, currency, timezone}) and
 * `unsubscribe_url`. Every one may be absent from a render: a template that reads one that is
 * absent fails with a TemplateError naming it (strict variables), before anything is sent.
 */

import { z } from 'zod';
import type { Profile } from '../profiles/profile';
import type { Stage } from '../scoring/stages';

// ---- limits ---------------------------------------------------------------------------------------

/** Source of one part (UTF-8 bytes). */
export const MAX_PART_BYTES = 64 * 1024;
/** Source of a whole template, every part of every locale: its stored item stays well under DynamoDB's 400 KB. */
export const MAX_TEMPLATE_BYTES = 256 * 1024;
/** Output of one rendered part (UTF-8 bytes). */
export const MAX_OUTPUT_BYTES = 256 * 1024;
/** Rendered lengths (characters) of the parts whose providers limit them; the others get MAX_OUTPUT_BYTES. */
export const MAX_RENDERED_CHARS = {
  /** An e-mail subject is one header line (RFC 5322 allows 998 characters). */
  subject: 998,
  /** Ten concatenated SMS segments of GSM-7 (153 characters each). */
  smsBody: 1530,
  pushTitle: 256,
  /** APNs and FCM take about 4 KB of payload in all. */
  pushBody: 3500,
  /** One keyword of a WeChat template message (WeChat's own limits per keyword type are tighter: thing ≤ 20). */
  wechatValue: 200,
  /** A WeChat page path or link. */
  wechatLink: 1024,
  /** WeCom text content: at most 4000 bytes, about 1300 Chinese characters. */
  wecomText: 1300,
} as const;
/** Blocks (`if`, `for`, `capture`…) nested in one another: deeper is refused before it is parsed. */
export const MAX_NESTING_DEPTH = 32;
/** Locales one template may carry. */
export const MAX_LOCALES = 20;

// ---- identity -------------------------------------------------------------------------------------

/** A template id, as journeys name it (`"template": "cart-reminder"`): lower case, digits, `-` and `_`. */
export const TEMPLATE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const TemplateId = z.string().regex(TEMPLATE_ID, 'expected a template id: a-z, 0-9, "-" and "_", at most 64');

/** A BCP 47 language tag such as `en`, `zh-CN` or `zh-Hans-CN`. */
export const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
export const Locale = z.string().regex(LOCALE, 'expected a language tag such as en or zh-CN');

// ---- parts ----------------------------------------------------------------------------------------

const encoder = new TextEncoder();
export const utf8Bytes = (text: string): number => encoder.encode(text).length;

/** The Liquid source of one part: not empty, at most MAX_PART_BYTES. */
export const PartSource = z
  .string()
  .min(1, 'expected a Liquid text, not an empty one')
  .refine((text) => utf8Bytes(text) <= MAX_PART_BYTES, `expected at most ${MAX_PART_BYTES} bytes`);

export const EmailParts = z.strictObject({
  subject: PartSource,
  /** Auto-escaped: every `{{ value }}` is HTML-escaped unless it ends with `| raw`. */
  html: PartSource.optional(),
  text: PartSource,
});
export const SmsParts = z.strictObject({ body: PartSource });
export const PushParts = z.strictObject({ title: PartSource.optional(), body: PartSource });
export const WebhookParts = z.strictObject({
  /** Liquid whose output parses as JSON: use `| json` for every value (it quotes and escapes). */
  json: PartSource,
});

/** WeChat's id of a template (in the mini-program's or official account's template library). */
const WeChatTemplateId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'expected a WeChat template id');
/** A template message's keywords (`thing1`, `time2`, `first`, `remark`…) to their Liquid texts. */
const WeChatData = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'expected a keyword such as thing1'), PartSource)
  .refine((data) => {
    const n = Object.keys(data).length;
    return n >= 1 && n <= 20;
  }, 'expected 1 to 20 keywords');
export const WeChatMiniProgramParts = z.strictObject({
  templateId: WeChatTemplateId,
  /** The page the message opens, e.g. `pages/order/detail?id={{ event.properties.orderId }}`. */
  page: PartSource.optional(),
  data: WeChatData,
});
export const WeChatOaParts = z.strictObject({
  templateId: WeChatTemplateId,
  url: PartSource.optional(),
  /** A page of the tenant's mini-program (dispatch.wechat.miniProgramAppId) to open instead of `url`. */
  pagepath: PartSource.optional(),
  data: WeChatData,
});
export const WeComParts = z.strictObject({ text: PartSource });

export const ChannelParts = z.strictObject({
  email: EmailParts.optional(),
  sms: SmsParts.optional(),
  push: PushParts.optional(),
  webhook: WebhookParts.optional(),
  wechat_miniprogram: WeChatMiniProgramParts.optional(),
  wechat_oa: WeChatOaParts.optional(),
  wecom: WeComParts.optional(),
});
export type ChannelParts = z.infer<typeof ChannelParts>;
export type EmailParts = z.infer<typeof EmailParts>;
export type SmsParts = z.infer<typeof SmsParts>;
export type PushParts = z.infer<typeof PushParts>;
export type WebhookParts = z.infer<typeof WebhookParts>;
export type WeChatMiniProgramParts = z.infer<typeof WeChatMiniProgramParts>;
export type WeChatOaParts = z.infer<typeof WeChatOaParts>;
export type WeComParts = z.infer<typeof WeComParts>;

export const TEMPLATE_CHANNELS = [
  'email',
  'sms',
  'push',
  'webhook',
  'wechat_miniprogram',
  'wechat_oa',
  'wecom',
] as const;
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number];

/** The parts of one channel, tagged with it: what a render takes. */
export type PartsOf =
  | { channel: 'email'; parts: EmailParts }
  | { channel: 'sms'; parts: SmsParts }
  | { channel: 'push'; parts: PushParts }
  | { channel: 'webhook'; parts: WebhookParts }
  | { channel: 'wechat_miniprogram'; parts: WeChatMiniProgramParts }
  | { channel: 'wechat_oa'; parts: WeChatOaParts }
  | { channel: 'wecom'; parts: WeComParts };

/** Every part's source, as `[path, text]` (`channels.email.subject`, `locales.zh-CN.push.body`). */
export function partSources(template: Pick<TemplateInput, 'channels' | 'locales'>): [string, string][] {
  const out: [string, string][] = [];
  const add = (prefix: string, parts: ChannelParts) => {
    for (const channel of TEMPLATE_CHANNELS) {
      const of = parts[channel];
      if (!of) continue;
      for (const [name, text] of Object.entries(of)) {
        if (typeof text === 'string') out.push([`${prefix}.${channel}.${name}`, text]);
        else if (name === 'data' && typeof text === 'object' && text !== null)
          for (const [keyword, value] of Object.entries(text))
            if (typeof value === 'string') out.push([`${prefix}.${channel}.data.${keyword}`, value]);
      }
    }
  };
  add('channels', template.channels);
  for (const [locale, parts] of Object.entries(template.locales ?? {})) add(`locales.${locale}`, parts);
  return out;
}

// ---- templates ------------------------------------------------------------------------------------

/** A template as a marketer posts it: validated, not yet versioned. */
export const TemplateInput = z
  .strictObject({
    id: TemplateId,
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    channels: ChannelParts.refine(
      (parts) => TEMPLATE_CHANNELS.some((channel) => parts[channel] !== undefined),
      'expected the parts of at least one channel (email, sms, push, webhook, wechat_miniprogram, wechat_oa or wecom)',
    ),
    /** Translations by language tag: each replaces the default parts of the channels it holds. */
    locales: z
      .record(Locale, ChannelParts)
      .refine((locales) => Object.keys(locales).length <= MAX_LOCALES, `expected at most ${MAX_LOCALES} locales`)
      .optional(),
  })
  .superRefine((template, ctx) => {
    let bytes = 0;
    for (const [, text] of partSources(template)) bytes += utf8Bytes(text);
    if (bytes > MAX_TEMPLATE_BYTES)
      ctx.addIssue({ code: 'custom', message: `the parts hold ${bytes} bytes; at most ${MAX_TEMPLATE_BYTES}` });
    for (const [locale, parts] of Object.entries(template.locales ?? {})) {
      for (const channel of TEMPLATE_CHANNELS) {
        if (parts[channel] && !template.channels[channel])
          ctx.addIssue({
            code: 'custom',
            path: ['locales', locale, channel],
            message: `a translation of ${channel} parts that channels does not have: add channels.${channel} first`,
          });
      }
    }
  });
export type TemplateInput = z.infer<typeof TemplateInput>;

/** A stored version of a template: never changed once written. */
export const Template = z.looseObject({
  id: TemplateId,
  name: z.string().optional(),
  description: z.string().optional(),
  version: z.int().min(1),
  channels: ChannelParts,
  locales: z.record(z.string(), ChannelParts).optional(),
  createdAt: z.string(),
});
export type Template = z.infer<typeof Template>;

/** The channels a template can send on. */
export const channelsOf = (template: Pick<Template, 'channels'>): TemplateChannel[] =>
  TEMPLATE_CHANNELS.filter((channel) => template.channels[channel] !== undefined);

/**
 * The parts of `channel` for a customer whose locale is `locale`: the translation of that exact
 * tag, else of its language (`zh` for `zh-CN`, and any `zh-*` for `zh`), else the default parts;
 * undefined when the template has no parts for the channel. Locale keys are data: only own
 * entries count.
 */
export function partsFor(
  template: Pick<Template, 'channels' | 'locales'>,
  channel: TemplateChannel,
  locale?: string,
): PartsOf | undefined {
  const tagged = (parts: ChannelParts | undefined): PartsOf | undefined => {
    const of = parts?.[channel];
    return of ? ({ channel, parts: of } as PartsOf) : undefined;
  };
  const locales = new Map(Object.entries(template.locales ?? {}));
  if (locale && locales.size > 0) {
    const wanted = locale.toLowerCase();
    const language = wanted.split('-')[0];
    const entries = [...locales.entries()].map(([tag, parts]) => [tag.toLowerCase(), parts] as const);
    const exact = entries.find(([tag]) => tag === wanted);
    const sameLanguage =
      entries.find(([tag]) => tag === language) ?? entries.find(([tag]) => tag.split('-')[0] === language);
    const chosen = tagged(exact?.[1]) ?? tagged(sameLanguage?.[1]);
    if (chosen) return chosen;
  }
  return tagged(template.channels);
}

// ---- variables ------------------------------------------------------------------------------------

/** The top-level variables a template may read; anything else fails validation. */
export const TEMPLATE_VARIABLES = ['profile', 'event', 'offer', 'coupon', 'tenant', 'unsubscribe_url'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** A JSON value, as event properties and offers are. */
const Json: z.ZodType<unknown> = z.json();

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Money as the events carry it: integer minor units and the ISO currency (`{{ x | money }}` formats it). */
const Money = z.strictObject({ amount: z.int(), currency: z.string().regex(/^[A-Z]{3}$/) });

/**
 * The customer as a template sees them: traits, tags, counters, lifecycle and cart, nothing the
 * system keeps for itself (order book, consent registers, merge history, write versions).
 */
export const TemplateProfile = z.strictObject({
  customerId: z.string(),
  /** Identify traits by name (`profile.traits.first_name`). */
  traits: z.record(z.string(), Scalar),
  /** The tags the customer has now, sorted. */
  tags: z.array(z.string()),
  counters: z.strictObject({
    orders: z.int(),
    sessions: z.int(),
    logins: z.int(),
    /** Events folded in, by type (`profile.counters.events.product_viewed`). */
    events: z.record(z.string(), z.number()),
  }),
  /** Per ISO currency: orders and net revenue in minor units. */
  revenue: z.record(z.string(), z.strictObject({ orders: z.int(), net: z.int() })),
  lifecycle: z.strictObject({ stage: z.string(), since: z.string() }).nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  firstOrderAt: z.string().nullable(),
  lastOrderAt: z.string().nullable(),
  timezone: z.string().nullable(),
  /** The customer's language tag (trait `locale`, else `language`), which chooses the translation. */
  locale: z.string().nullable(),
  cart: z.strictObject({ value: Money, itemCount: z.int(), checkoutId: z.string().optional() }).nullable(),
});
export type TemplateProfile = z.infer<typeof TemplateProfile>;

export const TemplateCoupon = z.looseObject({
  code: z.string().min(1),
  expiresAt: z.string().optional(),
  kind: z.enum(['amount', 'percent', 'free_shipping', 'gift']).optional(),
  value: Money.optional(),
  percent: z.number().optional(),
  minSpend: Money.optional(),
});

export const TemplateTenant = z.strictObject({ id: z.string(), currency: z.string(), timezone: z.string() });

/** Everything a render may read; each variable may be absent (a template reading it then fails). */
export const TemplateContext = z.strictObject({
  profile: TemplateProfile.optional(),
  event: z.looseObject({ type: z.string(), occurredAt: z.string(), properties: Json }).optional(),
  offer: z.record(z.string(), Json).optional(),
  coupon: TemplateCoupon.optional(),
  tenant: TemplateTenant.optional(),
  unsubscribe_url: z.url().optional(),
});
export type TemplateContext = z.infer<typeof TemplateContext>;

const scalarTrait = (value: unknown): z.infer<typeof Scalar> =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value) ? (value as z.infer<typeof Scalar>) : null;

/**
 * The template view of a profile. Built with entries copied (Object.fromEntries defines own
 * properties, so a trait named `__proto__` or `constructor` is an entry like any other); the
 * renderer reads own properties only on top of this.
 */
export function templateProfile(
  profile: Profile,
  lifecycle?: { stage: Stage | string; since: string },
): TemplateProfile {
  const traits = Object.fromEntries(Object.entries(profile.traits).map(([name, r]) => [name, scalarTrait(r.v)]));
  const text = (name: string) => {
    const value = Object.hasOwn(traits, name) ? traits[name] : undefined;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const locale = text('locale') ?? text('language');
  const cart = profile.cart?.v;
  return {
    customerId: profile.customerId,
    traits,
    tags: Object.entries(profile.tags ?? {})
      .filter(([, r]) => r.v)
      .map(([tag]) => tag)
      .sort(),
    counters: {
      orders: profile.orders,
      sessions: profile.sessions,
      logins: profile.logins,
      events: Object.fromEntries(
        Object.entries(profile.counts).filter((e): e is [string, number] => typeof e[1] === 'number'),
      ),
    },
    revenue: Object.fromEntries(
      Object.entries(profile.revenue).map(([currency, t]) => [
        currency,
        { orders: t.orders, net: t.gross - t.refunded },
      ]),
    ),
    lifecycle: lifecycle ? { stage: lifecycle.stage, since: lifecycle.since } : null,
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    firstOrderAt: profile.firstOrderAt ?? null,
    lastOrderAt: profile.lastOrderAt ?? null,
    timezone: profile.timezone?.v ?? null,
    locale: locale && LOCALE.test(locale) ? locale : null,
    cart: cart
      ? {
          value: cart.value,
          itemCount: cart.itemCount,
          ...(cart.checkoutId !== undefined ? { checkoutId: cart.checkoutId } : {}),
        }
      : null,
  };
}

// ---- what a render gives ------------------------------------------------------------------------

/** The rendered parts of one channel (the dispatcher's RenderedParts, functions/core/dispatch/outgoing.ts). */
export type RenderedTemplate =
  | { channel: 'email'; subject: string; text: string; html?: string }
  | { channel: 'sms'; body: string }
  | { channel: 'push'; title?: string; body: string }
  | { channel: 'webhook'; json: unknown }
  | { channel: 'wechat_miniprogram'; templateId: string; page?: string; data: Record<string, string> }
  | { channel: 'wechat_oa'; templateId: string; url?: string; pagepath?: string; data: Record<string, string> }
  | { channel: 'wecom'; text: string };
