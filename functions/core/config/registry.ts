/**
 * The tenant registry in the table: one entry per tenant (its settings and salted key hashes),
 * the deployment's salt, and one lookup item per key hash, so a key finds its tenant in one read.
 *
 * Key hashes are HMAC-SHA256 of the key's SHA-256, keyed by a random salt of the deployment
 * (stored once in the registry). A per-deployment salt rather than a per-key one: keys must be
 * found by their hash in one read, and config keys are free text with no room for a salt id.
 * The keys are long random strings, so a slow hash (scrypt) would add CPU to every request and
 * no strength; the salt makes a copied table useless for matching keys seen elsewhere. The
 * inner SHA-256 lets tenants that come as SHA-256 hashes (the deployed GROWTHLOOP_TENANTS) be
 * registered without their keys.
 *
 * The entry is the truth: a lookup item only says where to look, and a key counts only when
 * the entry lists its hash (a lookup item left behind by an interrupted write finds nothing).
 */
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Item, Key } from '../../ports';
import { TenantAuth } from '../auth/settings';
import { DispatchSettings } from '../dispatch/settings';
import { GroupBuyingSettings } from '../groups/settings';
import { LoyaltySettings } from '../loyalty/settings';
import { KpiTargets } from '../metrics/kpi-alerts';
import { ReferralSettings } from '../referrals/settings';
import { ScoringSettings } from '../scoring/settings';
import { decodeItem } from '../stored-item';
import { IanaTimeZone } from '../time-zone';
import type { TenantRecord } from './tenants';

export const KEY_KINDS = ['api', 'admin', 'segment'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** Registry partitions start with upper-case words, which no tenant id (lower case) can. */
export const REGISTRY_PK = 'TENANTS';
/** The partition prefix of the key lookup items. */
export const KEY_LOOKUP_PK_PREFIX = 'TENANTKEY#';
export const saltKey: Key = { pk: REGISTRY_PK, sk: 'SALT' };
export const tenantEntryKey = (tenantId: string): Key => ({ pk: REGISTRY_PK, sk: `TENANT#${tenantId}` });
export const keyLookupKey = (hash: string): Key => ({ pk: `${KEY_LOOKUP_PK_PREFIX}${hash}`, sk: 'KEY' });
export const registryPartition = { pk: REGISTRY_PK, skPrefix: 'TENANT#' } as const;

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The salted hash under which a key (given as its SHA-256, hex) is registered. */
export const saltedKeyHash = (salt: string, keySha256: string): string =>
  createHmac('sha256', Buffer.from(salt, 'base64')).update(keySha256).digest('hex');

/** The salted hash of a key as presented. */
export const keyHash = (salt: string, key: string): string => saltedKeyHash(salt, sha256Hex(key));

const Hash = z.string().regex(/^[0-9a-f]{64}$/);
const Instant = z.iso.datetime({ offset: true });

export const RegisteredKey = z.strictObject({
  hash: Hash,
  /** The key it replaced, still accepted until `validUntil` (then never again). */
  previous: z.strictObject({ hash: Hash, validUntil: Instant }).optional(),
  rotatedAt: Instant.optional(),
});
export type RegisteredKey = z.infer<typeof RegisteredKey>;

export const TenantEntry = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
  name: z.string().optional(),
  timezone: IanaTimeZone,
  currency: z.string().regex(/^[A-Z]{3}$/),
  channels: z.array(z.string()).optional(),
  scoring: ScoringSettings.optional(),
  dispatch: DispatchSettings.optional(),
  kpiTargets: KpiTargets.optional(),
  loyalty: LoyaltySettings.optional(),
  referrals: ReferralSettings.optional(),
  groupBuying: GroupBuyingSettings.optional(),
  /** The identity provider whose JWTs the admin API takes for this tenant. */
  auth: TenantAuth.optional(),
  keys: z.strictObject({ api: RegisteredKey, admin: RegisteredKey, segment: RegisteredKey.optional() }),
  /** Where it came from: the config file (with the fingerprint of what it said) or the CLI. */
  source: z.union([z.strictObject({ config: z.string() }), z.literal('cli')]),
  createdAt: Instant,
  updatedAt: Instant,
});
export type TenantEntry = z.infer<typeof TenantEntry>;

/** `TENANTS` / `TENANT#<tenantId>`: a registered tenant, written on its version. */
export const TenantEntryItem = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  version: z.number().int(),
  entry: TenantEntry,
});
/** `TENANTS` / `SALT`: the deployment's salt of the key hashes (base64 of 32 random bytes), written once. */
export const RegistrySaltItem = z.looseObject({ pk: z.string(), sk: z.string(), salt: z.string().min(16) });
/** `TENANTKEY#<salted key hash>` / `KEY`: where a key's tenant is (the entry decides whether the key counts). */
export const KeyLookupItem = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  tenantId: z.string(),
  kind: z.enum(KEY_KINDS),
});

export type StoredEntry = { entry: TenantEntry; version: number };

export const fromTenantEntryItem = (item: Item): StoredEntry => {
  const { entry, version } = decodeItem(TenantEntryItem, item);
  return { entry, version };
};
export const toTenantEntryItem = (stored: StoredEntry): Item => ({ ...tenantEntryKey(stored.entry.id), ...stored });
export const saltOf = (item: Item): string => decodeItem(RegistrySaltItem, item).salt;
export const saltItem = (salt: string): Item => ({ ...saltKey, salt });
export const lookupTargetOf = (item: Item): { tenantId: string; kind: KeyKind } => {
  const { tenantId, kind } = decodeItem(KeyLookupItem, item);
  return { tenantId, kind };
};
export const keyLookupItem = (hash: string, tenantId: string, kind: KeyKind): Item => ({
  ...keyLookupKey(hash),
  tenantId,
  kind,
});

