/**
 * Simulated shoppers played through the whole local runtime on a fast clock: their events posted
 * to the ingest API hour by hour of simulated time, the journeys' timers fired, the daily run at
 * its scheduled minute, the saved campaigns run on their schedules (Step Functions definition,
 * dispatcher, holdout) and measured when their attribution windows end. A known effect is
 * injected: a member an offer reached orders in the window with `effectPp` points more probability
 * (core/simulate/recall-effect.ts). What comes out is each campaign's measured lift beside that
 * truth. By default it plays in a runtime of its own, in memory, for a tenant of its own; `growthloop
 * start` plays the demo shop for the demo tenant into its data directory (functions/runtime/demo-shop.ts).
 */
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../adapters/clock';
import { silentLog } from '../adapters/log';
import { createMemoryStore } from '../adapters/memory/store';
import { noMetrics } from '../adapters/metrics';
import type { CampaignReport } from '../app/campaigns/steps';
import { offerKey } from '../core/campaigns/audience';
import { firings, parseCron } from '../core/campaigns/cron';
import { campaignRunKey, type PageMember, RunPageItem, runPageKey } from '../core/campaigns/runs';
import type { Campaign } from '../core/campaigns/schema';
import type { GrowthloopConfig, TenantConfig } from '../core/config/schema';
import { tenantRecords } from '../core/config/tenants';
import { sendRecordKey } from '../core/dispatch/send-record';
import { DispatchSettings } from '../core/dispatch/settings';
import { fnv1a32 } from '../core/hash';
import { type LiftReport, measureLift } from '../core/metrics/lift';
import { MinHeap } from '../core/min-heap';
import { createRandom } from '../core/simulate/random';
import { injectedOrderAt, type ReachedMember, windowProbabilities } from '../core/simulate/recall-effect';
import { type ShopperEvent, type ShopperTruth, simulateShoppers } from '../core/simulate/shoppers';
import { decodeItem } from '../core/stored-item';
import { consumers } from '../routes';
import { DAILY_RUN_MINUTE_UTC } from './daily';
import { type LocalOptions, type LocalRuntime, startLocal } from './local';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Events per ingest request (the API's largest batch). */
const POST_BATCH = 500;
/** How long after a run's offers the simulation looks at who they reached: quiet hours have ended everywhere by then. */
const REACH_AFTER = DAY;
/** The tenant of a simulation given none. */
const SIM_TENANT = 'sim';

export interface SimulationSetup {
  /** Saved through the admin API before the first event: templates, coupon pools, journeys, campaigns. */
  templates: readonly unknown[];
  pools: readonly unknown[];
  journeys: readonly unknown[];
  campaigns: readonly Campaign[];
}

export interface PipelineSimulationOptions {
  customers: number;
  days: number;
  seed: number;
  start?: string;
  /** Shoppers join over the first this many days of the period (default a third of it). */
  joinDays?: number;
  /** The orders' currency (default the tenant's, EUR for a simulation's own). */
  currency?: string;
  /** Share of shoppers who opt into e-mail and push (the shoppers' defaults otherwise). */
  optIn?: { email?: number; push?: number };
  /** Percentage points the offer adds to a reached member's probability of ordering in the window (0–100). */
  effectPp: number;
  setup: SimulationSetup;
  /** Every event posted (the simulated history with the injected orders), as it is posted. */
  onEvent?: (event: ShopperEvent) => void;
  /** Called after each simulated day. */
  onDay?: (day: number, events: number) => void;
  /**
   * The tenant the shoppers shop at, its keys used to post their events and save the setup. Default:
   * a tenant 'sim' of the simulation's own with fresh keys and the control group's salt from the seed.
   */
  tenant?: TenantConfig;
  /** The config of the runtime played through (default: the tenant alone); it must list the tenant. */
  config?: GrowthloopConfig;
  /**
   * Where the runtime played through keeps its data (LocalOptions' `dataDir`, `memory` and `store`):
   * by default a fresh in-memory store, gone when the simulation ends. The runtime runs on a clock of
   * its own, from the start to the end of the period, and is closed before the report is returned.
   */
  runtime?: Pick<LocalOptions, 'dataDir' | 'memory' | 'store'>;
}

export interface CampaignOutcome {
  /** Runs measured (their attribution windows ended within the simulated period). */
  runs: number;
  /** The runs' arms pooled (a member in two runs counts twice). */
  treated: number;
  holdout: number;
  /** Converted members of the treated arm / its members. */
  recallRate: number;
  /** Null until both arms have members. */
  lift: { absolutePp: number; ci95: [number, number]; status: LiftReport['status'] } | null;
  roi: number | null;
  /** The injected effect averaged over the treated arm (members not reached gain nothing): what lift estimates. */
  trueEffectPp: number;
  /** Treated members an offer reached. */
  reached: number;
  /** Holdout members given an offer: 0, or a run broke its holdout. */
  offersToHoldout: number;
}

export interface PipelineSimulationReport {
  customers: number;
  days: number;
  seed: number;
  effectPp: number;
  start: string;
  end: string;
  events: number;
  injectedOrders: number;
  /** By campaign id. */
  campaigns: Record<string, CampaignOutcome>;
}

type PendingRun = { campaign: Campaign; runId: string; offeredAt: number; measureAt: number; checkAt: number };
type Injected = { at: number; event: ShopperEvent };
type Reach = { reached: number; effect: number };

function simulationTenant(options: PipelineSimulationOptions): TenantConfig {
  const key = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;
  return {
    id: SIM_TENANT,
    name: 'Simulated store',
    timezone: 'Europe/Berlin',
    currency: options.currency ?? 'EUR',
    apiKey: key('gl_api'),
    adminKey: key('gl_admin'),
    secrets: { unsubscribeSecret: randomBytes(32).toString('base64url') },
    // The control group's salt from the seed, so that the same seed holds out the same customers.
    dispatch: DispatchSettings.parse({
      guardrails: {
        controlGroup: { generations: [{ from: '2000-01-01', salt: `growthloop-simulation-${options.seed}` }] },
      },
    }),
  };
}

/** Resolves once every queue of the pipeline is empty (a step puts its work on the next queue before it acknowledges). */
async function settled(runtime: LocalRuntime): Promise<void> {
  const queues = Object.keys(consumers);
  while (!queues.every((q) => runtime.queue.depth(q) === 0)) await new Promise((r) => setImmediate(r));
}

/**
 * A fetch sent again, twice at most, when its connection was reset: a kept-alive socket that the
 * server closed (idle for its keep-alive timeout while a long daily run held the event loop) fails
 * the request sent on it. For the ingest API only, where posting the same events again is a no-op.
 */
async function postAgainIfReset(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      const code = (e as { cause?: { code?: unknown } }).cause?.code;
      if (attempt >= 2 || !(code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')) throw e;
    }
  }
}

/** A definition of the setup that the admin API refused: the message names it and says why. */
export class SetupRefused extends Error {
  override name = 'SetupRefused';
}

async function call(runtime: LocalRuntime, key: string, what: string, method: string, path: string, body: unknown) {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as { message?: string };
  if (res.status >= 300)
    throw new SetupRefused(`${what} was refused (${res.status}): ${answer.message ?? 'no message'}`);
}

/** Each customer's order times in the simulated history (without injected orders), ascending. */
function naturalOrders(events: Iterable<ShopperEvent>): Map<string, number[]> {
  const orders = new Map<string, number[]>();
  for (const event of events) {
    if (event.type !== 'order_placed') continue;
    const list = orders.get(event.customerId) ?? [];
    list.push(Date.parse(event.occurredAt));
    orders.set(event.customerId, list);
  }
  return orders;
}

const currencyOf = (options: PipelineSimulationOptions) => options.currency ?? options.tenant?.currency;

const ordersIn = (times: readonly number[] | undefined, after: number, until: number) =>
  (times ?? []).some((t) => t > after && t <= until);

export async function simulatePipeline(options: PipelineSimulationOptions): Promise<PipelineSimulationReport> {
  const simulation = simulateShoppers({
    customers: options.customers,
    days: options.days,
    seed: options.seed,
    ...(options.start ? { start: options.start } : {}),
    ...(options.joinDays ? { joinDays: options.joinDays } : {}),
    ...(currencyOf(options) ? { currency: currencyOf(options) } : {}),
    ...(options.optIn ? { optIn: options.optIn } : {}),
  });
  const { startMs, endMs, currency } = simulation.settings;
  const truths = new Map<string, ShopperTruth>(simulation.truth.map((t) => [t.customerId, t]));
  const natural = options.effectPp > 0 ? naturalOrders(simulation.events()) : new Map<string, number[]>();
  const tenant = options.tenant ?? simulationTenant(options);
  const config = options.config ?? { tenants: [tenant] };
  if (!config.tenants.some((t) => t.id === tenant.id))
    throw new Error(`the simulation's config does not list its tenant ${tenant.id}`);
  const tenantId = tenant.id;
  const clock = new ManualClock(startMs);
  const runtime = await startLocal({
    config,
    ...(options.runtime ?? { dataDir: '', memory: true, store: createMemoryStore() }),
    port: 0,
    console: false,
    clock,
    daily: false,
    log: silentLog,
    metrics: noMetrics,
  });
  const admin = (what: string, method: string, path: string, body: unknown) =>
    call(runtime, tenant.adminKey, what, method, path, body);
  const records = tenantRecords(config);
  const pending: PendingRun[] = [];
  /** Runs already in `pending` (or checked): `campaign/run`. */
  const noted = new Set<string>();
  /** Per run (`campaign/run`): treated members an offer reached, and the sum of the effect injected into them. */
  const reachByRun = new Map<string, Reach>();
  const injected = new MinHeap<Injected>((a, b) => a.at < b.at);
  let injectedOrders = 0;
  let posted = 0;

  async function post(batch: ShopperEvent[]) {
    if (batch.length === 0) return;
    clock.set(Math.max(clock.now(), Date.parse((batch.at(-1) as ShopperEvent).occurredAt)));
    const res = await postAgainIfReset(`${runtime.url}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ batch }),
    });
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    for (const event of batch) options.onEvent?.(event);
    posted += batch.length;
  }

  /** The runs that came to their attribution wait: their offers' reach is looked at a day later. */
  async function noteOffered(campaign: Campaign) {
    for (const item of await runtime.store.query(campaignRunKey(tenantId, campaign.id, '').pk, {
      skPrefix: 'RUN#',
      consistent: true,
    })) {
      const runId = String(item.runId);
      if (item.status !== 'offered' || noted.has(`${campaign.id}/${runId}`)) continue;
      noted.add(`${campaign.id}/${runId}`);
      const offeredAt = Date.parse(String(item.offeredAt));
      waiting.push(Date.parse(String(item.measureAt)));
      pending.push({
        campaign,
        runId,
        offeredAt,
        measureAt: Date.parse(String(item.measureAt)),
        checkAt: offeredAt + REACH_AFTER,
      });
    }
  }

  /** Treated members of the run with a sent offer, and when the first went out. */
  async function reachedMembers(run: PendingRun): Promise<{ member: PageMember; sentAt: number }[]> {
    const rungs = new Map(run.campaign.offers.map((rung) => [rung.name, rung]));
    const reached: { member: PageMember; sentAt: number }[] = [];
    for (let page = 1; ; page++) {
      const item = await runtime.store.get(runPageKey(tenantId, run.campaign.id, run.runId, page), {
        consistent: true,
      });
      if (!item) return reached;
      const treated = decodeItem(RunPageItem, item).members.filter((m) => m.arm === 't');
      const keys = treated.flatMap((m) =>
        (rungs.get(m.rung)?.actions ?? []).map((_, index) =>
          sendRecordKey(tenantId, m.c, offerKey(tenantId, run.campaign.id, run.runId, m.c, index)),
        ),
      );
      const sent = new Map<string, number>();
      for (let i = 0; i < keys.length; i += 100) {
        for (const record of await runtime.store.getMany(keys.slice(i, i + 100))) {
          if (record.state !== 'sent' || typeof record.customerId !== 'string') continue;
          const at = Date.parse(String(record.sentAt));
          sent.set(record.customerId, Math.min(at, sent.get(record.customerId) ?? at));
        }
      }
      for (const member of treated) {
        const sentAt = sent.get(member.c);
        if (sentAt !== undefined) reached.push({ member, sentAt });
      }
    }
  }

  /** The effect of a run whose offers went out: orders the offer causes, put among the events to come. */
  async function injectEffect(run: PendingRun) {
    const tally = { reached: 0, effect: 0 };
    reachByRun.set(`${run.campaign.id}/${run.runId}`, tally);
    for (const { member } of await reachedMembers(run)) {
      const truth = truths.get(member.c);
      if (!truth) continue;
      const reached: ReachedMember = {
        truth,
        offeredAt: run.offeredAt,
        measureAt: run.measureAt,
        ordersAnyway: ordersIn(natural.get(member.c), run.offeredAt, run.measureAt),
      };
      const { pControl, pTreatment } = windowProbabilities(reached, options.effectPp);
      tally.reached++;
      tally.effect += pTreatment - pControl;
      const random = createRandom(options.seed, fnv1a32(`${run.runId}:${member.c}`));
      const at = injectedOrderAt(reached, options.effectPp, {
        u: random.next(),
        v: random.next(),
        from: clock.now(),
      });
      if (at === undefined || at >= endMs) continue;
      injectedOrders++;
      const amount = Math.max(1, Math.round(truth.meanOrderValue));
      injected.push({
        at,
        event: {
          type: 'order_placed',
          eventId: `${member.c}-offer-${run.runId}`,
          customerId: member.c,
          occurredAt: new Date(at).toISOString(),
          source: simulation.settings.source,
          properties: { orderId: `${member.c}-offer-${run.runId}`, total: { amount, currency } },
        } as ShopperEvent,
      });
    }
  }

  const schedules = options.setup.campaigns.flatMap((campaign) =>
    campaign.schedule
      ? [{ cron: parseCron(campaign.schedule.cron), timeZone: campaign.schedule.timezone ?? tenant.timezone }]
      : [],
  );
  /** Offered runs not measured yet: when their windows end. */
  const waiting: number[] = [];

  /** At the end of an hour of simulated time: timers, the daily run, the campaigns' schedules and waits. */
  async function tick(after: number, until: number) {
    clock.set(until);
    await settled(runtime);
    if (((await runtime.timers.nextAt()) ?? Number.POSITIVE_INFINITY) <= until) {
      await runtime.timers.fireDue();
      await settled(runtime);
    }
    if (until % DAY === DAILY_RUN_MINUTE_UTC * MINUTE) {
      await runtime.runDaily([tenantId]);
      await settled(runtime);
    }
    if (schedules.some((s) => firings(s.cron, s.timeZone, after, until).length > 0)) {
      await runtime.campaignRuns.startScheduled(records, after, until);
      await settled(runtime);
      for (const campaign of options.setup.campaigns) await noteOffered(campaign);
    }
    for (const run of pending.filter((p) => p.checkAt <= until)) {
      pending.splice(pending.indexOf(run), 1);
      await injectEffect(run);
    }
    if (waiting.some((at) => at <= until)) {
      await runtime.campaignRuns.resumeDue([tenantId]);
      await settled(runtime);
      waiting.splice(0, waiting.length, ...waiting.filter((at) => at > until));
    }
  }

  try {
    const idOf = (definition: unknown) => encodeURIComponent(String((definition as { id?: unknown }).id));
    for (const template of options.setup.templates)
      await admin(`template ${idOf(template)}`, 'POST', '/v1/templates', template);
    for (const pool of options.setup.pools) {
      await admin(`coupon pool ${idOf(pool)}`, 'POST', '/v1/coupon-pools', pool);
      if ((pool as { kind?: unknown }).kind === 'generated')
        await admin(`coupon pool ${idOf(pool)}`, 'POST', `/v1/coupon-pools/${idOf(pool)}/generate`, {});
    }
    for (const journey of options.setup.journeys) {
      await admin(`journey ${idOf(journey)}`, 'POST', '/v1/journeys', journey);
      await admin(`journey ${idOf(journey)}`, 'POST', `/v1/journeys/${idOf(journey)}/publish`, {});
    }
    for (const campaign of options.setup.campaigns)
      await admin(`campaign ${campaign.id}`, 'PUT', `/v1/campaigns/${idOf(campaign)}`, campaign);

    const events = simulation.events();
    let next = events.next();
    let batch: ShopperEvent[] = [];
    let day = 0;
    // Hours end at the daily run's minute, so that the run sees the whole day before it.
    const firstTick = Math.floor(startMs / HOUR) * HOUR + DAILY_RUN_MINUTE_UTC * MINUTE;
    let after = startMs;
    for (let until = firstTick > startMs ? firstTick : firstTick + HOUR; after < endMs; until += HOUR) {
      const end = Math.min(until, endMs);
      for (;;) {
        const naturalAt = next.done ? Number.POSITIVE_INFINITY : Date.parse(next.value.occurredAt);
        const injectedAt = injected.peek()?.at ?? Number.POSITIVE_INFINITY;
        const at = Math.min(naturalAt, injectedAt);
        if (!(at < end)) break;
        if (injectedAt < naturalAt) batch.push((injected.pop() as Injected).event);
        else {
          batch.push(next.value as ShopperEvent);
          next = events.next();
        }
        if (batch.length === POST_BATCH) {
          await post(batch);
          batch = [];
        }
      }
      await post(batch);
      batch = [];
      await tick(after, end);
      after = end;
      const dayNow = Math.floor((end - startMs) / DAY);
      if (dayNow > day || end === endMs) {
        day = dayNow;
        options.onDay?.(Math.min(day, options.days), posted);
      }
    }
    return {
      customers: options.customers,
      days: options.days,
      seed: options.seed,
      effectPp: options.effectPp,
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      events: posted,
      injectedOrders,
      campaigns: Object.fromEntries(
        await Promise.all(
          options.setup.campaigns.map(async (c) => [c.id, await outcomeOf(runtime, tenantId, c, reachByRun)]),
        ),
      ),
    };
  } finally {
    await runtime.close();
  }
}

/** A campaign's measured runs pooled into one lift. */
async function outcomeOf(
  runtime: LocalRuntime,
  tenantId: string,
  campaign: Campaign,
  reachByRun: ReadonlyMap<string, Reach>,
): Promise<CampaignOutcome> {
  type Measured = CampaignReport & { lift: LiftReport };
  const reports = (
    await runtime.store.query(campaignRunKey(tenantId, campaign.id, '').pk, { skPrefix: 'RUN#', consistent: true })
  )
    .map((item) => (item.status === 'reported' ? (item.report as CampaignReport) : undefined))
    .filter((report): report is Measured => report?.lift != null);
  const sum = (f: (r: Measured) => number) => reports.reduce((total, r) => total + f(r), 0);
  const revenue = (f: (r: Measured) => number) => ({
    amount: Math.max(0, Math.round(sum(f))),
    currency: reports[0]?.lift.revenue?.currency ?? 'EUR',
  });
  const treated = sum((r) => r.lift.treated.n);
  const holdout = sum((r) => r.lift.holdout.n);
  const cost = sum((r) => r.lift.incentiveCost?.amount ?? 0);
  // Nothing to measure until both arms have members.
  const lift =
    treated === 0 || holdout === 0
      ? undefined
      : measureLift({
          treated: {
            n: treated,
            conversions: sum((r) => r.lift.treated.conversions),
            revenue: revenue((r) => (r.lift.revenue?.treatedPerMember ?? 0) * r.lift.treated.n),
          },
          holdout: {
            n: holdout,
            conversions: sum((r) => r.lift.holdout.conversions),
            revenue: revenue((r) => (r.lift.revenue?.holdoutPerMember ?? 0) * r.lift.holdout.n),
          },
          expectedHoldoutShare: campaign.holdout.percent / 100,
          ...(cost > 0 ? { incentiveCost: revenue((r) => r.lift.incentiveCost?.amount ?? 0) } : {}),
        });
  const pp = (x: number) => Math.round(x * 1e6) / 1e4;
  const reach = reports.map((r) => reachByRun.get(`${campaign.id}/${r.runId}`) ?? { reached: 0, effect: 0 });
  return {
    runs: reports.length,
    treated,
    holdout,
    recallRate: lift?.treated.rate ?? 0,
    lift: lift
      ? {
          absolutePp: pp(lift.absoluteLift.estimate),
          ci95: [pp(lift.absoluteLift.lower), pp(lift.absoluteLift.upper)],
          status: lift.status,
        }
      : null,
    roi: lift?.roi ?? null,
    trueEffectPp: treated === 0 ? 0 : pp(reach.reduce((total, r) => total + r.effect, 0) / treated),
    reached: reach.reduce((total, r) => total + r.reached, 0),
    offersToHoldout: sum((r) => r.offersToHoldout),
  };
}
