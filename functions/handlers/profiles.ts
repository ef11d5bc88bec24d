import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CanonicalEvent } from '../core/events/schemas';
import { planProfileWrite } from '../core/profiles/apply';
import { eventItem, eventKey, fromProfileItem, profileKey, type StoredProfile, toProfileItem } from '../core/profiles/items';
import { type Clock, ConditionFailedError, type Item, type Store } from '../ports';
import { awsStore, lazyHandler } from './aws';

export type QueueRecord = { id: string; body: string };

const MAX_WRITE_ATTEMPTS = 12;
const CUSTOMERS_IN_PARALLEL = 16;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Folds a batch of bus deliveries into profiles. Per customer: events that have a receipt are
 * skipped, the rest are folded into one conditional (versioned) profile write, then receipts
 * are written for everything folded. Returns the ids of records to deliver again.
 */
export function createProfileUpdater(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;

  async function writeCustomer(events: CanonicalEvent[], first: StoredProfile | undefined, receipts: Item[]) {
    let stored = first;
    for (let attempt = 1; ; attempt++) {
      const now = clock.now();
      const plan = planProfileWrite(stored, events, now);
      try {
        if (plan.next) await store.put(toProfileItem(plan.next), stored ? { ifVersion: stored.version } : { ifAbsent: true });
        for (const event of [...plan.applied, ...plan.alreadyFolded]) receipts.push(eventItem(event, now));
        return;
      } catch (e) {
        if (!(e instanceof ConditionFailedError) || attempt >= MAX_WRITE_ATTEMPTS) throw e;
        await sleep(Math.random() * Math.min(2000, 10 * 2 ** attempt));
        const { tenantId, customerId } = events[0] as CanonicalEvent;
        const item = e.current ?? (await store.get(profileKey(tenantId, customerId), { consistent: true }));
        stored = item ? fromProfileItem(item) : undefined;
      }
    }
  }

  return async function updateProfiles(records: QueueRecord[]): Promise<{ failedIds: string[] }> {
    // The same event delivered twice in one batch is folded once; its records share the outcome.
    const recordsByEvent = new Map<string, { event: CanonicalEvent; ids: string[] }>();
    const failedIds: string[] = [];
    for (const record of records) {
      const event = parseDelivery(record.body);
      if (!event) {
        console.error(JSON.stringify({ level: 'error', message: 'undecodable delivery', recordId: record.id }));
        failedIds.push(record.id);
        continue;
      }
      const key = eventKey(event);
      const id = `${key.pk}\u0000${key.sk}`;
      const entry = recordsByEvent.get(id);
      if (entry) entry.ids.push(record.id);
      else recordsByEvent.set(id, { event, ids: [record.id] });
    }
    const entries = [...recordsByEvent.values()];
    const known = new Set(
      (await store.getMany(entries.map((e) => eventKey(e.event)))).map((item) => `${item.pk}\u0000${item.sk}`),
    );

    const byCustomer = new Map<string, typeof entries>();
    for (const entry of entries) {
      const key = eventKey(entry.event);
      if (known.has(`${key.pk}\u0000${key.sk}`)) continue;
      const list = byCustomer.get(key.pk);
      if (list) list.push(entry);
      else byCustomer.set(key.pk, [entry]);
    }
    const groups = [...byCustomer.values()];
    const profiles = new Map(
      (
        await store.getMany(groups.map((g) => profileKey(g[0]!.event.tenantId, g[0]!.event.customerId)))
      ).map((item) => [item.pk, fromProfileItem(item)]),
    );

    const receipts: Item[] = [];
    const failedGroups: typeof groups = [];
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const group = groups[next++] as typeof entries;
        const pk = eventKey(group[0]!.event).pk;
        try {
          await writeCustomer(
            group.map((g) => g.event),
            profiles.get(pk),
            receipts,
          );
        } catch (e) {
          console.error(JSON.stringify({ level: 'warn', message: 'profile write failed', error: String(e) }));
          failedGroups.push(group);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CUSTOMERS_IN_PARALLEL, groups.length) }, worker));

    try {
      await store.putMany(receipts);
    } catch (e) {
      // Profiles hold these ids as recently folded: redelivery writes the receipts without folding again.
      console.error(JSON.stringify({ level: 'warn', message: 'receipt write failed', error: String(e) }));
      return { failedIds: records.map((r) => r.id) };
    }
    for (const group of failedGroups) for (const entry of group) failedIds.push(...entry.ids);
    return { failedIds };
  };
}

/** The canonical event inside an EventBridge-to-SQS delivery, or undefined if it is not one. */
function parseDelivery(body: string): CanonicalEvent | undefined {
  try {
    const detail = (JSON.parse(body) as { detail?: CanonicalEvent }).detail;
    return detail?.tenantId && detail.customerId && detail.eventId && detail.type ? detail : undefined;
  } catch {
    return undefined;
  }
}

export function createProfileHandler(deps: { store: Store; clock: Clock }) {
  const update = createProfileUpdater(deps);
  return middy<SQSEvent, SQSBatchResponse>(async (event: SQSEvent) => {
    const { failedIds } = await update(event.Records.map((r) => ({ id: r.messageId, body: r.body })));
    return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  });
}

export const handler = lazyHandler(() => createProfileHandler({ store: awsStore(), clock: { now: Date.now } }));
