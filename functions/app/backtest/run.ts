/**
 * The backtester: replays an event history through the use cases the live system runs (ingest
 * onto the bus, profile fold with lifecycle rescoring, the points ledger with its expiry and tier
 * notices, journeys with their timers, the daily model fit and due pass at 00:15 UTC) over memory
 * ports and a simulated clock, and reports what the journeys would have done. It sends nothing
 * (so the points a journey's action would grant are not in the ledger). Backtest equals live by construction: no rule of
 * its own. Deterministic: the same input gives the same report.
 */
import { ManualClock } from '../../adapters/clock';
import { silentLog } from '../../adapters/log';
import { createMemoryBus } from '../../adapters/memory/bus';
import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStore } from '../../adapters/memory/store';
import { createMemoryTimers } from '../../adapters/memory/timers';
import { ActionMessage, parseBody, type QueueRecord } from '../../contracts/messages';
import { tenantDirectory } from '../../core/config/tenants';
import type { CanonicalEvent } from '../../core/events/schemas';
import { stateKey, statsKey, statsOf, versionKey } from '../../core/journeys/items';
import type { Journey } from '../../core/journeys/schema';
import type { LoyaltySettings } from '../../core/loyalty/settings';
import { ownValue, setOwn } from '../../core/own';
import { PROFILES_SOURCE, SEGMENT_ENTERED, STAGE_CHANGED } from '../../core/profiles/profile-changes';
import { modelKey } from '../../core/scoring/model-items';
import type { ScoringContext } from '../../core/scoring/profile-scores';
import { consumers } from '../../routes';
import { createAdvanceJourneys } from '../advance-journeys/run';
import { createDailyRun } from '../daily-run/run';
import { createFoldProfiles } from '../fold-profiles/run';
import { publishEvents } from '../ingest/publish';
import { createLoyaltyConsumer } from '../loyalty/run';

const DAY = 86_400_000;
/** The daily run starts at 00:15 UTC, as deployed. */
const DAILY_RUN_OFFSET = 15 * 60_000;

export type BacktestOptions = {
  journeys: readonly Journey[];
  /** The history, in any order; events outside [from, to) are left out. */
  events: readonly CanonicalEvent[];
  /** The tenant's scoring settings, currency and time zone (a model, if given, is the one in force at the start). */
  scoring: ScoringContext & { timeZone: string };
  from?: number;
  /** Timers and daily runs go on until here (default: a day after the last event). */
  to?: number;
  /** What one coupon of each pool costs, in minor units of the tenant's currency. */
  couponValues?: Record<string, number>;
  /** The tenant's points and tiers (the defaults when absent). */
  loyalty?: LoyaltySettings;
};

export type JourneyTotals = {
  entered: number;
  refused: Record<string, number>;
  completed: number;
  exited: number;
  heldOut: number;
  /** Instances that passed a holdout into the journey: the arm compared with heldOut. */
  treated: number;
  /** Goals reached by instances not held out (treated or never at a holdout). */
  converted: number;
  /** Goals reached by held-out instances within the attribution window. */
  holdoutConverted: number;
  /** Goals reached by treated instances (those of `converted` that passed a holdout into the journey). */
  treatedConverted: number;
  /** Actions not sent because the journey had reached its daily cap. */
  capped: number;
  actions: Record<string, number>;
  coupons: Record<string, number>;
};

export type Send = { at: string; journeyId: string; customerId: string; activity: string; kind: string; key: string };

export type BacktestReport = {
  from: string;
  to: string;
  events: number;
  customers: number;
  journeys: Record<string, JourneyTotals>;
  actions: Record<string, number>;
  coupons: { issued: number; byPool: Record<string, number>; cost: number | null };
  /** Every action the journeys would have sent, in order. */
  sends: Send[];
};

/** Counts by a name from outside (a coupon pool, an action kind): an own entry even for `constructor`. */
const bump = (counts: Record<string, number>, key: string, by = 1) =>
  setOwn(counts, key, (ownValue(counts, key) ?? 0) + by);

