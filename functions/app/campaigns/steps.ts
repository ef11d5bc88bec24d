// The steps of a campaign run, as the state machine (functions/workflows/campaign-run.asl.json) calls
// them: select the audience into pages, offer each page (the holdout gets nothing), record what was
// offered and when the attribution window ends, then measure the lift. Every step may be carried out
// again: a selection made is kept, offers are keyed by campaign, run, member and action (the
// dispatcher sends each once), and a measured run answers its report.

import type { ActionMessage } from '../../contracts/messages';
import { assign, campaignFacts, holdoutPosition, offerKey } from '../../core/campaigns/audience';
import {
  CampaignDefinitionItem,
  CampaignRun,
  CampaignRunItem,
  campaignDefinitionKey,
  campaignRunKey,
  type Offered,
  PAGE_MEMBERS,
  PAGE_RETENTION_DAYS,
  type PageMember,
  RunPageItem,
  runPageKey,
  totalOffered,
} from '../../core/campaigns/runs';
import type { Campaign } from '../../core/campaigns/schema';
import type { TenantRecord } from '../../core/config/tenants';
import { sendRecordKey } from '../../core/dispatch/send-record';
import { issueKey } from '../../core/incentives/items';
import { parseDuration } from '../../core/journeys/local-time';
import { type LiftReport, measureLift } from '../../core/metrics/lift';
import { ownValue, setOwn } from '../../core/own';
import { profileKey } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import type { Profile } from '../../core/profiles/profile';
import { decodeItem } from '../../core/stored-item';
import type { Item, Store } from '../../ports';
import type { AppPorts } from '../common/ports';
import { createScoringContexts, type ScoringContexts } from '../common/scoring-contexts';
import { readBuyers } from '../daily-run/buyers';
import { ACTIONS_QUEUE } from '../dispatch/dead-letters';
import { readAudienceCandidates } from './audience-candidates';

export type CampaignStepsDeps = Pick<AppPorts, 'store' | 'queue' | 'clock' | 'tenants'>;

/** What a run's steps are given: the state machine's input. */
export type RunRef = { tenantId: string; campaignId: string; runId: string };

/** A step that cannot be carried out however often it is tried (no such campaign or tenant): not retried. */
export class CampaignRunRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CampaignRunRefused';
  }
}

/** An error as a step reports it to the state machine: a refusal by its name (caught), anything else as Transient (retried). */
export function stepError(e: unknown): Error {
  if (e instanceof CampaignRunRefused) return e;
  const cause = e instanceof Error ? e : new Error(String(e));
  return Object.assign(new Error(cause.message, { cause }), { name: 'Transient' });
}

/** The campaign's report: the run, what it offered, and its lift against the holdout (campaign.report's detail). */
export type CampaignReport = {
  tenantId: string;
  campaignId: string;
  runId: string;
  startedAt: string;
  offeredAt: string;
  measureAt: string;
  measuredAt: string;
  /** Measured before the attribution window ended (`campaigns run --now`). */
  early: boolean;
  successEvent: string;
  audience: number;
  offered: Offered;
  /** Holdout members given an offer: 0, or the run broke its holdout. */
  offersToHoldout: number;
  /** Converted members / members of the treated arm (0 when it has none). */
  recallRate: number;
  /** Null when an arm has no member: see liftNote. */
  lift: LiftReport | null;
  liftNote: string | null;
};

/** Why a run has no lift. */
export const RUN_LIFT_NOTES = {
  noAudience: 'the audience was empty',
  noneTreated: 'every member was held out: there is no treated arm',
  noneHeldOut: 'no member was held out',
} as const;

function liftNote(treated: number, heldOut: number): string | null {
  if (treated === 0 && heldOut === 0) return RUN_LIFT_NOTES.noAudience;
  if (treated === 0) return RUN_LIFT_NOTES.noneTreated;
  if (heldOut === 0) return RUN_LIFT_NOTES.noneHeldOut;
  return null;
}

const SEND_CHUNK = 100;
const READ_CHUNK = 100;
const DAY = 86_400_000;

