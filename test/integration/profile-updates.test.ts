import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsQueue } from '../../functions/adapters/aws/sqs';
import { ManualClock } from '../../functions/adapters/clock';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { fromProfileItem, profileKey } from '../../functions/core/profiles/items';
import { foldEvents } from '../../functions/core/profiles/profile';
import type { Store } from '../../functions/ports';
import { INGEST_SOURCE } from '../../functions/routes';
import { startPoller } from '../../functions/runtime/poller';
import { shopHistory } from '../../scripts/workload';
import { awsClientConfig, describeWithEmulator } from '../helpers/moto';
import { recordingBus, testTenants } from '../helpers/scoring';
import { dynaliteStore, motoStore } from '../helpers/stores';
import { createProfileUpdater, type QueueRecord } from '../helpers/use-cases';

const clock = { now: () => Date.parse('2026-11-21T12:00:00Z') };
const tenantId = 'shop';
const profileDeps = { bus: recordingBus(), tenants: testTenants([tenantId]) };

const delivery = (event: CanonicalEvent, i: number): QueueRecord => ({
  id: `m-${i}-${Math.random().toString(36).slice(2)}`,
  body: JSON.stringify({
    version: '0',
    id: `bus-${i}`,
    'detail-type': event.type,
    source: INGEST_SOURCE,
    detail: event,
  }),
});
const history = (options: Parameters<typeof shopHistory>[0]) =>
  shopHistory(options).map((e) => ({ ...e, tenantId }) as CanonicalEvent);

/** Plays the SQS event source: redelivers what the handler reports as failed until nothing is. */
async function deliverUntilDone(update: ReturnType<typeof createProfileUpdater>, batches: QueueRecord[][]) {
  let pending = batches;
  for (let round = 0; pending.length > 0; round++) {
    if (round > 50) throw new Error('deliveries never settled');
    const results = await Promise.all(pending.map((batch) => update(batch)));
    pending = results
      .map((r, i) => (pending[i] as QueueRecord[]).filter((record) => r.failedIds.includes(record.id)))
      .filter((batch) => batch.length > 0);
  }
}

async function storedProfile(store: Store, customerId: string) {
  const item = await store.get(profileKey(tenantId, customerId), { consistent: true });
  return item ? fromProfileItem(item) : undefined;
}

function profileUpdatesSuite(makeStore: () => Store) {
  it('a batch delivered twice leaves every profile exactly as one delivery did', async () => {
    const store = makeStore();
    const events = history({ customers: 50, events: 1000, seed: 11, prefix: 'twice' });
    const update = createProfileUpdater({ ...profileDeps, store, clock });
    await deliverUntilDone(update, [events.map(delivery)]);
    const customers = [...new Set(events.map((e) => e.customerId))];
    const once = await Promise.all(customers.map((c) => store.get(profileKey(tenantId, c), { consistent: true })));
    await deliverUntilDone(update, [events.map(delivery)]);
    const twice = await Promise.all(customers.map((c) => store.get(profileKey(tenantId, c), { consistent: true })));
    expect(twice).toEqual(once);
    for (const [i, c] of customers.entries()) {
      expect(fromProfileItem(once[i]!).profile).toEqual(
        foldEvents(
          undefined,
          events.filter((e) => e.customerId === c),
        ),
      );
    }
  });

  it('a crash between moving a week to the ledger and writing the profile folds nothing twice', async () => {
    const real = makeStore();
    let crashAfterLedger = false;
    let crashed = false;
    const crashing: Store = Object.create(real, {
      addToSet: {
        value: async (...args: Parameters<Store['addToSet']>) => {
          await real.addToSet(...args);
          crashAfterLedger = !crashed;
        },
      },
      put: {
        value: async (...args: Parameters<Store['put']>) => {
          if (crashAfterLedger) {
            crashAfterLedger = false;
            crashed = true;
            throw new Error('the process died before the profile was written');
          }
          return real.put(...args);
        },
      },
    });
    const clock = new ManualClock('2026-11-02T00:00:00Z');
    const update = createProfileUpdater({ ...profileDeps, store: crashing, clock });
    const early = history({
      customers: 3,
      events: 30,
      seed: 13,
      prefix: 'crash',
      start: '2026-11-01T00:00:00Z',
      days: 1,
    });
    const later = history({
      customers: 3,
      events: 30,
      seed: 14,
      prefix: 'crash',
      start: '2026-11-20T00:00:00Z',
      days: 1,
    });
    await deliverUntilDone(update, [early.map(delivery)]);
    clock.set('2026-11-21T00:00:00Z');
    expect((await update(later.map(delivery))).failedIds.length).toBeGreaterThan(0);
    expect(crashed).toBe(true);
    await deliverUntilDone(update, [[...later, ...early].map(delivery)]);
    for (const c of new Set(early.map((e) => e.customerId))) {
      const all = [...early, ...later].filter((e) => e.customerId === c);
      expect((await storedProfile(real, c))?.profile).toEqual(foldEvents(undefined, all));
    }
  });

  it('a redelivery weeks later, after its week moved to the ledger, changes nothing', async () => {
    const store = makeStore();
    const clock = new ManualClock('2026-11-02T00:00:00Z');
    const update = createProfileUpdater({ ...profileDeps, store, clock });
    const first = history({
      customers: 5,
      events: 100,
      seed: 16,
      prefix: 'late',
      start: '2026-11-01T00:00:00Z',
      days: 1,
    });
    const next = history({
      customers: 5,
      events: 100,
      seed: 17,
      prefix: 'late',
      start: '2026-11-30T00:00:00Z',
      days: 1,
    });
    await deliverUntilDone(update, [first.map(delivery)]);
    clock.set('2026-12-01T00:00:00Z');
    await deliverUntilDone(update, [next.map(delivery)]);
    const customers = [...new Set(first.map((e) => e.customerId))];
    const before = await Promise.all(customers.map((c) => storedProfile(store, c)));
    expect(before.every((p) => Object.keys(p?.seen ?? {}).length === 1)).toBe(true);
    clock.set('2026-12-05T00:00:00Z');
    await deliverUntilDone(update, [first.map(delivery)]);
    expect(await Promise.all(customers.map((c) => storedProfile(store, c)))).toEqual(before);
  });

  it('an undecodable delivery is reported as failed and the rest of the batch is folded', async () => {
    const store = makeStore();
    const [event] = history({ customers: 1, events: 1, seed: 14, prefix: 'bad' });
    const result = await createProfileUpdater({ ...profileDeps, store, clock })([
      { id: 'junk', body: '{"detail":' },
      delivery(event!, 0),
    ]);
    expect(result.failedIds).toEqual(['junk']);
    expect((await storedProfile(store, event!.customerId))?.profile.counts).toEqual({ [event!.type]: 1 });
  });
}