/** Every hash an entry lists, with its kind: the lookup items it needs. */
export function entryHashes(entry: TenantEntry): { hash: string; kind: KeyKind }[] {
  return KEY_KINDS.flatMap((kind) => {
    const key = entry.keys[kind];
    if (!key) return [];
    return [{ hash: key.hash, kind }, ...(key.previous ? [{ hash: key.previous.hash, kind }] : [])];
  });
}

/** Whether `hash` is the entry's key of this kind at `now`: the current one, or the previous one before its end. */
export function acceptsKey(entry: TenantEntry, kind: KeyKind, hash: string, now: number): boolean {
  const key = entry.keys[kind];
  if (!key) return false;
  if (key.hash === hash) return true;
  return key.previous?.hash === hash && now < Date.parse(key.previous.validUntil);
}

/** What the functions see of a registered tenant: never its keys. */
export const recordOf = (entry: TenantEntry): TenantRecord => ({
  id: entry.id,
  timezone: entry.timezone,
  currency: entry.currency,
  ...(entry.channels ? { channels: entry.channels } : {}),
  ...(entry.scoring ? { scoring: entry.scoring } : {}),
  ...(entry.dispatch ? { dispatch: entry.dispatch } : {}),
  ...(entry.kpiTargets ? { kpiTargets: entry.kpiTargets } : {}),
  ...(entry.loyalty ? { loyalty: entry.loyalty } : {}),
  ...(entry.referrals ? { referrals: entry.referrals } : {}),
  ...(entry.groupBuying ? { groupBuying: entry.groupBuying } : {}),
  ...(entry.auth ? { auth: entry.auth } : {}),
});

/** A fingerprint of what the config says of a tenant: when it changes, the config's version replaces the entry. */
export const configFingerprint = (record: TenantRecord): string =>
  sha256Hex(
    JSON.stringify([
      record.id,
      record.timezone,
      record.currency,
      record.apiKeySha256,
      record.adminKeySha256,
      record.segmentWriteKeySha256 ?? null,
      record.channels ?? null,
      record.scoring ?? null,
      ...(record.dispatch ? [record.dispatch] : []),
      // Appended only when set, so that the fingerprints of tenants without targets stay as they were.
      ...(record.kpiTargets ? [{ kpiTargets: record.kpiTargets }] : []),
      ...(record.loyalty ? [{ loyalty: record.loyalty }] : []),
      ...(record.referrals ? [{ referrals: record.referrals }] : []),
      ...(record.groupBuying ? [{ groupBuying: record.groupBuying }] : []),
      ...(record.auth ? [{ auth: record.auth }] : []),
    ]),
  );

/**
 * The entry for a tenant of the config file (keys as SHA-256): what a start writes when the tenant is
 * new, or when the config says something else than when it was last written. A config unchanged since
 * keeps the entry as it is, with the rotations made by the CLI since.
 */
export function configEntry(
  record: TenantRecord & { name?: string },
  salt: string,
  at: string,
  existing: TenantEntry | undefined,
): TenantEntry | undefined {
  const fingerprint = configFingerprint(record);
  if (existing && typeof existing.source === 'object' && existing.source.config === fingerprint) return undefined;
  if (!record.apiKeySha256 || !record.adminKeySha256) return undefined;
  return {
    id: record.id,
    ...(record.name ? { name: record.name } : {}),
    timezone: record.timezone,
    currency: record.currency,
    ...(record.channels ? { channels: record.channels } : {}),
    ...(record.scoring ? { scoring: record.scoring } : {}),
    ...(record.dispatch ? { dispatch: record.dispatch } : {}),
    ...(record.kpiTargets ? { kpiTargets: record.kpiTargets } : {}),
    ...(record.loyalty ? { loyalty: record.loyalty } : {}),
    ...(record.referrals ? { referrals: record.referrals } : {}),
    ...(record.groupBuying ? { groupBuying: record.groupBuying } : {}),
    ...(record.auth ? { auth: record.auth } : {}),
    keys: {
      api: { hash: saltedKeyHash(salt, record.apiKeySha256) },
      admin: { hash: saltedKeyHash(salt, record.adminKeySha256) },
      ...(record.segmentWriteKeySha256 ? { segment: { hash: saltedKeyHash(salt, record.segmentWriteKeySha256) } } : {}),
    },
    source: { config: fingerprint },
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };
}

/**
 * The entry after its key of `kind` is replaced by the one hashed `hash`: the replaced key stays valid
 * until `previousValidUntil`; a key rotated out before stays valid no longer.
 */
export function rotatedEntry(
  entry: TenantEntry,
  kind: KeyKind,
  hash: string,
  previousValidUntil: string,
  at: string,
): TenantEntry {
  const replaced = entry.keys[kind];
  const key: RegisteredKey = {
    hash,
    ...(replaced ? { previous: { hash: replaced.hash, validUntil: previousValidUntil } } : {}),
    rotatedAt: at,
  };
  return { ...entry, keys: { ...entry.keys, [kind]: key }, updatedAt: at };
}
