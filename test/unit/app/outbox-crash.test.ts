// Every use case that writes with an outbox, crashed after each of its steps in turn and then
// delivered again: what it leaves behind (state, bus events, actions, timers, counters) is what
// one clean run leaves. Only the journey counters may count twice, and only when the crash came
// after they were added and before the outbox was cleared, as docs/data-model.md says.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../functions/adapters/clock';
import { silentLog } from '../../../functions/adapters/log';
import { createMemoryBus } from '../../../functions/adapters/memory/bus';
import { Faults, type Operation } from '../../../functions/adapters/memory/faults';
import { createMemoryQueue } from '../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../functions/adapters/memory/store';
import { createMemoryTimers } from '../../../functions/adapters/memory/timers';
import { createAdvanceJourneys } from '../../../functions/app/advance-journeys/run';
import { createDailyRun } from '../../../functions/app/daily-run/run';
import { createFoldProfiles } from '../../../functions/app/fold-profiles/run';
import type { QueueRecord } from '../../../functions/contracts/messages';
import type { CanonicalEvent } from '../../../functions/core/events/schemas';
import { customerJourneysKey, stateKey, statsKey, versionKey } from '../../../functions/core/journeys/items';
import { Journey } from '../../../functions/core/journeys/schema';
import { fromProfileItem, profileKey } from '../../../functions/core/profiles/items';
import type { Item } from '../../../functions/ports';
import { INGEST_SOURCE } from '../../../functions/routes';
import { testEvent } from '../../helpers/events';
import { welcomeJourney } from '../../helpers/journeys';
import { testTenants } from '../../helpers/scoring';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const HOUR = 3_600_000;
const tenantId = 'shop';

function world() {
  const faults = new Faults();
  const clock = new ManualClock(T0);
  const store = createMemoryStore({ faults });
  const queue = createMemoryQueue({ clock, faults });
  const bus = createMemoryBus({ faults });
  const timers = createMemoryTimers({ queue, clock, faults });
  const deps = { store, queue, bus, timers, clock, tenants: testTenants([tenantId]), log: silentLog };
  return { faults, clock, store, queue, bus, timers, deps };
}
type World = ReturnType<typeof world>;

const event = (type: string, customerId: string, at: number, properties: object, eventId = `${type}-${at}`) =>
  testEvent(tenantId, type, customerId, at, properties, eventId);

const delivery = (e: CanonicalEvent, n: number): QueueRecord => ({
  id: `record-${n}`,
  body: JSON.stringify({ version: '0', id: `bus-${n}`, 'detail-type': e.type, source: INGEST_SOURCE, detail: e }),
});

/** Distinct bus events by customer and eventId; copies must be identical (consumers drop repeats). */
function distinctEvents(w: World) {
  const byId = new Map<string, string>();
  for (const e of w.bus.events) {
    const { customerId, eventId } = e.detail as { customerId: string; eventId: string };
    const id = `${customerId}\u0000${eventId}`;
    const text = JSON.stringify(e);
    expect(byId.get(id) ?? text).toBe(text);
    byId.set(id, text);
  }
  return [...byId.values()].sort();
}

/** Distinct actions by key; the copies of one key must be identical (the dispatcher sends a key once). */
async function distinctActions(w: World) {
  const byKey = new Map<string, string>();
  for (let batch = await w.queue.receive('actions', { max: 100 }); batch.length > 0; ) {
    for (const m of batch) {
      const key = (JSON.parse(m.body) as { key: string }).key;
      expect(byKey.get(key) ?? m.body).toBe(m.body);
      byKey.set(key, m.body);
    }
    batch = await w.queue.receive('actions', { max: 100 });
  }
  return [...byKey.values()].sort();
}

const withoutVersion = (item: Item | undefined) => {
  if (!item) return item;
  const { version: _, ...rest } = item;
  return rest;
};

type Scenario<O> = {
  /** What exists before the delivery. */
  setup(w: World): Promise<void>;
  /** One delivery of the work; resolves to whether it completed (a crash reports failure). */
  deliver(w: World): Promise<boolean>;
  /** What the work left behind. */
  outcome(w: World, countedTwice: boolean): Promise<O>;
};

