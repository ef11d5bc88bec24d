import middy from '@middy/core';
import { systemClock } from '../adapters/clock';
import type { TenantDirectory } from '../core/config/tenants';
import { httpRoutes, routeKey } from '../http-routes';
import { normalizeSegmentBatch, normalizeSegmentCall, parseBasicAuthWriteKey } from '../platforms/segment';
import type { Bus, Clock } from '../ports';
import { awsBus, awsTenants, lazyHandler } from './aws';
import { apiError, bodyText, type HttpEvent, type HttpResult, header, json, jsonErrors, routeByKey } from './http';
import { publishEvents } from './publish';

export type SegmentDeps = { bus: Bus; clock: Clock; tenants: TenantDirectory };

/**
 * POST /v1/track, /v1/identify and /v1/batch in the shape of Segment's HTTP Tracking API, so
 * Segment, RudderStack or Jitsu can forward to growthloop unchanged. The write key comes as
 * the HTTP Basic user name; `messageId` is the idempotency key.
 */
export function createSegmentHandler(deps: SegmentDeps, call: 'track' | 'identify' | 'batch') {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
    const tenant = deps.tenants.bySegmentWriteKey(parseBasicAuthWriteKey(header(event, 'authorization')));
    // On /v1/segment/{tenantId}/... the key must be that tenant's; on /v1/track etc. the key names the tenant.
    const addressed = event.pathParameters?.tenantId;
    if (!tenant || (addressed !== undefined && addressed !== tenant.id)) {
      const message = 'authorization must be Basic with the write key of the tenant addressed';
      return apiError(401, 'unauthorized', message, 'headers.authorization');
    }
    let body: unknown;
    try {
      body = JSON.parse(bodyText(event));
    } catch (e) {
      return apiError(400, 'invalid_json', `the body is not valid JSON: ${(e as Error).message}`, '$');
    }
    const options = { receivedAt: new Date(deps.clock.now()).toISOString() };
    if (call === 'batch') {
      const result = normalizeSegmentBatch(body, tenant.id, options);
      if (result.rejected) return json(result.rejected.status, result.rejected.body);
      await publishEvents(deps.bus, result.events);
      return json(200, {
        success: true,
        accepted: result.events.length,
        rejected: result.errors.length,
        errors: result.errors,
      });
    }
    const result = normalizeSegmentCall(body, call, tenant.id, undefined, options);
    if (!result.ok) {
      const { index: _index, ...error } = result.error;
      return json(400, error);
    }
    await publishEvents(deps.bus, result.events);
    return json(200, { success: true, accepted: result.events.length });
  }).use(jsonErrors());
}

/** The Segment-spec function: /v1/track, /v1/identify, /v1/batch, also under /v1/segment/{tenantId}/. */
export function createSegmentFunction(deps: SegmentDeps) {
  const handlers = {
    track: createSegmentHandler(deps, 'track'),
    identify: createSegmentHandler(deps, 'identify'),
    batch: createSegmentHandler(deps, 'batch'),
  };
  return routeByKey(
    Object.fromEntries(
      httpRoutes
        .filter((r) => r.fn === 'segment')
        .map((r) => [routeKey(r), handlers[r.path.split('/').pop() as keyof typeof handlers]]),
    ),
  );
}

export const handler = lazyHandler(() =>
  createSegmentFunction({ bus: awsBus(), clock: systemClock, tenants: awsTenants() }),
);
