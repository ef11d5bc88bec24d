// The result shape of use cases: an answer is a status and a body. A refusal is a Rejection, the
// one error model of core/rejection.ts (a body `{error, message, path}` plus whatever details the
// case adds), the same value the normalizers refuse input with, so a use case answers theirs as
// it is. Handlers encode answers as HTTP responses unchanged.
import { type ApiError, type ItemError, type Rejection, reject } from '../core/rejection';

export type { ApiError, ItemError, Rejection };
export { reject };
export type Answer<T = unknown> = { status: number; body: T };

export const answer = <T>(status: number, body: T): Answer<T> => ({ status, body });

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
