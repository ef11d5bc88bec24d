/**
 * Customer lifecycle stages, as a pure state machine: the caller passes the stored stage, the
 * customer's facts and the time (`now`, epoch milliseconds); nothing here reads a clock.
 *
 * Rules, in order (thresholds from LifecycleConfig, defaults in brackets):
 * 1. `recalled` holds for `recalledHoldDays` [30] after it was entered (`since`); after that the
 *    customer moves on by the normal rules below (so it may go straight to at_risk if it has been
 *    inactive meanwhile). During the hold, time and model triggers are not applied.
 * 2. A customer in at_risk, dormant or churned whose last order came within `recallWindowDays`
 *    [30] after a recall action (`lastRecallAt` ≤ lastOrderAt ≤ lastRecallAt + window) becomes
 *    `recalled`, whenever that order is evaluated.
 * 3. No order yet: `new`. The inactivity and model triggers apply only to customers who ordered.
 * 4. Inactivity = now − the latest of lastOrderAt, lastLoginAt, lastSessionAt and lastSeenAt
 *    (pass lastSessionAt without lastSeenAt to count sessions only):
 *    ≥ churnedAfterDays [180] or pBuy90 < churnedBelowPBuy90 [0.05] → churned;
 *    ≥ dormantAfterDays [90] → dormant;
 *    ≥ atRiskAfterDays [30] or churnRisk ≥ atRiskChurnRisk [0.6] → at_risk.
 * 5. Otherwise by orders: ≥ loyalOrders [5] or topTier → loyal; ≥ 2 → repeat; 1 → activated.
 *    A lapsed customer who becomes active again without a recall goes back here.
 */

import { z } from 'zod';

export const STAGES = ['new', 'activated', 'repeat', 'loyal', 'at_risk', 'dormant', 'churned', 'recalled'] as const;
export type Stage = (typeof STAGES)[number];

const days = z.number().positive();
const probability = z.number().min(0).max(1);

export const LifecycleConfig = z
  .strictObject({
    loyalOrders: z.number().int().min(2).default(5),
    atRiskAfterDays: days.default(30),
    atRiskChurnRisk: probability.default(0.6),
    dormantAfterDays: days.default(90),
    churnedAfterDays: days.default(180),
    churnedBelowPBuy90: probability.default(0.05),
    recallWindowDays: days.default(30),
    recalledHoldDays: days.default(30),
  })
  .refine((c) => c.atRiskAfterDays < c.dormantAfterDays, {
    message: 'must be less than dormantAfterDays',
    path: ['atRiskAfterDays'],
  })
  .refine((c) => c.dormantAfterDays < c.churnedAfterDays, {
    message: 'must be less than churnedAfterDays',
    path: ['dormantAfterDays'],
  });
export type LifecycleConfig = z.infer<typeof LifecycleConfig>;

export const DEFAULT_LIFECYCLE_CONFIG: LifecycleConfig = LifecycleConfig.parse({});

export interface LifecycleFacts {
  orders: number;
  lastOrderAt?: string;
  lastLoginAt?: string;
  lastSessionAt?: string;
  lastSeenAt?: string;
  /** Probability of churn from the churn model, 0..1. */
  churnRisk?: number;
  /** Probability of at least one purchase in the next 90 days, 0..1. */
  pBuy90?: number;
  topTier?: boolean;
}

export interface LifecycleInput {
  stage?: Stage;
  /** When the stored stage was entered (ISO time); needed for the recalled hold. */
  since?: string;
  /** The latest recall action sent to the customer (ISO time). */
  lastRecallAt?: string;
  facts: LifecycleFacts;
}

export interface LifecycleResult {
  stage: Stage;
  /** When `stage` was entered: `now` when it changed, else the input's `since` (or now if none was given). */
  since: string;
  /** Why the customer is in `stage`. */
  reason: string;
  changed?: { from: Stage | undefined; to: Stage; reason: string };
  /** The earliest time at which the stage changes with no new event or score; absent if none. */
  nextDueAt?: string;
  /** The stage the customer is in at `nextDueAt` (the campaigns' audience index files them by it); absent with it. */
  nextStage?: Stage;
}

const DAY = 86_400_000;
const LAPSED: ReadonlySet<Stage> = new Set(['at_risk', 'dormant', 'churned']);

const time = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`lifecycle: not a time: ${iso}`);
  return t;
};

