import { randomBytes } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { createJwtVerifier } from '../adapters/auth/jwt';
import { awsCampaignSchedules, awsQueue, awsStore } from '../adapters/aws/environment';
import { sdkDefaults } from '../adapters/aws/sdk';
import { createStepFunctionsCampaignRuns } from '../adapters/aws/step-functions';
import type { OutboxPage } from '../adapters/channels/outbox';
import { systemClock } from '../adapters/clock';
import { createWorkerRenderer } from '../adapters/templates/worker-renderer';
import { createAdminAccess } from '../app/admin-access/run';
import { createJourneyBacktests, type EventHistory } from '../app/backtest/journey-request';
import {
  type CampaignRequest,
  type CampaignRunStarter,
  type CampaignScheduler,
  campaignRoutes,
} from '../app/campaigns/routes';
import { couponRoutes } from '../app/coupons/routes';
import { reopenFailedSend } from '../app/dispatch/dead-letters';
import { loyaltyRoutes } from '../app/loyalty/routes';
import { createManageJourneys, type JourneyRequest } from '../app/manage-journeys/run';
import { loyaltyReport } from '../app/metrics/loyalty-report';
import { kpiReport } from '../app/metrics/report';
import { createPrivacy } from '../app/privacy/run';
import { createQuarantine, quarantineRoutes } from '../app/quarantine/run';
import { createCustomerReads } from '../app/read-customer/run';
import { referralRoutes } from '../app/referrals/routes';
import { type TemplateRequest, templateRoutes } from '../app/templates/routes';
import { type Answer, answer, parseJsonBody, reject } from '../contracts/answers';
import { KpiLive, KpiRange, QuarantineReplayRequest } from '../contracts/http-api';
import { openApiDocument } from '../contracts/openapi';
import type { TenantDirectory, TenantRecord } from '../core/config/tenants';
import type { RandomBytes } from '../core/incentives/coupon-pool';
import type { TemplateRenderer } from '../core/templates/renderer';
import {
  bearerToken,
  bodyText,
  encode,
  type HttpEvent,
  type HttpResult,
  header,
  jsonErrors,
  lambdaEntry,
  routeByKey,
} from '../http/lambda';
import type { Clock, IdentityTokens, Log, Queue, Store } from '../ports';
import { awsTenants } from './common/tenants';

export type AdminDeps = {
  store: Store;
  queue: Queue;
  tenants: TenantDirectory;
  clock: Clock;
  log: Log;
  /** The local runtime's outbox (GET /v1/outbox); in AWS messages go to their providers and there is none. */
  outbox?: (tenantId: string, query: { limit?: number; after?: string }) => Promise<OutboxPage>;
  /** Renders templates to check and preview them; without one those routes answer 503. */
  renderer?: TemplateRenderer;
  /** Random bytes for generated coupon codes; without them generate answers 503. */
  random?: RandomBytes;
  /** Starts campaign runs; without it POST /v1/campaigns/{campaignId}/runs answers 503. */
  campaignRuns?: CampaignRunStarter;
  campaignSchedules?: CampaignScheduler;
  /**
   * The tenant's stored event history (the local runtime's event archive) for POST /v1/journeys/backtest;
   * in AWS there is none and that route answers 501.
   */
  history?: EventHistory;
  /** Verifies the JWTs of the tenants' identity providers (default: jose, fetching each provider's keys). */
  identityTokens?: IdentityTokens;
};

/** A range of days that will not do: the first problem, at its query parameter. */
function rangeRejection(error: z.ZodError): Answer {
  const issue = error.issues[0];
  return reject(
    400,
    'invalid_request',
    issue?.message ?? 'from and to are days',
    `query.${String(issue?.path[0] ?? 'from')}`,
  );
}

/** The longest id a path may name (the canonical schema's): longer ones are refused before any read. */
const MAX_PATH_ID = 128;
/** As the quarantine's queue names (profile-updates, journey-events, actions...). */
const QUEUE_NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** The oldest parked messages a list shows. */
const QUARANTINE_PAGE = 100;

/**
 * The admin function: customers (profile, export, erasure, points), the tenant's model, journeys,
 * templates, coupon pools, the quarantine, and health.
 */
