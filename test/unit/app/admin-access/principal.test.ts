// Who calls the admin API: a tenant admin key, or a JWT of the tenant's identity provider with its roles, through
// the real admin function (memory store) and a key pair of the test's own (an injected local key set).
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../../../functions/adapters/auth/jwt';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryQueue } from '../../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createAdminAccess } from '../../../../functions/app/admin-access/run';
import { sha256, type TenantRecord, tenantDirectory } from '../../../../functions/core/config/tenants';
import { createAdminFunction } from '../../../../functions/handlers/admin';
import type { HttpEvent } from '../../../../functions/http/lambda';
import type { IdentityTokens } from '../../../../functions/ports';

const NOW = Date.parse('2026-03-01T10:00:00Z');
const POOL = 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Acme';
const CLIENT = 'acme-console';
const OTHER_CLIENT = 'globex-console';

const tenant = (id: string, auth?: TenantRecord['auth']): TenantRecord => ({
  id,
  timezone: 'Europe/Berlin',
  currency: 'EUR',
  apiKeySha256: sha256(`api-key-of-${id}`),
  adminKeySha256: sha256(`admin-key-of-${id}`),
  ...(auth ? { auth } : {}),
});
const tenants = tenantDirectory([
  tenant('acme', { issuer: POOL, audience: CLIENT }),
  // Another app client of the same pool, for another tenant, whose roles are in a claim of its own.
  tenant('globex', { issuer: POOL, audience: OTHER_CLIENT, rolesClaim: 'roles' }),
  tenant('initech'),
]);

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let privateKey: Key;
let foreignKey: Key;
let jwk: JWK;
const clock = new ManualClock(NOW);
let identityTokens: IdentityTokens;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  foreignKey = (await generateKeyPair('RS256')).privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  identityTokens = createJwtVerifier({ keysOf: () => createLocalJWKSet({ keys: [jwk] }) });
});

