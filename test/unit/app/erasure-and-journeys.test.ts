// Erasure against the journeys: a journey step whose reads came before an erasure and whose write
// lands after it re-creates nothing of the customer, and their events delivered again after the
// erasure start nothing. Races are played out exactly: the erasure runs, in another process on
// the same table, right before the step's write of the customer's journey state.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../functions/adapters/clock';
import { silentLog } from '../../../functions/adapters/log';
import { createMemoryBus } from '../../../functions/adapters/memory/bus';
import { createMemoryQueue } from '../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../functions/adapters/memory/store';
import { createMemoryTimers } from '../../../functions/adapters/memory/timers';
import { createAdvanceJourneys } from '../../../functions/app/advance-journeys/run';
import { createFoldProfiles } from '../../../functions/app/fold-profiles/run';
import { createPrivacy } from '../../../functions/app/privacy/run';
import type { QueueRecord } from '../../../functions/contracts/messages';
import { customerJourneysKey, stateKey, versionKey } from '../../../functions/core/journeys/items';
import { Journey } from '../../../functions/core/journeys/schema';
import { customerPk } from '../../../functions/core/profiles/items';
import { busDelivery, testEvent } from '../../helpers/events';
import { welcomeJourney } from '../../helpers/journeys';
import { testTenants } from '../../helpers/scoring';
import { beforeFirstPut } from '../../helpers/stores';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const MINUTE = 60_000;
const tenantId = 'shop';
const EMAIL = 'ada.lovelace@example.org';

async function world() {
  const clock = new ManualClock(T0);
  const store = createMemoryStore();
  const queue = createMemoryQueue({ clock });
  const bus = createMemoryBus();
  const timers = createMemoryTimers({ queue, clock });
  const deps = { store, queue, bus, timers, clock, tenants: testTenants([tenantId]), log: silentLog };
  const journey = Journey.parse({ ...welcomeJourney, status: 'live', version: 1 });
  await store.put({ ...versionKey(tenantId, 'welcome', 1), journey, publishedAt: new Date(T0).toISOString() });
  await store.put({
    ...stateKey(tenantId, 'welcome'),
    state: { status: 'live', version: 1, updatedAt: new Date(T0).toISOString() },
    version: 1,
  });
  // Another process on the same table: its writes do not wait in line behind the journey step's.
  const privacy = createPrivacy({ store: { ...store }, clock });
  const advance = createAdvanceJourneys(deps);
  const fold = createFoldProfiles(deps);
  return {
    clock,
    store,
    queue,
    timers,
    advance: (records: QueueRecord[]) => advance({ records }),
    fold: (records: QueueRecord[]) => fold({ records }),
    erase: () => privacy.erase(tenantId, 'ada', 'admin_api'),
  };
}
type World = Awaited<ReturnType<typeof world>>;

const login = (at: number, eventId = `login-${at}`) => testEvent(tenantId, 'login', 'ada', at, {}, eventId);
const identify = (at: number) => testEvent(tenantId, 'identify', 'ada', at, { traits: { email: EMAIL } }, `id-${at}`);

/** The actions asked for so far, taken off the queue. */
async function drainActions(w: World): Promise<string[]> {
  const taken = await w.queue.receive('actions', { max: 100 });
  if (taken.length > 0)
    await w.queue.ack(
      'actions',
      taken.map((m) => m.receipt),
    );
  return taken.map((m) => m.body);
}

const journeysOf = (w: World) => w.store.get(customerJourneysKey(tenantId, 'ada'), { consistent: true });

/** What is left of ada: in her partition only the erased marker, and no actions or timers pending for her. */
async function nothingOfAda(w: World) {
  const partition = await w.store.query(customerPk(tenantId, 'ada'), { consistent: true });
  expect(partition.map((i) => i.sk)).toEqual(['PROFILE']);
  expect(partition[0]?.tenantId).toBeUndefined();
  expect(JSON.stringify(partition)).not.toContain(EMAIL);
  expect((await drainActions(w)).filter((b) => b.includes('"ada"'))).toEqual([]);
  expect(w.timers.pending().filter((t) => JSON.stringify(t).includes('"ada"'))).toEqual([]);
}

