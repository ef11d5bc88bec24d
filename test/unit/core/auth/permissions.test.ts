import { describe, expect, it } from 'vitest';
import {
  ADMIN_ROUTE_PERMISSIONS,
  authorize,
  PERMISSIONS,
  ROLE_PERMISSIONS,
  ROLES,
  type Role,
  rolesOf,
} from '../../../../functions/core/auth/permissions';
import { httpRoutes, routeKey } from '../../../../functions/http-routes';

const adminRoutes = httpRoutes.filter((r) => r.fn === 'admin').map(routeKey);
const may = (roles: Role[], key: string) => authorize({ roles }, key).allowed;
const allowedTo = (role: Role) => adminRoutes.filter((key) => may([role], key));

/** GETs of personal data as sent or kept: the customer export, and the local runtime's outbox of sent messages. */
const PERSONAL_READS: Readonly<Record<string, string>> = {
  'GET /v1/customers/{customerId}/export': 'privacy',
  'GET /v1/outbox': 'operations',
};

/** Route keys that only read and are no personal-data export. */
const reads = adminRoutes.filter((key) => key.startsWith('GET ') && !(key in PERSONAL_READS));

describe('the admin route permissions', () => {
  it('name every admin route of functions/http-routes.ts, so a new route cannot be forgotten', () => {
    const missing = adminRoutes.filter((key) => !ADMIN_ROUTE_PERMISSIONS.has(key));
    expect(missing, 'add these route keys to ADMIN_ROUTE_PERMISSIONS (functions/core/auth/permissions.ts)').toEqual([]);
  });

  it('give a GET only the read or public permission, unless it exports personal data', () => {
    for (const [key, permission] of ADMIN_ROUTE_PERMISSIONS) {
      if (!key.startsWith('GET ')) continue;
      if (key in PERSONAL_READS) expect(permission, key).toBe(PERSONAL_READS[key]);
      else expect(['read', 'public'], key).toContain(permission);
    }
  });

  it('never give a write the read permission', () => {
    for (const [key, permission] of ADMIN_ROUTE_PERMISSIONS) {
      if (!key.startsWith('GET ')) expect(permission, key).not.toBe('read');
    }
  });

  it('use only known permissions, and every role holds public and read', () => {
    for (const permission of ADMIN_ROUTE_PERMISSIONS.values()) expect(PERMISSIONS).toContain(permission);
    for (const role of ROLES) expect(ROLE_PERMISSIONS[role]).toEqual(expect.arrayContaining(['public', 'read']));
  });
});

describe('an analyst', () => {
  it('may call every GET that is not a personal-data export, and nothing else', () => {
    expect(allowedTo('analyst').sort()).toEqual([...reads].sort());
  });

  it('may not publish a journey, and is told its role, the route and the role it needs', () => {
    expect(authorize({ roles: ['analyst'] }, 'POST /v1/journeys/{journeyId}/publish')).toEqual({
      allowed: false,
      message: 'the role analyst may not call POST /v1/journeys/{journeyId}/publish: it needs marketer',
    });
  });

  it('may not export a customer, nor read the messages sent', () => {
    expect(may(['analyst'], 'GET /v1/outbox')).toBe(false);
    expect(authorize({ roles: ['analyst'] }, 'GET /v1/customers/{customerId}/export')).toEqual({
      allowed: false,
      message: 'the role analyst may not call GET /v1/customers/{customerId}/export: it needs engineer',
    });
  });
});

