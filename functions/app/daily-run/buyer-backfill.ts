import { BuyerBackfillItem, buyerBackfillKey } from '../../core/migrations';
import { buyerIndexAttributes } from '../../core/profiles/buyer-index';
import { fromProfileItem, toProfileItem } from '../../core/profiles/items';
import { isMarker } from '../../core/profiles/markers';
import { decodeItem } from '../../core/stored-item';
import { ConditionFailedError, type Item } from '../../ports';
import type { AppPorts } from '../common/ports';

const SCAN_PAGE = 1000;

/** A buyer's profile item written before the buyer index existed: it lacks the index key. */
function unindexedBuyer(item: Item): Item | undefined {
  if (item.sk !== 'PROFILE' || isMarker(item) || item.buyerShard !== undefined) return undefined;
  try {
    const stored = fromProfileItem(item);
    return 'buyerShard' in buyerIndexAttributes(stored) ? toProfileItem(stored) : undefined;
  } catch {
    // A profile that does not decode is left as it is: it could not be fitted on either.
    return undefined;
  }
}

/**
 * The one-time backfill of the buyer index in a table whose profiles were written before it: a
 * scan of the table, page by page, keeping its place in `MIGRATIONS` / `BUYER_INDEX`, that writes
 * each buyer's profile again with its index key, on the version read (a profile written meanwhile
 * carries the key already). Profiles written since the index exist carry the key from their first
 * order, so once done it never runs again.
 */
export function createBuyerBackfill(deps: Pick<AppPorts, 'store' | 'log'> & { now: () => number }) {
  const { store, log } = deps;
  return async (options: { until?: number } = {}): Promise<{ done: boolean; indexed: number }> => {
    const current = await store.get(buyerBackfillKey, { consistent: true });
    let state = current ? decodeItem(BuyerBackfillItem, current) : { ...buyerBackfillKey, done: false, indexed: 0 };
    while (!state.done) {
      const page = await store.scanPage('', {
        limit: SCAN_PAGE,
        ...(state.cursor === undefined ? {} : { cursor: state.cursor }),
      });
      let indexed = 0;
      for (const item of page.items) {
        const next = unindexedBuyer(item);
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
    if (state.done && !current?.done) log.info('buyer index backfilled', { indexed: state.indexed });
    return { done: state.done, indexed: state.indexed };
  };
}
