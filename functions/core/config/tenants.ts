import { createHash } from 'node:crypto';
import { identityProviderKey, type TenantAuth } from '../auth/settings';
import type { DispatchSettings } from '../dispatch/settings';
import type { GroupBuyingSettings } from '../groups/settings';
import type { LoyaltySettings } from '../loyalty/settings';
import type { KpiTargets } from '../metrics/kpi-alerts';
import type { ReferralSettings } from '../referrals/settings';
import type { ScoringSettings } from '../scoring/settings';
import type { GrowthloopConfig, TenantSecrets } from './schema';

/** What a deployed function knows about a tenant: never the keys, only their hashes. */
export type TenantRecord = {
  id: string;
  timezone: string;
  currency: string;
  /** SHA-256 of the keys: for tenants given by the config (or a test); registry tenants carry none. */
  apiKeySha256?: string;
  adminKeySha256?: string;
  segmentWriteKeySha256?: string;
  channels?: string[];
  /** Only when the tenant configured its scoring; the defaults otherwise. */
  scoring?: ScoringSettings;
  /** Only when the tenant configured its dispatch; the defaults otherwise. */
  dispatch?: DispatchSettings;
  kpiTargets?: KpiTargets;
  /** Only when the tenant configured its loyalty programme; the defaults otherwise. */
  loyalty?: LoyaltySettings;
  /** Only when the tenant runs a referral programme: invites are attributed and rewarded only then. */
  referrals?: ReferralSettings;
  /** Only when the tenant runs group buying: group events are ignored otherwise. */
  groupBuying?: GroupBuyingSettings;
  /** Only when the console's users sign in at an identity provider: the admin API takes its JWTs then. */
  auth?: TenantAuth;
};

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function tenantRecords(config: GrowthloopConfig): TenantRecord[] {
  return config.tenants.map((t) => ({
    id: t.id,
    timezone: t.timezone,
    currency: t.currency,
    apiKeySha256: sha256(t.apiKey),
    adminKeySha256: sha256(t.adminKey),
    ...(t.secrets.segmentWriteKey ? { segmentWriteKeySha256: sha256(t.secrets.segmentWriteKey) } : {}),
    ...(t.channels ? { channels: t.channels } : {}),
    ...(t.scoring ? { scoring: t.scoring } : {}),
    ...(t.dispatch ? { dispatch: t.dispatch } : {}),
    ...(t.kpiTargets ? { kpiTargets: t.kpiTargets } : {}),
    ...(t.loyalty ? { loyalty: t.loyalty } : {}),
    ...(t.referrals ? { referrals: t.referrals } : {}),
    ...(t.groupBuying ? { groupBuying: t.groupBuying } : {}),
    ...(t.auth ? { auth: t.auth } : {}),
  }));
}

/**
 * Who the tenants are and which tenant a key belongs to. Asynchronous: the registry in the table
 * (functions/app/tenants/directory.ts) may have to read a tenant added or a key rotated since.
 */
export type TenantDirectory = {
  all(): Promise<readonly TenantRecord[]>;
  byId(id: string): Promise<TenantRecord | undefined>;
  byApiKey(key: string | undefined): Promise<TenantRecord | undefined>;
  byAdminKey(key: string | undefined): Promise<TenantRecord | undefined>;
  bySegmentWriteKey(key: string | undefined): Promise<TenantRecord | undefined>;
  /**
   * The tenant whose identity provider is `issuer` with the app client `audience` (auth.issuer, auth.audience);
   * none when no tenant, or more than one, names them.
   */
  byIdentityProvider(issuer: string, audience: string): Promise<TenantRecord | undefined>;
};

const byHash = (records: readonly TenantRecord[], hashOf: (r: TenantRecord) => string | undefined) =>
  new Map(
    records.flatMap((r) => {
      const hash = hashOf(r);
      return hash ? [[hash, r] as const] : [];
    }),
  );

/**
 * The records by the key of their identity provider (issuer and audience); a key two records name maps to none
 * (a registry may hold a tenant the config has since given the other's provider): such a token names no tenant.
 */
export function byIdentityProvider(records: Iterable<TenantRecord>): Map<string, TenantRecord | null> {
  const found = new Map<string, TenantRecord | null>();
  for (const record of records) {
    if (!record.auth) continue;
    const key = identityProviderKey(record.auth.issuer, record.auth.audience);
    found.set(key, found.has(key) ? null : record);
  }
  return found;
}

/** A fixed directory of the records given (keys compared by SHA-256): tests, backtests, benchmarks. */
export function tenantDirectory(records: readonly TenantRecord[]): TenantDirectory {
  const providers = byIdentityProvider(records);
  const api = byHash(records, (r) => r.apiKeySha256);
  const admin = byHash(records, (r) => r.adminKeySha256);
  const segment = byHash(records, (r) => r.segmentWriteKeySha256);
  const ids = new Map(records.map((r) => [r.id, r]));
  return {
    all: async () => records,
    byId: async (id) => ids.get(id),
    byApiKey: async (key) => (key ? api.get(sha256(key)) : undefined),
    byAdminKey: async (key) => (key ? admin.get(sha256(key)) : undefined),
    bySegmentWriteKey: async (key) => (key ? segment.get(sha256(key)) : undefined),
    byIdentityProvider: async (issuer, audience) => providers.get(identityProviderKey(issuer, audience)) ?? undefined,
  };
}

/** The Shopify secrets a delivery may be signed with now: the current one, and the previous one until its end. */
export function shopifySecrets(secrets: TenantSecrets | undefined, now: number): string[] {
  if (!secrets?.shopifyWebhookSecret) return [];
  const previous = secrets.shopifyPreviousWebhookSecret;
  const until = secrets.shopifyPreviousSecretValidUntil;
  const previousValid = previous !== undefined && until !== undefined && Date.parse(until) > now;
  return previousValid ? [secrets.shopifyWebhookSecret, previous] : [secrets.shopifyWebhookSecret];
}

/** Each tenant's platform secrets, by tenant id (local runtime; never deployed as plain text). */
export const secretsByTenant = (config: GrowthloopConfig): Map<string, TenantSecrets> =>
  new Map(config.tenants.map((t) => [t.id, t.secrets]));
