// Timers port for the local runtime: a timer wheel kept in memory and persisted in the store, so
// timers set before a restart still fire after it.
//
// Store layout (one item per pending timer; the reserved upper-case prefix cannot collide with a
// tenant, whose ids are lower-case, see functions/core/config/schema.ts):
//   pk  `TIMERS#<YYYY-MM-DDTHH>`   the UTC hour the timer is due in, so no partition grows without bound
//   sk  `<at, 15-digit zero-padded epoch ms>#<id>`   time order inside the hour
//   attributes: timerId, at (epoch ms), queue, body
// The items are read back once, with store.scan('TIMERS#'), when the adapter is first used.
//
// Delivery is at-least-once: a due timer's body is sent to its queue BEFORE its item is deleted,
// so a crash in between delivers it again after the restart (consumers treat that as a no-op).

import { forEachConcurrently } from '../../concurrently';
import { MinHeap } from '../../core/min-heap';
import type { Clock, Item, Key, Queue, Store, Timer, Timers } from '../../ports';

export const TIMERS_PK_PREFIX = 'TIMERS#';

const DEFAULT_POLL_MS = 1_000;
/** Store deletes in flight at once while firing a batch. */
const DELETE_CONCURRENCY = 16;

type Pending = { id: string; at: number; queue: string; body: string; key: Key };

/** The store key of a pending timer (see the layout above). */
export function timerKey(id: string, at: number): Key {
  const hour = new Date(at).toISOString().slice(0, 13);
  return { pk: `${TIMERS_PK_PREFIX}${hour}`, sk: `${String(Math.floor(at)).padStart(15, '0')}#${id}` };
}

function validate(timer: Timer, index: number): void {
  if (typeof timer.id !== 'string' || timer.id.length === 0)
    throw new Error(`timer ${index}: id must be a non-empty string`);
  if (!Number.isFinite(timer.at)) throw new Error(`timer ${timer.id}: at must be epoch milliseconds, got ${timer.at}`);
  if (typeof timer.queue !== 'string' || timer.queue.length === 0) {
    throw new Error(`timer ${timer.id}: queue must be a non-empty string`);
  }
  if (typeof timer.body !== 'string') throw new Error(`timer ${timer.id}: body must be a string`);
}

/** The last timer of each id wins: setting an id twice in one call is setting it once. */
function lastPerId(timers: readonly Timer[]): Timer[] {
  const byId = new Map<string, Timer>();
  timers.forEach((timer, index) => {
    validate(timer, index);
    byId.delete(timer.id);
    byId.set(timer.id, timer);
  });
  return [...byId.values()];
}

const before = (a: Pending, b: Pending) => a.at < b.at || (a.at === b.at && a.id < b.id);

/** A binary min-heap on (at, id). Replaced and fired timers are dropped lazily when they surface. */
function fromItem(item: Item): Pending | undefined {
  const { timerId, at, queue, body } = item;
  if (typeof timerId !== 'string' || typeof at !== 'number' || typeof queue !== 'string' || typeof body !== 'string') {
    return undefined;
  }
  return { id: timerId, at, queue, body, key: { pk: item.pk, sk: item.sk } };
}

export type LocalTimers = Timers & {
  /** Polls for due timers every `pollMs` of real time; what is due is read from `clock`. */
  start(): void;
  /** Stops polling and waits for a firing in progress. */
  stop(): Promise<void>;
  /** Sends every timer due by `clock.now()` to its queue, earliest first; resolves to how many it sent. */
  fireDue(): Promise<number>;
  /** When the earliest pending timer is due (epoch ms), if any: simulations move their clock there. */
  nextAt(): Promise<number | undefined>;
};

/**
 * The local timer wheel. Timers already due when set are sent at once and never stored; later
 * ones are stored and kept in an in-memory heap. Setting an id that is still pending replaces it
 * (the old item is deleted, then the new one written); setting the same timer again changes nothing.
 */
