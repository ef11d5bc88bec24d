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
  let byItem = pending.get(store);
  if (!byItem) {
    byItem = new Map();
    pending.set(store, byItem);
  }
  const id = `${key.pk}\u0000${key.sk}`;
  let waiting = byItem.get(id);
  if (!waiting) {
    const merged: Waiting = { key, counters: {}, settle: [] };
    waiting = merged;
    byItem.set(id, merged);
    const items = byItem;
    setImmediate(() => {
      items.delete(id);
      store.increment(merged.key, merged.counters).then(
        () => {
          for (const s of merged.settle) s.resolve();
        },
        (e: unknown) => {
          for (const s of merged.settle) s.reject(e);
        },
      );
    });
  }
  for (const [name, n] of Object.entries(counters)) waiting.counters[name] = (waiting.counters[name] ?? 0) + n;
  const merged = waiting;
  return new Promise((resolve, reject) => merged.settle.push({ resolve, reject }));
}
