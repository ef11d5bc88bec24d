// The one error model and result shape of use cases: an answer is a status and a body; a
// refusal's body is `{error, message, path}` (path: a JSON path into the request, or a header),
// with whatever details the case adds. Handlers encode answers as HTTP responses unchanged.
import type { ApiError } from '../core/events/ingest';

export type { ApiError };
export type Answer<T = unknown> = { status: number; body: T };
export type Rejection<X extends object = object> = Answer<ApiError & X>;

export const answer = <T>(status: number, body: T): Answer<T> => ({ status, body });

export const reject = <X extends object = object>(
  status: number,
  error: string,
  message: string,
  path: string | null = null,
  extra?: X,
): Rejection<X> => ({ status, body: { error, message, path, ...(extra as X) } });

export const isRejection = (a: Answer): a is Rejection => a.status >= 400;

/** The one JSON body parser: the value, or a 413 past `maxBytes` and a 400 naming what is wrong. */
export function parseJsonBody(
  text: string,
  options: { maxBytes?: number; parse?: (text: string) => unknown } = {},
): { ok: true; value: unknown } | { ok: false; rejection: Rejection } {
  if (options.maxBytes !== undefined && Buffer.byteLength(text) > options.maxBytes) {
    return {
      ok: false,
      rejection: reject(413, 'payload_too_large', `the body exceeds ${options.maxBytes} bytes`, '$'),
    };
  }
  try {
    return { ok: true, value: (options.parse ?? JSON.parse)(text) };
  } catch (e) {
    return {
      ok: false,
      rejection: reject(400, 'invalid_json', `the body is not valid JSON: ${(e as Error).message}`, '$'),
    };
  }
}
