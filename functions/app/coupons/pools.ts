// Coupon pools: create one, add codes to it (uploaded from a CSV or a list, or generated from its
// pattern), read its stats. Codes are added in one batch at a time per pool, on single-item
// conditional writes (no transactions): the batch is marked pending on the pool's settings, its
// code items are written, each code's lookup item is put if absent (the final guard against a code
// in two pools), and only then does the pool's size grow to cover them, so an issuer never takes an
// index whose code is not written. A batch cut short is finished by sending it again.

import { createHash } from 'node:crypto';
import { forEachConcurrently } from '../../concurrently';
import { type CodeEntry, type CodeListProblem, codesFromCsv, codesFromList } from '../../core/incentives/code-list';
import { GenerateCodesCommand, UploadCodesCommand } from '../../core/incentives/commands';
import {
  type CouponPoolInput,
  CouponPoolSettings,
  generateCodes,
  normalizeCode,
  type RandomBytes,
} from '../../core/incentives/coupon-pool';
import {
  CODE_SK_PREFIX,
  CodeItem,
  codeKey,
  LookupItem,
  lookupKey,
  type PendingBatch,
  type PoolCounters,
  PoolCountersItem,
  PoolListItem,
  PoolSettingsItem,
  poolCountersKey,
  poolListKey,
  poolPk,
  poolSettingsKey,
  poolsPk,
} from '../../core/incentives/items';
import { decodeItem } from '../../core/stored-item';
import { ConditionFailedError, type Item } from '../../ports';
import type { AppPorts } from '../common/ports';

export type PoolDeps = Pick<AppPorts, 'store' | 'clock'>;
export type GenerateDeps = PoolDeps & { random: RandomBytes };

const WRITES_IN_PARALLEL = 16;
/** Conditional writes of the settings retried this many times against concurrent writers. */
const SETTINGS_ATTEMPTS = 8;

export class CouponPoolNotFoundError extends Error {
  constructor(tenantId: string, poolId: string) {
    super(`no coupon pool ${poolId} in tenant ${tenantId}`);
    this.name = 'CouponPoolNotFoundError';
  }
}

export async function readPool(deps: Pick<PoolDeps, 'store'>, tenantId: string, poolId: string) {
  const item = await deps.store.get(poolSettingsKey(tenantId, poolId), { consistent: true });
  if (!item) throw new CouponPoolNotFoundError(tenantId, poolId);
  return decodeItem(PoolSettingsItem, item);
}

export type CreatePoolResult =
  | { ok: true; pool: CouponPoolSettings; created: boolean }
  | { ok: false; reason: 'invalid'; issues: { path: string; message: string }[] }
  | { ok: false; reason: 'exists' };

/**
 * Creates a pool from its settings (validated). Creating it again with the same settings answers
 * it as it is (`created: false`); other settings under its id are refused. A generated pool's codes
 * come with generatePoolCodes.
 */
export async function createPool(deps: PoolDeps, tenantId: string, input: CouponPoolInput): Promise<CreatePoolResult> {
  const parsed = CouponPoolSettings.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      reason: 'invalid',
      issues: parsed.error.issues.map((i) => ({ path: ['$', ...i.path].join('.'), message: i.message })),
    };
  const settings = parsed.data;
  const now = deps.clock.now();
  const item: Item = { ...poolSettingsKey(tenantId, settings.id), settings, size: 0, createdAt: now, version: 0 };
  try {
    await deps.store.put(item, { ifAbsent: true });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
    const current = await readPool(deps, tenantId, settings.id);
    if (JSON.stringify(current.settings) !== JSON.stringify(settings)) return { ok: false, reason: 'exists' };
    await deps.store.put({ ...poolListKey(tenantId, settings.id), poolId: settings.id, createdAt: current.createdAt });
    return { ok: true, pool: current.settings, created: false };
  }
  await deps.store.put({ ...poolListKey(tenantId, settings.id), poolId: settings.id, createdAt: now });
  return { ok: true, pool: settings, created: true };
}

