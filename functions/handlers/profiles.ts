import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { systemClock } from '../adapters/clock';
import { forEachConcurrently } from '../concurrently';
import type { TenantDirectory } from '../core/config/tenants';
import { coldWeeks, type Ledgers, planProfileWrite } from '../core/profiles/apply';
import { type CustomerBatch, collectDeliveries, groupByCustomer } from '../core/profiles/batch';
import {
  fromProfileItem,
  LEDGER_HASHES,
  ledgerHashes,
  ledgerKey,
  ledgerWeek,
  profileKey,
  type StoredProfile,
  toProfileItem,
} from '../core/profiles/items';
import { rescore } from '../core/profiles/lifecycle';
import { type Bus, type Clock, ConditionFailedError, type Item, type Store } from '../ports';
import { awsBus, awsStore, awsTenants, lazyHandler } from './aws';
import { preparePreviousProfiles, removeMergedProfiles, resolveCustomers } from './profile-identities';
import { createScoringContexts, flushOutbox } from './scoring';

export type QueueRecord = { id: string; body: string };

const MAX_WRITE_ATTEMPTS = 12;
const CUSTOMERS_IN_PARALLEL = 32;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (level: string, message: string, fields: Record<string, unknown> = {}) =>
  console.error(JSON.stringify({ level, message, ...fields }));

export type ProfileDeps = { store: Store; bus: Bus; clock: Clock; tenants: TenantDirectory };

/**
 * Folds a batch of bus deliveries into profiles: per customer, one conditional (versioned)
 * profile write that folds the new events, records them as seen and rescores the customer's
 * lifecycle, retried on conflict; then the stage changes go on the bus.
 * Returns the ids of records to deliver again.
 */
export function createProfileUpdater(deps: ProfileDeps) {
  const { store, bus, clock } = deps;
  const contextOf = createScoringContexts(deps);

  /** Ledgers must be read after the profile: a week leaves the profile only once its ledger holds it. */
  async function readLedgers(customer: CustomerBatch, now: number): Promise<Ledgers> {
    const weeks = coldWeeks(customer.events, now);
    if (weeks.length === 0) return {};
    const items = await store.getMany(
      weeks.map((week) => ledgerKey(customer.profileKey, week)),
      { consistent: true },
    );
    return Object.fromEntries(items.map((item) => [ledgerWeek(item), ledgerHashes(item)]));
  }

  async function writeCustomer(customer: CustomerBatch, first: Item | undefined) {
    let item = first;
    for (let attempt = 1; ; attempt++) {
      const now = clock.now();
      const stored: StoredProfile | undefined = item ? fromProfileItem(item) : undefined;
      if (stored?.mergedInto)
        throw new Error('the customer was merged into another; its events go there on redelivery');
      try {
        const previous = await preparePreviousProfiles(store, customer);
        const plan = planProfileWrite(stored, customer.events, await readLedgers(customer, now), now, previous);
        const next = plan.next && rescore(plan.next, await contextOf(plan.next.profile.tenantId), now);
        if (next) {
          for (const { week, hashes } of plan.toLedger) {
            await store.addToSet(ledgerKey(customer.profileKey, week), LEDGER_HASHES, hashes);
          }
          await store.put(toProfileItem(next), stored ? { ifVersion: stored.version } : { ifAbsent: true });
        }
        await removeMergedProfiles(store, customer);
        // A redelivery after a crash finds its events folded but their stage change maybe not sent.
        const written = next ?? stored;
        if (written) await flushOutbox(store, bus, written);
        return;
      } catch (e) {
        if (!(e instanceof ConditionFailedError) || attempt >= MAX_WRITE_ATTEMPTS) throw e;
        await sleep(Math.random() * Math.min(2000, 10 * 2 ** attempt));
        // The refusal may be of a previous profile being marked merged: re-read this customer's then.
        const current = e.current?.pk === customer.profileKey.pk ? e.current : undefined;
        item = current ?? (await store.get(customer.profileKey, { consistent: true }));
      }
    }
  }

  return async function updateProfiles(records: QueueRecord[]): Promise<{ failedIds: string[] }> {
    const { deliveries, undecodable } = collectDeliveries(records);
    for (const id of undecodable) log('error', 'undecodable delivery', { recordId: id });
    const profileKeys = deliveries.map((d) => profileKey(d.event.tenantId, d.event.customerId));
    const profiles = new Map((await store.getMany(profileKeys)).map((item) => [item.pk, item]));
    const customers = groupByCustomer(await resolveCustomers(store, deliveries, profiles));
    // Customers that merged-away ids were redirected to: their profiles were not read yet.
    const read = new Set(profileKeys.map((key) => key.pk));
    const targets = customers.map((c) => c.profileKey).filter((key) => !read.has(key.pk));
    if (targets.length > 0) for (const item of await store.getMany(targets)) profiles.set(item.pk, item);

    const failedIds = [...undecodable];
    await forEachConcurrently(customers, CUSTOMERS_IN_PARALLEL, async (customer) => {
      try {
        await writeCustomer(customer, profiles.get(customer.profileKey.pk));
      } catch (e) {
        log('warn', 'profile write failed; its events will be delivered again', { error: String(e) });
        failedIds.push(...customer.recordIds);
      }
    });
    return { failedIds };
  };
}

export function createProfileHandler(deps: ProfileDeps) {
  const update = createProfileUpdater(deps);
  return middy<SQSEvent, SQSBatchResponse>(async (event: SQSEvent) => {
    const { failedIds } = await update(event.Records.map((r) => ({ id: r.messageId, body: r.body })));
    return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  });
}

export const handler = lazyHandler(() =>
  createProfileHandler({ store: awsStore(), bus: awsBus(), clock: systemClock, tenants: awsTenants() }),
);
