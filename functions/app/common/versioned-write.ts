// The one versioned conditional write and the one outbox protocol every use case writes with.
//
// Versioned write: an item carries `version`; a decision made on version n is written only if the
// item is still at n (or still absent). On a conflict the decision is made again on the fresh item
// (the one the refusal returned, or a consistent re-read) after a jittered backoff, up to the
// policy's attempts; then the ConditionFailedError goes to the caller (the message is redelivered).
//
// Outbox: what a decision asks of the world (bus events, actions, timers, counters) is written in
// the same conditional write as the state, under `outbox`; it is carried out after the write and
// then cleared by a write conditional on that version. A crash anywhere between leaves the outbox
// on the item, and the next decision carries it over, so it is carried out again: every entry is
// idempotent (events by eventId, actions and timers by key), except journey counters, which are
// at least once.
import { storedVersion } from '../../core/stored-item';
import { ConditionFailedError, type Item, type Key, type Metrics, type Store } from '../../ports';

export type RetryPolicy = { attempts: number; baseMs: number; capMs: number };

/**
 * Writers of one hot item in several processes (10 Lambdas folding one customer's burst) must get
 * through without a redelivery round: enough attempts that losing every race is unlikely, waits
 * that spread the losers out without idling long. Within one process writes of an item queue up
 * instead (see oneAtATime), so they never race each other.
 */
export const WRITE_RETRY: RetryPolicy = { attempts: 20, baseMs: 10, capMs: 1000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full jitter: a uniform wait up to the exponentially growing cap. */
export const backoffMs = (policy: RetryPolicy, attempt: number, random: () => number = Math.random) =>
  random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt);

export type Decision<R> = { write?: Item; result: R };

export type VersionedWrite<R> = {
  key: Key;
  /** Decides on the item as stored (undefined: absent). A `write` carries version = stored version + 1. */
  decide(current: Item | undefined, attempt: number): Promise<Decision<R>> | Decision<R>;
  /** The item as already read, to skip the first read. */
  first?: Item | undefined;
  policy?: RetryPolicy;
  /** Where each refused write is counted (WriteConflicts). */
  metrics?: Metrics;
};

const inFlight = new WeakMap<Store, Map<string, Promise<unknown>>>();

/** Runs `run` after every earlier call for the same item of the same store has settled; tells it whether it waited. */
async function oneAtATime<T>(store: Store, key: Key, run: (waited: boolean) => Promise<T>): Promise<T> {
  let byItem = inFlight.get(store);
  if (!byItem) {
    byItem = new Map();
    inFlight.set(store, byItem);
  }
  const id = `${key.pk}\u0000${key.sk}`;
  const previous = byItem.get(id);
  const current = previous ? previous.catch(() => undefined).then(() => run(true)) : run(false);
  byItem.set(id, current);
  try {
    return await current;
  } finally {
    if (byItem.get(id) === current) byItem.delete(id);
  }
}

/** Writes a decision on the item's version, deciding again on conflict. Resolves to the result and the item as now stored. */
export function writeVersioned<R>(
  store: Store,
  write: VersionedWrite<R>,
): Promise<{ result: R; item: Item | undefined; written: boolean }> {
  // The item as read before waiting in line is stale by the time it is our turn.
  return oneAtATime(store, write.key, (waited) => decideAndWrite(store, write, waited));
}

async function decideAndWrite<R>(
  store: Store,
  write: VersionedWrite<R>,
  waited: boolean,
): Promise<{ result: R; item: Item | undefined; written: boolean }> {
  const policy = write.policy ?? WRITE_RETRY;
  let current = 'first' in write && !waited ? write.first : await store.get(write.key, { consistent: true });
  for (let attempt = 1; ; attempt++) {
    try {
      const decision = await write.decide(current, attempt);
      if (!decision.write) return { result: decision.result, item: current, written: false };
      const condition = current ? { ifVersion: storedVersion(current) } : ({ ifAbsent: true } as const);
      await store.put(decision.write, condition);
      return { result: decision.result, item: decision.write, written: true };
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      write.metrics?.count('WriteConflicts', 1);
      if (attempt >= policy.attempts) throw e;
      await sleep(backoffMs(policy, attempt));
      const refused = e.current;
      current =
        refused && refused.pk === write.key.pk && refused.sk === write.key.sk
          ? refused
          : await store.get(write.key, { consistent: true });
    }
  }
}

/** The outbox an item carries, if any. */
export const outboxOf = <T>(item: Item | undefined): T[] => (Array.isArray(item?.outbox) ? (item.outbox as T[]) : []);

/** The item without its outbox, for items that derive nothing from it. */
const dropOutbox = (item: Item): Item => {
  const { outbox: _, ...cleared } = item;
  return cleared;
};

/**
 * Carries out the outbox of an item as stored, then clears it (if nobody wrote the item since;
 * whoever did carried the outbox over and carries it out again). `clear` gives the item without
 * its outbox, for items with attributes derived from it.
 */
export async function settleOutbox<T>(
  store: Store,
  item: Item | undefined,
  carryOut: (entries: readonly T[]) => Promise<void>,
  clear: (item: Item) => Item = dropOutbox,
): Promise<void> {
  const entries = outboxOf<T>(item);
  if (!item || entries.length === 0) return;
  await carryOut(entries);
  const version = storedVersion(item);
  try {
    await store.put({ ...clear(item), version: version + 1 }, { ifVersion: version });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
}

/** A versioned write with an outbox: decide, write state and outbox together, carry the outbox out, clear it. */
export async function writeWithOutbox<R, T>(
  store: Store,
  write: VersionedWrite<R>,
  carryOut: (entries: readonly T[]) => Promise<void>,
  clear?: (item: Item) => Item,
): Promise<R> {
  const { result, item } = await writeVersioned(store, write);
  await settleOutbox(store, item, carryOut, clear);
  return result;
}
