// The tenant registry: salted key hashes, config tenants seeded at start, tenants added and keys
// rotated while a directory is in use, previous keys valid until their date and not after.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../functions/adapters/clock';
import { createMemoryStore } from '../../../functions/adapters/memory/store';
import { createRegistryDirectory } from '../../../functions/app/tenants/directory';
import {
  addTenant,
  ensureSalt,
  listEntries,
  readEntry,
  rotateKey,
  seedTenants,
} from '../../../functions/app/tenants/registry';
import { acceptsKey, keyHash, keyLookupKey, saltedKeyHash } from '../../../functions/core/config/registry';
import { sha256, type TenantRecord } from '../../../functions/core/config/tenants';
import type { Store } from '../../../functions/ports';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const configTenant = (id: string, suffix = ''): TenantRecord & { name: string } => ({
  id,
  name: `Shop ${id}`,
  timezone: 'Europe/Berlin',
  currency: 'EUR',
  apiKeySha256: sha256(`api-key-of-${id}${suffix}`),
  adminKeySha256: sha256(`admin-key-of-${id}${suffix}`),
  segmentWriteKeySha256: sha256(`segment-key-of-${id}${suffix}`),
});

/** A store that counts its reads, to see what the directory costs. */
function countingStore(store: Store) {
  const counts = { get: 0, query: 0 };
  const counted: Store = Object.create(store);
  counted.get = (key, options) => {
    counts.get++;
    return store.get(key, options);
  };
  counted.query = (pk, options) => {
    counts.query++;
    return store.query(pk, options);
  };
  return { store: counted, counts };
}

function setup() {
  const clock = new ManualClock(T0);
  const base = createMemoryStore();
  const { store, counts } = countingStore(base);
  let elapsed = 0;
  const directory = (options: { cacheMs?: number } = {}) =>
    createRegistryDirectory({ store, clock, elapsed: () => elapsed, ...options });
  return { clock, store, counts, directory, advance: (ms: number) => (elapsed += ms) };
}

describe('key hashes', () => {
  it('depend on the salt, so two deployments never share a hash for one key', () => {
    expect(keyHash('c2FsdC1vbmUtMTIzNDU2Nzg=', 'gl_api_x')).not.toBe(keyHash('c2FsdC10d28tMTIzNDU2Nzg=', 'gl_api_x'));
    expect(keyHash('c2FsdC1vbmUtMTIzNDU2Nzg=', 'gl_api_x')).toBe(
      saltedKeyHash('c2FsdC1vbmUtMTIzNDU2Nzg=', sha256('gl_api_x')),
    );
  });

  it('are what the table keeps: no key and no unsalted SHA-256 of one is stored', async () => {
    const { store, clock } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    const keys = await addTenant(store, { id: 'new-shop', timezone: 'UTC', currency: 'USD' }, clock);
    const dump = JSON.stringify(await store.scan(''));
    expect((await listEntries(store)).length).toBe(2);
    for (const key of Object.values(keys)) {
      expect(dump).not.toContain(key);
      expect(dump).not.toContain(sha256(key));
    }
    expect(dump).not.toContain(configTenant('shop').apiKeySha256);
  });

  it('the salt is made once and then the same for every reader', async () => {
    const { store } = setup();
    const [a, b] = await Promise.all([ensureSalt(store), ensureSalt(store)]);
    expect(a).toBe(b);
    expect(await ensureSalt(store)).toBe(a);
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
  });
});

describe('config tenants in the registry', () => {
  it('are written at start and found by their keys', async () => {
    const { store, clock, directory } = setup();
    await seedTenants(store, [configTenant('shop'), configTenant('other')], clock);
    const tenants = directory();
    expect((await tenants.byApiKey('api-key-of-shop'))?.id).toBe('shop');
    expect((await tenants.byAdminKey('admin-key-of-other'))?.id).toBe('other');
    expect((await tenants.bySegmentWriteKey('segment-key-of-shop'))?.id).toBe('shop');
    expect(await tenants.byApiKey('admin-key-of-shop')).toBeUndefined();
    expect(await tenants.byAdminKey('api-key-of-shop')).toBeUndefined();
    expect((await tenants.all()).map((t) => t.id)).toEqual(['other', 'shop']);
    expect(await tenants.byId('shop')).toEqual({ id: 'shop', timezone: 'Europe/Berlin', currency: 'EUR' });
  });

  it('an unchanged config keeps the rotations made since; a changed one replaces the entry', async () => {
    const { store, clock } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    const salt = await ensureSalt(store);
    const rotated = await rotateKey(
      store,
      { tenantId: 'shop', kind: 'api', previousValidUntil: '2026-03-02T00:00:00Z' },
      clock,
    );
    await seedTenants(store, [configTenant('shop')], clock);
    expect((await readEntry(store, 'shop'))?.entry.keys.api.hash).toBe(keyHash(salt, rotated));

    await seedTenants(store, [configTenant('shop', '-edited')], clock);
    const entry = (await readEntry(store, 'shop'))?.entry;
    expect(entry?.keys.api).toEqual({ hash: keyHash(salt, 'api-key-of-shop-edited') });
    // the lookup items of the hashes it no longer lists are gone
    expect(await store.get(keyLookupKey(keyHash(salt, rotated)))).toBeUndefined();
  });
});