export type AddCodesResult =
  | { ok: true; added: number; size: number }
  | { ok: false; reason: 'invalid'; problems: CodeListProblem[] }
  | { ok: false; reason: 'busy'; message: string }
  | { ok: false; reason: 'kind'; message: string };

/** Marks the batch pending on the pool (or finds it pending already): where its indexes start. */
async function beginBatch(
  deps: PoolDeps,
  tenantId: string,
  poolId: string,
  batch: string,
  count: number,
): Promise<{ ok: true; pending: PendingBatch } | { ok: false; message: string }> {
  for (let attempt = 0; ; attempt++) {
    const pool = await readPool(deps, tenantId, poolId);
    if (pool.pending) {
      if (pool.pending.batch === batch) return { ok: true, pending: pool.pending };
      return {
        ok: false,
        message: `another batch of codes (${pool.pending.batch}) is being added to pool ${poolId}: send that one again to finish it`,
      };
    }
    const pending = { batch, from: pool.size, count, startedAt: deps.clock.now() };
    try {
      await deps.store.put({ ...pool, pending, version: pool.version + 1 }, { ifVersion: pool.version });
      return { ok: true, pending };
    } catch (e) {
      if (!(e instanceof ConditionFailedError) || attempt >= SETTINGS_ATTEMPTS) throw e;
    }
  }
}

/** Ends the pending batch: the pool's size grows to cover it (`commit`), or the batch is dropped. */
async function endBatch(deps: PoolDeps, tenantId: string, poolId: string, batch: string, commit: boolean) {
  for (let attempt = 0; ; attempt++) {
    const pool = await readPool(deps, tenantId, poolId);
    if (pool.pending?.batch !== batch) return pool.size; // ended already (a concurrent run of the same batch)
    const { pending, ...rest } = pool;
    const size = commit ? Math.max(pool.size, pending.from + pending.count) : pool.size;
    try {
      await deps.store.put({ ...rest, size, version: pool.version + 1 }, { ifVersion: pool.version });
      return size;
    } catch (e) {
      if (!(e instanceof ConditionFailedError) || attempt >= SETTINGS_ATTEMPTS) throw e;
    }
  }
}

const lookupItem = (tenantId: string, poolId: string, code: string, index: number): Item => ({
  ...lookupKey(tenantId, normalizeCode(code)),
  code,
  poolId,
  index,
});

/** Puts the code's lookup if absent; the pool holding it instead when another index or pool has it. */
async function claimLookup(
  deps: PoolDeps,
  tenantId: string,
  poolId: string,
  code: string,
  index: number,
): Promise<{ ok: true } | { ok: false; poolId: string }> {
  const item = lookupItem(tenantId, poolId, code, index);
  try {
    await deps.store.put(item, { ifAbsent: true });
    return { ok: true };
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
    const found = await deps.store.get(item, { consistent: true });
    if (!found) return claimLookup(deps, tenantId, poolId, code, index); // deleted since: try again
    const current = decodeItem(LookupItem, found);
    if (current.poolId === poolId && current.index === index) return { ok: true }; // this batch, sent again
    return { ok: false, poolId: current.poolId };
  }
}

/**
 * Adds uploaded codes to an uploaded pool, all or none: a code that is invalid, repeats another
 * line, or is in a pool already (this one included) is refused with its line, and nothing changes.
 */
