/**
 * The tenant directory over the registry in the table: the whole registry cached for a few seconds,
 * so a tenant added or a key rotated by `growthloop tenants` is honoured by running functions without
 * a restart. A key or tenant id the cache does not know is looked up at once (a key by its lookup
 * item, one read), at most a few times a second, so a flood of bad keys is not a flood of reads.
 */

import { identityProviderKey } from '../../core/auth/settings';
import {
  acceptsKey,
  type KeyKind,
  keyHash,
  keyLookupKey,
  lookupTargetOf,
  recordOf,
  type TenantEntry,
} from '../../core/config/registry';
import type { TenantDirectory, TenantRecord } from '../../core/config/tenants';
import { byIdentityProvider, tenantDirectory } from '../../core/config/tenants';
import type { Clock, Store } from '../../ports';
import { listEntries, readEntry, readSalt, seedTenants } from './registry';

export type RegistryDirectoryOptions = {
  store: Store;
  /** Decides whether a previous key is still valid (the system's clock; tests move a ManualClock). */
  clock: Clock;
  /** How long the cached registry is used before it is read again (default 5 s). */
  cacheMs?: number;
  /** Reads for keys and ids the cache does not know, per second (default 5; a burst of as many). */
  missReadsPerSecond?: number;
  /** Elapsed time for the cache and the miss budget, in ms (default performance.now). */
  elapsed?: () => number;
  /**
   * Tenants known without the registry (the deployed GROWTHLOOP_TENANTS): each is used while the
   * registry has no tenant of its id, and written into the registry first when `seed` is set.
   */
  fallback?: readonly TenantRecord[];
  seed?: boolean;
};

type Snapshot = { salt: string | undefined; entries: Map<string, TenantEntry>; byHash: Map<string, string> };

export const DEFAULT_CACHE_MS = 5_000;

export function createRegistryDirectory(options: RegistryDirectoryOptions): TenantDirectory {
  const { store, clock } = options;
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const perSecond = options.missReadsPerSecond ?? 5;
  const elapsed = options.elapsed ?? (() => performance.now());
  const fallback = options.fallback ?? [];
  const fallbackDirectory = tenantDirectory(fallback);
  let seeded = !options.seed || fallback.length === 0;

  let snapshot: Snapshot | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<Snapshot> | undefined;
  let tokens = perSecond;
  let tokensAt = elapsed();

  function index(entries: Map<string, TenantEntry>): Map<string, string> {
    const byHash = new Map<string, string>();
    for (const entry of entries.values()) {
      for (const key of Object.values(entry.keys)) {
        if (!key) continue;
        byHash.set(key.hash, entry.id);
        if (key.previous) byHash.set(key.previous.hash, entry.id);
      }
    }
    return byHash;
  }

  async function load(): Promise<Snapshot> {
    if (!seeded) {
      await seedTenants(store, fallback, clock);
      seeded = true;
    }
    const salt = await readSalt(store);
    const entries = new Map((await listEntries(store)).map(({ entry }) => [entry.id, entry]));
    return { salt, entries, byHash: index(entries) };
  }

  async function current(): Promise<Snapshot> {
    if (snapshot && elapsed() - readAt < cacheMs) return snapshot;
    loading ??= load().then(
      (loaded) => {
        snapshot = loaded;
        readAt = elapsed();
        loading = undefined;
        return loaded;
      },
      (e) => {
        loading = undefined;
        throw e;
      },
    );
    return loading;
  }

  /** One read for something the cache does not know, if the budget allows (a token bucket). */
  function mayRead(): boolean {
    const now = elapsed();
    tokens = Math.min(perSecond, tokens + ((now - tokensAt) / 1000) * perSecond);
    tokensAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  /** Counts the entries installed into a snapshot: what was indexed from it before is stale then. */
  let installed = 0;
  function install(view: Snapshot, entry: TenantEntry) {
    view.entries.set(entry.id, entry);
    view.byHash = index(view.entries);
    installed += 1;
  }

  async function byKey(kind: KeyKind, key: string | undefined): Promise<TenantRecord | undefined> {
    if (!key) return undefined;
    let view = await current();
    // No salt yet: nothing is registered (the deployed tenants, if any, are all there is).
    if (!view.salt && mayRead()) view.salt = await readSalt(store);
    if (!view.salt) return fallbackByKey(view, kind, key);
    const hash = keyHash(view.salt, key);
    let tenantId = view.byHash.get(hash);
    if (tenantId === undefined && mayRead()) {
      const lookup = await store.get(keyLookupKey(hash), { consistent: true });
      if (lookup) {
        const target = lookupTargetOf(lookup);
        const stored = await readEntry(store, target.tenantId);
        view = await current();
        if (stored) install(view, stored.entry);
        tenantId = target.tenantId;
      }
    }
    const entry = tenantId === undefined ? undefined : view.entries.get(tenantId);
    if (entry) return acceptsKey(entry, kind, hash, clock.now()) ? recordOf(entry) : undefined;
    return fallbackByKey(view, kind, key);
  }

  async function fallbackByKey(view: Snapshot, kind: KeyKind, key: string): Promise<TenantRecord | undefined> {
    const found =
      kind === 'api'
        ? await fallbackDirectory.byApiKey(key)
        : kind === 'admin'
          ? await fallbackDirectory.byAdminKey(key)
          : await fallbackDirectory.bySegmentWriteKey(key);
    // A tenant in the registry is known by the registry's keys only (its config keys may be rotated out).
    return found && !view.entries.has(found.id) ? found : undefined;
  }

  /** Every tenant: the registered ones, and the deployed ones the registry has no tenant of their id for. */
  const recordsOf = (view: Snapshot): TenantRecord[] => [
    ...[...view.entries.values()].map(recordOf),
    ...fallback.filter((r) => !view.entries.has(r.id)),
  ];
  /** The tenants by identity provider, indexed once per snapshot read (and again once an entry is installed). */
  let providers: { of: Snapshot; installed: number; index: Map<string, TenantRecord | null> } | undefined;

  return {
    async all() {
      return recordsOf(await current());
    },
    // No read of its own on a miss: the registry is re-read every few seconds, so a provider added shows then.
    async byIdentityProvider(issuer, audience) {
      const view = await current();
      if (providers?.of !== view || providers.installed !== installed) {
        providers = { of: view, installed, index: byIdentityProvider(recordsOf(view)) };
      }
      return providers.index.get(identityProviderKey(issuer, audience)) ?? undefined;
    },
    async byId(id) {
      const view = await current();
      let entry = view.entries.get(id);
      if (!entry && mayRead()) {
        entry = (await readEntry(store, id))?.entry;
        if (entry) install(view, entry);
      }
      if (entry) return recordOf(entry);
      return fallbackDirectory.byId(id);
    },
    byApiKey: (key) => byKey('api', key),
    byAdminKey: (key) => byKey('admin', key),
    bySegmentWriteKey: (key) => byKey('segment', key),
  };
}