describe('a directory in use', () => {
  it('finds a tenant added after it was built, at once, with no restart', async () => {
    const { store, clock, directory } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    const tenants = directory();
    expect((await tenants.byApiKey('api-key-of-shop'))?.id).toBe('shop');
    const keys = await addTenant(store, { id: 'new-shop', timezone: 'Asia/Shanghai', currency: 'CNY' }, clock);
    expect((await tenants.byApiKey(keys.apiKey))?.id).toBe('new-shop');
    expect((await tenants.byAdminKey(keys.adminKey))?.currency).toBe('CNY');
    expect((await tenants.bySegmentWriteKey(keys.segmentWriteKey))?.timezone).toBe('Asia/Shanghai');
    expect(await tenants.byId('new-shop')).toMatchObject({ id: 'new-shop' });
  });

  it('a rotated key: the new one works at once, the old one until its date and not after', async () => {
    const { store, clock, directory, advance } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    const tenants = directory();
    expect((await tenants.byAdminKey('admin-key-of-shop'))?.id).toBe('shop');
    const until = '2026-03-01T12:00:00Z';
    const fresh = await rotateKey(store, { tenantId: 'shop', kind: 'admin', previousValidUntil: until }, clock);
    expect((await tenants.byAdminKey(fresh))?.id).toBe('shop');
    advance(60_000);
    expect((await tenants.byAdminKey('admin-key-of-shop'))?.id).toBe('shop');
    clock.set(Date.parse(until) - 1);
    expect((await tenants.byAdminKey('admin-key-of-shop'))?.id).toBe('shop');
    clock.set(Date.parse(until));
    expect(await tenants.byAdminKey('admin-key-of-shop')).toBeUndefined();
    expect((await tenants.byAdminKey(fresh))?.id).toBe('shop');
    // the API key was not touched
    expect((await tenants.byApiKey('api-key-of-shop'))?.id).toBe('shop');
  });

  it('a second rotation ends the first previous key at once', async () => {
    const { store, clock, directory, advance } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    const later = '2026-04-01T00:00:00Z';
    const first = await rotateKey(store, { tenantId: 'shop', kind: 'api', previousValidUntil: later }, clock);
    const second = await rotateKey(store, { tenantId: 'shop', kind: 'api', previousValidUntil: later }, clock);
    const tenants = directory();
    advance(10_000);
    expect(await tenants.byApiKey('api-key-of-shop')).toBeUndefined();
    expect((await tenants.byApiKey(first))?.id).toBe('shop');
    expect((await tenants.byApiKey(second))?.id).toBe('shop');
  });

  it('reads the registry again only after its cache time, and a flood of bad keys costs a bounded number of reads', async () => {
    const { store, clock, directory, counts, advance } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    const tenants = directory({ cacheMs: 5_000 });
    await tenants.byApiKey('api-key-of-shop');
    const before = { ...counts };
    for (let i = 0; i < 100; i++) expect(await tenants.byApiKey('api-key-of-shop')).toBeDefined();
    expect(counts).toEqual(before);
    for (let i = 0; i < 1000; i++) expect(await tenants.byApiKey(`bad-key-${i}`)).toBeUndefined();
    // the miss budget (5 a second, no time has passed): at most 5 lookups
    expect(counts.get - before.get).toBeLessThanOrEqual(5);
    advance(1_000);
    for (let i = 0; i < 1000; i++) await tenants.byApiKey(`bad-key-again-${i}`);
    expect(counts.get - before.get).toBeLessThanOrEqual(10);
    expect(counts.query).toBe(before.query);
    advance(5_000);
    await tenants.byApiKey('api-key-of-shop');
    expect(counts.query).toBe(before.query + 1);
  });

  it('a tenant added during a flood of bad keys is found once the cache is read again', async () => {
    const { store, clock, directory, advance } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    const tenants = directory({ cacheMs: 5_000 });
    for (let i = 0; i < 100; i++) await tenants.byApiKey(`bad-key-${i}`);
    const keys = await addTenant(store, { id: 'new-shop', timezone: 'UTC', currency: 'EUR' }, clock);
    expect(await tenants.byApiKey(keys.apiKey)).toBeUndefined(); // no read left in this second
    advance(5_000);
    expect((await tenants.byApiKey(keys.apiKey))?.id).toBe('new-shop');
  });

  it('a lookup item that names a tenant whose entry does not list the key finds nothing', async () => {
    const { store, clock, directory } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    const salt = await ensureSalt(store);
    await store.put({ ...keyLookupKey(keyHash(salt, 'forged-key-000000000000')), tenantId: 'shop', kind: 'api' });
    expect(await directory().byApiKey('forged-key-000000000000')).toBeUndefined();
  });

  it('deployed tenants count while the registry has none of their id, and only the registry once it has', async () => {
    const { store, clock } = setup();
    const fallback = [configTenant('shop')];
    const readOnly = createRegistryDirectory({ store, clock, fallback });
    expect((await readOnly.byApiKey('api-key-of-shop'))?.id).toBe('shop');
    expect((await readOnly.all()).map((t) => t.id)).toEqual(['shop']);
    const seeding = createRegistryDirectory({ store, clock, fallback, seed: true });
    expect((await seeding.byApiKey('api-key-of-shop'))?.id).toBe('shop');
    await rotateKey(store, { tenantId: 'shop', kind: 'api', previousValidUntil: '2026-03-01T10:00:00Z' }, clock);
    const fresh = createRegistryDirectory({ store, clock, fallback });
    expect(await fresh.byApiKey('api-key-of-shop')).toBeUndefined();
  });
});

