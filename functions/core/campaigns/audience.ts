/**
 * Who a campaign run takes, and what each member gets: the facts of a customer a campaign's
 * criteria read, whether they match, the rung of the offer ladder that gives their actions, and
 * the stable holdout (SHA-256 of `salt:customerId` as a number in [0, 1), held out below the
 * holdout share: the same customers on every run until the salt changes).
 */
import { createHash } from 'node:crypto';
import type { Channel } from '../events/schemas';
import { parseDuration } from '../journeys/local-time';
import type { Profile } from '../profiles/profile';
import { evaluateProfile, type LifecycleState, type ScoringContext } from '../scoring/profile-scores';
import type { Stage } from '../scoring/stages';
import type { ValueTier } from '../scoring/value';
import type { Campaign, Criteria, Rung } from './schema';

const DAY = 86_400_000;

/** What a campaign's criteria read of a customer, at the run's time. */
export type CampaignFacts = {
  stage?: Stage;
  /** The stage the lifecycle has the customer due to enter next, and when. */
  next?: { stage: Stage; at: number };
  churnRisk?: number;
  valueTier: ValueTier;
  rfmSegment?: string;
  daysSinceLastOrder?: number;
  tags: ReadonlySet<string>;
  consented: ReadonlySet<Channel>;
};

export function campaignFacts(
  profile: Profile,
  lifecycle: LifecycleState | undefined,
  context: ScoringContext,
  now: number,
): CampaignFacts {
  const { scores, lifecycle: current } = evaluateProfile(profile, lifecycle, context, now);
  const dueAt = current.nextDueAt === undefined ? undefined : Date.parse(current.nextDueAt);
  const then =
    dueAt === undefined
      ? undefined
      : evaluateProfile(profile, { stage: current.stage, since: current.since, reason: current.reason }, context, dueAt)
          .lifecycle.stage;
  const tags = Object.entries(profile.tags ?? {}).flatMap(([tag, latest]) => (latest.v ? [tag] : []));
  const consented = Object.entries(profile.consent).flatMap(([channel, latest]) =>
    latest?.v ? [channel as Channel] : [],
  );
  return {
    stage: current.stage,
    ...(dueAt !== undefined && then !== undefined && then !== current.stage
      ? { next: { stage: then, at: dueAt } }
      : {}),
    ...(scores.model ? { churnRisk: scores.model.churnRisk } : {}),
    valueTier: scores.value.tier,
    ...(scores.rfm ? { rfmSegment: scores.rfm.segment } : {}),
    ...(profile.lastOrderAt ? { daysSinceLastOrder: Math.floor((now - Date.parse(profile.lastOrderAt)) / DAY) } : {}),
    tags: new Set(tags),
    consented: new Set(consented),
  };
}

/** Whether the facts meet every criterion given (a criterion the facts cannot answer does not hold). */
export function meets(criteria: Criteria, facts: CampaignFacts, now: number): boolean {
  const { stages, dueToBecome, churnRiskAtLeast, churnRiskBelow, valueTiers, rfmSegments } = criteria;
  if (stages && (facts.stage === undefined || !stages.includes(facts.stage))) return false;
  if (dueToBecome) {
    const { next } = facts;
    if (!next || next.stage !== dueToBecome.stage || next.at > now + parseDuration(dueToBecome.within)) return false;
  }
  if (churnRiskAtLeast !== undefined && !(facts.churnRisk !== undefined && facts.churnRisk >= churnRiskAtLeast))
    return false;
  if (churnRiskBelow !== undefined && !(facts.churnRisk !== undefined && facts.churnRisk < churnRiskBelow))
    return false;
  if (valueTiers && !valueTiers.includes(facts.valueTier)) return false;
  if (rfmSegments && (facts.rfmSegment === undefined || !rfmSegments.includes(facts.rfmSegment))) return false;
  const since = criteria.daysSinceLastOrder;
  if (since) {
    const days = facts.daysSinceLastOrder;
    if (days === undefined) return false;
    if (since.atLeast !== undefined && days < since.atLeast) return false;
    if (since.atMost !== undefined && days > since.atMost) return false;
  }
  if (criteria.tags?.all?.some((tag) => !facts.tags.has(tag))) return false;
  if (criteria.tags?.none?.some((tag) => facts.tags.has(tag))) return false;
  if (criteria.consent && !criteria.consent.some((channel) => facts.consented.has(channel))) return false;
  return true;
}

/** The first rung whose `when` the member meets (a rung without one takes everyone left), if any. */
export const rungFor = (campaign: Campaign, facts: CampaignFacts, now: number): Rung | undefined =>
  campaign.offers.find((rung) => !rung.when || meets(rung.when, facts, now));

/** The customer's place in [0, 1) under the salt: the first 52 bits of SHA-256(`salt:customerId`). */
export function holdoutPosition(salt: string, customerId: string): number {
  const digest = createHash('sha256').update(`${salt}:${customerId}`).digest();
  return (digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12)) / 2 ** 52;
}

export const isHeldOut = (campaign: Campaign, customerId: string): boolean =>
  holdoutPosition(campaign.salt ?? campaign.id, customerId) < campaign.holdout.percent / 100;

/** One member's place in a run: held out, or given a rung's actions; none when no rung takes them. */
export type Assignment = { arm: 'holdout' } | { arm: 'treated'; rung: Rung };

export function assign(
  campaign: Campaign,
  customerId: string,
  facts: CampaignFacts,
  now: number,
): Assignment | undefined {
  if (!meets(campaign.audience, facts, now)) return undefined;
  const rung = rungFor(campaign, facts, now);
  if (!rung) return undefined;
  // Held out after the ladder: the holdout is compared with members who would have got an offer.
  return isHeldOut(campaign, customerId) ? { arm: 'holdout' } : { arm: 'treated', rung };
}

/** The key of a member's offer action: one per campaign, run, member and action, so a re-run sends nothing twice. */
export const offerKey = (tenantId: string, campaignId: string, runId: string, customerId: string, index: number) =>
  `${tenantId}:campaign:${campaignId}:${runId}:${customerId}:${index}`;