describe('a marketer', () => {
  it.each([
    'POST /v1/journeys',
    'PUT /v1/journeys/{journeyId}',
    'POST /v1/journeys/{journeyId}/publish',
    'POST /v1/journeys/{journeyId}/pause',
    'POST /v1/journeys/{journeyId}/resume',
    'POST /v1/journeys/{journeyId}/archive',
    'PUT /v1/campaigns/{campaignId}',
    'POST /v1/campaigns/{campaignId}/runs',
    'POST /v1/templates',
    'POST /v1/templates/{templateId}/preview',
    'POST /v1/templates/{templateId}/test',
    'POST /v1/coupon-pools',
    'POST /v1/coupon-pools/{poolId}/codes',
    'POST /v1/coupon-pools/{poolId}/generate',
    'POST /v1/referrals/{friendId}/review',
    'POST /v1/customers/{customerId}/points/redemptions',
    'POST /v1/customers/{customerId}/tier/memberships',
  ])('may call %s', (key) => {
    expect(may(['marketer'], key)).toBe(true);
  });

  it.each([
    'POST /v1/journeys/validate',
    'POST /v1/journeys/backtest',
    'POST /v1/campaigns/{campaignId}/estimate',
    'GET /v1/campaigns/{campaignId}',
  ])('may call %s, a route that only computes or reads', (key) => {
    expect(may(['marketer'], key)).toBe(true);
    expect(may(['analyst'], key)).toBe(key.startsWith('GET '));
  });

  it.each(['GET /v1/customers/{customerId}/export', 'DELETE /v1/customers/{customerId}', 'POST /v1/quarantine/replay'])(
    'may not call %s',
    (key) => {
      expect(may(['marketer'], key)).toBe(false);
    },
  );

  it('may read all an analyst may', () => {
    expect(allowedTo('marketer')).toEqual(expect.arrayContaining(reads));
  });
});

describe('an engineer', () => {
  it('may export and erase customers and replay the quarantine, besides the reads', () => {
    expect(allowedTo('engineer').sort()).toEqual(
      [
        ...reads,
        'GET /v1/customers/{customerId}/export',
        'GET /v1/outbox',
        'DELETE /v1/customers/{customerId}',
        'POST /v1/quarantine/replay',
      ].sort(),
    );
  });

  it('may not publish a journey', () => {
    expect(may(['engineer'], 'POST /v1/journeys/{journeyId}/publish')).toBe(false);
  });
});

describe('the decision', () => {
  it('lets the tenant admin key call every route, those missing from the table too', () => {
    for (const key of [...adminRoutes, 'POST /v1/not-yet-in-the-table']) {
      expect(authorize({ roles: 'admin-key' }, key)).toEqual({ allowed: true });
    }
  });

  it('refuses a route missing from the table to every role (deny by default)', () => {
    expect(authorize({ roles: [...ROLES] }, 'POST /v1/tenants')).toEqual({
      allowed: false,
      message: 'POST /v1/tenants is open to the tenant admin key only, not to a signed-in role',
    });
  });

  it('lets several roles add up, and names them all when none is enough', () => {
    expect(may(['analyst', 'marketer'], 'POST /v1/journeys/{journeyId}/publish')).toBe(true);
    expect(authorize({ roles: ['analyst', 'engineer'] }, 'POST /v1/templates')).toEqual({
      allowed: false,
      message: 'the roles analyst, engineer may not call POST /v1/templates: it needs marketer',
    });
  });

  it('tells a user with no role which claim was read', () => {
    expect(authorize({ roles: [] }, 'GET /v1/journeys', 'cognito:groups')).toEqual({
      allowed: false,
      message:
        'the token names no role (marketer, analyst, engineer) in its cognito:groups claim: GET /v1/journeys needs marketer or analyst or engineer',
    });
  });
});

describe('the roles of a claim', () => {
  it('are its values that are roles, from a list or a string of names', () => {
    expect(rolesOf(['analyst', 'admins', 'marketer'])).toEqual(['marketer', 'analyst']);
    expect(rolesOf('engineer marketer,other')).toEqual(['marketer', 'engineer']);
  });

  it('are none for a missing or odd claim, and never a look-alike', () => {
    expect(rolesOf(undefined)).toEqual([]);
    expect(rolesOf(42)).toEqual([]);
    expect(rolesOf({ marketer: true })).toEqual([]);
    expect(rolesOf(['Marketer', 'marketers', ' analyst', ['engineer']])).toEqual([]);
  });
});
