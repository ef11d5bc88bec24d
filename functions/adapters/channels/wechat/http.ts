/**
 * JSON over HTTP(S) for the WeChat APIs, and what their answers mean for the Channels port. WeChat answers
 * HTTP 200 with `{errcode, errmsg}` for most failures, so the errcode decides (classifyErrcode); a 5xx is
 * transient, 429 throttled. A failure before the request was written (DNS, connect, TLS) is 'transient'; a
 * lost connection or the deadline after it was written is 'unknown' (WeChat may have taken the message).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ProviderError } from '../../../ports';

/** An answer of a WeChat API: the HTTP status and the JSON body (undefined when it is not JSON). */
export type WeChatAnswer = { status: number; body: Record<string, unknown> | undefined };

const MAX_ANSWER_BYTES = 64 * 1024;

/** One request; `body` is sent as JSON (a POST), none makes it a GET. */
export function callWeChat(
  url: URL,
  options: { body?: unknown; timeoutMs: number; provider: string },
): Promise<WeChatAnswer> {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
  const where = `${options.provider} (${url.pathname})`;
  return new Promise((resolve, reject) => {
    let settled = false;
    let written = false;
    const fail = (error: ProviderError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: payload ? 'POST' : 'GET',
      headers: payload
        ? { 'content-type': 'application/json; charset=utf-8', 'content-length': String(payload.length) }
        : {},
      agent: false,
    });
    const timer = setTimeout(
      () =>
        fail(
          written
            ? new ProviderError('unknown', `${where} did not answer within ${options.timeoutMs} ms`)
            : new ProviderError('transient', `${where} could not be reached within ${options.timeoutMs} ms`),
        ),
      options.timeoutMs,
    );
    request.on('finish', () => {
      written = true;
    });
    request.on('error', (cause) => {
      const code = (cause as NodeJS.ErrnoException).code ?? cause.message;
      fail(
        written
          ? new ProviderError('unknown', `${where}: the connection failed after the request was sent (${code})`, {
              cause,
            })
          : new ProviderError('transient', `${where}: could not send (${code})`, { cause }),
      );
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      response.on('error', (cause) =>
        fail(new ProviderError('unknown', `${where}: the answer was cut off (${cause.message})`, { cause })),
      );
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        let body: Record<string, unknown> | undefined;
        try {
          const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
            body = parsed as Record<string, unknown>;
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    request.end(payload);
  });
}

/** The errcodes that say the access token is invalid or expired: the token is fetched again, once. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 41001, 42001]);

/** Errcode 0 (or none) on an HTTP 2xx. */
export const isOk = (answer: WeChatAnswer): boolean =>
  answer.status >= 200 && answer.status < 300 && answer.body !== undefined && (answer.body.errcode ?? 0) === 0;

export const errcodeOf = (answer: WeChatAnswer): number | undefined =>
  typeof answer.body?.errcode === 'number' ? answer.body.errcode : undefined;

const BEIJING_OFFSET_MS = 8 * 3600_000;
/** How long until WeChat's daily quotas reset: midnight in Beijing (UTC+8, no daylight saving). */
export function untilBeijingMidnight(nowMs: number): number {
  const day = 86_400_000;
  const local = nowMs + BEIJING_OFFSET_MS;
  return day - (((local % day) + day) % day);
}

/**
 * The ProviderError of an answer that is not a success. `refusals` are the errcodes by which this API says
 * the user refused the channel (43101: the user declined or used up the mini-program subscription; 43004:
 * not following the official account): 'permanent', and the dispatcher revokes the channel's consent.
 */
export function classifyAnswer(
  answer: WeChatAnswer,
  options: { provider: string; refusals: ReadonlySet<number>; nowMs: number },
): ProviderError {
  const { status, body } = answer;
  const where = options.provider;
  if (status === 429) return new ProviderError('throttled', `${where} answered HTTP 429`);
  if (status >= 500) return new ProviderError('transient', `${where} answered HTTP ${status}`);
  if (status < 200 || status >= 300) return new ProviderError('permanent', `${where} answered HTTP ${status}`);
  const errcode = errcodeOf(answer);
  if (body === undefined || errcode === undefined)
    // A 2xx we cannot read: WeChat may have taken the message.
    return new ProviderError('unknown', `${where} answered HTTP ${status} without a readable errcode`);
  const said = `${where}: errcode ${errcode} (${String(body.errmsg ?? '').slice(0, 200)})`;
  if (options.refusals.has(errcode)) return new ProviderError('permanent', said, { revokesConsent: true });
  // -1 system busy; 45033/43108 concurrent sends; 45011 per-minute quota; 45009 daily quota.
  if (errcode === -1) return new ProviderError('transient', said);
  if (errcode === 45011 || errcode === 45033 || errcode === 43108)
    return new ProviderError('throttled', said, { retryAfterMs: 60_000 });
  if (errcode === 45009)
    return new ProviderError('throttled', said, { retryAfterMs: untilBeijingMidnight(options.nowMs) });
  // A token that is still refused after one refresh: retried later with backoff, then parked.
  if (TOKEN_ERRCODES.has(errcode)) return new ProviderError('transient', said);
  // 40003 invalid openid, 40037 invalid template_id, 47003 data format, 40096 invalid external_userid, ...
  return new ProviderError('permanent', said);
}
