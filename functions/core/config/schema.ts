import { z } from 'zod';
import { identityProviderKey, TenantAuth } from '../auth/settings';
import { DispatchSettings } from '../dispatch/settings';
import { CHANNELS } from '../events/schemas';
import { GroupBuyingSettings } from '../groups/settings';
import { LoyaltySettings } from '../loyalty/settings';
import { KpiTargets } from '../metrics/kpi-alerts';
import { ReferralSettings } from '../referrals/settings';
import { ScoringSettings } from '../scoring/settings';
import { IanaTimeZone } from '../time-zone';

const WeChatApp = z.strictObject({
  appId: z.string().regex(/^wx[0-9a-f]{16}$/, 'must be a WeChat app id such as wx0123456789abcdef'),
  appSecret: z.string().regex(/^[0-9A-Za-z]{32}$/, 'must be the 32-character AppSecret'),
});

/** The WeChat apps a tenant sends through; the access tokens are fetched with these (never stored). */
export const WeChatSecrets = z.strictObject({
  /** subscribeMessage.send, for `wechat_miniprogram`. */
  miniProgram: WeChatApp.optional(),
  /** message/template/send, for `wechat_oa`. */
  officialAccount: WeChatApp.optional(),
  /** externalcontact/add_msg_template, for `wecom`: the corp id and the customer-contact (客户联系) secret. */
  wecom: z
    .strictObject({
      corpId: z.string().regex(/^[A-Za-z0-9]{6,64}$/, 'must be the WeCom corp id (ww…)'),
      corpSecret: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'must be the customer-contact secret'),
    })
    .optional(),
});
export type WeChatSecrets = z.infer<typeof WeChatSecrets>;

/** Credentials the store platforms sign or authenticate with; all optional, per platform used. */
export const TenantSecrets = z
  .strictObject({
    shopifyWebhookSecret: z.string().min(1).optional(),
    /** The secret being rotated out: still accepted until `shopifyPreviousSecretValidUntil`. */
    shopifyPreviousWebhookSecret: z.string().min(1).optional(),
    shopifyPreviousSecretValidUntil: z.iso.datetime({ offset: true }).optional(),
    woocommerceWebhookSecret: z.string().min(1).optional(),
    /** The write key Segment, RudderStack or Jitsu send as HTTP Basic user name. */
    segmentWriteKey: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Standard Webhooks signing secrets of webhook-out (`whsec_` + base64): two while one is rotated out. */
    webhookSigningSecrets: z
      .array(z.string().regex(/^whsec_[A-Za-z0-9+/=]{32,}$/))
      .max(2)
      .optional(),
    /**
     * Signs the tenant's one-click unsubscribe links (functions/core/dispatch/unsubscribe.ts). Without it the
     * tenant's marketing messages carry no unsubscribe link. Changing it breaks the links already sent.
     */
    unsubscribeSecret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** WeChat credentials: each app's id and secret (the WeCom corp id and its customer-contact secret). */
    wechat: WeChatSecrets.optional(),
  })
  .refine((s) => !s.shopifyPreviousWebhookSecret || s.shopifyPreviousSecretValidUntil, {
    message: 'a previous Shopify secret needs shopifyPreviousSecretValidUntil: when the rotation grace period ends',
    path: ['shopifyPreviousSecretValidUntil'],
  });
export type TenantSecrets = z.infer<typeof TenantSecrets>;

export const TenantConfig = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes'),
  name: z.string().min(1),
  timezone: IanaTimeZone,
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
  apiKey: z.string().min(24, 'must be at least 24 characters'),
  adminKey: z.string().min(24, 'must be at least 24 characters'),
  secrets: TenantSecrets.default({}),
  /** The channels the tenant sends on; journeys acting on others are refused at publish. Unchecked when absent. */
  channels: z.array(z.enum(CHANNELS)).optional(),
  /** Lifecycle thresholds, value tiers, RFM scheme, churn horizon and CLV: the defaults when absent. */
  scoring: ScoringSettings.optional(),
  /** Guardrails, provider rate limits and the e-mail sender of its actions: the defaults when absent. */
  dispatch: DispatchSettings.optional(),
  /** KPI targets: the daily run emits `kpi.alert` once a day for each KPI below 80 % of its target. */
  kpiTargets: KpiTargets.optional(),
  /** The points programme (earning, sign-in streaks, expiry, clawbacks): the defaults when absent. */
  loyalty: LoyaltySettings.optional(),
  /** The referral programme (invite codes, double-sided rewards, caps, fraud checks): off when absent. */
  referrals: ReferralSettings.optional(),
  /** Group buying (拼团): group events are taken only when it is set. */
  groupBuying: GroupBuyingSettings.optional(),
  /**
   * The identity provider the console's users sign in at (a Cognito user pool, or any OIDC issuer): the admin
   * API accepts its JWTs for this tenant, with the roles of their groups claim. Admin key only when absent.
   */
  auth: TenantAuth.optional(),
});
export type TenantConfig = z.infer<typeof TenantConfig>;

export const GrowthloopConfig = z
  .strictObject({
    tenants: z.array(TenantConfig).min(1, 'must list at least one tenant'),
    /** Where the deployed stack sends its CloudWatch alarms: this address is subscribed to the alerts topic. */
    alerts: z.strictObject({ email: z.email() }).optional(),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, string>();
    config.tenants.forEach((tenant, index) => {
      for (const field of ['id', 'apiKey', 'adminKey'] as const) {
        const value = field === 'id' ? `id:${tenant.id}` : `key:${tenant[field]}`;
        const first = seen.get(value);
        if (first) ctx.addIssue({ code: 'custom', path: ['tenants', index, field], message: `repeats ${first}` });
        else seen.set(value, `tenants[${index}].${field}`);
      }
      // A token names its tenant by its issuer and audience: two tenants cannot share them.
      if (tenant.auth) {
        const value = `auth:${identityProviderKey(tenant.auth.issuer, tenant.auth.audience)}`;
        const first = seen.get(value);
        if (first)
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', index, 'auth', 'audience'],
            message: `repeats the issuer and audience of ${first}`,
          });
        else seen.set(value, `tenants[${index}].auth`);
      }
    });
  });
export type GrowthloopConfig = z.infer<typeof GrowthloopConfig>;
