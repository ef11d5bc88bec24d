import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { systemClock } from '../adapters/clock';
import type { CanonicalEvent } from '../core/events/schemas';
import { planProfileWrite } from '../core/profiles/apply';
import { collectDeliveries, groupByCustomer, keyId } from '../core/profiles/batch';
import { eventItem, eventKey, fromProfileItem, type StoredProfile, toProfileItem } from '../core/profiles/items';
import { type Clock, ConditionFailedError, type Item, type Key, type Store } from '../ports';
import { awsStore, lazyHandler } from './aws';

export type QueueRecord = { id: string; body: string };

const MAX_WRITE_ATTEMPTS = 12;
const CUSTOMERS_IN_PARALLEL = 16;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (level: string, message: string, fields: Record<string, unknown> = {}) =>
  console.error(JSON.stringify({ level, message, ...fields }));

async function forEachConcurrently<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Folds a batch of bus deliveries into profiles. Events that have a receipt are skipped; each
 * customer's other events are folded into one versioned profile write, retried on conflict;
 * then receipts are written for everything folded. Returns the ids of records to deliver again.
 */
export function createProfileUpdater(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;

  /** Writes one customer's profile; returns the receipts of the events it holds. */
  async function writeCustomer(key: Key, events: CanonicalEvent[], first: StoredProfile | undefined): Promise<Item[]> {
    let stored = first;
    for (let attempt = 1; ; attempt++) {
      const now = clock.now();
      const plan = planProfileWrite(stored, events, now);
      try {
        if (plan.next)
          await store.put(toProfileItem(plan.next), stored ? { ifVersion: stored.version } : { ifAbsent: true });
        return [...plan.applied, ...plan.alreadyFolded].map((event) => eventItem(event, now));
      } catch (e) {
        if (!(e instanceof ConditionFailedError) || attempt >= MAX_WRITE_ATTEMPTS) throw e;
        await sleep(Math.random() * Math.min(2000, 10 * 2 ** attempt));
        const item = e.current ?? (await store.get(key, { consistent: true }));
        stored = item ? fromProfileItem(item) : undefined;
      }
    }
  }

  return async function updateProfiles(records: QueueRecord[]): Promise<{ failedIds: string[] }> {
    const { deliveries, undecodable } = collectDeliveries(records);
    for (const id of undecodable) log('error', 'undecodable delivery', { recordId: id });

    const withReceipt = new Set((await store.getMany(deliveries.map((d) => eventKey(d.event)))).map(keyId));
    const customers = groupByCustomer(deliveries.filter((d) => !withReceipt.has(keyId(eventKey(d.event)))));
    const stored = new Map(
      (await store.getMany(customers.map((c) => c.profileKey))).map((item) => [item.pk, fromProfileItem(item)]),
    );

    const receipts: Item[] = [];
    const failedIds = [...undecodable];
    await forEachConcurrently(customers, CUSTOMERS_IN_PARALLEL, async (customer) => {
      try {
        receipts.push(
          ...(await writeCustomer(customer.profileKey, customer.events, stored.get(customer.profileKey.pk))),
        );
      } catch (e) {
        log('warn', 'profile write failed; the events will be delivered again', { error: String(e) });
        failedIds.push(...customer.recordIds);
      }
    });
    try {
      await store.putMany(receipts);
    } catch (e) {
      // The profiles list these events as recently folded: redelivery writes the receipts without folding again.
      log('warn', 'receipt write failed; the batch will be delivered again', { error: String(e) });
      return { failedIds: records.map((r) => r.id) };
    }
    return { failedIds };
  };
}

export function createProfileHandler(deps: { store: Store; clock: Clock }) {
  const update = createProfileUpdater(deps);
  return middy<SQSEvent, SQSBatchResponse>(async (event: SQSEvent) => {
    const { failedIds } = await update(event.Records.map((r) => ({ id: r.messageId, body: r.body })));
    return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  });
}

export const handler = lazyHandler(() => createProfileHandler({ store: awsStore(), clock: systemClock }));
