// The memory adapters pass the same contract suites as the others, and fail on cue.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { createMemoryBus } from '../../functions/adapters/memory/bus';
import { Faults, SimulatedCrash } from '../../functions/adapters/memory/faults';
import { createMemoryQueue } from '../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import { createMemoryTimers } from '../../functions/adapters/memory/timers';
import { ConditionFailedError } from '../../functions/ports';
import { busContract } from './bus.contract';
import { queueContract } from './queue.contract';
import { storeContract } from './store.contract';
import { timersContract } from './timers.contract';

describe('memory store', () => {
  const store = createMemoryStore();
  storeContract(() => store, { billsBySize: true, atomicUpdates: true });
});

describe('memory queue', () => {
  queueContract(async () => {
    const clock = new ManualClock('2024-03-01T09:00:00Z');
    const queue = createMemoryQueue({ clock, definitions: { contract: { visibilitySeconds: 1, maxReceiveCount: 2 } } });
    return {
      queue,
      name: 'contract',
      maxReceiveCount: 2,
      passVisibilityTimeout: async () => clock.advance(1001),
      close: async () => {},
    };
  });
});

describe('memory bus', () => {
  busContract(async () => {
    const clock = new ManualClock('2024-03-01T09:30:00Z');
    const queue = createMemoryQueue({ clock });
    return { bus: createMemoryBus({ queue, clock }), queue, close: async () => {} };
  });
});

describe('memory timers', () => {
  timersContract(
    async () => {
      const clock = new ManualClock('2024-03-01T09:00:00Z');
      const queue = createMemoryQueue({ clock, definitions: { steps: { visibilitySeconds: 30, maxReceiveCount: 3 } } });
      const timers = createMemoryTimers({ queue, clock });
      return {
        timers,
        queue: 'steps',
        now: () => clock.now(),
        async pass(ms) {
          clock.advance(ms);
          await timers.fireDue();
        },
        async delivered() {
          const messages = await queue.receive('steps', { max: 100 });
          await queue.ack(
            'steps',
            messages.map((m) => m.receipt),
          );
          return messages.map((m) => m.body);
        },
        delayMs: 86_400_000,
        slackMs: 1,
        close: async () => {},
      };
    },
    { dedupesPending: true, ordered: true, restart: false },
  );
});

describe('memory adapters fail on cue', () => {
  const item = { pk: 'T#C#1', sk: 'PROFILE', version: 1 };

  it('a failed call changes nothing; a crash after a call keeps its effect', async () => {
    const store = createMemoryStore();
    store.faults.failNext('store.put');
    await expect(store.put(item)).rejects.toThrow('injected failure');
    expect(await store.get(item)).toBeUndefined();
    store.faults.crashAfterNext('store.put');
    await expect(store.put(item)).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await store.get(item)).toEqual(item);
  });

  it('refuses a condition that holds, as if another writer had won', async () => {
    const store = createMemoryStore();
    await store.put(item);
    store.faults.refuseNextConditions(1);
    await expect(store.put({ ...item, version: 2 }, { ifVersion: 1 })).rejects.toBeInstanceOf(ConditionFailedError);
    await store.put({ ...item, version: 2 }, { ifVersion: 1 });
    expect((await store.get(item))?.version).toBe(2);
  });

  it('counts the steps of every adapter sharing one Faults, and crashes after the n-th', async () => {
    const faults = new Faults();
    const clock = new ManualClock('2024-03-01T09:00:00Z');
    const store = createMemoryStore({ faults });
    const queue = createMemoryQueue({ clock, faults });
    const bus = createMemoryBus({ faults });
    faults.crashAfterStep(2);
    await store.put(item);
    await expect(queue.send('actions', ['a'])).rejects.toBeInstanceOf(SimulatedCrash);
    await bus.put([{ source: 's', detailType: 'd', detail: {} }]);
    expect(faults.calls).toEqual(['store.put', 'queue.send', 'bus.put']);
    expect(queue.depth('actions')).toBe(1);
    expect(bus.events).toHaveLength(1);
  });

  it('copies items in and out, so holding an object cannot change the store', async () => {
    const store = createMemoryStore();
    const nested = { ...item, nested: { n: 1 } };
    await store.put(nested);
    nested.nested.n = 2;
    const read = await store.get(item);
    (read?.nested as { n: number }).n = 3;
    expect((await store.get(item))?.nested).toEqual({ n: 1 });
  });
});
