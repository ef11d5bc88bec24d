import { z } from 'zod';
import { errorFields } from '../../adapters/log';
import { forEachConcurrently } from '../../concurrently';
import { type BatchResult, QueueRecord } from '../../contracts/messages';
import { erasedEvent } from '../../core/privacy/records';
import { coldWeeks, type Ledgers, pastOrderPeriods, planProfileWrite } from '../../core/profiles/apply';
import { type CustomerBatch, groupByCustomer } from '../../core/profiles/batch';
import {
  LEDGER_HASHES,
  ledgerHashes,
  ledgerKey,
  ledgerWeek,
  ORDER_PERIOD_ENTRIES,
  orderPeriodKey,
  orderPeriodMembers,
  orderPeriodPrefix,
  profileKey,
  toProfileItem,
  withoutProfileOutbox,
} from '../../core/profiles/items';
import { totalsProblem } from '../../core/profiles/limits';
import { profileSlot } from '../../core/profiles/markers';
import { type PastOrderBook, pastOrderBook } from '../../core/profiles/order-book';
import { rescore } from '../../core/profiles/profile-changes';
import { PoisonError } from '../../core/quarantine';
import type { DataKeys, Item } from '../../ports';
import type { QueueName } from '../../routes';
import { carryOut, type OutboxEntry } from '../common/carry-out';
import type { AppPorts } from '../common/ports';
import { createScoringContexts } from '../common/scoring-contexts';
import { settleOutbox, writeVersioned } from '../common/versioned-write';
import { settleCoupons } from '../coupons/settle';
import { preparePreviousProfiles, removeMergedProfiles, resolveCustomers, withAliases } from '../merge-identities/run';
import { isPoison, park } from '../quarantine/run';
import { collectDeliveries, openRecords } from './deliveries';

/** Where quarantined events go back to on replay. */
const QUEUE: QueueName = 'profile-updates';

/** A customer's batch as batches of one event each, in order. */
const oneByOne = (customer: CustomerBatch): CustomerBatch[] =>
  customer.events.map((event, i) => ({
    profileKey: customer.profileKey,
    events: [event],
    recordIds: [customer.recordIds[i] as string],
    receivedAt: [customer.receivedAt[i]],
  }));

const eventsAfterErasure = (customer: CustomerBatch, erasedAt: string) =>
  customer.events.filter((event, i) => !erasedEvent(erasedAt, event, customer.receivedAt[i]));

export const FoldProfilesCommand = z.object({ records: z.array(QueueRecord) });
export type FoldProfilesCommand = z.infer<typeof FoldProfilesCommand>;

export type FoldProfilesDeps = Pick<AppPorts, 'store' | 'bus' | 'clock' | 'tenants' | 'log' | 'metrics'> & {
  /** Opens the sealed personal fields of the events (without it, sealed fields are left out). */
  dataKeys?: DataKeys;
};

const CUSTOMERS_IN_PARALLEL = 32;

/**
 * Folds a batch of bus deliveries into profiles: per customer, one versioned write that folds
 * the new events, records them as seen and rescores the lifecycle, with the stage changes in its
 * outbox; then the changes go on the bus. Answers the records to deliver again.
 */
