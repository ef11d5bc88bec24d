import { IndexBackfillItem } from '../../core/migrations';
import { decodeItem } from '../../core/stored-item';
import { ConditionFailedError, type Item, type Key } from '../../ports';
import type { AppPorts } from '../common/ports';

const SCAN_PAGE = 1000;

export type IndexBackfillRun = (options?: { until?: number }) => Promise<{ done: boolean; indexed: number }>;

/**
 * A one-time backfill of an index in a table whose profiles were written before it: a scan of the
 * table, page by page, keeping its place at `key` in `MIGRATIONS`, that writes again each item
 * `rewrite` gives a new version of (with its index keys), on the version read: an item written
 * meanwhile carries them already. Stopped at `until`, the next run goes on from its place; once
 * done, it only reads that place.
 */
export function createIndexBackfill(
  deps: Pick<AppPorts, 'store' | 'log'> & { now: () => number },
  migration: { key: Key; index: string; rewrite: (item: Item) => Promise<Item | undefined> | Item | undefined },
): IndexBackfillRun {
  const { store, log } = deps;
  return async (options = {}) => {
    const current = await store.get(migration.key, { consistent: true });
    let state = current ? decodeItem(IndexBackfillItem, current) : { ...migration.key, done: false, indexed: 0 };
    while (!state.done) {
      const page = await store.scanPage('', {
        limit: SCAN_PAGE,
        ...(state.cursor === undefined ? {} : { cursor: state.cursor }),
      });
      let indexed = 0;
      for (const item of page.items) {
        const next = await migration.rewrite(item);
        if (!next) continue;
        try {
          await store.put(next, { ifVersion: next.version as number });
          indexed++;
        } catch (e) {
          if (!(e instanceof ConditionFailedError)) throw e;
        }
      }
      const { cursor: _, ...rest } = state;
      state = {
        ...rest,
        ...(page.next === undefined ? { done: true } : { cursor: page.next }),
        indexed: state.indexed + indexed,
      };
      await store.put(state);
      if (options.until !== undefined && deps.now() >= options.until) break;
    }
    if (state.done && !current?.done) log.info(`${migration.index} index backfilled`, { indexed: state.indexed });
    return { done: state.done, indexed: state.indexed };
  };
}
