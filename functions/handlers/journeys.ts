import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { systemClock } from '../adapters/clock';
import { forEachConcurrently } from '../concurrently';
import type { TenantDirectory } from '../core/config/tenants';
import type { CanonicalEvent } from '../core/events/schemas';
import { createCatalog, type JourneyCatalog } from '../core/journeys/catalog';
import {
  type CustomerStep,
  emptyCustomerJourneys,
  type JourneyIntent,
  type JourneyTimer,
  onCustomerEvent,
  onCustomerTimer,
} from '../core/journeys/customer';
import { journeyCustomer, profileWith } from '../core/journeys/facts';
import {
  customerJourneysKey,
  dailySendsKey,
  fromCustomerJourneysItem,
  journeysPk,
  publishedJourneys,
  type StoredCustomerJourneys,
  statsKey,
  toCustomerJourneysItem,
} from '../core/journeys/items';
import type { JourneyEvent } from '../core/journeys/runtime';
import { tombstoneKey } from '../core/privacy/records';
import { fromProfileItem, profileKey } from '../core/profiles/items';
import { PROFILES_SOURCE } from '../core/profiles/lifecycle';
import { type Clock, ConditionFailedError, type Queue, type Store, type Timers } from '../ports';
import { INGEST_SOURCE } from '../routes';
import { awsQueue, awsStore, awsTenants, awsTimers, lazyHandler } from './aws';
import type { QueueRecord } from './profiles';
import { createScoringContexts } from './scoring';

/** How long a function keeps a tenant's journeys before reading them again: a publish or pause takes effect within this. */
export const CATALOG_CACHE_MS = 30_000;
const MAX_WRITE_ATTEMPTS = 8;
const CUSTOMERS_IN_PARALLEL = 32;

export type JourneyDeps = { store: Store; queue: Queue; timers: Timers; clock: Clock; tenants: TenantDirectory };

/** What the journey-steps queue carries: a timer of one customer's journey instance (or date). */
export type TimerMessage = JourneyTimer & { tenantId: string; customerId: string };

/** What the actions queue carries: one action to carry out once (its `key` is the idempotency key). */
export type ActionMessage = {
  key: string;
  tenantId: string;
  customerId: string;
  journeyId: string;
  version: number;
  instanceId: string;
  activity: string;
  action: Extract<JourneyIntent, { type: 'send' }>['action'];
  quietTime?: Extract<JourneyIntent, { type: 'send' }>['quietTime'];
};

type Input =
  | { kind: 'event'; event: JourneyEvent; canonical?: CanonicalEvent }
  | { kind: 'timer'; timer: TimerMessage };
type Work = { tenantId: string; customerId: string; inputs: Input[]; recordIds: string[] };

const log = (level: string, message: string, fields: Record<string, unknown> = {}) =>
  console.error(JSON.stringify({ level, message, ...fields }));

function decode(record: QueueRecord): { tenantId: string; customerId: string; input: Input } | undefined {
  try {
    const body = JSON.parse(record.body) as {
      source?: string;
      detail?: JourneyEvent & { tenantId?: string };
    } & Partial<TimerMessage>;
    if (body.detail?.tenantId && body.detail.customerId && body.detail.eventId && body.detail.type) {
      const event = body.detail;
      const canonical = body.source === INGEST_SOURCE ? (event as unknown as CanonicalEvent) : undefined;
      if (body.source !== INGEST_SOURCE && body.source !== PROFILES_SOURCE) return undefined;
      return {
        tenantId: event.tenantId as string,
        customerId: event.customerId,
        input: { kind: 'event', event, ...(canonical ? { canonical } : {}) },
      };
    }
    if (body.tenantId && body.customerId && body.journeyId && body.timerId && body.instanceId !== undefined) {
      return {
        tenantId: body.tenantId,
        customerId: body.customerId,
        input: { kind: 'timer', timer: body as TimerMessage },
      };
    }
  } catch {
    // not JSON: reported below
  }
  return undefined;
}

/**
 * The journey function: events (from the bus) and timers (from the journey-steps queue) move
 * each customer's journeys. Per customer: read the profile and the journey state, run the pure
 * runtime, write the new state with its intents in one conditional write (an outbox), carry the
 * intents out (actions to the actions queue, timers, counters), then clear the outbox.
 */
