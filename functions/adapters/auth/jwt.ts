/**
 * The tenants' identity tokens, verified with jose: the signing keys of each JWKS URI fetched once and cached
 * (refetched after 10 minutes, or when a token names a key not seen yet, at most every 30 s), RS256 and ES256
 * only, the issuer exact, the audience in `aud` (ID tokens) or `client_id` (Cognito access tokens), and the
 * token's times against the caller's clock with a small tolerance.
 */
import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { IdentityTokens, TokenCheck, TokenExpectation, TokenIssuer } from '../../ports';

/** The signature algorithms accepted: Cognito signs with RS256; ES256 for OIDC issuers that use EC keys. */
export const TOKEN_ALGORITHMS = ['RS256', 'ES256'];
/** How far the token's exp, nbf and iat may be off the clock. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** How long a fetch of signing keys may take before the request is answered 503. */
const JWKS_TIMEOUT_MS = 3_000;

export type JwtVerifierOptions = {
  /**
   * The signing keys of a JWKS URI; by default fetched from it (createRemoteJWKSet, one per URI). Tests give the
   * keys of a key pair of their own (jose's createLocalJWKSet).
   */
  keysOf?: (jwksUri: string) => JWTVerifyGetKey;
};

const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];

/** Whether the token is for `audience`: in its `aud` (a string or a list), or its `client_id`. */
const isFor = (payload: JWTPayload, audience: string): boolean =>
  strings(payload.aud).includes(audience) || payload.client_id === audience;

/** What the caller is told of a token that does not verify; jose's own messages stay in the adapter. */
function refusal(error: unknown): TokenCheck {
  if (error instanceof errors.JWTExpired) return { ok: false, reason: 'the token has expired' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    const problem = error.reason === 'missing' ? 'is missing' : 'is not valid';
    return { ok: false, reason: `the token's ${error.claim} claim ${problem}` };
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return { ok: false, reason: `the token is signed with an algorithm other than ${TOKEN_ALGORITHMS.join(' or ')}` };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return { ok: false, reason: "the token's signature does not verify" };
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return { ok: false, reason: "the token is signed by no key of the tenant's identity provider" };
  }
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) {
    return { ok: false, reason: 'the token is not a well-formed signed JWT' };
  }
  if (error instanceof errors.JOSENotSupported || error instanceof errors.JWKInvalid) {
    return { ok: false, reason: 'the token is signed in a way this API does not verify' };
  }
  // The keys could not be fetched (timeout, no answer, not 200, not a key set): the token may be good.
  return { ok: false, reason: "the identity provider's signing keys could not be fetched", unavailable: true };
}

export function createJwtVerifier(options: JwtVerifierOptions = {}): IdentityTokens {
  const sets = new Map<string, JWTVerifyGetKey>();
  const remote = (jwksUri: string): JWTVerifyGetKey => {
    let set = sets.get(jwksUri);
    if (!set) {
      set = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: JWKS_TIMEOUT_MS });
      sets.set(jwksUri, set);
    }
    return set;
  };
  const keysOf = options.keysOf ?? remote;
  return {
    peek(token: string): TokenIssuer | undefined {
      let payload: JWTPayload;
      try {
        payload = decodeJwt(token);
      } catch {
        return undefined;
      }
      if (typeof payload.iss !== 'string') return undefined;
      const audiences = [...strings(payload.aud), ...strings(payload.client_id)];
      return { issuer: payload.iss, audiences: [...new Set(audiences)] };
    },

    async verify(token: string, expected: TokenExpectation, now: number): Promise<TokenCheck> {
      try {
        const { payload } = await jwtVerify(token, keysOf(expected.jwksUri), {
          issuer: expected.issuer,
          algorithms: TOKEN_ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(now),
          requiredClaims: ['exp'],
        });
        if (!isFor(payload, expected.audience)) {
          return { ok: false, reason: `the token is not for the audience ${expected.audience} (aud or client_id)` };
        }
        return { ok: true, claims: payload };
      } catch (error) {
        return refusal(error);
      }
    },
  };
}
