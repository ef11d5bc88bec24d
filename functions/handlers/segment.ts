import middy from '@middy/core';
import { awsBus, awsDataKeys } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { receiveSegmentCall, type SegmentDeps } from '../app/ingest/segment';
import {
  bodyText,
  encode,
  type HttpEvent,
  type HttpResult,
  header,
  jsonErrors,
  lambdaEntry,
  routeByKey,
} from '../http/lambda';
import { httpRoutes, routeKey } from '../http-routes';
import type { Log } from '../ports';
import { awsTenants } from './common/tenants';

/** /v1/track, /v1/identify, /v1/batch in the shape of Segment's HTTP Tracking API, also under /v1/segment/{tenantId}/. */
export function createSegmentFunction(deps: SegmentDeps & { log: Log }) {
  const route = (call: 'track' | 'identify' | 'batch') =>
    middy<HttpEvent, HttpResult>(async (event: HttpEvent) =>
      encode(
        await receiveSegmentCall(deps, {
          call,
          authorization: header(event, 'authorization'),
          addressedTenantId: event.pathParameters?.tenantId,
          body: bodyText(event),
        }),
      ),
    ).use(jsonErrors(deps.log));
  const calls = httpRoutes.filter((r) => r.fn === 'segment');
  return routeByKey(
    Object.fromEntries(
      calls.map((r) => [routeKey(r), route(r.path.split('/').pop() as 'track' | 'identify' | 'batch')]),
    ),
  );
}

export const handler = lambdaEntry('segment', (observed) =>
  createSegmentFunction({
    bus: awsBus(),
    dataKeys: awsDataKeys(),
    clock: systemClock,
    tenants: awsTenants(),
    ...observed,
  }),
);
