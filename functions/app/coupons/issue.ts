// Issuing a coupon: one per action key, atomic per code, on single-item conditional writes.
//
// 1. `ISSUE#<actionKey>` read first: a replayed key answers the code it was given.
// 2. One bounded increment of the pool's counters takes the next index: `taken` + 1, at most the
//    pool's size (and its count budget), and `spent` + the coupon's cost, at most the money budget,
//    in the same atomic write. Concurrent issuers each get their own index; none gets one past the
//    end. A refusal is read back from the counters: `exhausted` or `budget`.
// 3. The code at that index is this issue's; `ISSUE#<actionKey>` is put if absent. When a concurrent
//    delivery of the same key put it first, that one's code is answered (the index taken here is
//    counted `wasted`: never handed out).
// 4. The code's lookup item records to whom it went, for redemption (written again on every replay,
//    so an issue cut short between 3 and 4 is completed by the next delivery).

import type { Money } from '../../core/events/schemas';
import { IssueCouponCommand } from '../../core/incentives/commands';
import {
  type CouponValue,
  couponCost,
  expiryOf,
  issueLimit,
  normalizeCode,
  poolExpired,
  refusalOf,
} from '../../core/incentives/coupon-pool';
import {
  CodeItem,
  codeKey,
  type IssuedTo,
  IssueItem,
  issueKey,
  LookupItem,
  lookupKey,
  poolCountersKey,
} from '../../core/incentives/items';
import { decodeItem } from '../../core/stored-item';
import { ConditionFailedError, type Item } from '../../ports';
import { type PoolDeps, readCounters, readPool } from './pools';

export type IssuedCoupon = {
  ok: true;
  code: string;
  poolId: string;
  index: number;
  value: CouponValue;
  minimumSpend?: Money;
  issuedAt: string;
  /** When the coupon stops being valid (ISO-8601 UTC); absent when it never does. */
  expiresAt?: string;
  /** True when the action key had its coupon already (a redelivery). */
  replayed: boolean;
};
export type IssueRefusal = { ok: false; reason: 'exhausted' | 'budget' | 'expired' };
export type IssueResult = IssuedCoupon | IssueRefusal;

/** How often an issue refused by bounds that moved (codes added meanwhile) reads them again. */
const BOUND_ATTEMPTS = 5;

const iso = (ms: number) => new Date(ms).toISOString();

function answer(issue: IssueItem, replayed: boolean): IssuedCoupon {
  return {
    ok: true,
    code: issue.code,
    poolId: issue.poolId,
    index: issue.index,
    value: issue.value,
    ...(issue.minimumSpend ? { minimumSpend: issue.minimumSpend } : {}),
    issuedAt: iso(issue.issued.issuedAt),
    ...(issue.issued.expiresAt !== undefined ? { expiresAt: iso(issue.issued.expiresAt) } : {}),
    replayed,
  };
}

/** Records on the code's lookup to whom it went (the same content on every replay). */
async function recordLookup(deps: PoolDeps, tenantId: string, issue: IssueItem) {
  const key = lookupKey(tenantId, normalizeCode(issue.code));
  const found = await deps.store.get(key, { consistent: true });
  const current = found ? decodeItem(LookupItem, found) : undefined;
  if (current?.issued?.actionKey === issue.issued.actionKey) return;
  const item: Item = { ...key, code: issue.code, poolId: issue.poolId, index: issue.index, issued: issue.issued };
  await deps.store.put(item);
}

export async function issueCoupon(deps: PoolDeps, input: IssueCouponCommand): Promise<IssueResult> {
  const command = IssueCouponCommand.parse(input);
  const { tenantId, poolId, actionKey } = command;
  const recordKey = issueKey(tenantId, poolId, actionKey);
  const before = await deps.store.get(recordKey, { consistent: true });
  if (before) {
    const issue = decodeItem(IssueItem, before);
    await recordLookup(deps, tenantId, issue);
    return answer(issue, true);
  }

  const countersKey = poolCountersKey(tenantId, poolId);
  let index: number | undefined;
  let pool: Awaited<ReturnType<typeof readPool>> | undefined;
  let cost: Money | undefined;
  for (let attempt = 0; index === undefined; attempt++) {
    pool = await readPool(deps, tenantId, poolId);
    const { settings } = pool;
    if (poolExpired(settings.expiry, deps.clock.now())) return { ok: false, reason: 'expired' };
    cost = settings.budget?.money ? couponCost(settings) : undefined;
    const counters: Record<string, number> = { taken: 1 };
    const atMost: Record<string, number> = { taken: issueLimit(pool.size, settings.budget) };
    if (cost && settings.budget?.money) {
      counters.spent = cost.amount;
      atMost.spent = settings.budget.money.amount;
    }
    try {
      const after = await deps.store.increment(countersKey, counters, { atMost });
      index = (after.taken as number) - 1;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      const now = await readCounters(deps, tenantId, poolId);
      const why = refusalOf(now, { size: pool.size, budget: settings.budget, cost: cost?.amount });
      if (why === 'retry' && attempt + 1 < BOUND_ATTEMPTS) continue;
      const reason = why === 'budget' ? 'budget' : 'exhausted';
      await deps.store.increment(countersKey, reason === 'budget' ? { budgetRefused: 1 } : { exhausted: 1 });
      return { ok: false, reason };
    }
  }
  if (!pool) throw new Error('unreachable: no pool read');

  const codeItem = await deps.store.get(codeKey(tenantId, poolId, index), { consistent: true });
  if (!codeItem) throw new Error(`pool ${poolId}: no code at index ${index} below its size ${pool.size}`);
  const { code } = decodeItem(CodeItem, codeItem);
  const issuedAt = deps.clock.now();
  const expiresAt = expiryOf(pool.settings.expiry, issuedAt, command.expiresIn);
  const issued: IssuedTo = {
    customerId: command.customerId,
    actionKey,
    ...(command.journeyId !== undefined ? { journeyId: command.journeyId } : {}),
    ...(command.campaignId !== undefined ? { campaignId: command.campaignId } : {}),
    issuedAt,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
  const issue: IssueItem = {
    ...recordKey,
    poolId,
    code,
    index,
    issued,
    value: pool.settings.value,
    ...(pool.settings.minimumSpend ? { minimumSpend: pool.settings.minimumSpend } : {}),
    ...(cost ? { cost } : {}),
  };
  try {
    await deps.store.put(issue, { ifAbsent: true });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
    // A concurrent delivery of the same action put its record first: its code is the action's.
    // The index taken here is never handed out: counted wasted, its cost given back to the budget (an
    // atomic addition, as the taking was).
    await deps.store.increment(countersKey, cost ? { wasted: 1, spent: -cost.amount } : { wasted: 1 });
    const winner = await deps.store.get(recordKey, { consistent: true });
    if (!winner) throw e;
    const first = decodeItem(IssueItem, winner);
    await recordLookup(deps, tenantId, first);
    return answer(first, true);
  }
  await recordLookup(deps, tenantId, issue);
  return answer(issue, false);
}