/**
 * Runs the scenario once cleanly, counting its steps; then, for each step, in a new world, crashes
 * right after that step, delivers again until done, and compares what is left with the clean run.
 */
async function crashAfterEachStep<O>(scenario: Scenario<O>) {
  const clean = world();
  await scenario.setup(clean);
  const first = clean.faults.calls.length;
  expect(await scenario.deliver(clean)).toBe(true);
  const steps: Operation[] = clean.faults.calls.slice(first);
  const expected = await scenario.outcome(clean, false);
  expect(steps.length).toBeGreaterThan(1);

  for (let step = 1; step <= steps.length; step++) {
    const w = world();
    await scenario.setup(w);
    w.faults.crashAfterStep(step);
    const completed = await scenario.deliver(w).catch(() => false);
    expect(completed, `a crash after step ${step} (${steps[step - 1]}) is reported`).toBe(false);
    let deliveries = 1;
    while (!(await scenario.deliver(w))) expect(++deliveries).toBeLessThan(5);
    // Counters added before the crash are added again, unless the outbox had already been cleared.
    const countedTwice = steps.slice(0, step).includes('store.increment') && step < steps.length;
    expect(await scenario.outcome(w, countedTwice), `after a crash after step ${step} (${steps[step - 1]})`).toEqual(
      expected,
    );
  }
  return steps;
}

describe('fold profiles, crashed after each step', () => {
  const records = [
    delivery(event('identify', 'ada', T0 - 2 * HOUR, { traits: { plan: 'gold' } }), 1),
    delivery(event('order_placed', 'ada', T0 - HOUR, { orderId: 'o-1', total: { amount: 4200, currency: 'EUR' } }), 2),
  ];
  const outcome = async (w: World) => ({
    profile: withoutVersion(await w.store.get(profileKey(tenantId, 'ada'))),
    events: distinctEvents(w),
  });

  it('folds each event once and puts each stage change on the bus', async () => {
    const fold = (w: World) => createFoldProfiles(w.deps);
    const steps = await crashAfterEachStep({
      async setup() {},
      deliver: async (w) => (await fold(w)({ records })).failedIds.length === 0,
      outcome,
    });
    expect(steps).toEqual(['store.put', 'bus.put', 'store.put']);
  });

  it('merges an anonymous visitor into the customer once, with its events', async () => {
    const visitor = [delivery(event('product_viewed', 'anon:v1', T0 - 3 * HOUR, { productId: 'p-1' }), 3)];
    const alias = [delivery(event('alias', 'ada', T0 - 30 * 60_000, { previousId: 'anon:v1' }), 5)];
    const fold = (w: World) => createFoldProfiles(w.deps);
    const steps = await crashAfterEachStep({
      async setup(w) {
        expect((await fold(w)({ records: [...visitor, ...records] })).failedIds).toEqual([]);
      },
      deliver: async (w) => (await fold(w)({ records: alias })).failedIds.length === 0,
      async outcome(w) {
        const stored = fromProfileItem((await w.store.get(profileKey(tenantId, 'ada'))) as Item);
        const merged = await w.store.get(profileKey(tenantId, 'anon:v1'));
        return { ...(await outcome(w)), counters: stored.profile, visitor: merged ?? null };
      },
    });
    expect(steps.length).toBeGreaterThanOrEqual(3);
  });
});

