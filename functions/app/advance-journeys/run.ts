import { z } from 'zod';
import { errorFields } from '../../adapters/log';
import { forEachConcurrently } from '../../concurrently';
import { type BatchResult, EventDelivery, parseBody, QueueRecord, TimerMessage } from '../../contracts/messages';
import type { CanonicalEvent } from '../../core/events/schemas';
import { createCatalog, type JourneyCatalog } from '../../core/journeys/catalog';
import {
  type CustomerStep,
  emptyCustomerJourneys,
  type JourneyFailure,
  type JourneyIntent,
  onCustomerEvent,
  onCustomerTimer,
} from '../../core/journeys/customer';
import { journeyCustomer, pointsFacts, profileWith } from '../../core/journeys/facts';
import {
  catalogRevisionKey,
  catalogRevisionOf,
  customerJourneysKey,
  fromCustomerJourneysItem,
  journeysPk,
  loadCatalog,
  toCustomerJourneysItem,
} from '../../core/journeys/items';
import type { EntryRefusal, JourneyEvent } from '../../core/journeys/runtime';
import { pointsAccountKey, storedAccountOf } from '../../core/loyalty/items';
import { erasedAtOf, erasedEvent, tombstoneKey } from '../../core/privacy/records';
import { profileKey } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import type { DataKeys } from '../../ports';
import { INGEST_SOURCE, type QueueName } from '../../routes';
import { carryOut, type OutboxEntry } from '../common/carry-out';
import type { AppPorts } from '../common/ports';
import { readTogether } from '../common/read-together';
import { createScoringContexts } from '../common/scoring-contexts';
import { outboxOf, settleOutbox, writeVersioned } from '../common/versioned-write';
import { openRecords } from '../fold-profiles/deliveries';
import { withinDailyCaps } from './daily-cap';

export const AdvanceJourneysCommand = z.object({ records: z.array(QueueRecord) });
export type AdvanceJourneysCommand = z.infer<typeof AdvanceJourneysCommand>;

export type AdvanceJourneysDeps = Pick<
  AppPorts,
  'store' | 'queue' | 'timers' | 'clock' | 'tenants' | 'log' | 'metrics'
> & {
  /** Opens the sealed personal fields of the events (without it, sealed fields are left out). */
  dataKeys?: DataKeys;
};

export type Refusal = { journeyId: string; reason: EntryRefusal };
export type AdvanceJourneysResult = BatchResult & { refused: Refusal[] };

type Input =
  | { kind: 'event'; event: JourneyEvent; canonical?: CanonicalEvent; receivedAt?: string | undefined }
  | { kind: 'timer'; timer: TimerMessage };
type Work = { tenantId: string; customerId: string; inputs: Input[]; recordIds: string[] };

const CUSTOMERS_IN_PARALLEL = 32;

/** Where events whose sealed fields cannot be opened go back to on replay. */
const EVENTS_QUEUE: QueueName = 'journey-events';

/** How often one step is taken again after erasures of its customer raced it, before its messages are delivered again. */
const ERASURE_RACE_ATTEMPTS = 3;

/**
 * Long past any write begun before an erasure (as the erased marker of core/profiles/markers.ts
 * lasts): within it a profile change may still come from the erased profile.
 */
const ERASURE_WINDOW_MS = 3_600_000;

/**
 * The inputs that may create an erased customer's journey state: events received (put on the bus)
 * after the erasure and dated after it (erasedEvent). Profile changes carry no receive time:
 * within the hour after the erasure none counts (it may come from the erased profile), later
 * those dated after the erasure do (they come from the profile the customer started anew).
 * Timers of a customer without journey state have nothing to move.
 */
function afterErasure(inputs: readonly Input[], erasedAt: string | undefined, now: number): Input[] {
  if (erasedAt === undefined) return [...inputs];
  const settled = now - Date.parse(erasedAt) > ERASURE_WINDOW_MS;
  return inputs.filter((i) => {
    if (i.kind !== 'event') return false;
    if (i.receivedAt === undefined && settled) return Date.parse(i.event.occurredAt) > Date.parse(erasedAt);
    return !erasedEvent(erasedAt, i.event, i.receivedAt);
  });
}

/** An event from the bus (ingested, or a profile change) or a timer; or why the body is neither. */
function decode(body: string): { tenantId: string; customerId: string; input: Input } | { reason: string } {
  const delivery = parseBody(EventDelivery, body);
  if (delivery.ok) {
    const { source, detail } = delivery.value;
    const input: Input =
      source === INGEST_SOURCE
        ? { kind: 'event', event: detail, canonical: detail, receivedAt: delivery.value.time }
        : { kind: 'event', event: detail };
    return { tenantId: detail.tenantId, customerId: detail.customerId, input };
  }
  const timer = parseBody(TimerMessage, body);
  if (timer.ok)
    return {
      tenantId: timer.value.tenantId,
      customerId: timer.value.customerId,
      input: { kind: 'timer', timer: timer.value },
    };
  return { reason: `neither an event delivery (${delivery.reason}) nor a timer (${timer.reason})` };
}

