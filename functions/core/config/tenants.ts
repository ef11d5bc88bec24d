import { createHash } from 'node:crypto';
import type { ScoringSettings } from '../scoring/settings';
import type { GrowthloopConfig, TenantSecrets } from './schema';

/** What a deployed function knows about a tenant: never the keys, only their hashes. */
export type TenantRecord = {
  id: string;
  timezone: string;
  currency: string;
  apiKeySha256: string;
  adminKeySha256: string;
  segmentWriteKeySha256?: string;
  channels?: string[];
  /** Only when the tenant configured its scoring; the defaults otherwise. */
  scoring?: ScoringSettings;
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
  }));
}

export type TenantDirectory = {
  all(): readonly TenantRecord[];
  byId(id: string): TenantRecord | undefined;
  byApiKey(key: string | undefined): TenantRecord | undefined;
  byAdminKey(key: string | undefined): TenantRecord | undefined;
  bySegmentWriteKey(key: string | undefined): TenantRecord | undefined;
};

export function tenantDirectory(records: TenantRecord[]): TenantDirectory {
  const api = new Map(records.map((r) => [r.apiKeySha256, r]));
  const admin = new Map(records.map((r) => [r.adminKeySha256, r]));
  const segment = new Map(records.flatMap((r) => (r.segmentWriteKeySha256 ? [[r.segmentWriteKeySha256, r]] : [])));
  const ids = new Map(records.map((r) => [r.id, r]));
  return {
    all: () => records,
    byId: (id) => ids.get(id),
    byApiKey: (key) => (key ? api.get(sha256(key)) : undefined),
    byAdminKey: (key) => (key ? admin.get(sha256(key)) : undefined),
    bySegmentWriteKey: (key) => (key ? segment.get(sha256(key)) : undefined),
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
