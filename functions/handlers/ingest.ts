import middy from '@middy/core';
import type { TenantDirectory } from '../core/config/tenants';
import { parseIngestBody } from '../core/events/ingest';
import type { Bus } from '../ports';
import { awsBus, awsTenants, lazyHandler } from './aws';
import { apiError, bodyText, type HttpEvent, type HttpResult, header, json, jsonErrors } from './http';
import { publishEvents } from './publish';

/** POST /v1/events: validates one event or a batch, puts the valid ones on the bus, answers 202. */
export function createIngestHandler(deps: { bus: Bus; tenants: TenantDirectory }) {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
    const tenant = deps.tenants.byApiKey(header(event, 'x-api-key'));
    if (!tenant)
      return apiError(401, 'unauthorized', 'x-api-key is missing or not a tenant API key', 'headers.x-api-key');
    const result = parseIngestBody(bodyText(event), tenant.id);
    if (!result.ok) return json(result.status, result.body);
    await publishEvents(deps.bus, result.events);
    return json(202, { accepted: result.events.length, rejected: result.errors.length, errors: result.errors });
  }).use(jsonErrors());
}

export const handler = lazyHandler(() => createIngestHandler({ bus: awsBus(), tenants: awsTenants() }));