export function createLocalTimers(options: {
  store: Store;
  queue: Queue;
  clock: Clock;
  pollMs?: number;
  /** Called when a background poll fails (the timers stay pending and are tried on the next poll). */
  onError?: (error: unknown) => void;
}): LocalTimers {
  const { store, queue, clock } = options;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const onError =
    options.onError ??
    ((error: unknown) => {
      // The message only: bodies may carry customer data, which is never logged.
      process.stderr.write(`growthloop timers: firing due timers failed: ${(error as Error)?.message ?? error}\n`);
    });

  const pending = new Map<string, Pending>();
  const heap = new MinHeap<Pending>(before);
  let loaded: Promise<void> | undefined;
  /** set() and fireDue() run one at a time, so a replacement never races a firing of the same id. */
  let tail: Promise<unknown> = Promise.resolve();
  let poller: NodeJS.Timeout | undefined;
  let polling: Promise<unknown> | undefined;
  let running = false;

  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = tail.then(work);
    tail = result.catch(() => {});
    return result;
  }

  function track(entry: Pending): void {
    pending.set(entry.id, entry);
    heap.push(entry);
  }

  function ensureLoaded(): Promise<void> {
    loaded ??= (async () => {
      const duplicates: Key[] = [];
      for (const item of await store.scan(TIMERS_PK_PREFIX)) {
        const entry = fromItem(item);
        if (!entry) continue;
        const known = pending.get(entry.id);
        // This adapter deletes before it writes, so two items for one id only come from two runtimes
        // sharing a store: keep the later timer.
        if (known && !before(known, entry)) {
          duplicates.push(entry.key);
          continue;
        }
        if (known) duplicates.push(known.key);
        track(entry);
      }
      await forEachConcurrently(duplicates, DELETE_CONCURRENCY, (key) => store.delete(key));
    })().catch((error) => {
      loaded = undefined;
      pending.clear();
      heap.clear();
      throw error;
    });
    return loaded;
  }

  /** Sends bodies per queue, in the order given. */
  async function deliver(entries: readonly Timer[]): Promise<void> {
    const byQueue = new Map<string, string[]>();
    for (const entry of entries) {
      const bodies = byQueue.get(entry.queue) ?? [];
      bodies.push(entry.body);
      byQueue.set(entry.queue, bodies);
    }
    for (const [name, bodies] of byQueue) await queue.send(name, bodies);
  }

  async function fire(): Promise<number> {
    await ensureLoaded();
    const now = clock.now();
    const due: Pending[] = [];
    for (let top = heap.peek(); top !== undefined && top.at <= now; top = heap.peek()) {
      heap.pop();
      if (pending.get(top.id) === top) due.push(top);
    }
    if (due.length === 0) return 0;

    const byQueue = new Map<string, Pending[]>();
    for (const entry of due) {
      const group = byQueue.get(entry.queue) ?? [];
      group.push(entry);
      byQueue.set(entry.queue, group);
    }
    // Each queue on its own: one failing queue (unknown name, say) does not hold back the others.
    let sent = 0;
    const failures: unknown[] = [];
    for (const group of byQueue.values()) {
      try {
        await deliver(group);
      } catch (error) {
        // Not sent: back in the heap for the next try (still in `pending` and in the store).
        for (const entry of group) heap.push(entry);
        failures.push(error);
        continue;
      }
      for (const entry of group) pending.delete(entry.id);
      await forEachConcurrently(group, DELETE_CONCURRENCY, (entry) => store.delete(entry.key));
      sent += group.length;
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1)
      throw new AggregateError(failures, `sending due timers failed for ${failures.length} queues`);
    return sent;
  }

  async function set(timers: readonly Timer[]): Promise<void> {
    const wanted = lastPerId(timers);
    if (wanted.length === 0) return;
    await ensureLoaded();
    const now = clock.now();
    const dueNow: Timer[] = [];
    const toDelete: Pending[] = [];
    const toWrite: Pending[] = [];
    for (const timer of wanted) {
      const known = pending.get(timer.id);
      if (known && known.at === timer.at && known.queue === timer.queue && known.body === timer.body) continue;
      if (known) toDelete.push(known);
      if (timer.at <= now) dueNow.push(timer);
      else toWrite.push({ ...timer, key: timerKey(timer.id, timer.at) });
    }

    // Replaced timers first, so a crash part-way never leaves an old and a new timer for one id.
    await forEachConcurrently(toDelete, DELETE_CONCURRENCY, async (entry) => {
      await store.delete(entry.key);
      pending.delete(entry.id);
    });
    if (toWrite.length > 0) {
      await store.putMany(
        toWrite.map((entry) => ({
          ...entry.key,
          timerId: entry.id,
          at: entry.at,
          queue: entry.queue,
          body: entry.body,
        })),
      );
      for (const entry of toWrite) track(entry);
    }
    await deliver(dueNow.sort((a, b) => a.at - b.at));
  }

  function schedulePoll(): void {
    poller = setTimeout(() => {
      polling = fireDue()
        .catch(onError)
        .finally(() => {
          polling = undefined;
          if (running) schedulePoll();
        });
    }, pollMs);
    poller.unref?.();
  }

  function fireDue(): Promise<number> {
    return exclusive(fire);
  }

  return {
    set: (timers) => exclusive(() => set(timers)),
    fireDue,
    nextAt: () =>
      exclusive(async () => {
        await ensureLoaded();
        // Replaced timers stay in the heap until popped: skip them.
        for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
          if (pending.get(top.id) === top) return top.at;
          heap.pop();
        }
        return undefined;
      }),
    start() {
      if (running) return;
      running = true;
      ensureLoaded().catch(onError);
      schedulePoll();
    },
    async stop() {
      running = false;
      if (poller) clearTimeout(poller);
      poller = undefined;
      await polling;
      await tail;
    },
  };
}
