/**
 * The campaigns admin API: save a campaign (PUT /v1/campaigns/{campaignId}), list and read them
 * with their runs, start a run (POST /v1/campaigns/{campaignId}/runs: the state machine in AWS,
 * the local runner here) and read one (GET /v1/campaigns/{campaignId}/runs/{runId}), for the
 * tenant of the admin key. Refusals are `{error, message, path}` as the HTTP API documents them.
 */
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import { CampaignEstimateRequest, CampaignRunRequest } from '../../contracts/http-api';
import { holdoutPower } from '../../core/campaigns/estimate';
import {
  CAMPAIGNS_PK_SUFFIX,
  CampaignDefinitionItem,
  CampaignRun,
  CampaignRunItem,
  campaignDefinitionKey,
  campaignRunKey,
} from '../../core/campaigns/runs';
import type { Campaign } from '../../core/campaigns/schema';
import { validateCampaign } from '../../core/campaigns/validate';
import type { TenantDirectory, TenantRecord } from '../../core/config/tenants';
import { jsonPath } from '../../core/json-path';
import { ownValue, setOwn } from '../../core/own';
import { decodeItem } from '../../core/stored-item';
import type { Clock, Store } from '../../ports';
import { createScoringContexts } from '../common/scoring-contexts';
import { chooseMembers, type RunRef } from './steps';

/** Starts (or carries on) a run: its state machine in AWS, the local runner on this machine. */
export type CampaignRunStarter = {
  start(ref: RunRef, options: { now: boolean }): Promise<void>;
  /** Whether `now` (measure without waiting for the attribution window) can be honoured. */
  measuresNow: boolean;
};

/** Where a campaign's schedule is kept so that it starts its runs (EventBridge Scheduler in AWS). */
export interface CampaignScheduler {
  /** Makes the campaign's schedule what the campaign says (none when it has no schedule). */
  put(tenant: { id: string; timezone: string }, campaign: Campaign): Promise<void>;
}

export type CampaignRequest = {
  tenant: TenantRecord;
  campaignId?: string;
  runId?: string;
  contentType?: string;
  body?: string;
};

const MAX_CAMPAIGN_BYTES = 256 * 1024;
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

const notFound = (campaignId: string) => reject(404, 'not_found', `no campaign "${campaignId}"`, 'path.campaignId');

function jsonBody(
  request: CampaignRequest,
  empty?: unknown,
): { ok: true; value: unknown } | { ok: false; answer: Answer } {
  if (request.contentType !== undefined && !JSON_TYPE.test(request.contentType))
    return {
      ok: false,
      answer: reject(415, 'unsupported_media_type', 'the body must be JSON (application/json)', 'headers.content-type'),
    };
  const text = request.body ?? '';
  if (text.trim() === '' && empty !== undefined) return { ok: true, value: empty };
  const parsed = parseJsonBody(text, { maxBytes: MAX_CAMPAIGN_BYTES });
  return parsed.ok ? parsed : { ok: false, answer: parsed.rejection };
}

/** The holdout's conversion rate in the campaign's latest measured run that has one (runs latest first). */
function lastHoldoutRate(runs: readonly CampaignRun[]): { rate: number; runId: string } | undefined {
  for (const run of runs) {
    const lift = (run.report as { lift?: { holdout?: { rate?: unknown } } | null } | undefined)?.lift;
    const rate = lift?.holdout?.rate;
    if (run.status === 'reported' && typeof rate === 'number') return { rate, runId: run.runId };
  }
  return undefined;
}

