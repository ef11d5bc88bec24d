import middy from '@middy/core';
import packageJson from '../../package.json' with { type: 'json' };
import { awsQueue, awsStore } from '../adapters/aws/environment';
import type { OutboxPage } from '../adapters/channels/outbox';
import { systemClock } from '../adapters/clock';
import { reopenFailedSend } from '../app/dispatch/dead-letters';
import { createManageJourneys, type JourneyRequest } from '../app/manage-journeys/run';
import { createPrivacy } from '../app/privacy/run';
import { createQuarantine, quarantineRoutes } from '../app/quarantine/run';
import { createCustomerReads } from '../app/read-customer/run';
import { type Answer, answer, reject } from '../contracts/answers';
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
import type { Clock, Log, Queue, Store } from '../ports';
import { awsTenants } from './common/tenants';

export type AdminDeps = {
  store: Store;
  queue: Queue;
  tenants: TenantDirectory;
  clock: Clock;
  log: Log;
  /** The local runtime's outbox (GET /v1/outbox); in AWS messages go to their providers and there is none. */
  outbox?: (tenantId: string, query: { limit?: number; after?: string }) => Promise<OutboxPage>;
};

/** The longest id a path may name (the canonical schema's): longer ones are refused before any read. */
const MAX_PATH_ID = 128;

/** The admin function: customers (profile, export, erasure), the tenant's model and journeys, and health. */
export function createAdminFunction(deps: AdminDeps) {
  const reads = createCustomerReads(deps);
  const privacy = createPrivacy(deps);
  const journeys = createManageJourneys(deps);
  const quarantine = quarantineRoutes(createQuarantine({ ...deps, beforeReplay: reopenFailedSend(deps) }));
  /** A route for the tenant whose admin key the request carries: only its own data is reachable. */
  const route = (run: (tenant: TenantRecord, event: HttpEvent) => Promise<Answer>) =>
    middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
      const tenant = await adminTenant(deps.tenants, event);
      if (isResult(tenant)) return tenant;
      const tooLong = Object.entries(event.pathParameters ?? {}).find(([, v]) => (v?.length ?? 0) > MAX_PATH_ID);
      if (tooLong) return encode(reject(400, 'invalid_id', `at most ${MAX_PATH_ID} characters`, `path.${tooLong[0]}`));
      return encode(await run(tenant, event));
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
    'GET /v1/customers/{customerId}/timeline': route((t, e) =>
      reads.timeline({ tenantId: t.id, customerId: customerId(e) }),
    ),
    'GET /v1/model': route((t) => reads.model({ tenantId: t.id })),
    'GET /v1/outbox': route(async (t, e) => {
      if (!deps.outbox)
        return reject(404, 'not_found', 'this growthloop sends to its providers: it keeps no outbox', 'path');
      const { limit, after } = e.queryStringParameters ?? {};
      const count = limit === undefined ? 100 : Number(limit);
      if (!Number.isInteger(count) || count < 1 || count > 1000)
        return reject(400, 'invalid_request', 'limit is an integer from 1 to 1000', 'query.limit');
      if (after !== undefined && !/^\d{1,15}$/.test(after))
        return reject(400, 'invalid_request', 'after is the next cursor of an earlier page', 'query.after');
      return answer(200, await deps.outbox(t.id, { limit: count, ...(after === undefined ? {} : { after }) }));
    }),
    'GET /v1/quarantine': route((t) => quarantine.list(t.id)),
    'POST /v1/quarantine/replay': route((t, e) => quarantine.replay(t.id, bodyText(e))),
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
    queue: awsQueue(),
    tenants: awsTenants({ seed: true }),
    clock: systemClock,
    ...observed,
  }),
);
