import middy from '@middy/core';
import { systemClock } from '../adapters/clock';
import type { TenantDirectory, TenantRecord } from '../core/config/tenants';
import { fromProfileItem, profileKey } from '../core/profiles/items';
import { profileView } from '../core/profiles/view';
import type { Clock, Store } from '../ports';
import { awsStore, awsTenants, lazyHandler } from './aws';
import { apiError, bearerToken, type HttpEvent, type HttpResult, json, jsonErrors, routeByKey } from './http';
import { createPrivacy } from './privacy';

export type AdminDeps = { store: Store; tenants: TenantDirectory; clock: Clock };
type Authorized = (tenant: TenantRecord, customerId: string, event: HttpEvent) => Promise<HttpResult>;

/** Admin routes on one customer: the tenant's admin key is required, and only its own customers are reachable. */
function customerRoute(deps: AdminDeps, run: Authorized) {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
    const tenant = deps.tenants.byAdminKey(bearerToken(event));
    if (!tenant) {
      return apiError(
        401,
        'unauthorized',
        'authorization must be "Bearer <tenant admin key>"',
        'headers.authorization',
      );
    }
    const customerId = event.pathParameters?.customerId;
    if (!customerId) return apiError(400, 'invalid_request', 'the path names no customer', 'path.customerId');
    return run(tenant, customerId, event);
  }).use(jsonErrors());
}

/** GET /v1/customers/{customerId}: the customer's profile. */
export const createProfileReadHandler = (deps: AdminDeps) =>
  customerRoute(deps, async (tenant, customerId) => {
    const item = await deps.store.get(profileKey(tenant.id, customerId), { consistent: true });
    if (!item) return apiError(404, 'not_found', `no profile for customer ${customerId}`, 'path.customerId');
    return json(200, profileView(fromProfileItem(item).profile));
  });

/** DELETE /v1/customers/{customerId}: erases everything held about the customer, leaving a hashed tombstone. */
export const createErasureHandler = (deps: AdminDeps) =>
  customerRoute(deps, async (tenant, customerId) =>
    json(200, await createPrivacy(deps).erase(tenant.id, customerId, 'admin_api')),
  );

/** GET /v1/customers/{customerId}/export: everything held about the customer, as JSON. */
export const createExportHandler = (deps: AdminDeps) =>
  customerRoute(deps, async (tenant, customerId) =>
    json(200, await createPrivacy(deps).export(tenant.id, customerId, 'admin_api')),
  );

/** The admin function: a customer's profile, export and erasure. */
export const createAdminFunction = (deps: AdminDeps) =>
  routeByKey({
    'GET /v1/customers/{customerId}': createProfileReadHandler(deps),
    'DELETE /v1/customers/{customerId}': createErasureHandler(deps),
    'GET /v1/customers/{customerId}/export': createExportHandler(deps),
  });

export const handler = lazyHandler(() =>
  createAdminFunction({ store: awsStore(), tenants: awsTenants(), clock: systemClock }),
);
