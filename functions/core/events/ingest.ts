import type { z } from 'zod';
import { jsonPath } from '../json-path';
import { type ApiError, type ItemError, type Rejection, reject } from '../rejection';
import { type CanonicalEvent, CanonicalEventInput } from './schemas';
import { occurredAtProblem } from './time-window';

export const MAX_BATCH = 500;
export const MAX_BODY_BYTES = 1024 * 1024;

export type { ApiError, ItemError };

// The one result shape of the normalizers (this file's parseIngestBody, and platforms/ for Shopify,
// WooCommerce and Segment): what they make of a request or a delivery is one of
//   Accepted: the canonical events to publish, and the items of a batch refused one by one;
//   Rejected: the whole input refused, as a Rejection (../rejection) the use case answers as it is;
//   Ignored:  a delivery understood but not used (200, nothing published);
// plus the kinds a platform adds (Shopify: privacy, uninstalled).
export type Accepted = { kind: 'events'; events: CanonicalEvent[]; errors: ItemError[] };
export type Rejected<X extends object = object> = { kind: 'rejected'; rejection: Rejection<X> };
export type Ignored = { kind: 'ignored'; reason: string };

export const accepted = (events: CanonicalEvent[], errors: ItemError[] = []): Accepted => ({
  kind: 'events',
  events,
  errors,
});
export const rejected = <X extends object = object>(rejection: Rejection<X>): Rejected<X> => ({
  kind: 'rejected',
  rejection,
});
export const ignored = (reason: string): Ignored => ({ kind: 'ignored', reason });

/** A body refused whole, or every event in it refused (then `errors` lists them). */
export type IngestResult = Accepted | Rejected<{ errors?: ItemError[] }>;

export function firstIssue(error: z.ZodError, base: string): ApiError {
  const issue = error.issues[0];
  const path = jsonPath(base, issue?.path ?? []);
  return { error: 'invalid_event', message: `${path}: ${issue?.message ?? 'invalid'}`, path };
}

/**
 * Validates a POST /v1/events body: one canonical event or {"batch": [...]} of up to 500.
 * Valid events are stamped with the authenticated tenant; a body that names another tenant
 * is refused whole. An event dated later than `receivedAt` (epoch milliseconds, when the request
 * arrived) plus the allowed skew, or before 2000, is refused as invalid (./time-window).
 */
export function parseIngestBody(body: string, tenantId: string, receivedAt: number): IngestResult {
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    return fail(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`, '$');
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return fail(400, 'invalid_json', `the body is not valid JSON: ${(e as Error).message}`, '$');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(400, 'invalid_body', 'the body must be one event object or {"batch": [...]}', '$');
  }
  const isBatch = 'batch' in json;
  const items = isBatch ? (json as { batch: unknown }).batch : [json];
  if (isBatch) {
    if (!Array.isArray(items)) return fail(400, 'invalid_body', '$.batch must be an array of events', '$.batch');
    if (Object.keys(json).length !== 1) return fail(400, 'invalid_body', 'a batch body holds only "batch"', '$');
    if (items.length === 0) return fail(400, 'invalid_body', '$.batch is empty', '$.batch');
    if (items.length > MAX_BATCH)
      return fail(413, 'batch_too_large', `at most ${MAX_BATCH} events per batch`, '$.batch');
  }
  const events: CanonicalEvent[] = [];
  const errors: ItemError[] = [];
  for (const [index, item] of (items as unknown[]).entries()) {
    const base = isBatch ? `$.batch[${index}]` : '$';
    const parsed = CanonicalEventInput.safeParse(item);
    if (!parsed.success) {
      errors.push({ index, ...firstIssue(parsed.error, base) });
      continue;
    }
    if (parsed.data.tenantId !== undefined && parsed.data.tenantId !== tenantId) {
      const path = `${base}.tenantId`;
      return fail(403, 'wrong_tenant', `${path} names a tenant this API key does not belong to`, path);
    }
    const problem = occurredAtProblem(parsed.data.occurredAt, receivedAt);
    if (problem !== undefined) {
      const path = `${base}.occurredAt`;
      errors.push({ index, error: 'invalid_event', message: `${path}: ${problem}`, path });
      continue;
    }
    const occurredAt = new Date(parsed.data.occurredAt).toISOString();
    events.push({ ...parsed.data, tenantId, occurredAt } as CanonicalEvent);
  }
  if (events.length === 0) {
    const first = errors[0] as ItemError;
    return rejected(reject(400, first.error, first.message, first.path, { errors }));
  }
  return accepted(events, errors);
}

function fail(status: 400 | 403 | 413, error: string, message: string, path: string): IngestResult {
  return rejected(reject(status, error, message, path));
}