describe('a directory before anything is registered', () => {
  it('still knows the deployed tenants during a flood of bad keys', async () => {
    const { store, clock } = setup();
    const tenants = createRegistryDirectory({ store, clock, fallback: [configTenant('shop')], elapsed: () => 0 });
    for (let i = 0; i < 50; i++) expect(await tenants.byApiKey(`bad-key-${i}`)).toBeUndefined();
    expect((await tenants.byApiKey('api-key-of-shop'))?.id).toBe('shop');
    expect((await tenants.byId('shop'))?.id).toBe('shop');
  });
});

describe('registry writes', () => {
  it('refuse a tenant that exists and a rotation of an unknown tenant', async () => {
    const { store, clock } = setup();
    await seedTenants(store, [configTenant('shop')], clock);
    await expect(addTenant(store, { id: 'shop', timezone: 'UTC', currency: 'EUR' }, clock)).rejects.toThrow(
      'tenant shop exists',
    );
    await expect(
      rotateKey(store, { tenantId: 'nobody', kind: 'api', previousValidUntil: '2026-03-02T00:00:00Z' }, clock),
    ).rejects.toThrow('no tenant nobody');
  });

  it('acceptsKey holds for the current key always and the previous one strictly before its end', () => {
    const entry = {
      id: 'shop',
      timezone: 'UTC',
      currency: 'EUR',
      keys: {
        api: { hash: 'a'.repeat(64), previous: { hash: 'b'.repeat(64), validUntil: '2026-03-01T12:00:00Z' } },
        admin: { hash: 'c'.repeat(64) },
      },
      source: 'cli' as const,
      createdAt: '2026-03-01T00:00:00Z',
      updatedAt: '2026-03-01T00:00:00Z',
    };
    const end = Date.parse('2026-03-01T12:00:00Z');
    expect(acceptsKey(entry, 'api', 'a'.repeat(64), end + 1e12)).toBe(true);
    expect(acceptsKey(entry, 'api', 'b'.repeat(64), end - 1)).toBe(true);
    expect(acceptsKey(entry, 'api', 'b'.repeat(64), end)).toBe(false);
    expect(acceptsKey(entry, 'admin', 'a'.repeat(64), end)).toBe(false);
    expect(acceptsKey(entry, 'segment', 'a'.repeat(64), end)).toBe(false);
  });
});