export function campaignRoutes(deps: {
  store: Store;
  clock: Clock;
  tenants: TenantDirectory;
  runs?: CampaignRunStarter;
  /** Absent on the local runtime, whose campaign loop reads the schedules from the definitions. */
  schedules?: CampaignScheduler;
}) {
  const { store, clock } = deps;
  const scoringContexts = createScoringContexts(deps);

  async function definitionOf(tenantId: string, campaignId: string) {
    const item = await store.get(campaignDefinitionKey(tenantId, campaignId), { consistent: true });
    return item ? decodeItem(CampaignDefinitionItem, item) : undefined;
  }

  async function runsOf(tenantId: string, campaignId: string): Promise<CampaignRun[]> {
    const items = await store.query(`${tenantId}${CAMPAIGNS_PK_SUFFIX}`, {
      skPrefix: `RUN#${campaignId}#`,
      consistent: true,
    });
    return items
      .map((item) => CampaignRun.parse(decodeItem(CampaignRunItem, item)))
      .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || b.runId.localeCompare(a.runId));
  }

  return {
    async save(request: CampaignRequest): Promise<Answer> {
      const campaignId = request.campaignId ?? '';
      const body = jsonBody(request);
      if (!body.ok) return body.answer;
      const value = body.value;
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && !('id' in value))
        (value as { id: string }).id = campaignId;
      const { campaign, problems } = validateCampaign(value, { channels: request.tenant.channels });
      if (!campaign) {
        const first = problems[0] as { path: string; message: string };
        const what = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
        return reject(
          400,
          'invalid_campaign',
          `the campaign has ${what}; first: ${first.path}: ${first.message}`,
          first.path,
          {
            problems,
          },
        );
      }
      if (campaign.id !== campaignId)
        return reject(
          400,
          'invalid_campaign',
          `the body's id "${campaign.id}" is not the path's "${campaignId}"`,
          jsonPath('$', ['id']),
          {
            problems: [{ path: '$.id', message: `must be the path's id "${campaignId}"` }],
          },
        );
      // The schedule first: a saved definition always has its schedule, and a save that failed is made again.
      await deps.schedules?.put(request.tenant, campaign);
      const updatedAt = new Date(clock.now()).toISOString();
      await store.put({ ...campaignDefinitionKey(request.tenant.id, campaign.id), campaign, updatedAt });
      return answer(200, { campaign, updatedAt });
    },

    async list(request: CampaignRequest): Promise<Answer> {
      const items = await store.query(`${request.tenant.id}${CAMPAIGNS_PK_SUFFIX}`, {
        skPrefix: 'DEF#',
        consistent: true,
      });
      const campaigns = items.map((item) => {
        const { campaign, updatedAt } = decodeItem(CampaignDefinitionItem, item);
        return { id: campaign.id, name: campaign.name, schedule: campaign.schedule ?? null, updatedAt };
      });
      return answer(200, { campaigns });
    },

    async read(request: CampaignRequest): Promise<Answer> {
      const campaignId = request.campaignId ?? '';
      const stored = await definitionOf(request.tenant.id, campaignId);
      if (!stored) return notFound(campaignId);
      return answer(200, {
        campaign: stored.campaign,
        updatedAt: stored.updatedAt,
        runs: await runsOf(request.tenant.id, campaignId),
      });
    },

    async startRun(request: CampaignRequest): Promise<Answer> {
      const campaignId = request.campaignId ?? '';
      const body = jsonBody(request, {});
      if (!body.ok) return body.answer;
      const parsed = CampaignRunRequest.safeParse(body.value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reject(400, 'invalid_request', issue?.message ?? 'not a run request', jsonPath('$', issue?.path ?? []));
      }
      if (!deps.runs)
        return reject(503, 'unavailable', 'campaign runs cannot be started here: no state machine is configured', null);
      if (parsed.data.now && !deps.runs.measuresNow)
        return reject(
          400,
          'invalid_request',
          'now is for the local runtime: in AWS a run waits for its window',
          '$.now',
        );
      if (!(await definitionOf(request.tenant.id, campaignId))) return notFound(campaignId);
      const runId = parsed.data.runId ?? `manual-${new Date(clock.now()).toISOString().replace(/[-:]|\.\d+/g, '')}`;
      await deps.runs.start({ tenantId: request.tenant.id, campaignId, runId }, { now: parsed.data.now === true });
      return answer(202, { campaignId, runId });
    },

    /**
     * Before launch: the audience a run would take now (members, treated and held out, by rung: the
     * selection a run makes, nothing written), and the smallest lift its holdout detects at 80 %
     * power over the base rate given, else the holdout rate of the latest measured run.
     */
    async estimate(request: CampaignRequest): Promise<Answer> {
      const campaignId = request.campaignId ?? '';
      const body = jsonBody(request, {});
      if (!body.ok) return body.answer;
      const parsed = CampaignEstimateRequest.safeParse(body.value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reject(
          400,
          'invalid_request',
          issue?.message ?? 'not an estimate request',
          jsonPath('$', issue?.path ?? []),
        );
      }
      const stored = await definitionOf(request.tenant.id, campaignId);
      if (!stored) return notFound(campaignId);
      const { campaign } = stored;
      const now = clock.now();
      const { members, candidates } = await chooseMembers({ store, scoringContexts }, request.tenant, campaign, now);
      const byRung: Record<string, number> = {};
      let treated = 0;
      for (const member of members) {
        if (member.arm === 'h') continue;
        treated++;
        setOwn(byRung, member.rung, (ownValue(byRung, member.rung) ?? 0) + 1);
      }
      const heldOut = members.length - treated;
      const last =
        parsed.data.baseRate === undefined ? lastHoldoutRate(await runsOf(request.tenant.id, campaignId)) : undefined;
      const baseRate = parsed.data.baseRate ?? last?.rate ?? null;
      return answer(200, {
        campaignId,
        asOf: new Date(now).toISOString(),
        candidates,
        audience: members.length,
        treated,
        heldOut,
        holdoutPercent: campaign.holdout.percent,
        byRung,
        baseRate,
        baseRateFrom: parsed.data.baseRate !== undefined ? 'request' : last ? 'last_run' : null,
        ...(last ? { baseRateRunId: last.runId } : {}),
        ...holdoutPower({ treated, heldOut }, baseRate),
      });
    },

    async readRun(request: CampaignRequest): Promise<Answer> {
      const campaignId = request.campaignId ?? '';
      const runId = request.runId ?? '';
      const item = await store.get(campaignRunKey(request.tenant.id, campaignId, runId), { consistent: true });
      if (!item) {
        if (!(await definitionOf(request.tenant.id, campaignId))) return notFound(campaignId);
        return reject(404, 'not_found', `campaign "${campaignId}" has no run "${runId}"`, 'path.runId');
      }
      return answer(200, CampaignRun.parse(decodeItem(CampaignRunItem, item)));
    },
  };
}
