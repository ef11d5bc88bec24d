/**
 * Webhook-out per Standard Webhooks v1 (standard-webhooks/standard-webhooks spec 1.0.0):
 *
 *   webhook-id         the action key: the same on every retry, so the receiver can drop repeats
 *   webhook-timestamp  Unix seconds of this attempt (the injected clock)
 *   webhook-signature  `v1,<base64 HMAC-SHA256 of "${id}.${timestamp}.${body}">`, one per secret,
 *                      space-separated (two during a rotation)
 *
 * One POST per send, with the body exactly as given. Only 2xx is success; redirects are not
 * followed. The destination is checked before anything is sent (https only; every address the
 * name resolves to must be public unicast) and the connection goes to the address that was
 * checked, so a DNS answer that changes between check and connect (rebinding) cannot move it.
 * Errors never carry the URL's path or query: webhook URLs often hold a token (WeCom bots do).
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { parseRetryAfter } from '../../core/channels/retry-after';
import { type Clock, type OutgoingMessage, ProviderError, type SendReceipt } from '../../ports';
import { isLoopback, refusedAddress, refusedName } from './ssrf';

export type WebhookMessage = Extract<OutgoingMessage, { channel: 'webhook' }>;

export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Every address a host name resolves to (dns.lookup with `all`), injectable for tests. */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export type WebhookSenderOptions = {
  /** Gives webhook-timestamp and measures Retry-After dates. */
  clock: Clock;
  /** From the start of the send (name lookup included) to the response's status line; default 15 s. */
  timeoutMs?: number;
  /** How much of a response body is read (and ignored) before the connection is dropped; default 64 KiB. */
  maxResponseBytes?: number;
  /**
   * For `npm start` and tests only: loopback destinations (127.0.0.0/8, ::1, localhost) are
   * allowed, over plain http too. Plain http anywhere else, and every other refused range
   * (private, link-local, metadata, …), stay refused. Off by default.
   */
  allowLoopbackHttp?: boolean;
  /** Host name resolution; default dns.lookup of all addresses. */
  resolve?: Resolve;
  /** Extra trusted CA certificates for https (a private test server); default Node's store. */
  ca?: string | Buffer | readonly (string | Buffer)[];
  userAgent?: string;
};

export type WebhookSender = { send(message: WebhookMessage): Promise<SendReceipt> };

export const WEBHOOK_PROVIDER = 'webhook';
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A header value a receiver reads back unchanged: visible ASCII, no spaces (the id is signed). */
const HEADER_TOKEN = /^[\x21-\x7e]{1,256}$/;

const defaultResolve: Resolve = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/** The key bytes of a `whsec_` secret; a ProviderError 'permanent' when it is not one. */
export function decodeWebhookSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : undefined;
  if (encoded === undefined || encoded === '' || !BASE64.test(encoded))
    throw new ProviderError('permanent', 'a webhook signing secret must be "whsec_" followed by base64');
  return Buffer.from(encoded, 'base64');
}

/** The webhook-signature header: one `v1,<base64>` per secret, space-separated. */
export function signWebhook(id: string, timestampSeconds: number, body: string, secrets: readonly string[]): string {
  const signed = `${id}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', decodeWebhookSecret(secret)).update(signed, 'utf8').digest('base64')}`)
    .join(' ');
}

/** Sends webhooks; one instance may serve every tenant (nothing is kept between sends). */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const resolve = options.resolve ?? defaultResolve;
  const allowLoopback = options.allowLoopbackHttp === true;
  const userAgent = options.userAgent ?? 'growthloop-webhooks/1';
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, not ${timeoutMs}`);

  return {
    async send(message) {
      const startedAt = Date.now();
      if (!HEADER_TOKEN.test(message.key))
        throw new ProviderError('permanent', 'the message key is not usable as a webhook-id (visible ASCII, ≤ 256)');
      if (message.secrets.length === 0)
        throw new ProviderError('permanent', 'a webhook needs at least one signing secret');
      for (const secret of message.secrets) decodeWebhookSecret(secret);
      const target = parseTarget(message.url, allowLoopback);
      const addresses = await withDeadline(resolveTarget(target, resolve), timeoutMs, target.origin);
      const pinned = checkAddresses(target, addresses, allowLoopback);

      const timestamp = Math.floor(options.clock.now() / 1000);
      const body = Buffer.from(message.body, 'utf8');
      const headers = {
        host: target.url.host,
        'content-type': 'application/json',
        'content-length': String(body.length),
        'user-agent': userAgent,
        'webhook-id': message.key,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(message.key, timestamp, message.body, message.secrets),
      };
      const remainingMs = Math.max(1, timeoutMs - (Date.now() - startedAt));
      const response = await post(target, pinned, headers, body, {
        timeoutMs: remainingMs,
        maxResponseBytes,
        ca: options.ca,
      });
      return classify(response, target.origin, message.key, options.clock.now());
    },
  };
}

type Target = { url: URL; hostname: string; origin: string; https: boolean };

function parseTarget(raw: string, allowLoopback: boolean): Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderError('permanent', 'the webhook URL is not a valid URL');
  }
  const origin = `${url.protocol}//${url.host}`;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLoopback))
    throw new ProviderError('permanent', `webhook refused: ${origin} is not https`);
  // the URL parser has already turned 0x7f.1, 2130706433 and friends into dotted IPv4
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const named = isIP(hostname) === 0 ? refusedName(hostname) : undefined;
  if (named) throw new ProviderError('permanent', `webhook refused: ${url.host} is ${named}`);
  return { url, hostname, origin, https: url.protocol === 'https:' };
}

