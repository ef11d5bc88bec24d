import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiError } from '../core/events/ingest';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export const json = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const apiError = (statusCode: number, error: string, message: string, path: string | null = null): HttpResult =>
  json(statusCode, { error, message, path } satisfies ApiError);

export const header = (event: HttpEvent, name: string): string | undefined => event.headers?.[name];

export const bodyText = (event: HttpEvent): string =>
  event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');

export const bearerToken = (event: HttpEvent): string | undefined =>
  /^Bearer\s+(\S+)$/i.exec(header(event, 'authorization') ?? '')?.[1];

/** Unexpected failures become a 500 JSON body; details go to the log, never to the caller. */
export const jsonErrors = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    console.error(JSON.stringify({ level: 'error', message: 'request failed', error: String(request.error) }));
    request.response = apiError(500, 'internal_error', 'the request could not be processed; retry it');
  },
});

type Route = (event: HttpEvent, context: import('aws-lambda').Context) => Promise<HttpResult>;

/** One Lambda behind several HTTP API routes: dispatches on the route key API Gateway sets. */
export function routeByKey(routes: Record<string, Route>): Route {
  return async (event, context) => {
    const route = routes[event.routeKey];
    if (!route) return apiError(404, 'not_found', `${event.routeKey} is not a route of this function`);
    return route(event, context);
  };
}
