// The one-time backfill of the audience index, over the memory store: profiles written before the
// index get their keys (and their lifecycle the stage it is due to enter), page by page from where
// it left off, without writing over a newer version; once done it reads nothing more.
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../../functions/adapters/log';
import { createMemoryStore } from '../../../functions/adapters/memory/store';
import { createAudienceBackfill } from '../../../functions/app/daily-run/audience-backfill';
import { storedItemSchema } from '../../../functions/contracts/stored';
import { tenantDirectory } from '../../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../../functions/core/events/schemas';
import { audienceBackfillKey, IndexBackfillItem } from '../../../functions/core/migrations';
import { audienceShards } from '../../../functions/core/profiles/audience-index';
import { fromProfileItem, profileKey, toProfileItem } from '../../../functions/core/profiles/items';
import { erasedMarker, mergedMarker } from '../../../functions/core/profiles/markers';
import { foldEvents, type Profile } from '../../../functions/core/profiles/profile';
import { evaluateProfile } from '../../../functions/core/scoring/profile-scores';
import { DEFAULT_SCORING_SETTINGS } from '../../../functions/core/scoring/settings';
import { decodeItem } from '../../../functions/core/stored-item';
import type { Item, Key } from '../../../functions/ports';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T10:00:00Z');
const context = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };
const tenants = tenantDirectory([{ id: 'shop', timezone: 'UTC', currency: 'EUR' }]);

/** A profile as the version before the audience index wrote it: a lifecycle without its next stage, no index keys. */
function oldProfile(customerId: string, daysAgo: number | undefined): Item {
  const event = (
    daysAgo === undefined
      ? {
          type: 'session_started',
          eventId: `s-${customerId}`,
          occurredAt: new Date(NOW - DAY).toISOString(),
          properties: {},
        }
      : {
          type: 'order_placed',
          eventId: `o-${customerId}`,
          occurredAt: new Date(NOW - daysAgo * DAY).toISOString(),
          properties: { orderId: `o-${customerId}`, total: { amount: 2_500, currency: 'EUR' } },
        }
  ) as Partial<CanonicalEvent>;
  const profile = foldEvents(undefined, [
    { ...event, tenantId: 'shop', customerId, source: 'test' } as CanonicalEvent,
  ]) as Profile;
  const { stage, since, reason, nextDueAt } = evaluateProfile(profile, undefined, context, NOW).lifecycle;
  const item = toProfileItem({
    profile,
    version: 3,
    seen: {},
    lifecycle: { stage, since, reason, ...(nextDueAt ? { nextDueAt } : {}) },
  });
  const { audienceShard: _, audienceKey: __, ...old } = item;
  return old;
}

async function indexed(store: ReturnType<typeof createMemoryStore>, prefix: string): Promise<Key[]> {
  const pages = await Promise.all(audienceShards('shop').map((shard) => store.audienceKeys(shard, { prefix })));
  return pages.flatMap((page) => page.items).sort((a, b) => (a.pk < b.pk ? -1 : 1));
}

describe('the audience index backfill', () => {
  it('indexes every profile with a stage written before the index, page by page, and the stage each is due to enter', async () => {
    const store = createMemoryStore();
    const customers = Array.from({ length: 2_500 }, (_, i) =>
      oldProfile(`c-${String(i).padStart(4, '0')}`, i % 3 === 0 ? undefined : 1 + (i % 60)),
    );
    const { lifecycle: _, ...unscored } = oldProfile('unscored', 5);
    await store.putMany([
      ...customers,
      unscored,
      { ...oldProfile('merging', 40), mergedInto: 'c-0001' },
      mergedMarker(profileKey('shop', 'merged'), 'c-0002', 4),
      erasedMarker('shop', 'erased', profileKey('shop', 'erased'), NOW, 5),
      { pk: 'shop#CAMPAIGNS', sk: 'DEF#recall', campaign: {} },
    ]);
    const backfill = createAudienceBackfill({ store, log: silentLog, tenants, now: () => NOW });

    // A profile written meanwhile (a newer version) is not written over with the version the backfill read.
    const first = customers[0] as Item;
    const newer = { ...first, version: 4, marker: 'newer' };
    const scanPage = store.scanPage;
    let pages = 0;
    store.scanPage = async (prefix, options) => {
      const page = await scanPage(prefix, { ...options, limit: 700 });
      if (pages++ === 0) await store.put(newer);
      return page;
    };
    let state = await backfill({ until: NOW });
    expect(state.done).toBe(false);
    while (!state.done) state = await backfill({ until: NOW });
    expect(pages).toBeGreaterThan(2);
    expect(state.indexed).toBe(customers.length - 1);
    expect((await store.get(first, { consistent: true }))?.marker).toBe('newer');

    const profiles = customers.slice(1).map(fromProfileItem);
    const inStage = (stage: string) =>
      profiles
        .filter((p) => p.lifecycle?.stage === stage)
        .map((p) => profileKey('shop', p.profile.customerId))
        .sort((a, b) => (a.pk < b.pk ? -1 : 1));
    expect(await indexed(store, 'at_risk#')).toEqual(inStage('at_risk'));
    expect(await indexed(store, 'new#')).toEqual(inStage('new'));
    expect(await indexed(store, 'activated#at_risk#')).toEqual(inStage('activated'));
    // Written again on the version read, with the next stage as the rescore now stores it.
    const again = fromProfileItem((await store.get(profileKey('shop', 'c-0001'), { consistent: true })) as Item);
    expect(again.version).toBe(3);
    expect(again.lifecycle).toMatchObject({ stage: 'activated', nextStage: 'at_risk' });
    for (const untouched of ['unscored', 'merging', 'merged', 'erased']) {
      expect((await store.get(profileKey('shop', untouched), { consistent: true }))?.audienceShard).toBeUndefined();
    }

    const marker = (await store.get(audienceBackfillKey, { consistent: true })) as Item;
    expect(storedItemSchema(marker)).toBe(IndexBackfillItem);
    expect(decodeItem(IndexBackfillItem, marker)).toMatchObject({ done: true, indexed: customers.length - 1 });
    const before = pages;
    expect(await backfill()).toEqual(state);
    expect(pages).toBe(before);
  });
});
