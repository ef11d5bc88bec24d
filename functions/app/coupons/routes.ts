/**
 * The coupon pools admin API (POST and GET /v1/coupon-pools, GET /v1/coupon-pools/{poolId}, POST
 * /v1/coupon-pools/{poolId}/codes and /generate) over the use cases of ./pools.ts, for the tenant
 * of the admin key: requests parsed, answers and refusals as functions/contracts/openapi.ts
 * documents them. An upload is all or nothing: every refused line is named.
 */

import { forEachConcurrently } from '../../concurrently';
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import { GenerateCodesRequest, UploadCodesRequest } from '../../contracts/http-api';
import { GenerateCodesCommand, UploadCodesCommand } from '../../core/incentives/commands';
import type { CouponPoolInput, RandomBytes } from '../../core/incentives/coupon-pool';
import { jsonPath } from '../../core/json-path';
import {
  type AddCodesResult,
  CouponPoolNotFoundError,
  createPool,
  generatePoolCodes,
  listPools,
  type PoolDeps,
  poolStats,
  readPool,
  uploadCodes,
} from './pools';

/** A request on the tenant's coupon pools: the pool in the path, the body and its type. */
export type PoolRequest = { tenantId: string; poolId?: string; contentType?: string; body?: string };

/** The largest JSON body (a list of up to 100 000 codes); a CSV may be as large as the HTTP layer lets it. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;
const POOL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const READS_IN_PARALLEL = 8;

const notFound = (poolId: string) => reject(404, 'not_found', `no coupon pool "${poolId}"`, 'path.poolId');

const isJson = (type: string | undefined) =>
  type === undefined || /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type);
const isCsv = (type: string | undefined) =>
  type !== undefined && /^(text\/csv|application\/csv|text\/plain)\s*(;|$)/i.test(type);

const unsupported = (what: string) => reject(415, 'unsupported_media_type', what, 'headers.content-type');

function jsonBody(request: PoolRequest): { ok: true; value: unknown } | { ok: false; answer: Answer } {
  if (!isJson(request.contentType))
    return { ok: false, answer: unsupported('the body must be JSON (application/json)') };
  const parsed = parseJsonBody(request.body ?? '', { maxBytes: MAX_JSON_BYTES });
  return parsed.ok ? parsed : { ok: false, answer: parsed.rejection };
}

const issuesOf = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) =>
  issues.map((issue) => ({ path: jsonPath('$', issue.path), message: issue.message }));

function invalid(error: string, what: string, problems: { path: string; message: string }[]): Answer {
  const first = problems[0] as { path: string; message: string };
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return reject(400, error, `${what} has ${count}; first: ${first.path}: ${first.message}`, first.path, { problems });
}

/** An add's result as the answer: 200 with the counts, or every refused line, or why the pool takes none now. */
function addedAnswer(result: AddCodesResult, fromJson: boolean): Answer {
  if (result.ok) return answer(200, { added: result.added, size: result.size });
  switch (result.reason) {
    case 'invalid': {
      const first = result.problems[0];
      const count = result.problems.length === 1 ? '1 line' : `${result.problems.length} lines`;
      const path = fromJson && first && first.line > 0 ? `$.codes[${first.line - 1}]` : '$';
      return reject(400, 'invalid_codes', `nothing was added: ${count} refused; first: ${first?.message}`, path, {
        problems: result.problems,
      });
    }
    case 'busy':
      return reject(409, 'batch_pending', result.message, 'path.poolId');
    case 'kind':
      return reject(409, 'wrong_pool_kind', result.message, 'path.poolId');
  }
}

