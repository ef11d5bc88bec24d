// A tenant's identity provider in the config, the registry and the directories: the tenant a token's issuer and
// audience name, on AWS (the registry and the deployed tenants) as locally.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createRegistryDirectory } from '../../../../functions/app/tenants/directory';
import { readEntry, seedTenants } from '../../../../functions/app/tenants/registry';
import { identityProviderOf } from '../../../../functions/core/auth/settings';
import { configFingerprint } from '../../../../functions/core/config/registry';
import { GrowthloopConfig } from '../../../../functions/core/config/schema';
import { sha256, type TenantRecord, tenantDirectory, tenantRecords } from '../../../../functions/core/config/tenants';

const POOL = 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbC123';
const tenant = (id: string, auth?: unknown) => ({
  id,
  name: id,
  timezone: 'Europe/Berlin',
  currency: 'EUR',
  apiKey: `${id}-api-key-0123456789abcdef`,
  adminKey: `${id}-admin-key-0123456789abcdef`,
  ...(auth === undefined ? {} : { auth }),
});
const parse = (tenants: unknown[]) => GrowthloopConfig.safeParse({ tenants });

describe('the auth of a tenant in the config', () => {
  it('takes a Cognito user pool as issuer and the app client id as audience', () => {
    const parsed = parse([tenant('acme', { issuer: POOL, audience: 'console-client-id' })]);
    expect(parsed.success).toBe(true);
    expect(tenantRecords(parsed.data!)[0]?.auth).toEqual({ issuer: POOL, audience: 'console-client-id' });
  });

  it('defaults the JWKS URI to the issuer’s well-known one and the roles claim to cognito:groups', () => {
    expect(identityProviderOf({ issuer: POOL, audience: 'a' })).toEqual({
      issuer: POOL,
      audience: 'a',
      jwksUri: `${POOL}/.well-known/jwks.json`,
      rolesClaim: 'cognito:groups',
    });
    expect(identityProviderOf({ issuer: 'https://id.example.com/', audience: 'a' }).jwksUri).toBe(
      'https://id.example.com/.well-known/jwks.json',
    );
    const oidc = {
      issuer: 'https://id.example.com/',
      audience: 'https://api.example.com',
      jwksUri: 'https://id.example.com/keys',
      rolesClaim: 'https://example.com/roles',
    };
    expect(identityProviderOf(oidc)).toEqual(oidc);
  });

  it.each([
    [{ issuer: 'http://id.example.com', audience: 'a' }, 'issuer'],
    [{ issuer: 'not a url', audience: 'a' }, 'issuer'],
    [{ issuer: `${POOL}?x=1`, audience: 'a' }, 'issuer'],
    [{ issuer: POOL, audience: '' }, 'audience'],
    [{ issuer: POOL }, 'audience'],
    [{ issuer: POOL, audience: 'a', jwksUri: 'ftp://keys.example.com' }, 'jwksUri'],
    [{ issuer: POOL, audience: 'a', rolesClaim: '' }, 'rolesClaim'],
    [{ issuer: POOL, audience: 'a', clientSecret: 'x' }, ''],
  ])('refuses %j at %s', (auth, field) => {
    const parsed = parse([tenant('acme', auth)]);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join('.')).toBe(
      ['tenants', 0, 'auth', field].filter((p) => p !== '').join('.'),
    );
  });

  it('takes http on this machine only (a local identity provider, tests)', () => {
    const local = { issuer: 'http://127.0.0.1:5000/pool', audience: 'a', jwksUri: 'http://localhost:5000/keys' };
    expect(parse([tenant('acme', local)]).success).toBe(true);
  });

  it('refuses two tenants with the same issuer and audience, and allows another audience of one issuer', () => {
    const same = parse([
      tenant('acme', { issuer: POOL, audience: 'client-a' }),
      tenant('globex', { issuer: POOL, audience: 'client-a' }),
    ]);
    expect(same.success).toBe(false);
    expect(same.error?.issues).toEqual([
      expect.objectContaining({
        path: ['tenants', 1, 'auth', 'audience'],
        message: 'repeats the issuer and audience of tenants[0].auth',
      }),
    ]);
    const other = parse([
      tenant('acme', { issuer: POOL, audience: 'client-a' }),
      tenant('globex', { issuer: POOL, audience: 'client-b' }),
    ]);
    expect(other.success).toBe(true);
  });
});

const record = (id: string, auth?: TenantRecord['auth']): TenantRecord & { name: string } => ({
  id,
  name: id,
  timezone: 'Europe/Berlin',
  currency: 'EUR',
  apiKeySha256: sha256(`api-${id}`),
  adminKeySha256: sha256(`admin-${id}`),
  ...(auth ? { auth } : {}),
});

describe('the tenant of an identity provider', () => {
  it('is found by issuer and audience in a fixed directory, and only by both', async () => {
    const tenants = tenantDirectory([record('acme', { issuer: POOL, audience: 'a' }), record('globex')]);
    expect((await tenants.byIdentityProvider(POOL, 'a'))?.id).toBe('acme');
    expect(await tenants.byIdentityProvider(POOL, 'b')).toBeUndefined();
    expect(await tenants.byIdentityProvider(`${POOL}/`, 'a')).toBeUndefined();
  });

  it('is none when two records name the same provider', async () => {
    const auth = { issuer: POOL, audience: 'a' };
    const tenants = tenantDirectory([record('acme', auth), record('globex', auth)]);
    expect(await tenants.byIdentityProvider(POOL, 'a')).toBeUndefined();
  });

  it('is carried by the registry: seeded from the config, read back, and a change of it rewrites the entry', async () => {
    const store = createMemoryStore();
    const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
    const acme = record('acme', { issuer: POOL, audience: 'a' });
    await seedTenants(store, [acme], clock);
    expect((await readEntry(store, 'acme'))?.entry.auth).toEqual({ issuer: POOL, audience: 'a' });
    const directory = createRegistryDirectory({ store, clock, cacheMs: 0 });
    expect(await directory.byIdentityProvider(POOL, 'a')).toMatchObject({ id: 'acme', auth: acme.auth });
    expect((await directory.byAdminKey('admin-acme'))?.auth).toEqual(acme.auth);

    const moved = { ...acme, auth: { issuer: POOL, audience: 'b' } };
    expect(configFingerprint(moved)).not.toBe(configFingerprint(acme));
    await seedTenants(store, [moved], clock);
    expect(await directory.byIdentityProvider(POOL, 'a')).toBeUndefined();
    expect((await directory.byIdentityProvider(POOL, 'b'))?.id).toBe('acme');
  });

  it('keeps the fingerprint of a tenant without auth as it was', () => {
    const plain = record('acme');
    expect(configFingerprint(plain)).toBe(configFingerprint({ ...plain }));
    expect(JSON.stringify(configFingerprint(plain))).not.toContain('auth');
  });

  it('is found among the deployed tenants the registry does not hold yet', async () => {
    const store = createMemoryStore();
    const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
    const fallback = [record('acme', { issuer: POOL, audience: 'a' })];
    const directory = createRegistryDirectory({ store, clock, fallback });
    expect((await directory.byIdentityProvider(POOL, 'a'))?.id).toBe('acme');
    const seeding = createRegistryDirectory({ store, clock, fallback, seed: true, cacheMs: 0 });
    expect((await seeding.byIdentityProvider(POOL, 'a'))?.id).toBe('acme');
    expect((await readEntry(store, 'acme'))?.entry.auth).toEqual({ issuer: POOL, audience: 'a' });
  });
});