/**
 * Events (from the bus) and timers (from the journey-steps queue) move each customer's journeys:
 * per customer, read the journey state and the profile, run the pure runtime, write the new
 * state with its intents as an outbox, carry them out (actions, timers, counters), clear it.
 */
export function createAdvanceJourneys(deps: AdvanceJourneysDeps) {
  const { store, clock, log } = deps;
  const contextOf = createScoringContexts(deps);
  const catalogs = new Map<string, { catalog: JourneyCatalog; revision: unknown }>();

  /** The tenant's journeys, read again whenever a publish, pause, resume or archive moved the revision. */
  async function catalogOf(tenantId: string): Promise<JourneyCatalog> {
    const revision = catalogRevisionOf(await store.get(catalogRevisionKey(tenantId), { consistent: true }));
    const cached = catalogs.get(tenantId);
    if (cached && cached.revision === revision) return cached.catalog;
    const { journeys, refused } = loadCatalog(await store.query(journeysPk(tenantId), { consistent: true }));
    for (const { journeyId, version, reason } of refused) {
      log.error('a published journey version cannot run; its customers are parked', {
        tenantId,
        journeyId,
        version,
        reason,
      });
    }
    const catalog = createCatalog(journeys, refused);
    catalogs.set(tenantId, { catalog, revision });
    return catalog;
  }

  /** When the customer was last erased, if ever: read consistently, so an erasure begun before is seen. */
  async function erasedAtNow(tenantId: string, customerId: string): Promise<string | undefined> {
    const tombstone = await store.get(tombstoneKey(tenantId, customerId), { consistent: true });
    return tombstone ? erasedAtOf(tombstone) : undefined;
  }

  /** One step of the customer's journeys; `raced` when an erasure ran meanwhile and the step was undone. */
  async function stepCustomer(
    work: Work,
    catalog: JourneyCatalog,
    scoring: Parameters<typeof journeyCustomer>[2],
  ): Promise<{ refusals: Refusal[]; failures: JourneyFailure[] } | 'raced'> {
    const { tenantId, customerId } = work;
    const key = customerJourneysKey(tenantId, customerId);
    // The decision that creates the item, and the tombstone it read: what an erasure may have missed.
    let creation: { erasedAt: string | undefined } | undefined;
    // The state, the profile and the tombstone in one request; a decision made again reads them anew.
    const [first, firstProfile, firstTombstone, pointsItem] = await readTogether(store, [
      key,
      profileKey(tenantId, customerId),
      tombstoneKey(tenantId, customerId),
      pointsAccountKey(tenantId, customerId),
    ]);
    const account = storedAccountOf(pointsItem);
    const points = account ? pointsFacts(account) : undefined;
    const { result, item, written } = await writeVersioned<{ refusals: Refusal[]; failures: JourneyFailure[] }>(store, {
      key,
      first,
      metrics: deps.metrics,
      async decide(current, attempt) {
        creation = undefined;
        const stored = fromCustomerJourneysItem(current);
        // A customer in no journey, with events that start none: nothing more to read.
        if (!stored && !work.inputs.some((i) => i.kind === 'timer' || catalog.mayStart(i.event.type)))
          return { result: { refusals: [], failures: [] } };
        const profileItem = attempt === 1 ? firstProfile : await store.get(profileKey(tenantId, customerId));
        const storedProfile = liveProfile(profileItem);
        let inputs = work.inputs;
        if (!current) {
          // The state is created: only what an erasure of the customer did not erase may start it.
          const erasedAt =
            attempt === 1 ? firstTombstone && erasedAtOf(firstTombstone) : await erasedAtNow(tenantId, customerId);
          creation = { erasedAt };
          inputs = afterErasure(work.inputs, erasedAt, clock.now());
        }
        let state = stored?.state ?? emptyCustomerJourneys();
        const intents: JourneyIntent[] = [];
        const refusals: Refusal[] = [];
        const failures: JourneyFailure[] = [];
        for (const input of inputs) {
          const now = clock.now();
          const canonical = input.kind === 'event' ? input.canonical : undefined;
          const profile = profileWith(storedProfile, canonical, tenantId, customerId, now);
          const facts = journeyCustomer(profile, storedProfile?.lifecycle, scoring, now, points);
          const step: CustomerStep =
            input.kind === 'event'
              ? onCustomerEvent(catalog, state, input.event, facts, now)
              : onCustomerTimer(catalog, state, input.timer, facts, now);
          state = step.state;
          intents.push(...step.intents);
          refusals.push(...step.refused);
          failures.push(...step.failed);
        }
        const pending = outboxOf<OutboxEntry>(current);
        const changed = JSON.stringify(state) !== JSON.stringify(stored?.state ?? emptyCustomerJourneys());
        if (!changed && intents.length === 0) return { result: { refusals, failures } };
        const outbox = [...pending, ...(await withinDailyCaps(store, tenantId, intents, clock.now()))];
        const next = { state, version: (stored?.version ?? 0) + 1, ...(outbox.length ? { outbox } : {}) };
        return { write: toCustomerJourneysItem(tenantId, customerId, next), result: { refusals, failures } };
      },
    });
    // Every other write is conditional on the version it read, which an erasure's delete takes
    // away; a creation is conditional only on absence. Erasure puts the tombstone before it lists
    // and deletes the partition, so a tombstone still unchanged after the creation landed means
    // the erasure (if any runs) lists the partition later and deletes the item; a changed one
    // means it may have listed it before: the item, and what a step may have built on it since,
    // goes, its outbox is not carried out, and the step runs again on fresh reads.
    if (written && creation && (await erasedAtNow(tenantId, customerId)) !== creation.erasedAt) {
      await store.delete(key);
      return 'raced';
    }
    await settleOutbox<OutboxEntry>(store, item, (entries) => carryOut(deps, { tenantId, customerId }, entries));
    return result;
  }

  async function runCustomer(work: Work, catalog: JourneyCatalog, refused: Refusal[]) {
    const { tenantId } = work;
    const context = await contextOf(tenantId);
    const scoring = { ...context, timeZone: (await deps.tenants.byId(tenantId))?.timezone ?? 'UTC' };
    for (let attempt = 1; ; attempt++) {
      const decided = await stepCustomer(work, catalog, scoring);
      if (decided !== 'raced') {
        refused.push(...decided.refusals);
        countFailures(tenantId, decided.failures);
        return;
      }
      log.warn('an erasure of the customer ran while their journeys were stepped; the step is taken again', {
        tenantId,
        attempt,
      });
      if (attempt >= ERASURE_RACE_ATTEMPTS) throw new Error('erasures of the customer kept racing the journey step');
    }
  }

  /** Parked instances, counted and logged; without the customer or the error's message, which may hold personal data. */
  function countFailures(tenantId: string, failures: readonly JourneyFailure[]) {
    if (failures.length === 0) return;
    deps.metrics?.count('JourneyInstancesFailed', failures.length);
    for (const { journeyId, version, reason, error } of failures) {
      log.warn('a journey instance could not run on and was parked', {
        tenantId,
        journeyId,
        version,
        ...(error ? { error } : { reason }),
      });
    }
  }

  return async function run(command: AdvanceJourneysCommand): Promise<AdvanceJourneysResult> {
    const failedIds: string[] = [];
    const refused: Refusal[] = [];
    const byCustomer = new Map<string, Work>();
    // Sealed fields travel only in events from the bus: a record that cannot be opened is one.
    const { records, unopened } = await openRecords(command.records, deps, EVENTS_QUEUE);
    failedIds.push(...unopened.map((u) => u.id));
    for (const record of records) {
      const decoded = decode(record.body);
      if ('reason' in decoded) {
        log.error('undecodable journey message', { recordId: record.id, reason: decoded.reason });
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
    const catalogsRead = new Map<string, Promise<JourneyCatalog>>();
    await forEachConcurrently([...byCustomer.values()], CUSTOMERS_IN_PARALLEL, async (work) => {
      try {
        let catalog = catalogsRead.get(work.tenantId);
        if (!catalog) {
          catalog = catalogOf(work.tenantId);
          catalogsRead.set(work.tenantId, catalog);
        }
        // A tenant without journeys costs one read of its catalog revision a batch, nothing per customer;
        // so do events no journey reacts to.
        const journeys = await catalog;
        const reacts = work.inputs.some((i) => i.kind === 'timer' || journeys.reactsTo(i.event.type));
        if (reacts && journeys.all().length > 0) await runCustomer(work, journeys, refused);
      } catch (e) {
        log.warn('journey step failed; its messages will be delivered again', {
          tenantId: work.tenantId,
          ...errorFields(e),
        });
        failedIds.push(...work.recordIds);
        deps.metrics?.count('JourneyFailures', 1);
      }
    });
    return { failedIds, refused };
  };
}