describe('profile updates on dynalite', () => {
  let store: Store;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ store, stop } = await dynaliteStore());
  });
  afterAll(() => stop());
  profileUpdatesSuite(() => store);

  it('200 concurrent deliveries for one customer lose no update', { timeout: 300_000 }, async () => {
    const events = history({ customers: 1, events: 200, seed: 12, prefix: 'hot' });
    await deliverUntilDone(
      createProfileUpdater({ ...profileDeps, store, clock }),
      events.map((e, i) => [delivery(e, i)]),
    );
    const stored = await storedProfile(store, 'hot-0');
    expect(stored?.profile).toEqual(foldEvents(undefined, events));
    expect(Object.values(stored?.profile.counts ?? {}).reduce((a, b) => a + b, 0)).toBe(200);
  });
});

describeWithEmulator('profile updates on moto_server', () => {
  // Versioned writes race on moto_server's threads (it applies conditions without atomicity): one DynamoDB
  // request at a time, while the pollers and SQS stay concurrent.
  let store: Store;
  let sqs: SQSClient;
  let urls: { url: string; deadLetterUrl: string };
  let stop: () => Promise<void>;
  beforeAll(async () => {
    let endpoint: string;
    ({ store, stop, endpoint } = await motoStore({ oneRequestAtATime: true }));
    sqs = new SQSClient(awsClientConfig(endpoint));
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'profile-updates-dlq' }));
    const dlqArn = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const main = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'profile-updates',
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn.Attributes?.QueueArn, maxReceiveCount: 5 }),
        },
      }),
    );
    urls = { url: main.QueueUrl as string, deadLetterUrl: dlq.QueueUrl as string };
  });
  afterAll(() => stop());
  profileUpdatesSuite(() => store);

  it('200 events for one customer sent at once through SQS, folded by 10 concurrent pollers, lose no update', async () => {
    const queue = createSqsQueue({ client: sqs, urls: { 'profile-updates': urls } });
    const events = history({ customers: 1, events: 200, seed: 15, prefix: 'sqs-hot' });
    await Promise.all(events.map((e, i) => queue.send('profile-updates', [delivery(e, i).body])));
    const update = createProfileUpdater({ ...profileDeps, store, clock });
    const pollers = Array.from({ length: 10 }, () =>
      startPoller({ queue, name: 'profile-updates', handle: update, batchSize: 10 }),
    );
    const deadline = Date.now() + 60_000;
    let stored = await storedProfile(store, 'sqs-hot-0');
    while (Date.now() < deadline && Object.values(stored?.profile.counts ?? {}).reduce((a, b) => a + b, 0) < 200) {
      await new Promise((r) => setTimeout(r, 200));
      stored = await storedProfile(store, 'sqs-hot-0');
    }
    await Promise.all(pollers.map((p) => p.stop()));
    expect(stored?.profile).toEqual(foldEvents(undefined, events));
  });
});
