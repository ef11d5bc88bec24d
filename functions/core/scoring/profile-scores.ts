/**
 * One customer's scores at a time, from the profile and the tenant's fitted model, and the
 * lifecycle stage they lead to. Pure: `now` is a parameter.
 */

import type { Profile } from '../profiles/profile';
import { expectedPurchases, pAlive, probabilityNoPurchase } from './bgnbd';
import { churnFeatures, predictLogistic } from './churn';
import { clv } from './clv';
import { expectedAverageSpend } from './gammagamma';
import { rfmScoreOf, rfmSegment } from './rfm';
import type { ScoringSettings } from './settings';
import { type LifecycleResult, nextStage, type ScoresAt, type Stage } from './stages';
import { purchaseDaysOfProfile, rfmInputOf, summaryAt, type TenantModel } from './tenant-model';
import type { CustomerSummary } from './transactions';
import { type ValueResult, valueOfProfile } from './value';

const WEEK_DAYS = 7;

export interface ModelScores {
  /** Probability of no purchase within the tenant's churn horizon (default 90 days). */
  churnRisk: number;
  /** BG/NBD probability that the customer is still active. */
  pAlive: number;
  /** BG/NBD probability of at least one purchase in the next 90 days. */
  pBuy90: number;
  /** BG/NBD expected purchases within the churn horizon. */
  expectedPurchases: number;
  /** Gamma-Gamma expected spend per purchase, and discounted CLV, in major units of the tenant's currency. */
  expectedOrderValue?: number;
  clv?: number;
}

export interface ProfileScores {
  value: ValueResult;
  /** Only for customers who ordered, once the tenant has a model. */
  rfm?: { r: number; f: number; m: number; segment: string };
  model?: ModelScores;
}

/** The two scores the lifecycle rules read: churn risk and P(buy in 90 days). */
function risks(model: TenantModel, summary: CustomerSummary): Pick<ModelScores, 'churnRisk' | 'pBuy90'> {
  const [row] = churnFeatures(model.bgnbd, model.churnHorizonDays / WEEK_DAYS, [summary]);
  return {
    churnRisk: predictLogistic(model.churn, row as number[]),
    pBuy90: 1 - probabilityNoPurchase(model.bgnbd, 90 / WEEK_DAYS, summary),
  };
}

/** Every model score of a customer who ordered, summarized at the time of scoring. */
function modelScores(model: TenantModel, summary: CustomerSummary, settings: ScoringSettings): ModelScores {
  const scores: ModelScores = {
    ...risks(model, summary),
    pAlive: pAlive(model.bgnbd, summary),
    expectedPurchases: expectedPurchases(model.bgnbd, model.churnHorizonDays / WEEK_DAYS, summary),
  };
  if (model.gammaGamma) {
    scores.expectedOrderValue = expectedAverageSpend(model.gammaGamma, summary);
    scores.clv = clv(model.bgnbd, model.gammaGamma, summary, settings.clv);
  }
  return scores;
}

/** What scoring a tenant's profile needs besides the profile. */
export interface ScoringContext {
  model?: TenantModel;
  settings: ScoringSettings;
  currency: string;
}

/** The lifecycle stage a customer is in, as stored on the profile item. */
export interface LifecycleState {
  stage: Stage;
  since: string;
  reason: string;
  nextDueAt?: string;
  /** The stage the customer is in at `nextDueAt` (LifecycleResult.nextStage); absent with it. */
  nextStage?: Stage;
  /** The RFM segment when last rescored with a model. */
  segment?: string;
}

/**
 * The customer's scores at `now`, and their lifecycle from the stored state: the stage, whether
 * it changed, and when it is next due to change with no new event.
 */
export function evaluateProfile(
  profile: Profile,
  stored: LifecycleState | undefined,
  { model, settings, currency }: ScoringContext,
  now: number,
): { scores: ProfileScores; lifecycle: LifecycleResult } {
  const value = valueOfProfile(profile, currency, now, settings.value);
  const scores: ProfileScores = { value };
  let scoresAt: ScoresAt | undefined;
  if (model) {
    const days = purchaseDaysOfProfile(profile, currency);
    const rfmInput = rfmInputOf(profile, currency, now);
    const rfm = rfmInput && rfmScoreOf(model.rfm, rfmInput);
    if (rfm) scores.rfm = { ...rfm, segment: rfmSegment(rfm, settings.rfmScheme) };
    const summary = summaryAt(profile.customerId, days, now);
    if (summary) scores.model = modelScores(model, summary, settings);
    scoresAt = (at) => {
      const later = summaryAt(profile.customerId, days, at);
      return later ? risks(model, later) : {};
    };
  }
  const lifecycle = nextStage(
    {
      ...(stored ? { stage: stored.stage, since: stored.since } : {}),
      ...(profile.lastRecallAt ? { lastRecallAt: profile.lastRecallAt } : {}),
      facts: {
        orders: profile.orders,
        ...(profile.lastOrderAt ? { lastOrderAt: profile.lastOrderAt } : {}),
        ...(profile.lastLoginAt ? { lastLoginAt: profile.lastLoginAt } : {}),
        ...(profile.lastSessionAt ? { lastSessionAt: profile.lastSessionAt } : {}),
        ...(scores.model ? { churnRisk: scores.model.churnRisk, pBuy90: scores.model.pBuy90 } : {}),
        topTier: value.tier === 'high',
      },
    },
    now,
    settings.lifecycle,
    scoresAt,
  );
  return { scores, lifecycle };
}

/**
 * The stage a stored lifecycle reaches at its `nextDueAt`, for a state stored before `nextStage`
 * was (the audience index backfill): what the rescore that stored it found, unless the tenant's
 * model was refitted since. Undefined when nothing is due or the stage is the same then.
 */
export function stageAtDue(profile: Profile, lifecycle: LifecycleState, context: ScoringContext): Stage | undefined {
  if (lifecycle.nextDueAt === undefined) return undefined;
  const { stage, since, reason } = lifecycle;
  const then = evaluateProfile(profile, { stage, since, reason }, context, Date.parse(lifecycle.nextDueAt)).lifecycle;
  return then.stage === stage ? undefined : then.stage;
}
