import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { ManualClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { createDailyRun } from '../../functions/app/daily-run/run';
import { tenantDirectory } from '../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { toProfileItem } from '../../functions/core/profiles/items';
import { foldEvents, type Profile } from '../../functions/core/profiles/profile';
import { rescore } from '../../functions/core/profiles/profile-changes';
import { DEFAULT_SCORING_SETTINGS } from '../../functions/core/scoring/settings';
import type { Bus, Item } from '../../functions/ports';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import type { Results } from './results';

const PROFILES = 100_000;
const DUE_SHARE = 0.01;
const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:30:00Z');
const TENANT = 'bench';

/**
 * A customer's profile item as yesterday's daily pass left it. Every hundredth customer last
 * ordered 30½ days ago, so their at_risk move is due today; the others ordered in the last four
 * weeks (due later) or long ago (churned: nothing due, not in the index).
 */
function storedCustomer(i: number): Item {
  const due = i % Math.round(1 / DUE_SHARE) === 0;
  const ago = due ? 30.5 * DAY - (i % 1000) * 1000 : (i % 3 === 0 ? 200 + (i % 150) : 1 + (i % 28)) * DAY;
  const at = new Date(NOW - ago).toISOString();
  const event = (type: 'session_started' | 'order_placed', n: number): CanonicalEvent =>
    ({
      type,
      tenantId: TENANT,
      customerId: `customer-${i}`,
      eventId: `e-${i}-${n}`,
      occurredAt: at,
      source: 'bench',
      properties:
        type === 'order_placed' ? { orderId: `o-${i}-${n}`, total: { amount: 2_000 + i, currency: 'EUR' } } : {},
    }) as CanonicalEvent;
  const profile = foldEvents(undefined, [
    event('session_started', 0),
    event('order_placed', 1),
    event('order_placed', 2),
  ]);
  const context = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };
  const afterEvent = rescore({ profile: profile as Profile, version: 1, seen: {} }, context, Date.parse(at));
  const { outbox: _, ...written } = rescore(afterEvent, context, NOW - DAY);
  return toProfileItem(written);
}

/**
 * The daily lifecycle pass over 100,000 stored profiles of which 1% are due, on dynalite:
 * read capacity per due customer through the sparse due index, against a pass that scans
 * the tenant's profiles to find the same customers.
 */
export async function benchDuePass(): Promise<Results> {
  const server = await startDynalite({ ownProcess: true });
  const client = localDynamoClient(server.endpoint);
  try {
    await ensureTable(client, 'growthloop-bench');
    const store = createDynamoStore({ client, tableName: 'growthloop-bench' });
    for (let from = 0; from < PROFILES; from += 10_000) {
      process.stderr.write(
        `  writing profiles ${from.toLocaleString('en')}–${(from + 10_000).toLocaleString('en')}…\n`,
      );
      await store.putMany(Array.from({ length: 10_000 }, (_, k) => storedCustomer(from + k)));
    }
    const clock = new ManualClock(NOW);
    const bus: Bus = { put: async () => {} };
    const tenants = tenantDirectory([
      { id: TENANT, timezone: 'UTC', currency: 'EUR', apiKeySha256: '-', adminKeySha256: '-' },
    ]);
    const jobs = createDailyRun({ store, bus, clock, tenants, log: silentLog });

    const before = store.consumed.read;
    const started = performance.now();
    const report = await jobs.duePass(TENANT);
    const passMs = performance.now() - started;
    const indexReads = store.consumed.read - before;
    if (report.due !== PROFILES * DUE_SHARE || report.stageChanges !== report.due) {
      throw new Error(`due pass found ${report.due} due and made ${report.stageChanges} changes`);
    }

    const scanBefore = store.consumed.read;
    const scanned = await store.scan(`${TENANT}#C#`);
    const scanReads = store.consumed.read - scanBefore;
    if (scanned.length !== PROFILES) throw new Error(`the scan found ${scanned.length} profiles`);

    return {
      'lifecycle.reads_per_due_customer': {
        value: indexReads / report.due,
        unit: 'RCU/due customer',
        better: 'lower',
        target: 1.2,
        anchor: { name: 'full-scan pass', value: scanReads / report.due },
        note: `${report.due} of ${PROFILES} profiles due; pass took ${Math.round(passMs)} ms`,
      },
    };
  } finally {
    client.destroy();
    await server.close();
  }
}
