import type { Key, Store } from '../../ports';

type Waiting = { key: Key; counters: Record<string, number>; settle: { resolve(): void; reject(e: unknown): void }[] };

const pending = new WeakMap<Store, Map<string, Waiting>>();

/**
 * Adds to a counter item (unbounded counters only, whose new values nobody reads). The adds to one
 * item asked for in the same turn of the event loop (the customers of a batch, each carried out on
 * its own) go to the table as one add of their sums: a hot journey's stats item takes one write a
 * turn instead of one per customer. All or none of the merged adds land, and each caller learns
 * which, so an add that failed is made again by its caller's retry, as an add of its own would be.
 */
export function addCounts(store: Store, key: Key, counters: Record<string, number>): Promise<void> {
  const byItem = pending.get(store) ?? new Map<string, Waiting>();
  pending.set(store, byItem);
  const id = `${key.pk}\u0000${key.sk}`;
  const merged = byItem.get(id) ?? startMerging(store, byItem, id, key);
  for (const [name, n] of Object.entries(counters)) merged.counters[name] = (merged.counters[name] ?? 0) + n;
  return new Promise((resolve, reject) => merged.settle.push({ resolve, reject }));
}

/** A merged add of the item, made once this turn's callbacks have run. */
function startMerging(store: Store, byItem: Map<string, Waiting>, id: string, key: Key): Waiting {
  const merged: Waiting = { key, counters: {}, settle: [] };
  byItem.set(id, merged);
  setImmediate(() => {
    byItem.delete(id);
    store.increment(key, merged.counters).then(
      () => {
        for (const s of merged.settle) s.resolve();
      },
      (e: unknown) => {
        for (const s of merged.settle) s.reject(e);
      },
    );
  });
  return merged;
}
