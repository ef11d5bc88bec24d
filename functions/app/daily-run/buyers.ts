import { forEachConcurrently } from '../../concurrently';
import { buyerShards } from '../../core/profiles/buyer-index';
import type { StoredProfile } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import type { Store } from '../../ports';

/** Keys per buyer-index page: each page's profiles are read in BatchGets of 100. */
const PAGE = 1000;
const SHARDS_IN_PARALLEL = 4;

/**
 * The profiles of the tenant's buyers, read through the sparse buyer index: a query page of keys
 * per shard, then the profiles by key (eventually consistent: the fit runs on yesterday's data
 * anyway). Nothing of other tenants, nor of customers who never ordered, is read.
 */
export async function readBuyers(store: Store, tenantId: string): Promise<StoredProfile[]> {
  const profiles: StoredProfile[] = [];
  await forEachConcurrently(buyerShards(tenantId), SHARDS_IN_PARALLEL, async (shard) => {
    let cursor: string | undefined;
    do {
      const page = await store.buyerKeys(shard, { limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
      for (const item of await store.getMany(page.items)) {
        const stored = liveProfile(item);
        if (stored) profiles.push(stored);
      }
      cursor = page.next;
    } while (cursor !== undefined);
  });
  return profiles;
}