export function createCampaignSteps(deps: CampaignStepsDeps) {
  const { store, clock } = deps;
  const scoringContexts = createScoringContexts(deps);

  async function tenantOf(tenantId: string): Promise<TenantRecord> {
    const tenant = await deps.tenants.byId(tenantId);
    if (!tenant) throw new CampaignRunRefused(`no tenant ${tenantId}`);
    return tenant;
  }

  async function campaignOf(ref: RunRef): Promise<Campaign> {
    const item = await store.get(campaignDefinitionKey(ref.tenantId, ref.campaignId), { consistent: true });
    if (!item) throw new CampaignRunRefused(`no campaign ${ref.campaignId}`);
    return decodeItem(CampaignDefinitionItem, item).campaign;
  }

  async function runOf(ref: RunRef): Promise<{ run: CampaignRun; item: Item } | undefined> {
    const item = await store.get(campaignRunKey(ref.tenantId, ref.campaignId, ref.runId), { consistent: true });
    return item ? { run: CampaignRun.parse(decodeItem(CampaignRunItem, item)), item } : undefined;
  }

  /** The run record as `run` has it (a failure the state machine recorded is cleared). */
  function saveRun(ref: RunRef, item: Item | undefined, run: CampaignRun) {
    const next: Item = { ...(item ?? {}), ...campaignRunKey(ref.tenantId, ref.campaignId, ref.runId), ...run };
    if (run.status !== 'failed') delete next.error;
    return store.put(next);
  }

  async function readPage(ref: RunRef, page: number): Promise<PageMember[]> {
    const item = await store.get(runPageKey(ref.tenantId, ref.campaignId, ref.runId, page), { consistent: true });
    if (!item) throw new Error(`page ${page} of run ${ref.runId} is missing`);
    return decodeItem(RunPageItem, item).members;
  }

  /** Chooses the audience, once per run: members with their arm and rung, in pages; their success events and revenue as now. */
  async function select(ref: RunRef): Promise<{ pages: number[]; audience: number; candidates: number }> {
    const stored = await runOf(ref);
    const numbered = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    if (stored?.run.selectedAt)
      return { pages: numbered(stored.run.pages), audience: stored.run.audience, candidates: stored.run.candidates };

    const [tenant, campaign] = await Promise.all([tenantOf(ref.tenantId), campaignOf(ref)]);
    const now = clock.now();
    const { members, candidates } = await chooseMembers({ store, scoringContexts }, tenant, campaign, now);

    const pages = Math.ceil(members.length / PAGE_MEMBERS);
    const expiresAt = Math.floor((now + parseDuration(campaign.attributionWindow) + PAGE_RETENTION_DAYS * DAY) / 1000);
    const items = numbered(pages).map((page) => ({
      ...runPageKey(ref.tenantId, ref.campaignId, ref.runId, page),
      members: members.slice((page - 1) * PAGE_MEMBERS, page * PAGE_MEMBERS),
      expiresAt,
    }));
    for (let i = 0; i < items.length; i += 25) await store.putMany(items.slice(i, i + 25));
    // Written once the pages are: a selection cut short is made again, a finished one kept.
    await saveRun(ref, stored?.item, {
      campaignId: ref.campaignId,
      runId: ref.runId,
      status: 'selected',
      startedAt: stored?.run.startedAt ?? new Date(now).toISOString(),
      selectedAt: new Date(now).toISOString(),
      candidates,
      audience: members.length,
      pages,
    });
    return { pages: numbered(pages), audience: members.length, candidates };
  }

  /** Puts each treated member's rung on the actions queue, as campaign actions: the dispatcher's guardrails apply. */
  async function offer(ref: RunRef & { page: number }): Promise<Offered & { page: number }> {
    const campaign = await campaignOf(ref);
    const rungs = new Map(campaign.offers.map((rung) => [rung.name, rung]));
    const members = await readPage(ref, ref.page);
    const result: Offered = { treated: 0, heldOut: 0, offers: 0, byRung: {} };
    const bodies: string[] = [];
    for (const member of members) {
      if (member.arm === 'h') {
        result.heldOut++;
        continue;
      }
      const rung = rungs.get(member.rung);
      if (!rung) throw new CampaignRunRefused(`rung ${member.rung} is no longer in campaign ${campaign.id}`);
      result.treated++;
      setOwn(result.byRung, rung.name, (ownValue(result.byRung, rung.name) ?? 0) + 1);
      rung.actions.forEach((action, index) => {
        const message: ActionMessage = {
          key: offerKey(ref.tenantId, campaign.id, ref.runId, member.c, index),
          tenantId: ref.tenantId,
          customerId: member.c,
          campaignId: campaign.id,
          version: 1,
          instanceId: ref.runId,
          activity: rung.name,
          action,
        };
        bodies.push(JSON.stringify(message));
      });
    }
    for (let i = 0; i < bodies.length; i += SEND_CHUNK)
      await deps.queue.send(ACTIONS_QUEUE, bodies.slice(i, i + SEND_CHUNK));
    result.offers = bodies.length;
    return { ...result, page: ref.page };
  }

  /** What the pages offered, and when the attribution window ends (from the first time the offers went out). */
  async function offered(ref: RunRef & { pages: Offered[] }): Promise<{ measureAt: string }> {
    const [stored, campaign] = await Promise.all([runOf(ref), campaignOf(ref)]);
    if (!stored) throw new Error(`run ${ref.runId} has no record: it was never selected`);
    const offeredAt = stored.run.offeredAt ?? new Date(clock.now()).toISOString();
    const measureAt =
      stored.run.measureAt ?? new Date(Date.parse(offeredAt) + parseDuration(campaign.attributionWindow)).toISOString();
    const total = totalOffered(ref.pages);
    await saveRun(ref, stored.item, { ...stored.run, status: 'offered', offeredAt, measureAt, offered: total });
    return { measureAt };
  }

  /** The lift of the run: each arm's members who did the success event since the run began, their revenue, the coupons' cost. */
  async function measure(ref: RunRef): Promise<CampaignReport> {
    const [stored, campaign, tenant] = await Promise.all([runOf(ref), campaignOf(ref), tenantOf(ref.tenantId)]);
    if (stored?.run.status === 'reported' && stored.run.report) return stored.run.report as CampaignReport;
    const run = stored?.run;
    if (!stored || !run?.offeredAt || !run.measureAt || !run.offered || !run.startedAt)
      throw new Error(`run ${ref.runId} was not offered yet`);
    const members: PageMember[] = [];
    for (let page = 1; page <= run.pages; page++) members.push(...(await readPage(ref, page)));

    const arms = { t: { n: 0, conversions: 0, revenue: 0 }, h: { n: 0, conversions: 0, revenue: 0 } };
    let offersToHoldout = 0;
    for (let i = 0; i < members.length; i += READ_CHUNK) {
      const chunk = members.slice(i, i + READ_CHUNK);
      const items = await store.getMany(chunk.map((m) => profileKey(ref.tenantId, m.c)));
      const profiles = new Map<string, Profile>();
      for (const item of items) {
        const live = liveProfile(item);
        if (live) profiles.set(live.profile.customerId, live.profile);
      }
      for (const member of chunk) {
        const arm = arms[member.arm];
        arm.n++;
        // An erased customer is counted as a member who did nothing since.
        const profile = profiles.get(member.c);
        if (!profile) continue;
        if (successEvents(profile, campaign) > member.n) arm.conversions++;
        arm.revenue += Math.max(0, gross(profile, tenant.currency) - member.g);
      }
      offersToHoldout += await holdoutOffers(ref, campaign, chunk);
    }
    const incentiveCost = await couponCost(ref, campaign, members, tenant.currency);
    const revenue = (amount: number) => ({ amount, currency: tenant.currency });
    const note = liftNote(arms.t.n, arms.h.n);
    const lift =
      note === null
        ? measureLift({
            treated: { n: arms.t.n, conversions: arms.t.conversions, revenue: revenue(arms.t.revenue) },
            holdout: { n: arms.h.n, conversions: arms.h.conversions, revenue: revenue(arms.h.revenue) },
            expectedHoldoutShare: campaign.holdout.percent / 100,
            ...(incentiveCost > 0 ? { incentiveCost: revenue(incentiveCost) } : {}),
          })
        : null;
    const now = clock.now();
    const report: CampaignReport = {
      tenantId: ref.tenantId,
      campaignId: ref.campaignId,
      runId: ref.runId,
      startedAt: run.startedAt,
      offeredAt: run.offeredAt,
      measureAt: run.measureAt,
      measuredAt: new Date(now).toISOString(),
      early: now < Date.parse(run.measureAt),
      successEvent: campaign.successEvent,
      audience: run.audience,
      offered: run.offered,
      offersToHoldout,
      recallRate: arms.t.n === 0 ? 0 : arms.t.conversions / arms.t.n,
      lift,
      liftNote: note,
    };
    await saveRun(ref, stored.item, { ...run, status: 'reported', report });
    return report;
  }

  /** Offers of the run found in the send records of holdout members: any is a broken holdout. */
  async function holdoutOffers(ref: RunRef, campaign: Campaign, chunk: readonly PageMember[]): Promise<number> {
    const held = chunk.filter((m) => m.arm === 'h');
    if (held.length === 0) return 0;
    const keys = held.map((m) =>
      sendRecordKey(ref.tenantId, m.c, offerKey(ref.tenantId, campaign.id, ref.runId, m.c, 0)),
    );
    return (await store.getMany(keys)).length;
  }

  /** What the coupons given to treated members cost (their pools' cost per coupon), in the tenant's currency. */
  async function couponCost(ref: RunRef, campaign: Campaign, members: readonly PageMember[], currency: string) {
    const rungs = new Map(campaign.offers.map((rung) => [rung.name, rung]));
    const keys = members.flatMap((member) => {
      if (member.arm !== 't') return [];
      return (rungs.get(member.rung)?.actions ?? []).flatMap((action, index) =>
        action.kind === 'coupon'
          ? [issueKey(ref.tenantId, action.pool, offerKey(ref.tenantId, campaign.id, ref.runId, member.c, index))]
          : [],
      );
    });
    let cost = 0;
    for (let i = 0; i < keys.length; i += READ_CHUNK) {
      for (const item of await store.getMany(keys.slice(i, i + READ_CHUNK))) {
        const money = item.cost as { amount?: unknown; currency?: unknown } | undefined;
        if (money && money.currency === currency && typeof money.amount === 'number') cost += money.amount;
      }
    }
    return cost;
  }

  return { select, offer, offered, measure };
}

