/**
 * A tenant's identity provider: the console's users sign in there (a Cognito user pool the stack can create, or
 * any OIDC issuer), and the admin API accepts the JWTs it signs, for that tenant only, with the roles of their
 * groups claim (functions/core/auth/permissions.ts).
 */
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An https URL without query or fragment; http only on this machine (a local identity provider, tests). */
const HttpsUrl = z
  .url({ protocol: /^https?$/ })
  .max(512)
  .refine((url) => {
    if (!URL.canParse(url)) return false;
    const { protocol, hostname, search, hash } = new URL(url);
    return (protocol === 'https:' || LOOPBACK_HOSTS.has(hostname)) && search === '' && hash === '';
  }, 'must be an https URL without query or fragment');

/** The claim Cognito lists a user's groups in. */
export const DEFAULT_ROLES_CLAIM = 'cognito:groups';

export const TenantAuth = z.strictObject({
  /** The `iss` of the tokens, exactly: `https://cognito-idp.<region>.amazonaws.com/<userPoolId>` for Cognito. */
  issuer: HttpsUrl,
  /** The console's app client id: the tokens' `aud` (ID tokens) or `client_id` (Cognito access tokens). */
  audience: z.string().min(1).max(256),
  /** Where the signing keys are; `<issuer>/.well-known/jwks.json` when absent. */
  jwksUri: HttpsUrl.optional(),
  /** The claim listing the user's groups, whose values marketer, analyst and engineer are roles; `cognito:groups` when absent. */
  rolesClaim: z.string().min(1).max(256).optional(),
});
export type TenantAuth = z.infer<typeof TenantAuth>;

/** The identity provider as the verifier needs it: every default applied. */
export type IdentityProviderSettings = { issuer: string; audience: string; jwksUri: string; rolesClaim: string };

export function identityProviderOf(auth: TenantAuth): IdentityProviderSettings {
  return {
    issuer: auth.issuer,
    audience: auth.audience,
    jwksUri: auth.jwksUri ?? `${auth.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
    rolesClaim: auth.rolesClaim ?? DEFAULT_ROLES_CLAIM,
  };
}

/** One key for an issuer and an audience: no two tenants may share it (the token would name two tenants). */
export const identityProviderKey = (issuer: string, audience: string): string => JSON.stringify([issuer, audience]);

/** Whether a bearer credential is shaped as a JWT: three dot-separated base64url parts (admin keys are not). */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
