// What the signed-in user's roles let them do, so that the console offers only what the API will
// accept. The API decides (functions/core/auth/permissions.ts, the same table read here); the console
// reads the roles from the token without checking its signature, only to choose what to show.
import { authorize, type Roles, rolesOf } from '../../functions/core/auth/permissions';

export type { Roles };

const ROLES_CLAIM = 'cognito:groups';

/** The roles of a credential: an admin key has no dots, a JWT three parts whose middle one is its claims. */
export function rolesOfCredential(credential: string, rolesClaim = ROLES_CLAIM): Roles {
  const parts = credential.split('.');
  if (parts.length !== 3) return 'admin-key';
  try {
    const claims = JSON.parse(atob((parts[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    return rolesOf(claims[rolesClaim]);
  } catch {
    return [];
  }
}

/**
 * Whether to offer the route `routeKey` ("POST /v1/journeys/{journeyId}/publish"). A token that names
 * none of the roles (an issuer whose roles are in another claim) is offered everything: the API answers.
 */
export function mayCall(roles: Roles, routeKey: string): boolean {
  if (roles === 'admin-key' || roles.length === 0) return true;
  return authorize({ roles }, routeKey).allowed;
}
