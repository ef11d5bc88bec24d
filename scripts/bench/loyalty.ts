// points.entries_per_s and referrals.accepts_per_s: the loyalty consumer on an embedded dynalite,
// fed in queue-sized batches (100 records, the loyalty queue's batch), against the same store's
// own rate of single-item updates (concurrent conditional puts of distinct items), in one run.
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { ManualClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryBus } from '../../functions/adapters/memory/bus';
import { createMemoryQueue } from '../../functions/adapters/memory/queue';
import { createLoyaltyConsumer } from '../../functions/app/loyalty/run';
import { createReferrals } from '../../functions/app/referrals/referrals';
import { tenantDirectory } from '../../functions/core/config/tenants';
import { ReferralSettings } from '../../functions/core/referrals/settings';
import type { Store } from '../../functions/ports';
import { consumers } from '../../functions/routes';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import { busDelivery, testEvent } from '../../test/helpers/events';
import type { Results } from './results';

const UPDATES = 3000;
const ENTRIES = 3000;
const ACCEPTS = 2000;
const INVITERS = 20;
const CONCURRENCY = 20;
const log = (message: string) => process.stderr.write(`  ${message}\n`);

/** Conditional puts of distinct items, CONCURRENCY at a time: what one item update costs this store. */
async function singleUpdates(store: Store): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < UPDATES) {
        const i = next++;
        await store.put({ pk: `bench#U#${i}`, sk: 'ITEM', version: 1, n: i }, { ifAbsent: true });
      }
    }),
  );
  return UPDATES / ((performance.now() - started) / 1000);
}

/** Batches of records through the consumer, CONCURRENCY / 10 batches at a time (as a few Lambdas would). */
async function throughConsumer(
  consume: ReturnType<typeof createLoyaltyConsumer>,
  records: ReturnType<typeof busDelivery>[],
) {
  const size = consumers.loyalty.batchSize;
  const batches: (typeof records)[] = [];
  for (let i = 0; i < records.length; i += size) batches.push(records.slice(i, i + size));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY / 10 }, async () => {
      while (next < batches.length) {
        const result = await consume({ records: batches[next++] as typeof records });
        if (result.failedIds.length > 0) throw new Error(`${result.failedIds.length} records failed`);
      }
    }),
  );
  return records.length / ((performance.now() - started) / 1000);
}

export async function benchLoyalty(): Promise<Results> {
  const dynalite = await startDynalite({ ownProcess: true });
  const client = localDynamoClient(dynalite.endpoint);
  try {
    await ensureTable(client, 'bench-loyalty');
    const store = createDynamoStore({ client, tableName: 'bench-loyalty' });
    const clock = new ManualClock('2026-06-01T02:00:00Z');
    const tenant = {
      id: 'bench',
      timezone: 'Asia/Shanghai',
      currency: 'CNY',
      referrals: ReferralSettings.parse({ fraud: { inviterAcceptsPerHour: 100_000 } }),
    };
    const deps = {
      store,
      bus: createMemoryBus(),
      queue: createMemoryQueue({ clock }),
      clock,
      tenants: tenantDirectory([tenant]),
      log: silentLog,
    };
    const consume = createLoyaltyConsumer(deps);
    const updates = await singleUpdates(store);
    log(`single-item updates: ${updates.toFixed(0)}/s`);

    const at = clock.now();
    const orders = Array.from({ length: ENTRIES }, (_, i) =>
      busDelivery(
        testEvent(tenant.id, 'order_placed', `buyer-${i}`, at, {
          orderId: `o-${i}`,
          total: { amount: 9900, currency: 'CNY' },
        }),
        at,
      ),
    );
    const entries = await throughConsumer(consume, orders);
    log(`points entries: ${entries.toFixed(0)}/s`);

    const referrals = createReferrals(deps);
    const codes = await Promise.all(
      Array.from({ length: INVITERS }, (_, i) => referrals.codeFor(tenant, `inviter-${i}`)),
    );
    const accepts = Array.from({ length: ACCEPTS }, (_, i) =>
      busDelivery(testEvent(tenant.id, 'invite_accepted', `friend-${i}`, at, { inviteCode: codes[i % INVITERS] }), at),
    );
    const accepted = await throughConsumer(consume, accepts);
    log(`referral accepts: ${accepted.toFixed(0)}/s`);
    const anchor = { name: "the store's single-item updates", value: updates };
    return {
      'points.entries_per_s': {
        value: entries,
        unit: '/s',
        better: 'higher',
        anchor,
        note: `${ENTRIES} orders of distinct customers in batches of ${consumers.loyalty.batchSize}: each an entry written once, the ledger read and the account written`,
      },
      'referrals.accepts_per_s': {
        value: accepted,
        unit: '/s',
        better: 'higher',
        anchor,
        note: `${ACCEPTS} invite_accepted to ${INVITERS} inviters: attribution, fraud checks, the daily cap, the friend's reward`,
      },
    };
  } finally {
    client.destroy();
    await dynalite.close();
  }
}
