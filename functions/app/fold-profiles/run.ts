import { z } from 'zod';
import { errorFields } from '../../adapters/log';
import { forEachConcurrently } from '../../concurrently';
import { type BatchResult, QueueRecord } from '../../contracts/messages';
import { coldWeeks, type Ledgers, planProfileWrite } from '../../core/profiles/apply';
import { type CustomerBatch, groupByCustomer } from '../../core/profiles/batch';
import {
  fromProfileItem,
  LEDGER_HASHES,
  ledgerHashes,
  ledgerKey,
  ledgerWeek,
  profileKey,
  toProfileItem,
  withoutProfileOutbox,
} from '../../core/profiles/items';
import { rescore } from '../../core/profiles/profile-changes';
import type { Item } from '../../ports';
import { carryOut, type OutboxEntry } from '../common/carry-out';
import type { AppPorts } from '../common/ports';
import { createScoringContexts } from '../common/scoring-contexts';
import { settleOutbox, writeVersioned } from '../common/versioned-write';
import { preparePreviousProfiles, removeMergedProfiles, resolveCustomers } from '../merge-identities/run';
import { collectDeliveries } from './deliveries';

export const FoldProfilesCommand = z.object({ records: z.array(QueueRecord) });
export type FoldProfilesCommand = z.infer<typeof FoldProfilesCommand>;

export type FoldProfilesDeps = Pick<AppPorts, 'store' | 'bus' | 'clock' | 'tenants' | 'log' | 'metrics'>;

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

  async function foldCustomer(customer: CustomerBatch, first: Item | undefined) {
    const { item } = await writeVersioned(store, {
      key: customer.profileKey,
      first,
      metrics: deps.metrics,
      async decide(current) {
        const now = clock.now();
        const stored = current ? fromProfileItem(current) : undefined;
        if (stored?.mergedInto)
          throw new Error('the customer was merged into another; its events go there on redelivery');
        const previous = await preparePreviousProfiles(store, customer);
        const plan = planProfileWrite(stored, customer.events, await readLedgers(customer, now), now, previous);
        if (!plan.next) return { result: undefined };
        const next = rescore(plan.next, await contextOf(plan.next.profile.tenantId), now);
        for (const { week, hashes } of plan.toLedger) {
          await store.addToSet(ledgerKey(customer.profileKey, week), LEDGER_HASHES, hashes);
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
  }

  return async function run(command: FoldProfilesCommand): Promise<BatchResult> {
    const { deliveries, undecodable } = collectDeliveries(command.records);
    for (const { id, reason } of undecodable) log.error('undecodable delivery', { recordId: id, reason });
    const profileKeys = deliveries.map((d) => profileKey(d.event.tenantId, d.event.customerId));
    const profiles = new Map((await store.getMany(profileKeys)).map((item) => [item.pk, item]));
    const customers = groupByCustomer(await resolveCustomers(store, deliveries, profiles));
    // Customers that merged-away ids were redirected to: their profiles were not read yet.
    const read = new Set(profileKeys.map((key) => key.pk));
    const targets = customers.map((c) => c.profileKey).filter((key) => !read.has(key.pk));
    if (targets.length > 0) for (const item of await store.getMany(targets)) profiles.set(item.pk, item);

    const failedIds = undecodable.map((u) => u.id);
    await forEachConcurrently(customers, CUSTOMERS_IN_PARALLEL, async (customer) => {
      try {
        await foldCustomer(customer, profiles.get(customer.profileKey.pk));
      } catch (e) {
        log.warn('profile write failed; its events will be delivered again', {
          tenantId: customer.events[0]?.tenantId,
          ...errorFields(e),
        });
        failedIds.push(...customer.recordIds);
      }
    });
    // Parked: back to the queue, to be delivered again (and dead-lettered after the last receive).
    deps.metrics?.count('EventsFolded', command.records.length - failedIds.length);
    if (failedIds.length > 0) deps.metrics?.count('EventsParked', failedIds.length);
    return { failedIds };
  };
}