describe('erasure holds against the journeys', () => {
  it('when it lands between a journey step finding no state and creating it', async () => {
    const w = await world();
    await w.fold([busDelivery(identify(T0 - 2 * MINUTE), T0 - 2 * MINUTE)]);
    w.clock.advance(MINUTE);
    beforeFirstPut(w.store, customerJourneysKey(tenantId, 'ada'), w.erase);
    const result = await w.advance([busDelivery(login(T0 - MINUTE), T0 - MINUTE)]);
    expect(result.failedIds).toEqual([]);
    expect(await journeysOf(w)).toBeUndefined();
    await nothingOfAda(w);
  });

  it('when it lands between a timer step reading her state and writing it', async () => {
    const w = await world();
    await w.fold([busDelivery(identify(T0 - 3 * MINUTE), T0 - 3 * MINUTE)]);
    await w.advance([busDelivery(login(T0 - 2 * MINUTE), T0 - 2 * MINUTE)]);
    expect(await journeysOf(w)).toBeDefined();
    await drainActions(w);
    // Her wait is over: the timer's step moves her on (a push), and the erasure lands before its write.
    const [timer] = w.timers.pending();
    w.clock.set(timer?.at as number);
    beforeFirstPut(w.store, customerJourneysKey(tenantId, 'ada'), w.erase);
    const result = await w.advance([{ id: 'timer-1', body: timer?.body as string }]);
    expect(result.failedIds).toEqual([]);
    expect(await drainActions(w)).toEqual([]);
    expect(await journeysOf(w)).toBeUndefined();
    const partition = await w.store.query(customerPk(tenantId, 'ada'), { consistent: true });
    expect(partition.map((i) => i.sk)).toEqual(['PROFILE']);
  });

  it('when a journey event of hers is delivered again after the erasure, as received then or anew', async () => {
    const w = await world();
    const first = login(T0 - 2 * MINUTE);
    await w.fold([busDelivery(identify(T0 - 3 * MINUTE), T0 - 3 * MINUTE)]);
    await w.advance([busDelivery(first, T0 - 2 * MINUTE)]);
    await w.erase();
    // Drain what the step before the erasure sent; what is asked after it must be nothing.
    await drainActions(w);
    w.clock.advance(MINUTE);
    expect((await w.advance([busDelivery(first, T0 - 2 * MINUTE)])).failedIds).toEqual([]);
    expect((await w.advance([busDelivery(first, w.clock.now())])).failedIds).toEqual([]);
    expect(await journeysOf(w)).toBeUndefined();
    const partition = await w.store.query(customerPk(tenantId, 'ada'), { consistent: true });
    expect(partition.map((i) => i.sk)).toEqual(['PROFILE']);
    expect(await drainActions(w)).toEqual([]);
  });

  it('when an old journey event of hers is delivered again after she came back with a new profile', async () => {
    const w = await world();
    const old = login(T0 - 2 * MINUTE);
    await w.erase();
    w.clock.advance(2000);
    await w.fold([busDelivery(identify(w.clock.now()), w.clock.now())]);
    expect((await w.advance([busDelivery(old, T0 - 2 * MINUTE)])).failedIds).toEqual([]);
    expect(await journeysOf(w)).toBeUndefined();
    expect(await drainActions(w)).toEqual([]);
  });

  it('yet lets her start journeys anew with what comes after the erasure', async () => {
    const w = await world();
    await w.advance([busDelivery(login(T0 - 2 * MINUTE), T0 - 2 * MINUTE)]);
    await w.erase();
    w.clock.advance(2000);
    await w.advance([busDelivery(login(w.clock.now(), 'login-new'), w.clock.now())]);
    expect(await journeysOf(w)).toBeDefined();
  });
});
