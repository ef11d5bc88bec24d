// One run of a campaign: its audience chosen from the tenant's buyers, the holdout kept from every
// offer, and each treated member's offer rung put on the actions queue, so the dispatcher applies
// consent, caps, quiet hours, the control group and the campaign's budget. Offers are keyed by
// campaign, run, member and action, so a run carried out again sends nothing twice; a finished run
// answers its record.
//
// Candidates are every buyer (the sparse buyer index): a campaign reads a profile for each, not only
// for its audience, until an index of the stage customers are due to enter exists.

import type { ActionMessage } from '../../contracts/messages';
import { assign, campaignFacts, holdoutPosition, offerKey } from '../../core/campaigns/audience';
import { CampaignRun, CampaignRunItem, campaignRunKey } from '../../core/campaigns/runs';
import type { Campaign } from '../../core/campaigns/schema';
import { decodeItem } from '../../core/stored-item';
import { ConditionFailedError, type Item } from '../../ports';
import type { AppPorts } from '../common/ports';
import { createScoringContexts } from '../common/scoring-contexts';
import { readBuyers } from '../daily-run/buyers';
import { ACTIONS_QUEUE } from '../dispatch/dead-letters';

export type CampaignRunDeps = Pick<AppPorts, 'store' | 'queue' | 'clock' | 'tenants'>;

const SEND_CHUNK = 100;

export async function runCampaign(
  deps: CampaignRunDeps,
  tenantId: string,
  campaign: Campaign,
  runId: string,
): Promise<CampaignRun> {
  const key = campaignRunKey(tenantId, campaign.id, runId);
  const done = await deps.store.get(key, { consistent: true });
  if (done) return runOf(done);

  const now = deps.clock.now();
  const context = await createScoringContexts(deps)(tenantId);
  const candidates = await readBuyers(deps.store, tenantId);
  const salt = campaign.salt ?? campaign.id;
  let members = candidates.flatMap(({ profile, lifecycle }) => {
    const assignment = assign(campaign, profile.customerId, campaignFacts(profile, lifecycle, context, now), now);
    return assignment ? [{ customerId: profile.customerId, assignment }] : [];
  });
  // Over maxAudience, the members first in the holdout order: the same ones on every run of the day's audience.
  if (campaign.maxAudience !== undefined && members.length > campaign.maxAudience)
    members = members
      .sort((a, b) => holdoutPosition(`${salt}:cap`, a.customerId) - holdoutPosition(`${salt}:cap`, b.customerId))
      .slice(0, campaign.maxAudience);

  const byRung: Record<string, number> = {};
  const bodies: string[] = [];
  for (const { customerId, assignment } of members) {
    if (assignment.arm !== 'treated') continue;
    const { rung } = assignment;
    byRung[rung.name] = (byRung[rung.name] ?? 0) + 1;
    rung.actions.forEach((action, index) => {
      const message: ActionMessage = {
        key: offerKey(tenantId, campaign.id, runId, customerId, index),
        tenantId,
        customerId,
        campaignId: campaign.id,
        version: 1,
        instanceId: runId,
        activity: rung.name,
        action,
      };
      bodies.push(JSON.stringify(message));
    });
  }
  for (let i = 0; i < bodies.length; i += SEND_CHUNK)
    await deps.queue.send(ACTIONS_QUEUE, bodies.slice(i, i + SEND_CHUNK));

  const treated = Object.values(byRung).reduce((sum, n) => sum + n, 0);
  const run: CampaignRun = {
    campaignId: campaign.id,
    runId,
    startedAt: new Date(now).toISOString(),
    candidates: candidates.length,
    audience: members.length,
    treated,
    heldOut: members.length - treated,
    offers: bodies.length,
    byRung,
  };
  // Written once the offers are queued: a run cut short before is carried out again, its offers once each.
  try {
    await deps.store.put({ ...key, ...run }, { ifAbsent: true });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
    const stored = await deps.store.get(key, { consistent: true });
    if (!stored) throw e;
    return runOf(stored);
  }
  return run;
}

const runOf = (item: Item): CampaignRun => CampaignRun.parse(decodeItem(CampaignRunItem, item));