export async function uploadCodes(deps: PoolDeps, command: UploadCodesCommand): Promise<AddCodesResult> {
  const { tenantId, poolId } = UploadCodesCommand.parse(command);
  const list = 'csv' in command ? codesFromCsv(command.csv) : codesFromList(command.codes);
  if (!list.ok) return { ok: false, reason: 'invalid', problems: list.problems };
  const pool = await readPool(deps, tenantId, poolId);
  if (pool.settings.kind !== 'uploaded')
    return { ok: false, reason: 'kind', message: `pool ${poolId} generates its codes: it takes no uploads` };
  const { entries } = list;
  const batch = `upload:${createHash('sha256')
    .update(entries.map((e) => e.normalized).join('\n'))
    .digest('hex')
    .slice(0, 32)}`;

  // Codes in a pool already (a batch of this one sent again keeps its own): refused before anything is written.
  const resumed = pool.pending?.batch === batch ? pool.pending : undefined;
  const existing = await deps.store.getMany(
    entries.map((e) => lookupKey(tenantId, e.normalized)),
    { consistent: true },
  );
  const holder = new Map(existing.map((item) => [item.pk, decodeItem(LookupItem, item)]));
  const exists = (entry: CodeEntry, index: number | undefined): CodeListProblem | undefined => {
    const found = holder.get(lookupKey(tenantId, entry.normalized).pk);
    if (!found || (found.poolId === poolId && index !== undefined && found.index === index)) return undefined;
    return {
      line: entry.line,
      code: entry.code,
      problem: 'exists',
      poolId: found.poolId,
      message: `line ${entry.line}: ${JSON.stringify(entry.code)} is a code of pool ${found.poolId} already`,
    };
  };
  // The same codes sent again after they were added (a retried request): answered as done.
  if (!resumed && entries.every((e) => holder.get(lookupKey(tenantId, e.normalized).pk)?.poolId === poolId))
    return { ok: true, added: 0, size: pool.size };
  const taken = entries.flatMap((e, i) => exists(e, resumed ? resumed.from + i : undefined) ?? []);
  if (taken.length > 0) return { ok: false, reason: 'invalid', problems: taken };

  const begun = await beginBatch(deps, tenantId, poolId, batch, entries.length);
  if (!begun.ok) return { ok: false, reason: 'busy', message: begun.message };
  const { from } = begun.pending;
  await deps.store.putMany(
    entries.map((e, i) => ({ ...codeKey(tenantId, poolId, from + i), code: e.code, index: from + i })),
  );
  const clashes: CodeListProblem[] = [];
  await forEachConcurrently(
    entries.map((entry, i) => ({ entry, index: from + i })),
    WRITES_IN_PARALLEL,
    async ({ entry, index }) => {
      const claimed = await claimLookup(deps, tenantId, poolId, entry.code, index);
      if (!claimed.ok)
        clashes.push({
          line: entry.line,
          code: entry.code,
          problem: 'exists',
          poolId: claimed.poolId,
          message: `line ${entry.line}: ${JSON.stringify(entry.code)} is a code of pool ${claimed.poolId} already`,
        });
    },
  );
  if (clashes.length > 0) {
    // Another upload took some of the codes meanwhile: this batch gives its lookups back and ends unadded.
    await forEachConcurrently(entries, WRITES_IN_PARALLEL, async (entry) => {
      const key = lookupKey(tenantId, entry.normalized);
      const found = await deps.store.get(key, { consistent: true });
      if (!found) return;
      const current = decodeItem(LookupItem, found);
      if (current.poolId === poolId && current.index >= from && !current.issued) await deps.store.delete(key);
    });
    await endBatch(deps, tenantId, poolId, batch, false);
    return { ok: false, reason: 'invalid', problems: clashes.sort((a, b) => a.line - b.line) };
  }
  const size = await endBatch(deps, tenantId, poolId, batch, true);
  return { ok: true, added: entries.length, size };
}

/**
 * Generates codes for a generated pool from its pattern with the injected random source: `count`
 * more, or the pool's count when it has none yet. Codes are distinct within the tenant (a drawn code
 * that another pool holds is drawn again). A generation cut short is finished by calling it again.
 */
