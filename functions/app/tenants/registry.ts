// The tenant registry's writes: the salt, the config's tenants at start, and the CLI's add and rotate-key.
import { randomBytes } from 'node:crypto';
import {
  configEntry,
  entryHashes,
  fromTenantEntryItem,
  type KeyKind,
  keyHash,
  keyLookupItem,
  keyLookupKey,
  registryPartition,
  rotatedEntry,
  type StoredEntry,
  saltItem,
  saltKey,
  saltOf,
  type TenantEntry,
  tenantEntryKey,
  toTenantEntryItem,
} from '../../core/config/registry';
import type { TenantRecord } from '../../core/config/tenants';
import { type Clock, ConditionFailedError, type Store } from '../../ports';

/** A refusal the operator can act on (unknown tenant, tenant exists): the CLI prints its message. */
export class RegistryError extends Error {
  override name = 'RegistryError';
}

const KEY_PREFIX: Record<KeyKind, string> = { api: 'gl_api', admin: 'gl_admin', segment: 'gl_seg' };
const newKey = (kind: KeyKind) => `${KEY_PREFIX[kind]}_${randomBytes(24).toString('base64url')}`;

/** The deployment's salt, created on first use (the first writer wins; everyone reads the same). */
export async function ensureSalt(store: Store): Promise<string> {
  const stored = await store.get(saltKey, { consistent: true });
  if (stored) return saltOf(stored);
  try {
    await store.put(saltItem(randomBytes(32).toString('base64')), { ifAbsent: true });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
  const written = await store.get(saltKey, { consistent: true });
  if (!written) throw new Error('the tenant registry salt could not be read back');
  return saltOf(written);
}

export async function readSalt(store: Store): Promise<string | undefined> {
  const stored = await store.get(saltKey, { consistent: true });
  return stored ? saltOf(stored) : undefined;
}

export async function readEntry(store: Store, tenantId: string): Promise<StoredEntry | undefined> {
  const item = await store.get(tenantEntryKey(tenantId), { consistent: true });
  return item ? fromTenantEntryItem(item) : undefined;
}

/** Every registered tenant: one Query of the registry's partition. */
export async function listEntries(store: Store): Promise<StoredEntry[]> {
  const items = await store.query(registryPartition.pk, { skPrefix: registryPartition.skPrefix, consistent: true });
  return items.map(fromTenantEntryItem).sort((a, b) => a.entry.id.localeCompare(b.entry.id));
}

/**
 * Writes the entry (and its lookup items first, so the entry never lists a hash no lookup finds),
 * conditional on the version read; stale lookup items of the version replaced are deleted after.
 */
async function writeEntry(store: Store, entry: TenantEntry, previous: StoredEntry | undefined): Promise<void> {
  const hashes = entryHashes(entry);
  // One put each (not a batch write): the functions that seed need no BatchWriteItem for it.
  for (const { hash, kind } of hashes) await store.put(keyLookupItem(hash, entry.id, kind));
  const version = (previous?.version ?? 0) + 1;
  await store.put(
    toTenantEntryItem({ entry, version }),
    previous ? { ifVersion: previous.version } : { ifAbsent: true },
  );
  const kept = new Set(hashes.map((h) => h.hash));
  for (const { hash } of previous ? entryHashes(previous.entry) : []) {
    if (!kept.has(hash)) await store.delete(keyLookupKey(hash));
  }
}

/**
 * The config file's tenants into the registry: a tenant new to it, or one whose config changed since it
 * was last written, takes the config's version; one unchanged keeps its entry (and the CLI's rotations).
 */
export async function seedTenants(
  store: Store,
  tenants: readonly (TenantRecord & { name?: string })[],
  clock: Clock,
): Promise<void> {
  const salt = await ensureSalt(store);
  const at = new Date(clock.now()).toISOString();
  for (const record of tenants) {
    for (let attempt = 0; ; attempt++) {
      const existing = await readEntry(store, record.id);
      const entry = configEntry(record, salt, at, existing?.entry);
      if (!entry) break;
      try {
        await writeEntry(store, entry, existing);
        break;
      } catch (e) {
        // Another process seeding the same config at once: read again (it has likely written it).
        if (!(e instanceof ConditionFailedError) || attempt >= 3) throw e;
      }
    }
  }
}

export type NewTenant = { id: string; name?: string; timezone: string; currency: string };
export type TenantKeys = { apiKey: string; adminKey: string; segmentWriteKey: string };

/** Registers a new tenant with fresh keys, returned once (only their hashes are kept). */
export async function addTenant(store: Store, tenant: NewTenant, clock: Clock): Promise<TenantKeys> {
  const salt = await ensureSalt(store);
  if (await readEntry(store, tenant.id)) throw new RegistryError(`tenant ${tenant.id} exists`);
  const keys: TenantKeys = { apiKey: newKey('api'), adminKey: newKey('admin'), segmentWriteKey: newKey('segment') };
  const at = new Date(clock.now()).toISOString();
  const entry: TenantEntry = {
    id: tenant.id,
    ...(tenant.name ? { name: tenant.name } : {}),
    timezone: tenant.timezone,
    currency: tenant.currency,
    keys: {
      api: { hash: keyHash(salt, keys.apiKey) },
      admin: { hash: keyHash(salt, keys.adminKey) },
      segment: { hash: keyHash(salt, keys.segmentWriteKey) },
    },
    source: 'cli',
    createdAt: at,
    updatedAt: at,
  };
  try {
    await writeEntry(store, entry, undefined);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw new RegistryError(`tenant ${tenant.id} exists`);
    throw e;
  }
  return keys;
}

/** Replaces a tenant's key of `kind` with a fresh one (returned once); the replaced key works until `previousValidUntil`. */
export async function rotateKey(
  store: Store,
  command: { tenantId: string; kind: KeyKind; previousValidUntil: string },
  clock: Clock,
): Promise<string> {
  const salt = await ensureSalt(store);
  const stored = await readEntry(store, command.tenantId);
  if (!stored) throw new RegistryError(`no tenant ${command.tenantId} in the registry`);
  const key = newKey(command.kind);
  const at = new Date(clock.now()).toISOString();
  const entry = rotatedEntry(stored.entry, command.kind, keyHash(salt, key), command.previousValidUntil, at);
  try {
    await writeEntry(store, entry, stored);
  } catch (e) {
    if (e instanceof ConditionFailedError)
      throw new RegistryError(`tenant ${command.tenantId} changed meanwhile; run it again`);
    throw e;
  }
  return key;
}
