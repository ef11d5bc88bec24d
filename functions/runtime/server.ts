import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../core/events/ingest';
import { apiError, type HttpEvent, type HttpResult } from '../http/lambda';
import { CONSOLE_PATH, type ConsoleFiles } from './console-files';

export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;
export type HttpRoute = { method: string; path: string; handler: HttpHandler };

const localContext = { functionName: 'local', awsRequestId: 'local' } as Context;

/**
 * Plays API Gateway's HTTP API: routes like "/v1/customers/{customerId}", payload format 2.0; and,
 * with `consoleFiles`, CloudFront's /console/ in front of the console's static files.
 */
export function createHttpServer(routes: HttpRoute[], options: { consoleFiles?: ConsoleFiles } = {}): Server {
  const compiled = routes.map((route) => ({
    ...route,
    names: [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string),
    pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '([^/]+)')}$`),
  }));

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://local');
    if (options.consoleFiles && (url.pathname === '/console' || url.pathname.startsWith(CONSOLE_PATH))) {
      return options.consoleFiles(req, res, url.pathname);
    }
    const candidates = compiled.filter((r) => r.pattern.test(url.pathname));
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      if (candidates.length === 0) return send(res, apiError(404, 'not_found', `${url.pathname} is not a route`));
      const result = apiError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
      return send(res, {
        ...result,
        headers: { ...result.headers, allow: candidates.map((r) => r.method).join(', ') },
      });
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      return send(res, apiError(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`, '$'), true);
    }
    const match = route.pattern.exec(url.pathname) as RegExpExecArray;
    const values = route.names.map((_, i) => safeDecode(match[i + 1] as string));
    const undecodable = values.indexOf(undefined);
    if (undecodable >= 0) {
      const path = `path.${route.names[undecodable]}`;
      return send(res, apiError(400, 'invalid_request', `${path} is not valid percent-encoding`, path));
    }
    const pathParameters = Object.fromEntries(route.names.map((name, i) => [name, values[i] as string]));
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
    );
    const event = {
      version: '2.0',
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      queryStringParameters: Object.fromEntries(url.searchParams),
      pathParameters,
      requestContext: {
        http: {
          method: req.method as string,
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: req.socket.remoteAddress ?? '',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: `${route.method} ${route.path}`,
        stage: '$default',
        timeEpoch: Date.now(),
      },
      body: body.toString('utf8'),
      isBase64Encoded: false,
    } as unknown as HttpEvent;
    send(res, await route.handler(event, localContext));
  }

  return createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error(`request failed: ${String(e)}`);
      if (!res.headersSent && !res.destroyed)
        send(res, apiError(500, 'internal_error', 'the request could not be processed; retry it'));
      else res.destroy();
    });
  });
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The body, or undefined once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return resolve(undefined);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, result: HttpResult, close = false) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  if (close) headers.connection = 'close';
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body ?? '');
}

export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://${host}:${address.port}`;
}
