import middy from '@middy/core';
import { awsBus, awsDataKeys } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { type IngestEventsDeps, ingestEvents } from '../app/ingest/events';
import type { TenantDirectory } from '../core/config/tenants';
import {
  apiError,
  bodyText,
  encode,
  type HttpEvent,
  type HttpResult,
  header,
  jsonErrors,
  lambdaEntry,
} from '../http/lambda';
import type { Log } from '../ports';
import { awsTenants } from './common/tenants';

/** POST /v1/events: the tenant from its API key, then the ingest use case. */
export function createIngestHandler(deps: IngestEventsDeps & { tenants: TenantDirectory; log: Log }) {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
    const tenant = await deps.tenants.byApiKey(header(event, 'x-api-key'));
    if (!tenant) {
      return apiError(401, 'unauthorized', 'x-api-key is missing or not a tenant API key', 'headers.x-api-key');
    }
    return encode(await ingestEvents(deps, { tenantId: tenant.id, body: bodyText(event) }));
  }).use(jsonErrors(deps.log));
}

export const handler = lambdaEntry('ingest', (observed) =>
  createIngestHandler({
    bus: awsBus(),
    dataKeys: awsDataKeys(),
    clock: systemClock,
    tenants: awsTenants(),
    ...observed,
  }),
);