async function resolveTarget(target: Target, resolve: Resolve): Promise<readonly ResolvedAddress[]> {
  const family = isIP(target.hostname);
  if (family !== 0) return [{ address: target.hostname, family: family === 6 ? 6 : 4 }];
  try {
    return await resolve(target.hostname);
  } catch (cause) {
    throw new ProviderError('transient', `could not resolve ${target.url.hostname} (${errorCode(cause)})`, { cause });
  }
}

/** The address to connect to, once every address of the name has passed. */
function checkAddresses(
  target: Target,
  addresses: readonly ResolvedAddress[],
  allowLoopback: boolean,
): ResolvedAddress {
  const first = addresses[0];
  if (first === undefined) throw new ProviderError('transient', `${target.url.hostname} resolved to no address`);
  for (const { address } of addresses) {
    const loopback = isLoopback(address);
    if (loopback && allowLoopback) continue;
    const reason = loopback ? 'loopback' : refusedAddress(address);
    if (reason) {
      const shown = address === target.hostname ? address : `${target.url.hostname} → ${address}`;
      throw new ProviderError('permanent', `webhook refused: ${shown} is a ${reason} address`);
    }
    if (!target.https) throw new ProviderError('permanent', `webhook refused: ${target.origin} is not https`);
  }
  return first;
}

type Response = { status: number; headers: IncomingMessage['headers'] };

/**
 * One POST to the pinned address. Failures before the request was fully written (DNS, connect,
 * TLS) are 'transient': the receiver cannot have acted on it. After it was written, a lost
 * connection or the deadline is 'unknown': it may have.
 */
function post(
  target: Target,
  pinned: ResolvedAddress,
  headers: Record<string, string>,
  body: Buffer,
  limits: { timeoutMs: number; maxResponseBytes: number; ca: WebhookSenderOptions['ca'] },
): Promise<Response> {
  return new Promise<Response>((resolvePromise, reject) => {
    const { url } = target;
    // every lookup of this connection answers the checked address (Node may ask for one or all)
    const lookup = ((_hostname: string, lookupOptions: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (lookupOptions?.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
      else callback(null, pinned.address, pinned.family);
    }) as unknown as LookupFunction;
    const requestOptions: RequestOptions & { servername?: string; ca?: WebhookSenderOptions['ca'] } = {
      method: 'POST',
      hostname: target.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers,
      agent: false,
      lookup,
      ...(url.username !== '' || url.password !== ''
        ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }
        : {}),
    };
    if (target.https) {
      if (isIP(target.hostname) === 0) requestOptions.servername = target.hostname;
      if (limits.ca !== undefined) requestOptions.ca = limits.ca;
    }
    let settled = false;
    let written = false;
    let timedOut = false;
    const fail = (error: ProviderError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const request = target.https
      ? httpsRequest(requestOptions as Parameters<typeof httpsRequest>[0])
      : httpRequest(requestOptions);
    const timer = setTimeout(() => {
      timedOut = true;
      if (!settled)
        fail(
          written
            ? new ProviderError(
                'unknown',
                `${target.origin} did not answer within ${limits.timeoutMs} ms after the request was sent`,
              )
            : new ProviderError('transient', `${target.origin} could not be reached within ${limits.timeoutMs} ms`),
        );
      request.destroy();
    }, limits.timeoutMs);
    request.on('finish', () => {
      written = true;
    });
    request.on('error', (cause) => {
      if (timedOut) return;
      const code = errorCode(cause);
      fail(
        written
          ? new ProviderError(
              'unknown',
              `the connection to ${target.origin} failed after the request was sent (${code})`,
              {
                cause,
              },
            )
          : new ProviderError('transient', `could not send to ${target.origin} (${code})`, { cause }),
      );
    });
    request.on('response', (response) => {
      if (!settled) {
        settled = true;
        resolvePromise({ status: response.statusCode ?? 0, headers: response.headers });
      }
      // the body is read (up to the cap, within the deadline) and ignored
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limits.maxResponseBytes) request.destroy();
      });
      response.on('error', () => {});
      response.on('close', () => {
        clearTimeout(timer);
        request.destroy();
      });
    });
    request.end(body);
  });
}

function classify(response: Response, origin: string, key: string, nowMs: number): SendReceipt {
  const { status } = response;
  if (status >= 200 && status < 300) return { provider: WEBHOOK_PROVIDER, providerMessageId: key };
  const answered = `${origin} answered ${status}`;
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], nowMs);
  const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status >= 300 && status < 400) throw new ProviderError('permanent', `${answered}: redirects are not followed`);
  if (status === 410) throw new ProviderError('gone', `${answered}: the endpoint is gone`);
  if (status === 429 || status === 502 || status === 503 || status === 504)
    throw new ProviderError('throttled', answered, retry);
  if (status >= 500 && status < 600) throw new ProviderError('transient', answered, retry);
  throw new ProviderError('permanent', answered);
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, origin: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProviderError('transient', `${origin} could not be resolved within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function errorCode(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : error.message;
  }
  return String(error);
}