function lastActivity(f: LifecycleFacts): number | undefined {
  const times = [f.lastOrderAt, f.lastLoginAt, f.lastSessionAt, f.lastSeenAt]
    .map(time)
    .filter((t): t is number => t !== undefined);
  return times.length ? Math.max(...times) : undefined;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** The stage the rules give at time `at`, with the reason; `sinceMs` is when the stored stage began. */
function stageAt(
  input: LifecycleInput,
  sinceMs: number,
  at: number,
  cfg: LifecycleConfig,
): { stage: Stage; reason: string } {
  const f = input.facts;
  if (input.stage === 'recalled' && at < sinceMs + cfg.recalledHoldDays * DAY) {
    return { stage: 'recalled', reason: `within ${plural(cfg.recalledHoldDays, 'day')} after the recall` };
  }
  const lastOrder = time(f.lastOrderAt);
  const recall = time(input.lastRecallAt);
  if (
    input.stage !== undefined &&
    LAPSED.has(input.stage) &&
    f.orders > 0 &&
    lastOrder !== undefined &&
    recall !== undefined &&
    lastOrder >= recall &&
    lastOrder <= recall + cfg.recallWindowDays * DAY
  ) {
    const after = Math.floor((lastOrder - recall) / DAY);
    return {
      stage: 'recalled',
      reason: `ordered ${plural(after, 'day')} after a recall action, within the ${cfg.recallWindowDays}-day window`,
    };
  }
  if (f.orders <= 0) return { stage: 'new', reason: 'seen, no order yet' };
  const last = lastActivity(f);
  const idle = last === undefined ? Number.POSITIVE_INFINITY : at - last;
  const idleFor = (n: number) => `no order, login or session for ${plural(n, 'day')}`;
  if (idle >= cfg.churnedAfterDays * DAY) return { stage: 'churned', reason: idleFor(cfg.churnedAfterDays) };
  if (f.pBuy90 !== undefined && f.pBuy90 < cfg.churnedBelowPBuy90) {
    return { stage: 'churned', reason: `P(buy in 90 days) ${f.pBuy90} < ${cfg.churnedBelowPBuy90}` };
  }
  if (idle >= cfg.dormantAfterDays * DAY) return { stage: 'dormant', reason: idleFor(cfg.dormantAfterDays) };
  if (idle >= cfg.atRiskAfterDays * DAY) return { stage: 'at_risk', reason: idleFor(cfg.atRiskAfterDays) };
  if (f.churnRisk !== undefined && f.churnRisk >= cfg.atRiskChurnRisk) {
    return { stage: 'at_risk', reason: `churn risk ${f.churnRisk} ≥ ${cfg.atRiskChurnRisk}` };
  }
  const back = input.stage !== undefined && LAPSED.has(input.stage) ? 'active again: ' : '';
  if (f.orders >= cfg.loyalOrders) return { stage: 'loyal', reason: `${back}${plural(f.orders, 'order')}` };
  if (f.topTier) return { stage: 'loyal', reason: `${back}top value tier` };
  if (f.orders >= 2) return { stage: 'repeat', reason: `${back}second order` };
  return { stage: 'activated', reason: `${back}first order` };
}

/** The model scores at a time, for `nextStage` to find when they cross a threshold with no new event. */
export type ScoresAt = (at: number) => Pick<LifecycleFacts, 'churnRisk' | 'pBuy90'>;

/**
 * The customer's stage at `now`, whether it changed, and `nextDueAt`: the earliest time after
 * `now` at which the stage would change with the same facts (an inactivity threshold, the end
 * of the recalled hold, or, given `scoresAt`, the day the model scores cross a threshold), so a
 * daily pass needs to read only the customers then due, and `nextStage`, the stage it changes to
 * then (the audience index files customers by it, so a campaign finds those due to become at_risk).
 * The score crossing is found by bisection over days, which assumes that risk does not fall as
 * time passes without events (true of BG/NBD and of the churn score's recency terms); the pass
 * re-evaluates anyway.
 */
export function nextStage(
  input: LifecycleInput,
  now: number,
  config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG,
  scoresAt?: ScoresAt,
): LifecycleResult {
  const sinceMs = time(input.since) ?? now;
  const current = stageAt(input, sinceMs, now, config);
  const changed = current.stage !== input.stage;
  const since = changed || input.since === undefined ? new Date(now).toISOString() : input.since;
  // Later evaluations start from the stage now reached (and when it began).
  const stateSince = time(since) as number;
  // The stage at each time looked at, kept: the one at the due time is the next stage, at no extra cost.
  const stages = new Map<number, Stage>();
  const stageThen = (t: number): Stage => {
    let stage = stages.get(t);
    if (stage === undefined) {
      const facts = scoresAt ? { ...input.facts, ...scoresAt(t) } : input.facts;
      stage = stageAt({ ...input, facts, stage: current.stage, since }, stateSince, t, config).stage;
      stages.set(t, stage);
    }
    return stage;
  };
  const differsAt = (t: number) => stageThen(t) !== current.stage;
  const candidates: number[] = [];
  if (current.stage === 'recalled') candidates.push(stateSince + config.recalledHoldDays * DAY);
  const last = lastActivity(input.facts);
  if (last !== undefined) {
    for (const d of [config.atRiskAfterDays, config.dormantAfterDays, config.churnedAfterDays]) {
      candidates.push(last + d * DAY);
    }
  }
  let due = candidates
    .filter((t) => t > now)
    .sort((a, b) => a - b)
    .find(differsAt);
  if (scoresAt && input.facts.orders > 0) {
    const end = due ?? now + config.churnedAfterDays * DAY;
    if (differsAt(end)) {
      // The first whole day from now on which the stage differs; `end` is known to differ.
      let lo = 0;
      let hi = Math.ceil((end - now) / DAY);
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (differsAt(now + mid * DAY)) hi = mid;
        else lo = mid;
      }
      due = Math.min(end, now + hi * DAY);
    }
  }
  // Looked at already (the due time is where the stage was found to differ): no further evaluation.
  const then = due === undefined ? undefined : stageThen(due);
  return {
    stage: current.stage,
    since,
    reason: current.reason,
    ...(changed ? { changed: { from: input.stage, to: current.stage, reason: current.reason } } : {}),
    ...(due !== undefined ? { nextDueAt: new Date(due).toISOString() } : {}),
    ...(then !== undefined && then !== current.stage ? { nextStage: then } : {}),
  };
}
