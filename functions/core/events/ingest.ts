import type { z } from 'zod';
import { jsonPath } from '../json-path';
import { type CanonicalEvent, CanonicalEventInput } from './schemas';

export const MAX_BATCH = 500;
export const MAX_BODY_BYTES = 1024 * 1024;

/** The JSON error body every 4xx carries. `path` is a JSON path into the request, or a header. */
export type ApiError = { error: string; message: string; path: string | null };
export type ItemError = ApiError & { index: number };

export type IngestResult =
  | { ok: true; events: CanonicalEvent[]; errors: ItemError[] }
  | { ok: false; status: 400 | 403 | 413; body: ApiError & { errors?: ItemError[] } };

export function firstIssue(error: z.ZodError, base: string): ApiError {
  const issue = error.issues[0];
  const path = jsonPath(base, issue?.path ?? []);
  return { error: 'invalid_event', message: `${path}: ${issue?.message ?? 'invalid'}`, path };
}

/**
 * Validates a POST /v1/events body: one canonical event or {"batch": [...]} of up to 500.
 * Valid events are stamped with the authenticated tenant; a body that names another tenant
 * is refused whole.
 */
export function parseIngestBody(body: string, tenantId: string): IngestResult {
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
    const occurredAt = new Date(parsed.data.occurredAt).toISOString();
    events.push({ ...parsed.data, tenantId, occurredAt } as CanonicalEvent);
  }
  if (events.length === 0) {
    const first = errors[0] as ItemError;
    return { ok: false, status: 400, body: { error: first.error, message: first.message, path: first.path, errors } };
  }
  return { ok: true, events, errors };
}

function fail(status: 400 | 403 | 413, error: string, message: string, path: string): IngestResult {
  return { ok: false, status, body: { error, message, path } };
}