export function createFoldProfiles(deps: FoldProfilesDeps) {
  const { store, clock, log } = deps;
  const contextOf = createScoringContexts(deps);

  /** Ledgers must be read after the profile: a week leaves the profile only once its ledger holds it. */
  async function readLedgers(customer: CustomerBatch, now: number): Promise<Ledgers> {
    const weeks = coldWeeks(customer.events, now);
    if (weeks.length === 0) return {};
    const keys = weeks.map((week) => ledgerKey(customer.profileKey, week));
    const items = await store.getMany(keys, { consistent: true });
    return Object.fromEntries(items.map((item) => [ledgerWeek(item), ledgerHashes(item)]));
  }

  /** Like ledgers, period items are read after the profile: orders leave it only once their period item holds them. */
  async function readPastOrders(customer: CustomerBatch, periods: readonly string[]): Promise<PastOrderBook> {
    if (periods.length === 0) return new Map();
    const pk = customer.profileKey.pk;
    const items = await Promise.all(
      periods.map((period) => store.query(pk, { skPrefix: orderPeriodPrefix(period), consistent: true })),
    );
    return pastOrderBook(items.flat().map(orderPeriodMembers));
  }

  async function foldCustomer(customer: CustomerBatch, first: Item | undefined) {
    const { item } = await writeVersioned(store, {
      key: customer.profileKey,
      first,
      metrics: deps.metrics,
      async decide(current) {
        const now = clock.now();
        const slot = current ? profileSlot(current) : undefined;
        if (slot?.kind === 'merged')
          throw new Error('the customer was merged into another; its events go there on redelivery');
        // An erased customer's item is a marker until the daily pass: only what came after starts anew.
        const events = slot?.kind === 'erased' ? eventsAfterErasure(customer, slot.erasedAt) : customer.events;
        if (events.length === 0) return { result: undefined };
        const stored = slot?.kind === 'live' ? slot.stored : undefined;
        const previous = await preparePreviousProfiles(store, customer);
        const ledgers = await readLedgers({ ...customer, events }, now);
        const past = await readPastOrders(customer, pastOrderPeriods(stored, events, previous));
        const plan = planProfileWrite(stored, events, ledgers, now, previous, past);
        if (!plan.next) return { result: undefined };
        const version = slot?.kind === 'erased' ? slot.version + 1 : plan.next.version;
        const planned = { ...plan.next, version, profile: withAliases(plan.next.profile, plan.applied) };
        const problem = totalsProblem(planned.profile);
        if (problem) throw new PoisonError(problem);
        const next = rescore(planned, await contextOf(planned.profile.tenantId), now);
        for (const { week, hashes } of plan.toLedger) {
          await store.addToSet(ledgerKey(customer.profileKey, week), LEDGER_HASHES, hashes);
        }
        for (const moved of plan.toOrderPeriods) {
          const key = orderPeriodKey(customer.profileKey, moved.period, moved.version);
          await store.addToSet(key, ORDER_PERIOD_ENTRIES, moved.members);
        }
        return { write: toProfileItem(next), result: undefined };
      },
    });
    await removeMergedProfiles(store, customer);
    // A redelivery after a crash finds its events folded but their stage changes maybe not sent.
    const { tenantId, customerId } = customer.events[0] as CustomerBatch['events'][number];
    await settleOutbox<OutboxEntry>(
      store,
      item,
      (entries) => carryOut(deps, { tenantId, customerId }, entries),
      withoutProfileOutbox,
    );
    await settleCoupons(deps, customer.events);
  }

  return async function run(command: FoldProfilesCommand): Promise<BatchResult> {
    const { records, unopened } = await openRecords(command.records, deps, QUEUE);
    const { deliveries, undecodable } = collectDeliveries(records);
    for (const { id, reason } of undecodable) log.error('undecodable delivery', { recordId: id, reason });
    const profileKeys = deliveries.map((d) => profileKey(d.event.tenantId, d.event.customerId));
    const profiles = new Map((await store.getMany(profileKeys)).map((item) => [item.pk, item]));
    const customers = groupByCustomer(await resolveCustomers(store, deliveries, profiles));
    // Customers that merged-away ids were redirected to: their profiles were not read yet.
    const read = new Set(profileKeys.map((key) => key.pk));
    const targets = customers.map((c) => c.profileKey).filter((key) => !read.has(key.pk));
    if (targets.length > 0) for (const item of await store.getMany(targets)) profiles.set(item.pk, item);

    const failedIds = [...unopened, ...undecodable].map((u) => u.id);
    const bodies = new Map(command.records.map((r) => [r.id, r.body]));
    let quarantined = 0;

    async function failed(customer: CustomerBatch, e: unknown) {
      const tenantId = customer.events[0]?.tenantId as string;
      if (!isPoison(e)) {
        log.warn('profile write failed; its events will be delivered again', { tenantId, ...errorFields(e) });
        failedIds.push(...customer.recordIds);
        return;
      }
      const reason = `${(e as Error).name}: ${(e as Error).message}`;
      for (const recordId of customer.recordIds)
        await park(deps, { tenantId, queue: QUEUE, body: bodies.get(recordId) as string, reason });
      quarantined += customer.recordIds.length;
      log.error('events quarantined: they cannot be folded', {
        tenantId,
        events: customer.recordIds.length,
        ...errorFields(e),
      });
    }

    await forEachConcurrently(customers, CUSTOMERS_IN_PARALLEL, async (customer) => {
      try {
        await foldCustomer(customer, profiles.get(customer.profileKey.pk));
      } catch (e) {
        if (customer.events.length === 1 || !isPoison(e)) return failed(customer, e);
        // One at a time: only the events that fail on their own are held back.
        for (const single of oneByOne(customer)) {
          try {
            await foldCustomer(single, undefined);
          } catch (e) {
            await failed(single, e);
          }
        }
      }
    });
    if (quarantined > 0) deps.metrics?.count('EventsQuarantined', quarantined);
    // Parked: back to the queue, to be delivered again (and dead-lettered after the last receive).
    deps.metrics?.count('EventsFolded', command.records.length - failedIds.length);
    if (failedIds.length > 0) deps.metrics?.count('EventsParked', failedIds.length);
    return { failedIds };
  };
}