export type CampaignSteps = ReturnType<typeof createCampaignSteps>;

/**
 * The members a run of the campaign would take now, with their arm and rung, and the candidates
 * read to choose them: what a run's selection stores in its pages, and what an estimate counts.
 */
export async function chooseMembers(
  deps: { store: Store; scoringContexts: ScoringContexts },
  tenant: Pick<TenantRecord, 'id' | 'currency'>,
  campaign: Campaign,
  now: number,
): Promise<{ members: PageMember[]; candidates: number }> {
  const { store } = deps;
  const context = await deps.scoringContexts(tenant.id);
  const candidates =
    (await readAudienceCandidates(store, tenant.id, campaign.audience, now)) ?? (await readBuyers(store, tenant.id));
  const salt = campaign.salt ?? campaign.id;
  let members = candidates.flatMap(({ profile, lifecycle }) => {
    const assignment = assign(campaign, profile.customerId, campaignFacts(profile, lifecycle, context, now), now);
    if (!assignment) return [];
    const member: PageMember = {
      c: profile.customerId,
      arm: assignment.arm === 'treated' ? 't' : 'h',
      rung: assignment.arm === 'treated' ? assignment.rung.name : '',
      n: successEvents(profile, campaign),
      g: gross(profile, tenant.currency),
    };
    return [member];
  });
  // Over maxAudience, the members first in the holdout order: the same ones on every run of the day's audience.
  if (campaign.maxAudience !== undefined && members.length > campaign.maxAudience)
    members = members
      .map((m) => ({ m, at: holdoutPosition(`${salt}:cap`, m.c) }))
      .sort((a, b) => a.at - b.at)
      .slice(0, campaign.maxAudience)
      .map(({ m }) => m);
  return { members, candidates: candidates.length };
}

/** How many of the campaign's success events the profile has folded. */
const successEvents = (profile: Profile, campaign: Campaign): number => profile.counts[campaign.successEvent] ?? 0;

/** The profile's gross revenue in `currency`, minor units. */
const gross = (profile: Profile, currency: string): number => ownValue(profile.revenue, currency)?.gross ?? 0;
