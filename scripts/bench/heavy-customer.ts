// dynamodb.wcu_per_event_heavy_customer: the write capacity a customer with 1,000 orders costs per
// event folded, against dynalite (which reports consumed capacity as DynamoDB bills it), beside
// the same day of events of a customer with no orders before. The order book keeps only recent
// orders on the profile item (functions/core/profiles/order-book.ts), so both cost the same.
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { ManualClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryBus } from '../../functions/adapters/memory/bus';
import { createFoldProfiles } from '../../functions/app/fold-profiles/run';
import { tenantDirectory, tenantRecords } from '../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { fromProfileItem, profileKey } from '../../functions/core/profiles/items';
import type { Store } from '../../functions/ports';
import { INGEST_SOURCE } from '../../functions/routes';
import { demoConfig } from '../../functions/runtime/config-file';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import { shopHistory } from '../workload';
import type { Results } from './results';

const ORDERS = 1000;
const DAY_EVENTS = 400;
const DAY = 86_400_000;
const NOW = Date.parse('2026-06-02T00:00:00Z');
const log = (message: string) => process.stderr.write(`  ${message}\n`);

/** 1,000 orders over the three years before the measured day, one every 26 hours or so. */
function orderHistory(tenantId: string, customerId: string): CanonicalEvent[] {
  return Array.from({ length: ORDERS }, (_, n) => {
    const at = new Date(NOW - 2 * DAY - (ORDERS - n) * 26 * 3_600_000).toISOString();
    return {
      type: 'order_placed',
      tenantId,
      customerId,
      eventId: `history-${customerId}-${n}`,
      occurredAt: at,
      source: 'api',
      properties: { orderId: `${customerId}-h${n}`, total: { amount: 2000 + (n % 50) * 100, currency: 'EUR' } },
    } as CanonicalEvent;
  });
}

/** A day of the customer's sessions, each a batch of its own, as SDKs flush a session's events together. */
function daySessions(tenantId: string, customerId: string): CanonicalEvent[][] {
  const events = shopHistory({
    customers: 1,
    events: DAY_EVENTS,
    seed: 21,
    prefix: 'day',
    start: new Date(NOW - DAY).toISOString(),
    days: 1,
  }).map((e) => ({ ...e, tenantId, customerId, eventId: `${customerId}-${e.eventId}` }) as CanonicalEvent);
  const sessions: CanonicalEvent[][] = [];
  for (const event of events) {
    if (event.type === 'session_started' || sessions.length === 0) sessions.push([]);
    (sessions[sessions.length - 1] as CanonicalEvent[]).push(event);
  }
  return sessions;
}

let records = 0;
const recordsOf = (events: CanonicalEvent[]) =>
  events.map((detail) => ({
    id: `r-${records++}`,
    body: JSON.stringify({ source: INGEST_SOURCE, 'detail-type': detail.type, detail }),
  }));

async function wcuPerEvent(store: Store, customerId: string, history: boolean) {
  const config = demoConfig();
  const tenantId = config.tenants[0]?.id as string;
  const fold = createFoldProfiles({
    store,
    bus: createMemoryBus(),
    clock: new ManualClock(NOW),
    tenants: tenantDirectory(tenantRecords(config)),
    log: silentLog,
  });
  const deliver = async (events: CanonicalEvent[]) => {
    const { failedIds } = await fold({ records: recordsOf(events) });
    if (failedIds.length > 0) throw new Error(`${failedIds.length} events of ${customerId} were not folded`);
  };
  if (history) {
    const orders = orderHistory(tenantId, customerId);
    for (let i = 0; i < orders.length; i += 50) await deliver(orders.slice(i, i + 50));
  }
  const sessions = daySessions(tenantId, customerId);
  const before = store.consumed.write;
  for (const session of sessions) await deliver(session);
  const events = sessions.reduce((n, s) => n + s.length, 0);
  const wcu = (store.consumed.write - before) / events;
  const item = await store.get(profileKey(tenantId, customerId), { consistent: true });
  const stored = item && fromProfileItem(item);
  const bytes = item ? Buffer.byteLength(JSON.stringify(item)) : 0;
  log(`${customerId}: ${stored?.profile.orders} orders, ${events} events in ${sessions.length} sessions,`);
  log(`  ${wcu.toFixed(3)} WCU/event, profile item ${bytes} bytes`);
  return wcu;
}

export async function benchHeavyCustomer(): Promise<Results> {
  const dynalite = await startDynalite({ ownProcess: true });
  const client = localDynamoClient(dynalite.endpoint);
  try {
    await ensureTable(client, 'bench-heavy');
    const store = createDynamoStore({ client, tableName: 'bench-heavy' });
    const heavy = await wcuPerEvent(store, 'heavy', true);
    const light = await wcuPerEvent(store, 'light', false);
    return {
      'dynamodb.wcu_per_event_heavy_customer': {
        value: heavy,
        unit: 'WCU/event',
        better: 'lower',
        target: 1.2,
        anchor: { name: 'the same day of a customer with no orders before', value: light },
        note: `a day of ${DAY_EVENTS} events (each session sent together) of a customer with ${ORDERS} orders, folded against dynalite`,
      },
    };
  } finally {
    client.destroy();
    await dynalite.close();
  }
}
