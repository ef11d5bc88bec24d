/**
 * Who calls the admin API, and whether they may call the route. A bearer credential shaped as a JWT (three
 * dot-separated parts that decode as one) is the token of a tenant's identity provider: its issuer and audience
 * find the tenant (the credential names the tenant, never the body), the tenant's provider verifies it, and its
 * roles claim gives the roles that functions/core/auth/permissions.ts checks against the route. Anything else
 * is a tenant admin key, which may call every route of its tenant.
 */
import { type Rejection, reject } from '../../contracts/answers';
import { authorize, type Roles, rolesOf } from '../../core/auth/permissions';
import { identityProviderOf, looksLikeJwt } from '../../core/auth/settings';
import type { TenantDirectory, TenantRecord } from '../../core/config/tenants';
import type { Clock, IdentityTokens } from '../../ports';

export type AdminAccessDeps = { tenants: TenantDirectory; identityTokens: IdentityTokens; clock: Clock };

/** The bearer credential of the request (undefined without one) and the route key it calls. */
export type AdminAccessCommand = { token: string | undefined; routeKey: string };

/** Who is calling, for one tenant. */
export type Principal = {
  tenant: TenantRecord;
  roles: Roles;
  /** The user's `sub`, when signed in at the identity provider. */
  subject?: string;
};

export type AdminAccess = { ok: true; principal: Principal } | { ok: false; rejection: Rejection };

const AT = 'headers.authorization';
const refused = (status: number, error: string, message: string, path: string | null = AT): AdminAccess => ({
  ok: false,
  rejection: reject(status, error, message, path),
});
const UNAUTHORIZED = `authorization must be "Bearer <tenant admin key>" or "Bearer <JWT of the tenant's identity provider>"`;

export function createAdminAccess(deps: AdminAccessDeps) {
  /** The tenant of the first of the token's audiences some tenant's identity provider names with its issuer. */
  async function tenantOf(issuer: string, audiences: readonly string[]) {
    for (const audience of audiences) {
      const tenant = await deps.tenants.byIdentityProvider(issuer, audience);
      if (tenant?.auth) return { tenant, auth: tenant.auth };
    }
    return undefined;
  }

  async function signedIn(token: string, issuer: string, audiences: readonly string[]): Promise<AdminAccess> {
    const found = await tenantOf(issuer, audiences);
    if (!found)
      return refused(401, 'unauthorized', 'no tenant takes tokens of this issuer and audience (aud or client_id)');
    const provider = identityProviderOf(found.auth);
    const check = await deps.identityTokens.verify(token, provider, deps.clock.now());
    if (!check.ok) {
      return check.unavailable
        ? refused(503, 'unavailable', `${check.reason}; retry`, null)
        : refused(401, 'unauthorized', check.reason);
    }
    const { sub } = check.claims;
    return {
      ok: true,
      principal: {
        tenant: found.tenant,
        roles: rolesOf(check.claims[provider.rolesClaim]),
        ...(typeof sub === 'string' ? { subject: sub } : {}),
      },
    };
  }

  async function keyHolder(token: string | undefined): Promise<AdminAccess> {
    const tenant: TenantRecord | undefined = await deps.tenants.byAdminKey(token);
    return tenant
      ? { ok: true, principal: { tenant, roles: 'admin-key' } }
      : refused(401, 'unauthorized', UNAUTHORIZED);
  }

  /** The principal calling `routeKey`, or the 401 (no valid credential), 403 (a role short of it) or 503 to answer. */
  return async function access(command: AdminAccessCommand): Promise<AdminAccess> {
    const { token } = command;
    const claimed = token !== undefined && looksLikeJwt(token) ? deps.identityTokens.peek(token) : undefined;
    const who = claimed && token ? await signedIn(token, claimed.issuer, claimed.audiences) : await keyHolder(token);
    if (!who.ok) return who;
    const rolesClaim = who.principal.tenant.auth && identityProviderOf(who.principal.tenant.auth).rolesClaim;
    const decision = authorize(who.principal, command.routeKey, rolesClaim);
    return decision.allowed ? who : refused(403, 'forbidden', decision.message);
  };
}