function signIn(groups: string[] | undefined, claims: JWTPayload = {}, key: Key = privateKey, at = NOW) {
  return new SignJWT({
    iss: POOL,
    aud: CLIENT,
    sub: 'user-1',
    token_use: 'id',
    ...(groups ? { 'cognito:groups': groups } : {}),
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuedAt(Math.floor(at / 1000))
    .setExpirationTime(Math.floor(at / 1000) + 3600)
    .sign(key);
}

const journey = () => {
  const { status: _status, ...draft } = JSON.parse(
    readFileSync(new URL('../../../../examples/journeys/abandoned-checkout.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  return draft;
};

function adminApi() {
  const admin = createAdminFunction({
    store: createMemoryStore(),
    queue: createMemoryQueue({ clock }),
    tenants,
    clock,
    log: silentLog,
    identityTokens,
  });
  return async (routeKey: string, token: string | undefined, options: { id?: string; body?: unknown } = {}) => {
    const result = await admin(
      {
        routeKey,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          'content-type': 'application/json',
        },
        pathParameters: options.id === undefined ? {} : { journeyId: options.id },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      } as unknown as HttpEvent,
      {} as Context,
    );
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
  };
}

const PUBLISH = 'POST /v1/journeys/{journeyId}/publish';

describe('the admin API signed in at the tenant’s identity provider', () => {
  it('lets a marketer create and publish a journey, and an analyst read it but not publish it', async () => {
    const call = adminApi();
    const marketer = await signIn(['marketer']);
    const analyst = await signIn(['analyst']);
    expect((await call('POST /v1/journeys', marketer, { body: { ...journey(), id: 'j1' } })).status).toBe(201);
    expect((await call('POST /v1/journeys', marketer, { body: { ...journey(), id: 'j2' } })).status).toBe(201);
    expect(await call(PUBLISH, analyst, { id: 'j1' })).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        message: `the role analyst may not call ${PUBLISH}: it needs marketer`,
        path: 'headers.authorization',
      },
    });
    expect((await call(PUBLISH, marketer, { id: 'j1' })).body).toMatchObject({ status: 'live', version: 1 });
    const listed = await call('GET /v1/journeys', analyst);
    expect(listed.status).toBe(200);
    expect(listed.body.journeys).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'j1', status: 'live' })]),
    );
  });

  it('keeps the tenant of the token: another tenant’s admin key does not see its journeys', async () => {
    const call = adminApi();
    expect(
      (await call('POST /v1/journeys', await signIn(['marketer']), { body: { ...journey(), id: 'j1' } })).status,
    ).toBe(201);
    expect((await call('GET /v1/journeys', 'admin-key-of-initech')).body).toEqual({ journeys: [] });
    expect((await call('GET /v1/journeys', 'admin-key-of-acme')).body.journeys).toHaveLength(1);
  });

  it('refuses an engineer the marketing routes and a user of no role every route, naming the claim', async () => {
    const call = adminApi();
    expect((await call('POST /v1/journeys', await signIn(['engineer']), { body: journey() })).status).toBe(403);
    expect(await call('GET /v1/journeys', await signIn(['admins']))).toMatchObject({
      status: 403,
      body: { error: 'forbidden', message: expect.stringContaining('in its cognito:groups claim') },
    });
    expect((await call('GET /v1/journeys', await signIn(undefined))).status).toBe(403);
  });

  it('still lets the tenant admin key call every route', async () => {
    const call = adminApi();
    expect((await call('POST /v1/journeys', 'admin-key-of-acme', { body: { ...journey(), id: 'j1' } })).status).toBe(
      201,
    );
    expect((await call(PUBLISH, 'admin-key-of-acme', { id: 'j1' })).status).toBe(200);
  });

  it.each([
    ['expired', () => signIn(['marketer'], {}, privateKey, NOW - 2 * 3600_000), 'the token has expired'],
    ['signed by another key', () => signIn(['marketer'], {}, foreignKey), "the token's signature does not verify"],
    [
      'of an issuer no tenant names',
      () => signIn(['marketer'], { iss: `${POOL}-other` }),
      'no tenant takes tokens of this issuer and audience (aud or client_id)',
    ],
    [
      'for an app client no tenant names',
      () => signIn(['marketer'], { aud: 'some-other-app' }),
      'no tenant takes tokens of this issuer and audience (aud or client_id)',
    ],
  ])('answers 401 to a token %s', async (_case, token, message) => {
    const call = adminApi();
    expect(await call('GET /v1/journeys', await token())).toEqual({
      status: 401,
      body: { error: 'unauthorized', message, path: 'headers.authorization' },
    });
  });

  it('answers 401 without a credential, or with a key that is none, as before', async () => {
    const call = adminApi();
    for (const token of [undefined, 'not-a-key', 'a.b.c']) {
      expect(await call('GET /v1/journeys', token)).toMatchObject({
        status: 401,
        body: { error: 'unauthorized', path: 'headers.authorization' },
      });
    }
  });

  it("takes an access token by its client_id, and finds the tenant by the app client and the tenant's roles claim", async () => {
    const call = adminApi();
    const access = await signIn(['marketer'], { aud: undefined, client_id: CLIENT, token_use: 'access' });
    expect((await call('GET /v1/journeys', access)).status).toBe(200);
    // Globex's app client of the same pool: its roles are in `roles`, so cognito:groups counts for nothing.
    const globex = await signIn(['marketer'], { aud: OTHER_CLIENT });
    expect((await call('GET /v1/journeys', globex)).body.message).toContain('in its roles claim');
    const globexMarketer = await signIn(undefined, { aud: OTHER_CLIENT, roles: ['marketer'] });
    expect((await call('POST /v1/journeys', globexMarketer, { body: { ...journey(), id: 'g1' } })).status).toBe(201);
    expect((await call('GET /v1/journeys', 'admin-key-of-globex')).body.journeys).toHaveLength(1);
    expect((await call('GET /v1/journeys', 'admin-key-of-acme')).body.journeys).toHaveLength(0);
  });
});

describe('the principal', () => {
  it('names the tenant, the roles and the subject of a token, and the admin key as such', async () => {
    const access = createAdminAccess({ tenants, identityTokens, clock });
    const signedIn = await access({ token: await signIn(['analyst', 'marketer']), routeKey: 'GET /v1/journeys' });
    expect(signedIn).toMatchObject({
      ok: true,
      principal: { tenant: { id: 'acme' }, roles: ['marketer', 'analyst'], subject: 'user-1' },
    });
    const key = await access({ token: 'admin-key-of-acme', routeKey: 'POST /v1/unknown' });
    expect(key).toMatchObject({ ok: true, principal: { tenant: { id: 'acme' }, roles: 'admin-key' } });
  });

  it('answers 503 when the identity provider’s keys cannot be fetched', async () => {
    const unreachable: IdentityTokens = {
      peek: identityTokens.peek,
      verify: async () => ({
        ok: false,
        reason: "the identity provider's signing keys could not be fetched",
        unavailable: true,
      }),
    };
    const access = createAdminAccess({ tenants, identityTokens: unreachable, clock });
    expect(await access({ token: await signIn(['marketer']), routeKey: 'GET /v1/journeys' })).toEqual({
      ok: false,
      rejection: {
        status: 503,
        body: {
          error: 'unavailable',
          message: "the identity provider's signing keys could not be fetched; retry",
          path: null,
        },
      },
    });
  });
});
