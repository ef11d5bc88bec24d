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

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:30:00Z');
/** The tenant measured, and a tenant ten times larger in the same table. */
const SMALL = { id: 'fit-small', buyers: 2_000 };
const LARGE = { id: 'fit-large', buyers: 20_000 };
/** Customers seen who never ordered, per buyer: they are not the fit's to read. */
const VISITORS_PER_BUYER = 0.5;

/** A stored profile: a buyer with one to four orders over the last two years, or a visitor with a session. */
function storedCustomer(tenantId: string, i: number, buyer: boolean): Item {
  const customerId = `${buyer ? 'buyer' : 'visitor'}-${i}`;
  const orders = buyer ? 1 + (i % 4) : 0;
  const event = (n: number): CanonicalEvent => {
    const at = new Date(NOW - (1 + ((i * 37 + n * 113) % 700)) * DAY).toISOString();
    return (
      n < orders
        ? {
            type: 'order_placed',
            tenantId,
            customerId,
            eventId: `e-${i}-${n}`,
            occurredAt: at,
            source: 'bench',
            properties: { orderId: `o-${i}-${n}`, total: { amount: 1_500 + ((i * 7 + n) % 9_000), currency: 'EUR' } },
          }
        : {
            type: 'session_started',
            tenantId,
            customerId,
            eventId: `s-${i}-${n}`,
            occurredAt: at,
            source: 'bench',
            properties: {},
          }
    ) as CanonicalEvent;
  };
  const events = Array.from({ length: orders + 1 }, (_, n) => event(n)).sort((a, b) =>
    a.occurredAt < b.occurredAt ? -1 : 1,
  );
  const profile = foldEvents(undefined, events) as Profile;
  const context = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };
  const { outbox: _, ...written } = rescore({ profile, version: 1, seen: {} }, context, NOW - DAY);
  return toProfileItem(written);
}

async function writeTenant(store: ReturnType<typeof createDynamoStore>, tenant: { id: string; buyers: number }) {
  const visitors = Math.round(tenant.buyers * VISITORS_PER_BUYER);
  const items = [
    ...Array.from({ length: tenant.buyers }, (_, i) => storedCustomer(tenant.id, i, true)),
    ...Array.from({ length: visitors }, (_, i) => storedCustomer(tenant.id, i, false)),
  ];
  for (let from = 0; from < items.length; from += 5_000) await store.putMany(items.slice(from, from + 5_000));
}

/**
 * The daily model fit of one tenant, on dynalite, beside a tenant ten times larger in the same
 * table: read capacity per buyer through the sparse buyer index, against the full-scan fit it
 * replaces (which reads every item of the table, both tenants', to find the tenant's profiles).
 */
export async function benchFitReads(): Promise<Results> {
  const server = await startDynalite({ ownProcess: true });
  const client = localDynamoClient(server.endpoint);
  try {
    await ensureTable(client, 'growthloop-bench');
    const store = createDynamoStore({ client, tableName: 'growthloop-bench' });
    for (const tenant of [SMALL, LARGE]) {
      process.stderr.write(`  writing ${tenant.buyers.toLocaleString('en')} buyers of ${tenant.id} and visitors…\n`);
      await writeTenant(store, tenant);
    }
    const record = (id: string) => ({ id, timezone: 'UTC', currency: 'EUR', apiKeySha256: '-', adminKeySha256: '-' });
    const tenants = tenantDirectory([record(SMALL.id), record(LARGE.id)]);
    const bus: Bus = { put: async () => {} };
    const jobs = createDailyRun({ store, bus, clock: new ManualClock(NOW), tenants, log: silentLog });

    const before = store.consumed.read;
    const started = performance.now();
    const tenant = await tenants.byId(SMALL.id);
    if (!tenant) throw new Error(`tenant ${SMALL.id} is missing`);
    const diagnostics = await jobs.fitModel(tenant);
    const fitMs = performance.now() - started;
    const fitReads = store.consumed.read - before;
    if (diagnostics.status !== 'fitted' || diagnostics.buyers !== SMALL.buyers) {
      throw new Error(`the fit read ${diagnostics.buyers} buyers (${diagnostics.status} ${diagnostics.reason ?? ''})`);
    }

    const scanBefore = store.consumed.read;
    const scanned = (await store.scan(`${SMALL.id}#C#`)).filter((item) => item.sk === 'PROFILE');
    const scanReads = store.consumed.read - scanBefore;
    if (scanned.length !== SMALL.buyers * (1 + VISITORS_PER_BUYER)) {
      throw new Error(`the scan found ${scanned.length} profiles`);
    }

    return {
      'models.fit_reads_per_buyer': {
        value: fitReads / SMALL.buyers,
        unit: 'RCU/buyer',
        better: 'lower',
        target: 1.2,
        anchor: { name: 'full-scan fit', value: scanReads / SMALL.buyers },
        note:
          `${SMALL.buyers.toLocaleString('en')} buyers of ${SMALL.id} beside ${LARGE.buyers.toLocaleString('en')} of ` +
          `${LARGE.id} in the same table (and half as many visitors each); fit took ${Math.round(fitMs)} ms`,
      },
    };
  } finally {
    client.destroy();
    await server.close();
  }
}
