import middy from '@middy/core';
import type { TenantDirectory } from '../core/config/tenants';
import { fromProfileItem, profileKey } from '../core/profiles/items';
import { profileView } from '../core/profiles/view';
import type { Store } from '../ports';
import { awsStore, awsTenants, lazyHandler } from './aws';
import { apiError, bearerToken, type HttpEvent, type HttpResult, json, jsonErrors } from './http';

/** GET /v1/customers/{customerId}: the customer's profile, for the tenant whose admin key is presented. */
export function createAdminHandler(deps: { store: Store; tenants: TenantDirectory }) {
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
    const item = await deps.store.get(profileKey(tenant.id, customerId), { consistent: true });
    if (!item) return apiError(404, 'not_found', `no profile for customer ${customerId}`, 'path.customerId');
    return json(200, profileView(fromProfileItem(item).profile));
  }).use(jsonErrors());
}

export const handler = lazyHandler(() => createAdminHandler({ store: awsStore(), tenants: awsTenants() }));
