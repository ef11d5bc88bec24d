import { buyerBackfillKey } from '../../core/migrations';
import { buyerIndexAttributes } from '../../core/profiles/buyer-index';
import { fromProfileItem, toProfileItem } from '../../core/profiles/items';
import { isMarker } from '../../core/profiles/markers';
import type { Item } from '../../ports';
import type { AppPorts } from '../common/ports';
import { createIndexBackfill, type IndexBackfillRun } from './index-backfill';

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
 * The one-time backfill of the buyer index (its place in `MIGRATIONS` / `BUYER_INDEX`): each buyer's
 * profile written again with its index key. Profiles written since the index exists carry the key
 * from their first order, so once done it never runs again.
 */
export function createBuyerBackfill(deps: Pick<AppPorts, 'store' | 'log'> & { now: () => number }): IndexBackfillRun {
  return createIndexBackfill(deps, { key: buyerBackfillKey, index: 'buyer', rewrite: unindexedBuyer });
}
