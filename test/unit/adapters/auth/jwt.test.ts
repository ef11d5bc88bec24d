import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_TOLERANCE_SECONDS, createJwtVerifier } from '../../../../functions/adapters/auth/jwt';

const ISSUER = 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Test';
const CLIENT = 'console-client-id';
const NOW = Date.parse('2026-03-01T10:00:00Z');
const seconds = (ms: number) => Math.floor(ms / 1000);

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let rsa: { privateKey: Key; jwk: JWK };
let ec: { privateKey: Key; jwk: JWK };
let foreign: { privateKey: Key };
let server: Server;
let jwksUri: string;
let keyRequests = 0;

async function pair(alg: 'RS256' | 'ES256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

beforeAll(async () => {
  rsa = await pair('RS256', 'rsa-1');
  ec = await pair('ES256', 'ec-1');
  foreign = await pair('RS256', 'rsa-1');
  server = createServer((req, res) => {
    keyRequests += 1;
    if (req.url !== '/pool/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function token(
  claims: JWTPayload,
  options: { key?: Key; alg?: string; kid?: string; issuedAt?: number; expiresIn?: number } = {},
) {
  const issuedAt = options.issuedAt ?? NOW;
  return new SignJWT({ iss: ISSUER, sub: 'user-1', token_use: 'id', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'rsa-1' })
    .setIssuedAt(seconds(issuedAt))
    .setExpirationTime(seconds(issuedAt) + (options.expiresIn ?? 3600))
    .sign(options.key ?? rsa.privateKey);
}

const expected = () => ({ issuer: ISSUER, audience: CLIENT, jwksUri });

describe('the JWT verifier', () => {
  const verifier = createJwtVerifier();

  it('verifies a Cognito ID token (aud) against the keys at the JWKS URI, and gives its claims', async () => {
    const check = await verifier.verify(await token({ aud: CLIENT, 'cognito:groups': ['marketer'] }), expected(), NOW);
    expect(check).toEqual({
      ok: true,
      claims: expect.objectContaining({ sub: 'user-1', 'cognito:groups': ['marketer'] }),
    });
  });

  it('verifies a Cognito access token, whose client_id is the audience', async () => {
    const check = await verifier.verify(await token({ client_id: CLIENT, token_use: 'access' }), expected(), NOW);
    expect(check.ok).toBe(true);
  });

  it('verifies an ES256 token of an OIDC issuer', async () => {
    const check = await verifier.verify(
      await token({ aud: [CLIENT, 'other'] }, { key: ec.privateKey, alg: 'ES256', kid: 'ec-1' }),
      expected(),
      NOW,
    );
    expect(check.ok).toBe(true);
  });

  it('fetches the keys of a JWKS URI once for many tokens', async () => {
    const before = keyRequests;
    const fresh = createJwtVerifier();
    for (let i = 0; i < 5; i++)
      expect((await fresh.verify(await token({ aud: CLIENT }), expected(), NOW)).ok).toBe(true);
    expect(keyRequests - before).toBe(1);
  });

  it('refuses a token for another audience', async () => {
    expect(await verifier.verify(await token({ aud: 'another-client' }), expected(), NOW)).toEqual({
      ok: false,
      reason: `the token is not for the audience ${CLIENT} (aud or client_id)`,
    });
    expect((await verifier.verify(await token({}), expected(), NOW)).ok).toBe(false);
  });

  it('refuses a token of another issuer', async () => {
    expect(await verifier.verify(await token({ aud: CLIENT, iss: `${ISSUER}x` }), expected(), NOW)).toEqual({
      ok: false,
      reason: "the token's iss claim is not valid",
    });
  });

  it('refuses an expired token, and takes one expired within the clock tolerance', async () => {
    const expired = await token({ aud: CLIENT }, { issuedAt: NOW - 7200_000, expiresIn: 3600 });
    expect(await verifier.verify(expired, expected(), NOW)).toEqual({ ok: false, reason: 'the token has expired' });
    const justExpired = await token({ aud: CLIENT }, { issuedAt: NOW - 3610_000, expiresIn: 3600 });
    expect(CLOCK_TOLERANCE_SECONDS).toBeGreaterThan(10);
    expect((await verifier.verify(justExpired, expected(), NOW)).ok).toBe(true);
  });

  it('refuses a token without exp', async () => {
    const endless = await new SignJWT({ iss: ISSUER, aud: CLIENT })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .sign(rsa.privateKey);
    expect(await verifier.verify(endless, expected(), NOW)).toEqual({
      ok: false,
      reason: "the token's exp claim is missing",
    });
  });

  it('refuses a token signed by a key of its own under a kid of the provider', async () => {
    expect(await verifier.verify(await token({ aud: CLIENT }, { key: foreign.privateKey }), expected(), NOW)).toEqual({
      ok: false,
      reason: "the token's signature does not verify",
    });
  });

  it('refuses a token naming a key the provider does not have', async () => {
    const check = await verifier.verify(
      await token({ aud: CLIENT }, { key: foreign.privateKey, kid: 'unknown' }),
      expected(),
      NOW,
    );
    expect(check).toEqual({ ok: false, reason: "the token is signed by no key of the tenant's identity provider" });
  });

  it('refuses HS256 (a shared secret) and unsigned tokens', async () => {
    const hs = await new SignJWT({ iss: ISSUER, aud: CLIENT })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setExpirationTime(seconds(NOW) + 60)
      .sign(new TextEncoder().encode('a shared secret of at least 32 bytes!!'));
    expect(await verifier.verify(hs, expected(), NOW)).toEqual({
      ok: false,
      reason: 'the token is signed with an algorithm other than RS256 or ES256',
    });
    const body = Buffer.from(JSON.stringify({ iss: ISSUER, aud: CLIENT, exp: seconds(NOW) + 60 })).toString(
      'base64url',
    );
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`;
    expect((await verifier.verify(unsigned, expected(), NOW)).ok).toBe(false);
  });

  it('says the keys are unavailable, not that the token is bad, when the JWKS URI does not answer', async () => {
    const gone = `${jwksUri.replace('/pool/', '/elsewhere/')}`;
    expect(await verifier.verify(await token({ aud: CLIENT }), { ...expected(), jwksUri: gone }, NOW)).toEqual({
      ok: false,
      reason: "the identity provider's signing keys could not be fetched",
      unavailable: true,
    });
    const closed = 'http://127.0.0.1:1/.well-known/jwks.json';
    expect(await verifier.verify(await token({ aud: CLIENT }), { ...expected(), jwksUri: closed }, NOW)).toMatchObject({
      ok: false,
      unavailable: true,
    });
  });

  it('takes the keys of an injected key set (tests)', async () => {
    const local = createJwtVerifier({ keysOf: () => createLocalJWKSet({ keys: [ec.jwk] }) });
    const es = await token({ aud: CLIENT }, { key: ec.privateKey, alg: 'ES256', kid: 'ec-1' });
    expect((await local.verify(es, expected(), NOW)).ok).toBe(true);
    expect((await local.verify(await token({ aud: CLIENT }), expected(), NOW)).ok).toBe(false);
  });
});

describe('peeking at a token', () => {
  const verifier = createJwtVerifier();

  it('gives the issuer and every audience it claims, verifying nothing', async () => {
    const forged = await token({ aud: ['a', 'b'], client_id: 'c' }, { key: foreign.privateKey });
    expect(verifier.peek(forged)).toEqual({ issuer: ISSUER, audiences: ['a', 'b', 'c'] });
  });

  it('gives nothing for what is no JWT, or names no issuer', async () => {
    expect(verifier.peek('gl_admin_abc')).toBeUndefined();
    expect(verifier.peek('a.b.c')).toBeUndefined();
    const anonymous = await new SignJWT({ aud: CLIENT }).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    expect(verifier.peek(anonymous)).toBeUndefined();
  });
});
