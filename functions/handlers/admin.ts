import middy from '@middy/core';
import packageJson from '../../package.json' with { type: 'json' };
import { awsStore, awsTenants } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createManageJourneys, type JourneyRequest } from '../app/manage-journeys/run';
import { createPrivacy } from '../app/privacy/run';
import { createCustomerReads } from '../app/read-customer/run';
import { type Answer, answer } from '../contracts/answers';
import { openApiDocument } from '../contracts/openapi';
import type { TenantDirectory, TenantRecord } from '../core/config/tenants';
import {
  adminTenant,
  bodyText,
  encode,
  type HttpEvent,
  type HttpResult,
  header,
  isResult,
  jsonErrors,
  lambdaEntry,
  routeByKey,
} from '../http/lambda';
import type { Clock, Log, Store } from '../ports';

export type AdminDeps = { store: Store; tenants: TenantDirectory; clock: Clock; log: Log };

/** The admin function: customers (profile, export, erasure), the tenant's model and journeys, and health. */
export function createAdminFunction(deps: AdminDeps) {
  const reads = createCustomerReads(deps);
  const privacy = createPrivacy(deps);
  const journeys = createManageJourneys(deps);
  /** A route for the tenant whose admin key the request carries: only its own data is reachable. */
  const route = (run: (tenant: TenantRecord, event: HttpEvent) => Promise<Answer>) =>
    middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
      const tenant = adminTenant(deps.tenants, event);
      return isResult(tenant) ? tenant : encode(await run(tenant, event));
    }).use(jsonErrors(deps.log));
  const customerId = (event: HttpEvent) => event.pathParameters?.customerId ?? '';
  const journeyRoute = (run: (request: JourneyRequest) => Promise<Answer>) =>
    route((tenant, event) => {
      const { journeyId } = event.pathParameters ?? {};
      const contentType = header(event, 'content-type');
      return run({
        tenant,
        ...(journeyId === undefined ? {} : { journeyId }),
        ...(contentType === undefined ? {} : { contentType }),
        body: bodyText(event),
      });
    });
  return routeByKey({
    'GET /health': async () => encode(answer(200, { status: 'ok', version: packageJson.version })),
    'GET /openapi.json': async () => encode(answer(200, openApiDocument({ version: packageJson.version }))),
    'GET /v1/customers/{customerId}': route((t, e) => reads.profile({ tenantId: t.id, customerId: customerId(e) })),
    'DELETE /v1/customers/{customerId}': route(async (t, e) =>
      answer(200, await privacy.erase(t.id, customerId(e), 'admin_api')),
    ),
    'GET /v1/customers/{customerId}/export': route(async (t, e) =>
      answer(200, await privacy.export(t.id, customerId(e), 'admin_api')),
    ),
    'GET /v1/model': route((t) => reads.model({ tenantId: t.id })),
    'POST /v1/journeys': journeyRoute(journeys.create),
    'GET /v1/journeys': journeyRoute(journeys.list),
    'GET /v1/journeys/{journeyId}': journeyRoute(journeys.read),
    'PUT /v1/journeys/{journeyId}': journeyRoute(journeys.update),
    'POST /v1/journeys/{journeyId}/publish': journeyRoute(journeys.publish),
    'POST /v1/journeys/{journeyId}/pause': journeyRoute(journeys.pause),
    'POST /v1/journeys/{journeyId}/resume': journeyRoute(journeys.resume),
    'POST /v1/journeys/{journeyId}/archive': journeyRoute(journeys.archive),
  });
}

export const handler = lambdaEntry('admin', (observed) =>
  createAdminFunction({
    store: awsStore(),
    tenants: awsTenants(),
    clock: systemClock,
    ...observed,
  }),
);