export function createJourneyProcessor(deps: JourneyDeps) {
  const { store, queue, timers, clock } = deps;
  const contextOf = createScoringContexts(deps);
  const catalogs = new Map<string, { catalog: JourneyCatalog; readAt: number }>();

  async function catalogOf(tenantId: string): Promise<JourneyCatalog> {
    const now = clock.now();
    const cached = catalogs.get(tenantId);
    if (cached && now - cached.readAt < CATALOG_CACHE_MS) return cached.catalog;
    const catalog = createCatalog(publishedJourneys(await store.query(journeysPk(tenantId))));
    catalogs.set(tenantId, { catalog, readAt: now });
    return catalog;
  }

  /** Whether the journey may send one more message today: counts it against `limits.dailyCap`. */
  async function withinDailyCap(tenantId: string, intent: JourneyIntent): Promise<boolean> {
    const cap = (await catalogOf(tenantId)).version(intent.journeyId, intent.version)?.limits.dailyCap;
    if (cap === undefined) return true;
    const { sent = 0 } = await store.increment(dailySendsKey(tenantId, intent.journeyId, clock.now()), { sent: 1 });
    return sent <= cap;
  }

  async function carryOut(tenantId: string, customerId: string, intents: readonly JourneyIntent[]) {
    const actions: string[] = [];
    const timerRequests: Parameters<Timers['set']>[0][number][] = [];
    const counters = new Map<string, Record<string, number>>();
    const add = (journeyId: string, name: string, delta: number) => {
      const c = counters.get(journeyId) ?? {};
      c[name] = (c[name] ?? 0) + delta;
      counters.set(journeyId, c);
    };
    for (const intent of intents) {
      if (intent.type === 'send') {
        if (!(await withinDailyCap(tenantId, intent))) {
          add(intent.journeyId, 'capped', 1);
          add(intent.journeyId, 'sent', -1);
          continue;
        }
        const message: ActionMessage = {
          key: `${tenantId}:${intent.key}`,
          tenantId,
          customerId,
          journeyId: intent.journeyId,
          version: intent.version,
          instanceId: intent.instanceId,
          activity: intent.activity,
          action: intent.action,
          ...(intent.quietTime ? { quietTime: intent.quietTime } : {}),
        };
        actions.push(JSON.stringify(message));
      } else if (intent.type === 'set_timer') {
        const body: TimerMessage = {
          tenantId,
          customerId,
          journeyId: intent.journeyId,
          instanceId: intent.instanceId,
          timerId: intent.timerId,
        };
        timerRequests.push({
          id: `${tenantId}:${customerId}:${intent.journeyId}:${intent.timerId}`,
          at: Date.parse(intent.at),
          queue: 'journey-steps',
          body: JSON.stringify(body),
        });
      } else if (intent.metric === 'waiting' || intent.metric === 'left') {
        add(intent.journeyId, `at#${intent.activity}`, intent.metric === 'waiting' ? 1 : -1);
      } else {
        add(intent.journeyId, intent.metric, 1);
      }
    }
    if (actions.length > 0) await queue.send('actions', actions);
    if (timerRequests.length > 0) await timers.set(timerRequests);
    for (const [journeyId, c] of counters) await store.increment(statsKey(tenantId, journeyId), c);
  }

  /** Events of an erased customer that occurred before the erasure start nothing (they may arrive late). */
  async function withoutErased(work: Work): Promise<Work> {
    const tombstone = await store.get(tombstoneKey(work.tenantId, work.customerId));
    if (!tombstone) return work;
    const erasedAt = tombstone.erasedAt as string;
    return { ...work, inputs: work.inputs.filter((i) => i.kind === 'event' && i.event.occurredAt > erasedAt) };
  }

  async function runCustomer(work: Work) {
    const { tenantId, customerId } = work;
    const catalog = await catalogOf(tenantId);
    // A tenant without journeys costs nothing here: no read, no write.
    if (catalog.all().length === 0) return;
    const context = await contextOf(tenantId);
    const tenant = deps.tenants.byId(tenantId);
    const scoring = { ...context, timeZone: tenant?.timezone ?? 'UTC' };
    for (let attempt = 1; ; attempt++) {
      const stateItem = await store.get(customerJourneysKey(tenantId, customerId), { consistent: true });
      const stored = fromCustomerJourneysItem(stateItem);
      // A customer in no journey, with events that start none: nothing more to read.
      if (!stored && !work.inputs.some((i) => i.kind === 'timer' || catalog.mayStart(i.event.type))) return;
      const profileItem = await store.get(profileKey(tenantId, customerId));
      const storedProfile = profileItem ? fromProfileItem(profileItem) : undefined;
      // Without a profile or journey state, the customer may have been erased.
      if (!profileItem && !stateItem && attempt === 1) {
        const kept = await withoutErased(work);
        if (kept.inputs.length === 0) return;
        work = kept;
      }
      // A crash after the last write left intents not carried out: they go first (each is idempotent).
      if (stored?.outbox?.length) await carryOut(tenantId, customerId, stored.outbox);
      let state = stored?.state ?? emptyCustomerJourneys();
      const intents: JourneyIntent[] = [];
      for (const input of work.inputs) {
        const now = clock.now();
        const profile = profileWith(
          storedProfile,
          input.kind === 'event' ? input.canonical : undefined,
          tenantId,
          customerId,
          now,
        );
        const customer = journeyCustomer(profile, storedProfile?.lifecycle, scoring, now);
        const step: CustomerStep =
          input.kind === 'event'
            ? onCustomerEvent(catalog, state, input.event, customer, now)
            : onCustomerTimer(catalog, state, input.timer, customer, now);
        state = step.state;
        intents.push(...step.intents);
      }
      const changed = JSON.stringify(state) !== JSON.stringify(stored?.state ?? emptyCustomerJourneys());
      if (!changed && intents.length === 0 && !stored?.outbox?.length) return;
      const next: StoredCustomerJourneys = {
        state,
        version: (stored?.version ?? 0) + 1,
        ...(intents.length ? { outbox: intents } : {}),
      };
      try {
        await store.put(
          toCustomerJourneysItem(tenantId, customerId, next),
          stored ? { ifVersion: stored.version } : { ifAbsent: true },
        );
      } catch (e) {
        if (e instanceof ConditionFailedError && attempt < MAX_WRITE_ATTEMPTS) continue;
        throw e;
      }
      if (intents.length === 0) return;
      await carryOut(tenantId, customerId, intents);
      const { outbox: _, ...done } = next;
      try {
        await store.put(toCustomerJourneysItem(tenantId, customerId, { ...done, version: next.version + 1 }), {
          ifVersion: next.version,
        });
      } catch (e) {
        // Written over meanwhile: that writer carried the outbox out again (idempotent sends and timers).
        if (!(e instanceof ConditionFailedError)) throw e;
      }
      return;
    }
  }

  return async function processJourneyRecords(records: QueueRecord[]): Promise<{ failedIds: string[] }> {
    const failedIds: string[] = [];
    const byCustomer = new Map<string, Work>();
    for (const record of records) {
      const decoded = decode(record);
      if (!decoded) {
        log('error', 'undecodable journey message', { recordId: record.id });
        failedIds.push(record.id);
        continue;
      }
      const key = `${decoded.tenantId}\u0000${decoded.customerId}`;
      const work = byCustomer.get(key) ?? {
        tenantId: decoded.tenantId,
        customerId: decoded.customerId,
        inputs: [],
        recordIds: [],
      };
      work.inputs.push(decoded.input);
      work.recordIds.push(record.id);
      byCustomer.set(key, work);
    }
    await forEachConcurrently([...byCustomer.values()], CUSTOMERS_IN_PARALLEL, async (work) => {
      try {
        await runCustomer(work);
      } catch (e) {
        log('warn', 'journey step failed; its messages will be delivered again', { error: String(e) });
        failedIds.push(...work.recordIds);
      }
    });
    return { failedIds };
  };
}

export function createJourneyHandler(deps: JourneyDeps) {
  const process = createJourneyProcessor(deps);
  return middy<SQSEvent, SQSBatchResponse>(async (event: SQSEvent) => {
    const { failedIds } = await process(event.Records.map((r) => ({ id: r.messageId, body: r.body })));
    return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  });
}

export const handler = lazyHandler(() =>
  createJourneyHandler({
    store: awsStore(),
    queue: awsQueue(),
    timers: awsTimers(),
    clock: systemClock,
    tenants: awsTenants(),
  }),
);
