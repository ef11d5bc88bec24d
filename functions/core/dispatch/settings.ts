/**
 * How a tenant's actions are dispatched: its guardrails (quiet hours, caps, control group,
 * budgets: functions/core/guardrails/settings.ts), the providers' shared rate limits per channel,
 * and the sender of its e-mail. Every part optional, with the defaults of its module.
 */
import { z } from 'zod';
import { CHANNELS } from '../events/schemas';
import { GuardrailSettings } from '../guardrails/settings';

/** A provider's rate, shared by every dispatcher instance: a token bucket of `burst` refilled at `perSecond`. */
export const RateLimit = z.strictObject({
  perSecond: z.number().positive().max(100_000),
  burst: z.int().min(1).max(100_000),
});
export type RateLimit = z.infer<typeof RateLimit>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An https URL without query or fragment (http only on this machine: RFC 8058 wants https). */
export const PublicUrl = z
  .url({ protocol: /^https?$/ })
  .max(200)
  .refine((url) => {
    // Refinements run even when .url() refused the value: one that is no URL must not throw here.
    if (!URL.canParse(url)) return false;
    const { protocol, hostname, search, hash } = new URL(url);
    return (protocol === 'https:' || LOOPBACK_HOSTS.has(hostname)) && search === '' && hash === '';
  }, 'must be an https URL without query or fragment, such as https://shop.example.com');

export const DispatchSettings = z.strictObject({
  guardrails: GuardrailSettings.optional(),
  /** Per channel; a channel without one is sent as fast as the dispatchers go. */
  rateLimits: z.partialRecord(z.enum(CHANNELS), RateLimit).optional(),
  /** The From of e-mail: a verified SES identity in AWS. */
  emailFrom: z.string().min(3).max(320).optional(),
  /**
   * The public base URL of the tenant's unsubscribe links (`<publicUrl>/u/<token>`): a custom domain in front of
   * the HTTP API. Without it, the HTTP API's own URL (GROWTHLOOP_PUBLIC_URL in AWS; the listen URL locally).
   */
  publicUrl: PublicUrl.optional(),
  /** How WeChat messages go out (the apps' credentials are secrets: TenantSecrets.wechat). */
  wechat: z
    .strictObject({
      /** The mini-program version a subscribe message opens: developer, trial or formal (the default). */
      miniProgramState: z.enum(['developer', 'trial', 'formal']).optional(),
      /** The language of the mini-program's message (zh_CN when absent). */
      lang: z.enum(['zh_CN', 'en_US', 'zh_HK', 'zh_TW']).optional(),
      /** The WeCom member (userid) customer messages are sent as; any member the customer added when absent. */
      wecomSender: z.string().min(1).max(64).optional(),
      /** The mini-program an official-account message opens when its template gives a pagepath. */
      miniProgramAppId: z
        .string()
        .regex(/^wx[0-9a-f]{16}$/)
        .optional(),
    })
    .optional(),
  /** Where a template's test send may go: the team's own e-mail addresses, phones, push endpoints, webhook URLs. */
  testRecipients: z.array(z.string().min(1).max(2048)).max(50).optional(),
});
export type DispatchSettings = z.infer<typeof DispatchSettings>;
export type DispatchSettingsInput = z.input<typeof DispatchSettings>;

/** Whether a template's test send may go to `to`: the tenant lists it among its test recipients. */
export const isTestRecipient = (settings: DispatchSettingsInput | undefined, to: string): boolean =>
  DispatchSettings.parse(settings ?? {}).testRecipients?.includes(to) ?? false;