describe('advance journeys, crashed after each step', () => {
  const journey = Journey.parse({ ...welcomeJourney, status: 'live', version: 1, limits: { dailyCap: 2 } });
  const login = (customerId: string) => delivery(event('login', customerId, T0, {}, `login-${customerId}`), 1);

  async function publish(w: World) {
    await w.store.put({ ...versionKey(tenantId, 'welcome', 1), journey, publishedAt: new Date(T0).toISOString() });
    await w.store.put({
      ...stateKey(tenantId, 'welcome'),
      state: { status: 'live', version: 1, updatedAt: new Date(T0).toISOString() },
      version: 1,
    });
  }
  const advance = (w: World, records: QueueRecord[]) => createAdvanceJourneys(w.deps)({ records });
  const stats = async (w: World) =>
    ((await w.store.get(statsKey(tenantId, 'welcome'))) ?? {}) as Record<string, unknown>;
  /** The counters before the delivery under test. */
  const before = new WeakMap<World, Record<string, unknown>>();

  async function outcome(w: World, countedTwice: boolean) {
    const base = before.get(w) ?? {};
    // Counted twice: what the delivery added is in the counters two times.
    const once = Object.fromEntries(
      Object.entries(await stats(w)).map(([k, v]) => {
        const added = typeof v === 'number' ? v - ((base[k] as number | undefined) ?? 0) : 0;
        return [k, typeof v === 'number' && countedTwice ? v - added / 2 : v];
      }),
    );
    return {
      state: withoutVersion(await w.store.get(customerJourneysKey(tenantId, 'ada'))),
      actions: await distinctActions(w),
      timers: w.timers.pending(),
      stats: once,
    };
  }

  it('an event that enters the journey: one send within the cap, one timer, the counters', async () => {
    const steps = await crashAfterEachStep({
      setup: publish,
      deliver: async (w) => (await advance(w, [login('ada')])).failedIds.length === 0,
      outcome,
    });
    expect(steps).toEqual(['store.claim', 'store.put', 'queue.send', 'timers.set', 'store.increment', 'store.put']);
  });

  it('the timer that fires: the second send, the journey completes', async () => {
    let timer: QueueRecord | undefined;
    const steps = await crashAfterEachStep({
      async setup(w) {
        await publish(w);
        expect((await advance(w, [login('ada')])).failedIds).toEqual([]);
        await distinctActions(w);
        w.clock.set(T0 + HOUR);
        expect(await w.timers.fireDue()).toBe(1);
        const [message] = await w.queue.receive('journey-steps', { max: 1 });
        timer = { id: 'timer-1', body: message?.body ?? '' };
        before.set(w, await stats(w));
      },
      deliver: async (w) => (await advance(w, [timer as QueueRecord])).failedIds.length === 0,
      outcome,
    });
    expect(steps).toEqual(['store.claim', 'store.put', 'queue.send', 'store.increment', 'store.put']);
  });

  it('a cap reached by other customers is not taken twice by one customer decided again', async () => {
    const w = world();
    await publish(w);
    expect((await advance(w, [login('bob')])).failedIds).toEqual([]);
    w.faults.crashAfterStep(1);
    expect((await advance(w, [login('ada')])).failedIds).toEqual(['record-1']);
    expect((await advance(w, [login('ada')])).failedIds).toEqual([]);
    expect((await advance(w, [login('cy')])).failedIds).toEqual([]);
    const sends = (await distinctActions(w)).map((body) => (JSON.parse(body) as { customerId: string }).customerId);
    expect(sends.sort()).toEqual(['ada', 'bob']);
    expect(await w.store.get(statsKey(tenantId, 'welcome'))).toMatchObject({ entered: 3, queued: 2, capped: 1 });
  });
});

describe('the daily due pass, crashed after each step', () => {
  const DAY = 24 * HOUR;
  const customers = ['ada', 'bob'];

  it('moves each due customer once and puts each stage change on the bus', async () => {
    const steps = await crashAfterEachStep({
      async setup(w) {
        const fold = createFoldProfiles(w.deps);
        const records = customers.map((c, n) =>
          delivery(
            event('order_placed', c, T0 - 40 * DAY, { orderId: `o-${c}`, total: { amount: 900, currency: 'EUR' } }),
            n,
          ),
        );
        w.clock.set(T0 - 40 * DAY);
        expect((await fold({ records })).failedIds).toEqual([]);
        w.bus.events.length = 0;
        w.clock.set(T0);
      },
      async deliver(w) {
        await createDailyRun(w.deps).duePass(tenantId);
        return true;
      },
      async outcome(w) {
        const stages = [];
        for (const c of customers) {
          stages.push(withoutVersion(await w.store.get(profileKey(tenantId, c))));
        }
        return { stages, events: distinctEvents(w) };
      },
    });
    // Shards are rescored concurrently, so the two customers' steps may interleave.
    expect([...steps].sort()).toEqual(['bus.put', 'bus.put', 'store.put', 'store.put', 'store.put', 'store.put']);
  });
});
