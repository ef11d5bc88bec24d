import { forEachConcurrently } from '../../concurrently';
import type { Criteria } from '../../core/campaigns/schema';
import { type AudienceRange, audienceRanges, audienceShards } from '../../core/profiles/audience-index';
import type { StoredProfile } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import type { Key, Store } from '../../ports';

/** Keys per audience-index page. */
const PAGE = 1000;
/** Profiles per BatchGetItem. */
const READ_CHUNK = 100;
const SHARDS_IN_PARALLEL = 4;

const idOf = (key: Key) => `${key.pk}\u0000${key.sk}`;

/**
 * The candidates of a campaign's audience, read through the sparse audience index: the keys of the
 * customers in the stages the criteria ask for, or due to enter the stage they name (in every shard
 * of the tenant, a page of keys at a time), then their profiles by key, eventually consistent (the
 * index is too), each once and only the live ones. A superset of the audience as of `now` (the
 * index holds the stage of the last rescore): the caller evaluates every candidate. Undefined when
 * the criteria give the index nothing to select by; the caller then reads every buyer.
 */
export async function readAudienceCandidates(
  store: Store,
  tenantId: string,
  criteria: Criteria,
  now: number,
): Promise<StoredProfile[] | undefined> {
  const ranges = audienceRanges(criteria, now);
  if (!ranges) return undefined;
  const seen = new Set<string>();
  const profiles: StoredProfile[] = [];

  async function readRange(shard: string, range: AudienceRange) {
    let cursor: string | undefined;
    do {
      const page = await store.audienceKeys(shard, range, { limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
      // A key moved by a write between two pages (its stage changed) may be read again: read it once.
      const fresh = page.items.filter((key) => !seen.has(idOf(key)));
      for (const key of fresh) seen.add(idOf(key));
      for (let i = 0; i < fresh.length; i += READ_CHUNK) {
        for (const item of await store.getMany(fresh.slice(i, i + READ_CHUNK))) {
          const stored = liveProfile(item);
          if (stored) profiles.push(stored);
        }
      }
      cursor = page.next;
    } while (cursor !== undefined);
  }

  await forEachConcurrently(audienceShards(tenantId), SHARDS_IN_PARALLEL, async (shard) => {
    for (const range of ranges) await readRange(shard, range);
  });
  return profiles;
}
