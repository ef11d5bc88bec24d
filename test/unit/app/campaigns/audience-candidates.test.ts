// A campaign's candidates through the sparse audience index, over the memory store and dynalite:
// among many profiles, only the few in the stage asked for (or due to enter it) are read, every
// customer who meets the criteria is among them, and no other tenant's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { readAudienceCandidates } from '../../../../functions/app/campaigns/audience-candidates';
import { campaignFacts, meets } from '../../../../functions/core/campaigns/audience';
import { Criteria } from '../../../../functions/core/campaigns/schema';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { fromProfileItem, type StoredProfile, toProfileItem } from '../../../../functions/core/profiles/items';
import { liveProfile } from '../../../../functions/core/profiles/markers';
import { foldEvents, type Profile } from '../../../../functions/core/profiles/profile';
import { rescore } from '../../../../functions/core/profiles/profile-changes';
import { DEFAULT_SCORING_SETTINGS } from '../../../../functions/core/scoring/settings';
import type { Item, Store } from '../../../../functions/ports';
import { dynaliteStore, type TestStore } from '../../../helpers/stores';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.parse('2026-06-01T10:00:00Z');
/** When the profiles were last rescored: after this morning's daily pass, some hours before the run. */
const SCORED_AT = NOW - 6 * HOUR;
const context = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };

/**
 * Customer `i` of a tenant: most ordered recently or long ago, or never; one in a hundred is at_risk,
 * one in a hundred is due to become at_risk within a week (some of them later today), and one in a
 * thousand became at_risk this morning, after the profiles were rescored.
 */
function orderAgo(i: number): number | undefined {
  switch (i % 100) {
    case 0:
      return (31 + (i % 50)) * DAY;
    case 1:
      return (23 + (i % 7)) * DAY + (i % 5) * HOUR;
    default:
      if (i % 1000 === 2) return 30 * DAY + (1 + (i % 4)) * HOUR;
      if (i % 5 === 0) return undefined;
      if (i % 7 === 0) return (95 + (i % 300)) * DAY;
      return (i % 20) * DAY + (i % 9) * HOUR;
  }
}

function customer(tenantId: string, i: number): Item {
  const customerId = `c-${i}`;
  const ago = orderAgo(i);
  const event = (
    ago === undefined
      ? {
          type: 'session_started',
          eventId: `s-${i}`,
          occurredAt: new Date(SCORED_AT - DAY).toISOString(),
          properties: {},
        }
      : {
          type: 'order_placed',
          eventId: `o-${i}`,
          occurredAt: new Date(NOW - ago).toISOString(),
          properties: { orderId: `o-${i}`, total: { amount: 2_000 + (i % 50) * 100, currency: 'EUR' } },
        }
  ) as Partial<CanonicalEvent>;
  const consent = {
    type: 'consent_changed',
    eventId: `consent-${i}`,
    occurredAt: new Date(SCORED_AT - 400 * DAY).toISOString(),
    properties: { channel: 'email', granted: true },
  } as Partial<CanonicalEvent>;
  // One customer in three consented to e-mail.
  const events = [...(i % 3 === 0 ? [consent] : []), event].map(
    (e) => ({ ...e, tenantId, customerId, source: 'test' }) as CanonicalEvent,
  );
  const profile = foldEvents(undefined, events) as Profile;
  // The lifecycle as the rescore stores it, with the stage it is due to enter.
  const { lifecycle } = rescore({ profile, version: 1, seen: {} }, context, SCORED_AT);
  return toProfileItem({ profile, version: 1, seen: {}, lifecycle });
}

/** Who meets the criteria at NOW, as the campaign run evaluates them: from every profile of the tenant. */
const audienceOf = (profiles: readonly StoredProfile[], criteria: Criteria) =>
  profiles
    .filter(({ profile, lifecycle }) => meets(criteria, campaignFacts(profile, lifecycle, context, NOW), NOW))
    .map(({ profile }) => profile.customerId)
    .sort();

const ids = (profiles: readonly StoredProfile[] | undefined) =>
  (profiles ?? []).map((p) => p.profile.customerId).sort();