export function couponRoutes(deps: PoolDeps & { random?: RandomBytes }) {
  /** A pool's settings, when it was created, the batch cut short if any, and its stats. */
  async function detail(tenantId: string, poolId: string) {
    const [pool, stats] = await Promise.all([readPool(deps, tenantId, poolId), poolStats(deps, tenantId, poolId)]);
    return {
      pool: pool.settings,
      createdAt: new Date(pool.createdAt).toISOString(),
      ...(pool.pending
        ? { pending: { ...pool.pending, startedAt: new Date(pool.pending.startedAt).toISOString() } }
        : {}),
      stats,
    };
  }

  /** Runs `run` on the pool in the path: 404 for an id no pool can have, or a pool that does not exist. */
  async function onPool(request: PoolRequest, run: (poolId: string) => Promise<Answer>): Promise<Answer> {
    const poolId = request.poolId ?? '';
    if (!POOL_ID.test(poolId)) return notFound(poolId);
    try {
      return await run(poolId);
    } catch (e) {
      if (e instanceof CouponPoolNotFoundError) return notFound(poolId);
      throw e;
    }
  }

  return {
    /** POST /v1/coupon-pools: 201 when created, 200 when the same settings were posted before. */
    async create(request: PoolRequest): Promise<Answer> {
      const body = jsonBody(request);
      if (!body.ok) return body.answer;
      const created = await createPool(deps, request.tenantId, body.value as CouponPoolInput);
      if (!created.ok) {
        if (created.reason === 'exists')
          return reject(
            409,
            'pool_exists',
            'a coupon pool with this id exists already with other settings: a pool never changes, create another',
            '$.id',
          );
        return invalid(
          'invalid_pool',
          'the pool',
          created.issues.map((i) => ({ ...i, path: i.path || '$' })),
        );
      }
      return answer(created.created ? 201 : 200, {
        ...(await detail(request.tenantId, created.pool.id)),
        created: created.created,
      });
    },

    /** GET /v1/coupon-pools: every pool with its stats, by id. */
    async list(request: PoolRequest): Promise<Answer> {
      const ids = await listPools(deps, request.tenantId);
      const pools = new Map<string, Awaited<ReturnType<typeof detail>>>();
      await forEachConcurrently(ids, READS_IN_PARALLEL, async (poolId) => {
        try {
          pools.set(poolId, await detail(request.tenantId, poolId));
        } catch (e) {
          if (!(e instanceof CouponPoolNotFoundError)) throw e;
        }
      });
      return answer(200, { pools: ids.flatMap((id) => pools.get(id) ?? []) });
    },

    /** GET /v1/coupon-pools/{poolId}. */
    read: (request: PoolRequest) =>
      onPool(request, async (poolId) => answer(200, await detail(request.tenantId, poolId))),

    /** POST /v1/coupon-pools/{poolId}/codes: `{codes: [...]}` as JSON, or a CSV file as text/csv. */
    codes: (request: PoolRequest) =>
      onPool(request, async (poolId) => {
        const { tenantId } = request;
        if (isCsv(request.contentType)) {
          const command = UploadCodesCommand.safeParse({ tenantId, poolId, csv: request.body ?? '' });
          if (!command.success)
            return reject(413, 'payload_too_large', 'the CSV file exceeds 8 000 000 characters', '$');
          return addedAnswer(await uploadCodes(deps, command.data), false);
        }
        if (!isJson(request.contentType))
          return unsupported('the body is JSON {"codes": [...]} (application/json) or a CSV file (text/csv)');
        const body = jsonBody(request);
        if (!body.ok) return body.answer;
        const parsed = UploadCodesRequest.safeParse(body.value);
        if (!parsed.success) return invalid('invalid_request', 'the body', issuesOf(parsed.error.issues));
        return addedAnswer(await uploadCodes(deps, { tenantId, poolId, codes: parsed.data.codes }), true);
      }),

    /** POST /v1/coupon-pools/{poolId}/generate: `{count}` more codes (an empty body: the pool's count, once). */
    generate: (request: PoolRequest) =>
      onPool(request, async (poolId) => {
        const body = (request.body ?? '').trim() === '' ? { ok: true as const, value: {} } : jsonBody(request);
        if (!body.ok) return body.answer;
        const parsed = GenerateCodesRequest.safeParse(body.value);
        if (!parsed.success) return invalid('invalid_request', 'the body', issuesOf(parsed.error.issues));
        if (!deps.random) return reject(503, 'unavailable', 'codes cannot be generated here: no random source', null);
        const command = GenerateCodesCommand.parse({ tenantId: request.tenantId, poolId, ...parsed.data });
        return addedAnswer(await generatePoolCodes({ ...deps, random: deps.random }, command), true);
      }),
  };
}