export async function generatePoolCodes(deps: GenerateDeps, command: GenerateCodesCommand): Promise<AddCodesResult> {
  const { tenantId, poolId, count: asked } = GenerateCodesCommand.parse(command);
  const pool = await readPool(deps, tenantId, poolId);
  const { settings } = pool;
  if (settings.kind !== 'generated')
    return { ok: false, reason: 'kind', message: `pool ${poolId} takes uploaded codes: it generates none` };
  const resuming = pool.pending?.batch.startsWith('generate:') ? pool.pending : undefined;
  if (!resuming && asked === undefined && pool.size > 0) return { ok: true, added: 0, size: pool.size };
  const count = resuming?.count ?? asked ?? settings.count;
  const batch = resuming?.batch ?? `generate:${pool.size}:${count}`;
  const begun = await beginBatch(deps, tenantId, poolId, batch, count);
  if (!begun.ok) return { ok: false, reason: 'busy', message: begun.message };
  const { from } = begun.pending;

  // Codes written by a run cut short are kept; the missing indexes get fresh codes.
  const written = new Map<number, string>();
  if (resuming) {
    for (const item of await deps.store.query(poolPk(tenantId, poolId), {
      skPrefix: CODE_SK_PREFIX,
      consistent: true,
    })) {
      const code = decodeItem(CodeItem, item);
      if (code.index >= from && code.index < from + count) written.set(code.index, code.code);
    }
  }
  const missing = Array.from({ length: count }, (_, i) => from + i).filter((index) => !written.has(index));
  const inBatch = new Set(written.values());
  const fresh = generateCodes(settings.pattern, missing.length, deps.random, inBatch);
  for (const [i, index] of missing.entries()) written.set(index, fresh[i] as string);
  await deps.store.putMany([...written].map(([index, code]) => ({ ...codeKey(tenantId, poolId, index), code, index })));
  for (const code of written.values()) inBatch.add(code);

  await forEachConcurrently([...written], WRITES_IN_PARALLEL, async ([index, first]) => {
    let code = first;
    for (let attempt = 0; ; attempt++) {
      if ((await claimLookup(deps, tenantId, poolId, code, index)).ok) return;
      if (attempt >= 20)
        throw new Error(`pool ${poolId}: could not draw a code no other pool holds for index ${index}`);
      // Another pool holds the drawn code: draw another for this index.
      [code] = generateCodes(settings.pattern, 1, deps.random, inBatch) as [string];
      inBatch.add(code);
      await deps.store.put({ ...codeKey(tenantId, poolId, index), code, index });
    }
  });
  const size = await endBatch(deps, tenantId, poolId, batch, true);
  return { ok: true, added: count, size };
}

export type PoolStats = {
  poolId: string;
  /** Codes ready to give. */
  size: number;
  /** Codes given (indexes taken, `wasted` included). */
  issued: number;
  /** Indexes taken by a duplicate of an action whose first delivery got its code: never handed out. */
  wasted: number;
  available: number;
  redeemed: number;
  voided: number;
  /** Issues refused because every code was given. */
  exhaustedAttempts: number;
  /** Issues refused by the count or money budget. */
  budgetRefusals: number;
  /** Value handed out, against the money budget (minor units of its currency). */
  spent: number;
};

const NO_COUNTERS: PoolCounters = {
  taken: 0,
  spent: 0,
  wasted: 0,
  redeemed: 0,
  voided: 0,
  exhausted: 0,
  budgetRefused: 0,
};

export async function readCounters(deps: Pick<PoolDeps, 'store'>, tenantId: string, poolId: string) {
  const item = await deps.store.get(poolCountersKey(tenantId, poolId), { consistent: true });
  return item ? decodeItem(PoolCountersItem, item) : NO_COUNTERS;
}

export async function poolStats(deps: Pick<PoolDeps, 'store'>, tenantId: string, poolId: string): Promise<PoolStats> {
  const [pool, c] = await Promise.all([readPool(deps, tenantId, poolId), readCounters(deps, tenantId, poolId)]);
  const issued = Math.min(c.taken, pool.size);
  return {
    poolId,
    size: pool.size,
    issued,
    wasted: c.wasted,
    available: pool.size - issued,
    redeemed: c.redeemed,
    voided: c.voided,
    exhaustedAttempts: c.exhausted,
    budgetRefusals: c.budgetRefused,
    spent: c.spent,
  };
}

/** The tenant's pools, by id. */
export async function listPools(deps: Pick<PoolDeps, 'store'>, tenantId: string): Promise<string[]> {
  const items = await deps.store.query(poolsPk(tenantId), { consistent: true });
  return items.map((item) => decodeItem(PoolListItem, item).poolId).sort();
}
