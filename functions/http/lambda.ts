// What Lambda entry points share: API Gateway HTTP events in, answers out, and SQS batches.
import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { powertools } from '../adapters/aws/powertools';
import { errorFields } from '../adapters/log';
import { type Answer, reject } from '../contracts/answers';
import type { BatchResult, QueueRecord } from '../contracts/messages';
import type { Log, Metrics } from '../ports';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export const json = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * A small HTML page, as the public pages (one-click unsubscribe) answer: no script, no external resource, never
 * cached, never framed or sniffed, no referrer.
 */
export const HTML_PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export const html = (statusCode: number, body: string): HttpResult => ({
  statusCode,
  headers: { ...HTML_PAGE_HEADERS },
  body,
});

/** An answer of a use case as the HTTP response. */
export const encode = (answer: Answer): HttpResult => json(answer.status, answer.body);

export const apiError = (statusCode: number, error: string, message: string, path: string | null = null): HttpResult =>
  encode(reject(statusCode, error, message, path));

export const header = (event: HttpEvent, name: string): string | undefined => event.headers?.[name];

export const bodyText = (event: HttpEvent): string =>
  event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');

export const rawBody = (event: HttpEvent): Buffer =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

/** Header names as API Gateway passes them (lower case), without the undefined ones. */
export const headersOf = (event: HttpEvent): Record<string, string> =>
  Object.fromEntries(Object.entries(event.headers ?? {}).filter((e): e is [string, string] => e[1] !== undefined));

export const bearerToken = (event: HttpEvent): string | undefined =>
  /^Bearer\s+(\S+)$/i.exec(header(event, 'authorization') ?? '')?.[1];

/** Unexpected failures become a 500 JSON body; details go to the log, never to the caller. */
export const jsonErrors = (log: Log): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    log.error('request failed', { ...errorFields(request.error), routeKey: request.event.routeKey });
    request.response = apiError(500, 'internal_error', 'the request could not be processed; retry it');
  },
});

export type Route = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** One Lambda behind several HTTP API routes: dispatches on the route key API Gateway sets. */
export function routeByKey(routes: Record<string, Route>): Route {
  const table = new Map(Object.entries(routes));
  return async (event, context) => {
    const route = table.get(event.routeKey);
    if (!route) return apiError(404, 'not_found', `${event.routeKey} is not a route of this function`);
    return route(event, context);
  };
}

/** An SQS batch as queue records, and the use case's failures as partial batch failures. */
export const sqsBatch =
  (run: (records: QueueRecord[]) => Promise<BatchResult>) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const { failedIds } = await run(event.Records.map((r) => ({ id: r.messageId, body: r.body })));
    return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };

/**
 * A Lambda entry point, built on the first invocation (with its AWS clients) from the function's
 * Powertools log and metrics, and wrapped in their middlewares: every log line carries the
 * request id, and the metrics are flushed after each invocation.
 */
export function lambdaEntry<E, R>(
  functionName: string,
  build: (observed: { log: Log; metrics: Metrics }) => (event: E, context: Context) => Promise<R>,
) {
  let built: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event: E, context: Context): Promise<R> => {
    if (!built) {
      const { log, metrics, middlewares } = powertools(functionName);
      const wrapped = middy(build({ log, metrics }));
      for (const middleware of middlewares) wrapped.use(middleware);
      built = wrapped;
    }
    return built(event, context);
  };
}
