import middy from '@middy/core';
import { systemClock } from '../adapters/clock';
import type { TenantDirectory, TenantRecord } from '../core/config/tenants';
import { fromProfileItem, profileKey } from '../core/profiles/items';
import { profileView } from '../core/profiles/view';
import { fromModelItem, modelKey } from '../core/scoring/model-items';
import { evaluateProfile } from '../core/scoring/profile-scores';
import type { Clock, Store } from '../ports';
import { awsStore, awsTenants, lazyHandler } from './aws';
import { apiError, bearerToken, type HttpEvent, type HttpResult, json, jsonErrors, routeByKey } from './http';
import { createJourneysAdminRoutes } from './journeys-admin';
import { createPrivacy } from './privacy';
import { createScoringContexts, type ScoringContexts } from './scoring';

export type AdminDeps = { store: Store; tenants: TenantDirectory; clock: Clock };
type Authorized = (tenant: TenantRecord, customerId: string, event: HttpEvent) => Promise<HttpResult>;

const unauthorized = () =>
  apiError(401, 'unauthorized', 'authorization must be "Bearer <tenant admin key>"', 'headers.authorization');

/** Admin routes on one customer: the tenant's admin key is required, and only its own customers are reachable. */
function customerRoute(deps: AdminDeps, run: Authorized) {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
    const tenant = deps.tenants.byAdminKey(bearerToken(event));
    if (!tenant) return unauthorized();
    const customerId = event.pathParameters?.customerId;
    if (!customerId) return apiError(400, 'invalid_request', 'the path names no customer', 'path.customerId');
    return run(tenant, customerId, event);
  }).use(jsonErrors());
}

/**
 * GET /v1/customers/{customerId}: the customer's profile, lifecycle stage as stored, and scores
 * as of now (value tier, RFM and model scores against the tenant's latest model).
 */
export const createProfileReadHandler = (deps: AdminDeps, contextOf: ScoringContexts) =>
  customerRoute(deps, async (tenant, customerId) => {
    const item = await deps.store.get(profileKey(tenant.id, customerId), { consistent: true });
    if (!item) return apiError(404, 'not_found', `no profile for customer ${customerId}`, 'path.customerId');
    const { profile, lifecycle } = fromProfileItem(item);
    const { scores } = evaluateProfile(profile, lifecycle, await contextOf(tenant.id), deps.clock.now());
    return json(200, { ...profileView(profile), lifecycle: lifecycle ?? null, scores });
  });

/** GET /v1/model: the tenant's fitted model, its diagnostics and those of the latest fit. */
export const createModelReadHandler = (deps: AdminDeps) =>
  middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
    const tenant = deps.tenants.byAdminKey(bearerToken(event));
    if (!tenant) return unauthorized();
    const stored = fromModelItem(await deps.store.get(modelKey(tenant.id)));
    if (!stored) return apiError(404, 'not_found', 'no model has been fitted for this tenant yet', 'path');
    return json(200, stored);
  }).use(jsonErrors());

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

/** The admin function: a customer's profile, export and erasure; the tenant's model; its journeys. */
export const createAdminFunction = (deps: AdminDeps) =>
  routeByKey({
    ...createJourneysAdminRoutes(deps),
    'GET /v1/customers/{customerId}': createProfileReadHandler(deps, createScoringContexts(deps)),
    'GET /v1/model': createModelReadHandler(deps),
    'DELETE /v1/customers/{customerId}': createErasureHandler(deps),
    'GET /v1/customers/{customerId}/export': createExportHandler(deps),
  });

export const handler = lazyHandler(() =>
  createAdminFunction({ store: awsStore(), tenants: awsTenants(), clock: systemClock }),
);