export async function backtest(options: BacktestOptions): Promise<BacktestReport> {
  const inWindow = (e: CanonicalEvent) =>
    (options.from === undefined || Date.parse(e.occurredAt) >= options.from) &&
    (options.to === undefined || Date.parse(e.occurredAt) < options.to);
  const sorted = options.events
    .filter(inWindow)
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId));
  const first = sorted.at(0);
  const last = sorted.at(-1);
  const from = options.from ?? (first ? Date.parse(first.occurredAt) : 0);
  const to = options.to ?? (last ? Date.parse(last.occurredAt) + DAY : from);
  const tenantId = first?.tenantId ?? 'backtest';

  const clock = new ManualClock(from);
  const store = createMemoryStore();
  const queue = createMemoryQueue({ clock });
  const bus = createMemoryBus({ queue, clock });
  const timers = createMemoryTimers({ queue, clock });
  const { settings, currency, timeZone, model } = options.scoring;
  const tenants = tenantDirectory([
    {
      id: tenantId,
      timezone: timeZone,
      currency,
      apiKeySha256: '',
      adminKeySha256: '',
      scoring: settings,
      ...(options.loyalty ? { loyalty: options.loyalty } : {}),
    },
  ]);
  const deps = { store, bus, queue, timers, clock, tenants, log: silentLog };
  const fold = createFoldProfiles(deps);
  const advance = createAdvanceJourneys(deps);
  const loyalty = createLoyaltyConsumer(deps);
  const daily = createDailyRun(deps);

  // The journeys as published, and the model in force, as the live table would hold them.
  const at = new Date(from).toISOString();
  for (const journey of options.journeys) {
    const version = journey.version ?? 1;
    await store.put({
      ...versionKey(tenantId, journey.id, version),
      journey: { ...journey, version },
      publishedAt: at,
    });
    await store.put({
      ...stateKey(tenantId, journey.id),
      state: { status: journey.status, version, updatedAt: at },
      version: 1,
    });
  }
  if (model) await store.put({ ...modelKey(tenantId), model, latest: { fittedAt: at } });

  const refused = new Map<string, Record<string, number>>();
  const sends: Send[] = [];
  const actions: Record<string, number> = {};
  const byPool: Record<string, number> = {};
  const actionsOf = new Map<string, { actions: Record<string, number>; coupons: Record<string, number> }>();
  const customers = new Set<string>();

  /** Runs every queue's consumer until nothing is left, as the pollers do live. */
  async function drain() {
    for (let moved = true; moved; ) {
      moved = false;
      for (const name of ['profile-updates', 'loyalty', 'journey-events', 'journey-steps', 'actions'] as const) {
        const messages = await queue.receive(name, { max: name === 'actions' ? 500 : consumers[name].batchSize });
        if (messages.length === 0) continue;
        moved = true;
        const records: QueueRecord[] = messages.map((m) => ({ id: m.id, body: m.body }));
        let failed = new Set<string>();
        if (name === 'profile-updates') failed = new Set((await fold({ records })).failedIds);
        else if (name === 'loyalty') failed = new Set((await loyalty({ records })).failedIds);
        else if (name === 'actions') for (const r of records) recordSend(r.body);
        else {
          const result = await advance({ records });
          failed = new Set(result.failedIds);
          for (const r of result.refused) {
            const counts = refused.get(r.journeyId) ?? {};
            bump(counts, r.reason);
            refused.set(r.journeyId, counts);
          }
        }
        if (failed.size > 0) throw new Error(`the backtest could not process ${failed.size} ${name} messages`);
        await queue.ack(
          name,
          messages.map((m) => m.receipt),
        );
      }
    }
  }

  function recordSend(body: string) {
    const parsed = parseBody(ActionMessage, body);
    if (!parsed.ok) throw new Error(`an action the backtest cannot read: ${parsed.reason}`);
    const action = parsed.value;
    const { journeyId } = action;
    if (journeyId === undefined) throw new Error(`action ${action.key} names no journey`);
    const kind = action.action.kind;
    sends.push({
      at: new Date(clock.now()).toISOString(),
      journeyId,
      customerId: action.customerId,
      activity: action.activity,
      kind,
      key: action.key.slice(tenantId.length + 1),
    });
    const ofJourney = actionsOf.get(journeyId) ?? { actions: {}, coupons: {} };
    actionsOf.set(journeyId, ofJourney);
    bump(ofJourney.actions, kind);
    bump(actions, kind);
    if (action.action.kind === 'coupon') {
      bump(ofJourney.coupons, action.action.pool);
      bump(byPool, action.action.pool);
    }
  }

  /** Timers and daily runs due up to `until`, in time order (timers first when both are due at once). */
  let nextRun = Math.floor(from / DAY) * DAY + DAILY_RUN_OFFSET;
  if (nextRun <= from) nextRun += DAY;
  async function advanceTo(until: number) {
    for (;;) {
      const timer = timers.nextDueAt() ?? Number.POSITIVE_INFINITY;
      const next = Math.min(timer, nextRun);
      if (next > until) break;
      clock.set(Math.max(next, clock.now()));
      if (timer <= nextRun) await timers.fireDue();
      else {
        await daily.run({ tenantIds: [tenantId] });
        nextRun += DAY;
      }
      await drain();
    }
    clock.set(Math.max(until, clock.now()));
  }

  const seen = new Set<string>();
  for (const event of sorted) {
    await advanceTo(Date.parse(event.occurredAt));
    seen.add(`${event.customerId}\u0000${event.eventId}`);
    customers.add(event.customerId);
    await replay(event);
    await drain();
  }
  await advanceTo(to);
  return report();

  /** A history holds what the bus carried: ingested events, and profile changes as the profile function put them. */
  async function replay(event: CanonicalEvent) {
    const type: string = event.type;
    if (type !== STAGE_CHANGED && type !== SEGMENT_ENTERED) return publishEvents({ bus }, [event]);
    await bus.put([{ source: PROFILES_SOURCE, detailType: type, detail: { ...event, source: PROFILES_SOURCE } }]);
  }

  async function report(): Promise<BacktestReport> {
    const journeys: Record<string, JourneyTotals> = {};
    for (const journey of options.journeys) {
      const stats = statsOf(await store.get(statsKey(tenantId, journey.id)));
      journeys[journey.id] = {
        entered: stats.entered,
        refused: refused.get(journey.id) ?? {},
        completed: stats.completed,
        exited: stats.exited,
        heldOut: stats.heldOut,
        treated: stats.treated,
        converted: stats.converted,
        holdoutConverted: stats.holdoutConverted,
        treatedConverted: stats.treatedConverted,
        capped: stats.capped,
        ...(actionsOf.get(journey.id) ?? { actions: {}, coupons: {} }),
      };
    }
    const issued = Object.values(byPool).reduce((s, n) => s + n, 0);
    const values = options.couponValues;
    const cost = values
      ? Object.entries(byPool).reduce((s, [pool, n]) => s + n * (ownValue(values, pool) ?? 0), 0)
      : null;
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      events: seen.size,
      customers: customers.size,
      journeys,
      actions,
      coupons: { issued, byPool, cost },
      sends,
    };
  }
}
