import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { readAudienceCandidates } from '../../functions/app/campaigns/audience-candidates';
import { readBuyers } from '../../functions/app/daily-run/buyers';
import { campaignFacts, meets } from '../../functions/core/campaigns/audience';
import { Criteria } from '../../functions/core/campaigns/schema';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import type { StoredProfile } from '../../functions/core/profiles/items';
import { toProfileItem } from '../../functions/core/profiles/items';
import { foldEvents, type Profile } from '../../functions/core/profiles/profile';
import { rescore } from '../../functions/core/profiles/profile-changes';
import { DEFAULT_SCORING_SETTINGS } from '../../functions/core/scoring/settings';
import type { Item, Store } from '../../functions/ports';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import type { Results } from './results';

const PROFILES = 100_000;
const WRITE_BATCH = 5_000;
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The run's time, and when the profiles were last rescored (after this morning's daily pass). */
const NOW = Date.parse('2026-06-01T10:00:00Z');
const SCORED_AT = NOW - 6 * HOUR;
const TENANT = 'bench';
const context = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };

/** The audience of the example recall campaign: repeat and loyal customers due to become at_risk within 7 days, consented. */
const AUDIENCE = Criteria.parse({
  stages: ['repeat', 'loyal'],
  dueToBecome: { stage: 'at_risk', within: '7d' },
  consent: ['email', 'push'],
});

/**
 * Customer `i`: one in a hundred a repeat customer whose last order was 23 to 30 days ago, so due
 * to become at_risk within the week, and consented to e-mail (the audience); one in a thousand the
 * same without consent (a candidate the run leaves out). The others: visitors who never ordered,
 * recent buyers (due later), and lapsed ones (at_risk, dormant, churned).
 */
function orders(i: number): { daysAgo: number[]; consent: boolean } {
  const hours = (i % 24) * HOUR;
  if (i % 100 === 0) return { daysAgo: [60, 23 + (i % 7) + hours / DAY], consent: true };
  if (i % 1000 === 1) return { daysAgo: [60, 23 + (i % 7)], consent: false };
  switch (i % 5) {
    case 0:
      return { daysAgo: [], consent: i % 2 === 0 };
    case 1:
    case 2:
      return { daysAgo: [1 + (i % 15)], consent: true };
    case 3:
      return { daysAgo: [300, 1 + (i % 15) + hours / DAY], consent: i % 3 !== 0 };
    default:
      return { daysAgo: [40 + (i % 400)], consent: true };
  }
}

function storedCustomer(i: number): Item {
  const customerId = `customer-${i}`;
  const { daysAgo, consent } = orders(i);
  const base = { tenantId: TENANT, customerId, source: 'bench' };
  const events = [
    {
      type: 'session_started',
      eventId: `s-${i}`,
      occurredAt: new Date(SCORED_AT - 400 * DAY).toISOString(),
      properties: {},
    },
    ...(consent
      ? [
          {
            type: 'consent_changed',
            eventId: `c-${i}`,
            occurredAt: new Date(SCORED_AT - 400 * DAY).toISOString(),
            properties: { channel: 'email', granted: true },
          },
        ]
      : []),
    ...daysAgo.map((ago, n) => ({
      type: 'order_placed',
      eventId: `o-${i}-${n}`,
      occurredAt: new Date(NOW - ago * DAY).toISOString(),
      properties: { orderId: `o-${i}-${n}`, total: { amount: 1_500 + ((i * 7 + n) % 9_000), currency: 'EUR' } },
    })),
  ].map((e) => ({ ...base, ...e }) as CanonicalEvent);
  const profile = foldEvents(undefined, events) as Profile;
  // The lifecycle as the rescore stores it, with the stage it is due to enter.
  const { lifecycle } = rescore({ profile, version: 1, seen: {} }, context, SCORED_AT);
  return toProfileItem({ profile, version: 1, seen: {}, lifecycle });
}

/** The members of the audience among the profiles read, as the campaign run chooses them. */
const membersOf = (profiles: readonly StoredProfile[]) =>
  profiles
    .filter(({ profile, lifecycle }) => meets(AUDIENCE, campaignFacts(profile, lifecycle, context, NOW), NOW))
    .map(({ profile }) => profile.customerId)
    .sort();

async function measured<T>(store: Store, read: () => Promise<T>): Promise<{ value: T; rcu: number; ms: number }> {
  const before = store.consumed.read;
  const started = performance.now();
  const value = await read();
  return { value, rcu: store.consumed.read - before, ms: performance.now() - started };
}

/**
 * A campaign run's audience selection on dynalite, among 100,000 stored profiles of which 1 % are
 * in the audience: read capacity per audience member through the sparse audience index, against
 * reading every buyer through the buyer index (the selection before it), on the same table.
 */
export async function benchCampaigns(): Promise<Results> {
  const server = await startDynalite({ ownProcess: true });
  const client = localDynamoClient(server.endpoint);
  try {
    await ensureTable(client, 'growthloop-bench');
    const store = createDynamoStore({ client, tableName: 'growthloop-bench' });
    for (let from = 0; from < PROFILES; from += WRITE_BATCH) {
      process.stderr.write(
        `  writing profiles ${from.toLocaleString('en')}–${(from + WRITE_BATCH).toLocaleString('en')}…\r`,
      );
      const items = Array.from({ length: Math.min(WRITE_BATCH, PROFILES - from) }, (_, i) => storedCustomer(from + i));
      await store.putMany(items);
    }
    process.stderr.write(`\n  reading the audience through the audience index…\n`);
    const indexed = await measured(
      store,
      async () => (await readAudienceCandidates(store, TENANT, AUDIENCE, NOW)) ?? [],
    );
    process.stderr.write(`  reading every buyer through the buyer index…\n`);
    const buyers = await measured(store, () => readBuyers(store, TENANT));

    const audience = membersOf(indexed.value);
    const everyBuyer = membersOf(buyers.value);
    if (audience.length !== everyBuyer.length || audience.some((id, i) => id !== everyBuyer[i])) {
      throw new Error(`the index found ${audience.length} members, reading every buyer ${everyBuyer.length}`);
    }
    if (audience.length < PROFILES / 200) throw new Error(`only ${audience.length} members in the audience`);

    return {
      'campaigns.reads_per_audience_member': {
        value: indexed.rcu / audience.length,
        unit: 'RCU/member',
        better: 'lower',
        target: 1.2,
        anchor: { name: 'every buyer read', value: buyers.rcu / audience.length },
        note:
          `${audience.length.toLocaleString('en')} members of ${PROFILES.toLocaleString('en')} profiles ` +
          `(${indexed.value.length.toLocaleString('en')} candidates read in ${Math.round(indexed.ms)} ms; ` +
          `${buyers.value.length.toLocaleString('en')} buyers in ${Math.round(buyers.ms)} ms)`,
      },
    };
  } finally {
    client.destroy();
    await server.close();
  }
}