function candidatesSuite(name: string, start: () => Promise<TestStore>, customers: number) {
  describe(name, () => {
    let subject: TestStore;
    let store: Store;
    let profiles: StoredProfile[];

    beforeAll(async () => {
      subject = await start();
      store = subject.store;
      const items = Array.from({ length: customers }, (_, i) => customer('shop', i));
      // Another tenant with customers in the same stages, in the same table.
      const others = Array.from({ length: customers / 10 }, (_, i) => customer('other', i));
      for (let i = 0; i < items.length; i += 2_000) await store.putMany(items.slice(i, i + 2_000));
      await store.putMany(others);
      profiles = items.map(fromProfileItem);
    }, 120_000);
    afterAll(() => subject?.stop());

    const criteria = {
      'at_risk customers': Criteria.parse({ stages: ['at_risk'] }),
      'customers due to become at_risk within 7 days': Criteria.parse({ dueToBecome: {} }),
      'activated customers due to become at_risk within 3 days': Criteria.parse({
        stages: ['activated', 'repeat'],
        dueToBecome: { stage: 'at_risk', within: '3d' },
        consent: ['email', 'push'],
      }),
    };

    for (const [what, given] of Object.entries(criteria)) {
      it(`reads ${what}, every one of them, at most 1.2 read units for each who meets what the index holds`, async () => {
        const audience = audienceOf(profiles, given);
        expect(audience.length).toBeGreaterThan(0);
        expect(audience.length).toBeLessThan(customers / 20);
        const before = store.consumed.read;
        const candidates = await readAudienceCandidates(store, 'shop', given, NOW);
        const reads = store.consumed.read - before;
        // Every member is a candidate; the candidates besides those who meet the criteria the index
        // holds (not consent) are only customers it shows due at a time already past, moved since.
        expect(audienceOf(candidates ?? [], given)).toEqual(audience);
        const { consent: _, ...indexed } = given;
        const meetsIndexed = new Set(audienceOf(profiles, indexed as Criteria));
        const others = (candidates ?? []).filter((c) => !meetsIndexed.has(c.profile.customerId));
        expect(others.every((c) => Date.parse(c.lifecycle?.nextDueAt ?? '') <= NOW)).toBe(true);
        expect(new Set(ids(candidates)).size).toBe(candidates?.length);
        expect(candidates?.every((c) => c.profile.tenantId === 'shop')).toBe(true);
        expect(reads / meetsIndexed.size).toBeLessThanOrEqual(1.2);
      });
    }

    it('finds the customers who became at_risk after their last rescore, whom the daily pass has not moved yet', async () => {
      const moved = profiles.filter(
        ({ lifecycle }) =>
          lifecycle?.stage === 'activated' &&
          lifecycle.nextStage === 'at_risk' &&
          Date.parse(lifecycle.nextDueAt ?? '') <= NOW,
      );
      expect(moved.length).toBeGreaterThan(0);
      const candidates = ids(await readAudienceCandidates(store, 'shop', Criteria.parse({ stages: ['at_risk'] }), NOW));
      expect(candidates).toEqual(expect.arrayContaining(ids(moved)));
    });

    it('gives nothing to select by for criteria the index does not hold: the caller reads the buyers', async () => {
      const before = store.consumed.read;
      expect(
        await readAudienceCandidates(store, 'shop', Criteria.parse({ valueTiers: ['high'] }), NOW),
      ).toBeUndefined();
      expect(await readAudienceCandidates(store, 'shop', Criteria.parse({}), NOW)).toBeUndefined();
      expect(store.consumed.read).toBe(before);
    });

    it('leaves out a profile merged into another and an erased one, though their keys are still in the index', async () => {
      const atRisk = profiles.filter((p) => p.lifecycle?.stage === 'at_risk').slice(0, 2);
      const [merged, erased] = atRisk.map((p) => toProfileItem(p)) as [Item, Item];
      // As an older write left them: the index keys beside a merge, and beside an erasure's marker.
      await store.put({ ...merged, mergedInto: 'someone-else' });
      await store.put({
        pk: erased.pk,
        sk: erased.sk,
        version: 2,
        erasedAt: new Date(NOW).toISOString(),
        audienceShard: erased.audienceShard,
        audienceKey: erased.audienceKey,
      });
      expect(liveProfile(await store.get(merged, { consistent: true }))).toBeUndefined();
      const candidates = ids(await readAudienceCandidates(store, 'shop', Criteria.parse({ stages: ['at_risk'] }), NOW));
      expect(candidates).not.toContain(merged.customerId);
      expect(candidates).not.toContain(atRisk[1]?.profile.customerId);
      expect(candidates.length).toBe(audienceOf(profiles, Criteria.parse({ stages: ['at_risk'] })).length - 2);
      await store.putMany([merged, erased]);
    });
  });
}

candidatesSuite(
  'audience candidates in the memory store',
  async () => ({ store: createMemoryStore(), endpoint: '', stop: async () => {} }),
  20_000,
);
candidatesSuite('audience candidates on dynalite', () => dynaliteStore(), 5_000);