export function createAdminFunction(deps: AdminDeps) {
  const reads = createCustomerReads(deps);
  const privacy = createPrivacy(deps);
  const journeys = createManageJourneys(deps);
  const backtests = createJourneyBacktests(deps.history ? { history: deps.history } : {});
  const parked = createQuarantine({ ...deps, beforeReplay: reopenFailedSend(deps) });
  const quarantine = quarantineRoutes(parked);
  const templates = templateRoutes(deps);
  const coupons = couponRoutes(deps);
  const loyalty = loyaltyRoutes(deps);
  const referrals = referralRoutes(deps);
  const campaigns = campaignRoutes({
    ...deps,
    ...(deps.campaignRuns ? { runs: deps.campaignRuns } : {}),
    ...(deps.campaignSchedules ? { schedules: deps.campaignSchedules } : {}),
  });
  const access = createAdminAccess({
    tenants: deps.tenants,
    identityTokens: deps.identityTokens ?? createJwtVerifier(),
    clock: deps.clock,
  });
  /**
   * A route for the tenant whose admin key, or whose identity provider's JWT, the request carries: only its own
   * data is reachable, and a signed-in user only by a role allowed the route (functions/core/auth/permissions.ts).
   */
  const route = (run: (tenant: TenantRecord, event: HttpEvent) => Promise<Answer>) =>
    middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
      const granted = await access({ token: bearerToken(event), routeKey: event.routeKey });
      if (!granted.ok) return encode(granted.rejection);
      const { tenant } = granted.principal;
      const tooLong = Object.entries(event.pathParameters ?? {}).find(([, v]) => (v?.length ?? 0) > MAX_PATH_ID);
      if (tooLong) return encode(reject(400, 'invalid_id', `at most ${MAX_PATH_ID} characters`, `path.${tooLong[0]}`));
      return encode(await run(tenant, event));
    }).use(jsonErrors(deps.log));
  const customerId = (event: HttpEvent) => event.pathParameters?.customerId ?? '';
  const contentTypeOf = (event: HttpEvent) => {
    const contentType = header(event, 'content-type');
    return contentType === undefined ? {} : { contentType };
  };
  const templateRoute = (run: (request: TemplateRequest) => Promise<Answer>) =>
    route((tenant, event) => {
      const { templateId } = event.pathParameters ?? {};
      const version = event.queryStringParameters?.version;
      return run({
        tenant,
        ...(templateId === undefined ? {} : { templateId }),
        ...(version === undefined ? {} : { version }),
        ...contentTypeOf(event),
        body: bodyText(event),
      });
    });
  const poolRoute = (run: typeof coupons.read) =>
    route((tenant, event) => {
      const { poolId } = event.pathParameters ?? {};
      return run({
        tenantId: tenant.id,
        ...(poolId === undefined ? {} : { poolId }),
        ...contentTypeOf(event),
        body: bodyText(event),
      });
    });
  /** `?queue=NAME`: the queue the quarantine routes keep to (`actions`: the dead-lettered actions), or a 400. */
  const queueOf = (event: HttpEvent): { queue?: string } | Answer => {
    const queue = event.queryStringParameters?.queue;
    if (queue === undefined) return {};
    if (!QUEUE_NAME.test(queue))
      return reject(400, 'invalid_request', 'queue is the name of a queue, such as actions', 'query.queue');
    return { queue };
  };
  const campaignRoute = (run: (request: CampaignRequest) => Promise<Answer>) =>
    route((tenant, event) => {
      const { campaignId, runId } = event.pathParameters ?? {};
      return run({
        tenant,
        ...(campaignId === undefined ? {} : { campaignId }),
        ...(runId === undefined ? {} : { runId }),
        ...contentTypeOf(event),
        body: bodyText(event),
      });
    });
  const isAnswer = (value: object): value is Answer => 'status' in value;
  const journeyRoute = (run: (request: JourneyRequest) => Promise<Answer>) =>
    route((tenant, event) => {
      const { journeyId } = event.pathParameters ?? {};
      const contentType = header(event, 'content-type');
      return run({
        tenant,
        ...(journeyId === undefined ? {} : { journeyId }),
        ...(contentType === undefined ? {} : { contentType }),
        body: bodyText(event),
      });
    });
  return routeByKey({
    'GET /health': async () => encode(answer(200, { status: 'ok', version: packageJson.version })),
    'GET /openapi.json': async () => encode(answer(200, openApiDocument({ version: packageJson.version }))),
    'GET /v1/customers/{customerId}': route((t, e) => reads.profile({ tenantId: t.id, customerId: customerId(e) })),
    'DELETE /v1/customers/{customerId}': route(async (t, e) =>
      answer(200, await privacy.erase(t.id, customerId(e), 'admin_api')),
    ),
    'GET /v1/customers/{customerId}/export': route(async (t, e) =>
      answer(200, await privacy.export(t.id, customerId(e), 'admin_api')),
    ),
    'GET /v1/customers/{customerId}/timeline': route((t, e) =>
      reads.timeline({ tenantId: t.id, customerId: customerId(e) }),
    ),
    'GET /v1/customers/{customerId}/points': route((t, e) => loyalty.account(t, customerId(e))),
    'POST /v1/customers/{customerId}/points/redemptions': route((t, e) =>
      loyalty.redeem(t, customerId(e), bodyText(e)),
    ),
    'POST /v1/customers/{customerId}/tier/memberships': route((t, e) =>
      loyalty.buyMembership(t, customerId(e), bodyText(e)),
    ),
    'GET /v1/customers/{customerId}/referral': route((t, e) => referrals.summary(t, customerId(e))),
    'POST /v1/customers/{customerId}/referral/code': route((t, e) => referrals.code(t, customerId(e))),
    'GET /v1/referrals/review': route((t, e) => referrals.reviewList(t, e.queryStringParameters ?? {})),
    'POST /v1/referrals/{friendId}/review': route((t, e) =>
      referrals.review(t, e.pathParameters?.friendId ?? '', bodyText(e)),
    ),
    'GET /v1/model': route((t) => reads.model({ tenantId: t.id })),
    'GET /v1/metrics/loyalty': route(async (t, e) => {
      const range = KpiRange.safeParse(e.queryStringParameters ?? {});
      if (!range.success) return rangeRejection(range.error);
      return answer(200, await loyaltyReport({ store: deps.store, now: deps.clock.now() }, t, range.data));
    }),
    'GET /v1/metrics/kpis': route(async (t, e) => {
      const range = KpiRange.safeParse(e.queryStringParameters ?? {});
      if (!range.success) return rangeRejection(range.error);
      const live = KpiLive.safeParse(e.queryStringParameters?.live);
      if (!live.success) return reject(400, 'invalid_request', 'live must be true or false', 'query.live');
      const report = await kpiReport({ store: deps.store, now: deps.clock.now() }, t, range.data, {
        live: live.data === 'true',
      });
      return answer(200, report);
    }),
    'GET /v1/outbox': route(async (t, e) => {
      if (!deps.outbox)
        return reject(404, 'not_found', 'this growthloop sends to its providers: it keeps no outbox', 'path');
      const { limit, after } = e.queryStringParameters ?? {};
      const count = limit === undefined ? 100 : Number(limit);
      if (!Number.isInteger(count) || count < 1 || count > 1000)
        return reject(400, 'invalid_request', 'limit is an integer from 1 to 1000', 'query.limit');
      if (after !== undefined && !/^\d{1,15}$/.test(after))
        return reject(400, 'invalid_request', 'after is the next cursor of an earlier page', 'query.after');
      return answer(200, await deps.outbox(t.id, { limit: count, ...(after === undefined ? {} : { after }) }));
    }),
    'GET /v1/quarantine': route(async (t, e) => {
      const filter = queueOf(e);
      if (isAnswer(filter)) return filter;
      if (filter.queue === undefined) return quarantine.list(t.id);
      const entries = (await parked.list(t.id)).filter((m) => m.queue === filter.queue);
      return answer(200, { messages: entries.slice(0, QUARANTINE_PAGE), total: entries.length });
    }),
    'POST /v1/quarantine/replay': route(async (t, e) => {
      const filter = queueOf(e);
      if (isAnswer(filter)) return filter;
      if (filter.queue === undefined) return quarantine.replay(t.id, bodyText(e));
      // Kept to one queue: named ids of other queues are unknown to it, and all means all of that queue.
      const text = bodyText(e);
      let ids: string[] | undefined;
      if (text.trim() !== '') {
        const parsed = parseJsonBody(text, { maxBytes: 64 * 1024 });
        if (!parsed.ok) return parsed.rejection;
        const request = QuarantineReplayRequest.safeParse(parsed.value);
        if (!request.success)
          return reject(400, 'invalid_request', 'the body is {"ids": [string, ...]} or empty', '$.ids');
        ids = request.data.ids;
      }
      const inQueue = new Set((await parked.list(t.id)).filter((m) => m.queue === filter.queue).map((m) => m.id));
      const wanted = ids === undefined ? [...inQueue] : ids.filter((id) => inQueue.has(id));
      const result = await parked.replay(t.id, wanted);
      return answer(200, {
        replayed: result.replayed,
        unknown: [...result.unknown, ...(ids ?? []).filter((id) => !inQueue.has(id))],
      });
    }),
    'POST /v1/templates': templateRoute(templates.create),
    'GET /v1/templates': templateRoute(templates.list),
    'GET /v1/templates/{templateId}': templateRoute(templates.read),
    'POST /v1/templates/{templateId}/preview': templateRoute(templates.preview),
    'POST /v1/templates/{templateId}/test': templateRoute(templates.test),
    'POST /v1/coupon-pools': poolRoute(coupons.create),
    'GET /v1/coupon-pools': poolRoute(coupons.list),
    'GET /v1/coupon-pools/{poolId}': poolRoute(coupons.read),
    'POST /v1/coupon-pools/{poolId}/codes': poolRoute(coupons.codes),
    'POST /v1/coupon-pools/{poolId}/generate': poolRoute(coupons.generate),
    'PUT /v1/campaigns/{campaignId}': campaignRoute(campaigns.save),
    'GET /v1/campaigns': campaignRoute(campaigns.list),
    'GET /v1/campaigns/{campaignId}': campaignRoute(campaigns.read),
    'POST /v1/campaigns/{campaignId}/runs': campaignRoute(campaigns.startRun),
    'GET /v1/campaigns/{campaignId}/runs/{runId}': campaignRoute(campaigns.readRun),
    'POST /v1/campaigns/{campaignId}/estimate': campaignRoute(campaigns.estimate),
    'POST /v1/journeys': journeyRoute(journeys.create),
    'POST /v1/journeys/validate': journeyRoute(journeys.validate),
    'POST /v1/journeys/backtest': journeyRoute(backtests),
    'GET /v1/journeys': journeyRoute(journeys.list),
    'GET /v1/journeys/{journeyId}': journeyRoute(journeys.read),
    'PUT /v1/journeys/{journeyId}': journeyRoute(journeys.update),
    'POST /v1/journeys/{journeyId}/publish': journeyRoute(journeys.publish),
    'POST /v1/journeys/{journeyId}/pause': journeyRoute(journeys.pause),
    'POST /v1/journeys/{journeyId}/resume': journeyRoute(journeys.resume),
    'POST /v1/journeys/{journeyId}/archive': journeyRoute(journeys.archive),
  });
}

export const handler = lambdaEntry('admin', (observed) =>
  createAdminFunction({
    store: awsStore(),
    queue: awsQueue(),
    tenants: awsTenants({ seed: true }),
    clock: systemClock,
    // Bundled, the renderer's worker is render-worker.mjs beside this bundle (as for the dispatch function).
    renderer: createWorkerRenderer(),
    random: (count) => randomBytes(count),
    ...(process.env.CAMPAIGN_STATE_MACHINE_ARN
      ? {
          campaignRuns: createStepFunctionsCampaignRuns({
            client: new SFNClient(sdkDefaults),
            stateMachineArn: process.env.CAMPAIGN_STATE_MACHINE_ARN,
            now: systemClock.now,
          }),
          campaignSchedules: awsCampaignSchedules(process.env.CAMPAIGN_STATE_MACHINE_ARN),
        }
      : {}),
    ...observed,
  }),
);
