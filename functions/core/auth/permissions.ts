/**
 * Who may call which admin route. The tenant admin key may call every route; a user signed in at the tenant's
 * identity provider may call a route when one of their roles holds the route's permission:
 *
 *   analyst   read: every GET but the personal-data export and the local outbox
 *   marketer  read, and marketing: the writes of journeys, campaigns (and their runs), templates (and previews,
 *             test sends), coupon pools, referral reviews, points redemptions and tier memberships; a POST that
 *             only computes (validate, backtest, estimate, preview) is marketing too
 *   engineer  read, and privacy (customer export and erasure), operations (quarantine and dead-letter replay, the
 *             local outbox),
 *             tenants (tenants and their keys)
 *
 * Deny by default: a route key missing from ADMIN_ROUTE_PERMISSIONS is refused to every role (the admin key
 * still calls it), and test/unit/core/auth/permissions.test.ts fails while an admin route of
 * functions/http-routes.ts is missing here.
 */
export const ROLES = ['marketer', 'analyst', 'engineer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = ['public', 'read', 'marketing', 'privacy', 'operations', 'tenants'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  analyst: ['public', 'read'],
  marketer: ['public', 'read', 'marketing'],
  engineer: ['public', 'read', 'privacy', 'operations', 'tenants'],
};

/** Each admin route key (as API Gateway names it) and the permission calling it needs. */
export const ADMIN_ROUTE_PERMISSIONS: ReadonlyMap<string, Permission> = new Map<string, Permission>([
  // Need no credential at all.
  ['GET /health', 'public'],
  ['GET /openapi.json', 'public'],

  // Customers: the profile, timeline and accounts are reads; the export and the erasure are privacy.
  ['GET /v1/customers/{customerId}', 'read'],
  ['GET /v1/customers/{customerId}/timeline', 'read'],
  ['GET /v1/customers/{customerId}/points', 'read'],
  ['GET /v1/customers/{customerId}/referral', 'read'],
  ['GET /v1/customers/{customerId}/export', 'privacy'],
  ['DELETE /v1/customers/{customerId}', 'privacy'],
  ['POST /v1/customers/{customerId}/points/redemptions', 'marketing'],
  ['POST /v1/customers/{customerId}/tier/memberships', 'marketing'],
  ['POST /v1/customers/{customerId}/referral/code', 'marketing'],

  // Referrals held for review.
  ['GET /v1/referrals/review', 'read'],
  ['POST /v1/referrals/{friendId}/review', 'marketing'],

  // Reports and what the system holds.
  ['GET /v1/model', 'read'],
  ['GET /v1/metrics/kpis', 'read'],
  ['GET /v1/metrics/loyalty', 'read'],
  // The local runtime's outbox holds the messages as sent: addresses and bodies, so not an analyst's read.
  ['GET /v1/outbox', 'operations'],

  // The quarantine (and the dead-lettered actions in it): listing is a read, replaying is operations.
  ['GET /v1/quarantine', 'read'],
  ['POST /v1/quarantine/replay', 'operations'],

  // Journeys.
  ['GET /v1/journeys', 'read'],
  ['GET /v1/journeys/{journeyId}', 'read'],
  ['POST /v1/journeys', 'marketing'],
  ['POST /v1/journeys/validate', 'marketing'],
  ['POST /v1/journeys/backtest', 'marketing'],
  ['PUT /v1/journeys/{journeyId}', 'marketing'],
  ['POST /v1/journeys/{journeyId}/publish', 'marketing'],
  ['POST /v1/journeys/{journeyId}/pause', 'marketing'],
  ['POST /v1/journeys/{journeyId}/resume', 'marketing'],
  ['POST /v1/journeys/{journeyId}/archive', 'marketing'],

  // Campaigns and their runs.
  ['GET /v1/campaigns', 'read'],
  ['GET /v1/campaigns/{campaignId}', 'read'],
  ['GET /v1/campaigns/{campaignId}/runs/{runId}', 'read'],
  ['PUT /v1/campaigns/{campaignId}', 'marketing'],
  ['POST /v1/campaigns/{campaignId}/runs', 'marketing'],
  ['POST /v1/campaigns/{campaignId}/estimate', 'marketing'],

  // Templates.
  ['GET /v1/templates', 'read'],
  ['GET /v1/templates/{templateId}', 'read'],
  ['POST /v1/templates', 'marketing'],
  ['POST /v1/templates/{templateId}/preview', 'marketing'],
  ['POST /v1/templates/{templateId}/test', 'marketing'],

  // Coupon pools.
  ['GET /v1/coupon-pools', 'read'],
  ['GET /v1/coupon-pools/{poolId}', 'read'],
  ['POST /v1/coupon-pools', 'marketing'],
  ['POST /v1/coupon-pools/{poolId}/codes', 'marketing'],
  ['POST /v1/coupon-pools/{poolId}/generate', 'marketing'],
]);

/** What a caller holds: the tenant admin key (every permission), or a signed-in user's roles. */
export type Roles = readonly Role[] | 'admin-key';

export type Decision = { allowed: true } | { allowed: false; message: string };

const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * The roles a claim's value names: its values (a list of strings, or one string of names separated by spaces or
 * commas) that are marketer, analyst or engineer; other groups are not roles here.
 */
export function rolesOf(claim: unknown): Role[] {
  const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  return ROLES.filter((role) => values.some((v) => v === role));
}

/** The roles that hold a permission. */
export const rolesWith = (permission: Permission): Role[] =>
  ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(permission));

const listed = (roles: readonly string[]) => roles.join(', ');

/** Whether the principal may call the route `routeKey` ("POST /v1/journeys/{journeyId}/publish"). */
export function authorize(principal: { roles: Roles }, routeKey: string, rolesClaim?: string): Decision {
  const { roles } = principal;
  if (roles === 'admin-key') return { allowed: true };
  const permission = ADMIN_ROUTE_PERMISSIONS.get(routeKey);
  if (permission === undefined) {
    return { allowed: false, message: `${routeKey} is open to the tenant admin key only, not to a signed-in role` };
  }
  if (roles.some((role) => isRole(role) && ROLE_PERMISSIONS[role].includes(permission))) return { allowed: true };
  const holders = rolesWith(permission).join(' or ');
  if (roles.length === 0) {
    const claim = rolesClaim ? ` in its ${rolesClaim} claim` : '';
    return {
      allowed: false,
      message: `the token names no role (${listed(ROLES)})${claim}: ${routeKey} needs ${holders}`,
    };
  }
  const named = `the ${roles.length === 1 ? 'role' : 'roles'} ${listed(roles)}`;
  return { allowed: false, message: `${named} may not call ${routeKey}: it needs ${holders}` };
}
