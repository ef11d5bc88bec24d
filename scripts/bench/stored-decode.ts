import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { emptyCustomerJourneys } from '../../functions/core/journeys/customer';
import {
  fromCustomerJourneysItem,
  publishedJourneys,
  stateKey,
  toCustomerJourneysItem,
  versionKey,
} from '../../functions/core/journeys/items';
import { Journey } from '../../functions/core/journeys/schema';
import { planProfileWrite } from '../../functions/core/profiles/apply';
import { fromProfileItem, type StoredProfile, toProfileItem } from '../../functions/core/profiles/items';
import type { Item } from '../../functions/ports';
import { foldWorkload, microsPer } from './fold';
import type { Results } from './results';

const NOW = Date.parse('2026-04-01T00:00:00Z');

/**
 * The profile fold as the profile function runs it, with the stored item decoded before and
 * encoded after each customer's write (scripts/bench/fold.ts measures the fold alone), and the
 * decode of stored profiles and customer journeys on their own.
 */
export async function benchStoredDecode(): Promise<Results> {
  const { events, groups } = foldWorkload();
  // What a read hands the use case: a fresh copy of the stored item (unmarshalled or cloned).
  const fresh = (item: Item): Item => structuredClone(item);
  const foldOnly = () => {
    const stored = new Map<string, StoredProfile | undefined>();
    for (const group of groups) {
      const id = (group[0] as CanonicalEvent).customerId;
      stored.set(id, planProfileWrite(stored.get(id), group, {}, NOW).next ?? stored.get(id));
    }
  };
  const items = new Map<string, Item>();
  const foldItems = () => {
    items.clear();
    for (const group of groups) {
      const id = (group[0] as CanonicalEvent).customerId;
      const current = items.get(id);
      const next = planProfileWrite(current && fromProfileItem(current), group, {}, NOW).next;
      if (next) items.set(id, toProfileItem(next));
    }
  };
  const foldUs = microsPer(events.length, foldOnly);
  const foldItemsUs = microsPer(events.length, foldItems);
  const stored = [...items.values()].map(fresh);
  const decodeUs = microsPer(stored.length, () => {
    for (const item of stored) fromProfileItem(item);
  });
  // What every read pays before the decode: the DynamoDB adapter unmarshalls the item.
  const attributes = stored.map((item) => marshall(item, { removeUndefinedValues: true }));
  const unmarshallUs = microsPer(attributes.length, () => {
    for (const item of attributes) unmarshall(item);
  });
  const journeys = stored.map((item, i) =>
    fresh(
      toCustomerJourneysItem('bench', String(item.customerId), {
        state: {
          ...emptyCustomerJourneys(),
          enrollments: { [`j-${i % 7}`]: { entries: 1, lastEnteredAt: '2026-03-01T00:00:00.000Z' } },
          instances: [
            {
              journeyId: `j-${i % 7}`,
              version: 1,
              customerId: String(item.customerId),
              instanceId: `${item.customerId}#1`,
              entry: 1,
              enteredAt: '2026-03-01T00:00:00.000Z',
              activity: 'wait',
              waiting: { timerId: 't1', at: '2026-03-02T00:00:00.000Z' },
              visits: { hello: 1, wait: 1 },
            },
          ],
        },
        version: 3,
      }),
    ),
  );
  const journeysUs = microsPer(journeys.length, () => {
    for (const item of journeys) fromCustomerJourneysItem(item);
  });
  // The journey function's catalog load: every version item of 1,000 journeys and their states.
  const definitions: Item[] = Array.from({ length: 1000 }, (_, i) => {
    const journey = Journey.parse({
      id: `j-${i}`,
      name: `journey ${i}`,
      status: 'live',
      version: 1,
      entry: {
        type: 'event',
        event: 'checkout_started',
        condition: {
          all: [
            { fact: 'profile.traits.segment', op: 'eq', value: `s-${i % 40}` },
            { fact: 'profile.orders', op: 'gte', value: i % 4 },
          ],
        },
      },
      startActivity: 'wait',
      activities: {
        wait: { type: 'wait', for: '1h', next: 'nudge' },
        nudge: { type: 'action', action: { kind: 'email', template: 'nudge' } },
      },
      goals: [{ event: 'order_placed' }],
    });
    return { ...versionKey('bench', journey.id, 1), journey, publishedAt: '2026-03-01T00:00:00.000Z' };
  }).flatMap((item, i) => [
    item,
    { ...stateKey('bench', `j-${i}`), state: { status: 'live', version: 1, updatedAt: '2026-03-01' }, version: 2 },
  ]);
  const freshDefinitions = definitions.map(fresh);
  const catalogMs = microsPer(1000, () => publishedJourneys(freshDefinitions));
  return {
    'profile.fold_item_us': {
      value: foldItemsUs,
      unit: 'µs/event',
      better: 'lower',
      target: 5,
      anchor: { name: 'the fold without the item', value: foldUs },
      note: 'the fold of profile.fold_us with each stored profile decoded (fromProfileItem) and encoded',
    },
    'profile.decode_us': {
      value: decodeUs,
      unit: 'µs/profile',
      better: 'lower',
      anchor: { name: 'unmarshalling the item (every DynamoDB read)', value: unmarshallUs },
      note: `fromProfileItem of ${stored.length} profiles after 90 days of shopping`,
    },
    'journeys.decode_us': {
      value: journeysUs,
      unit: 'µs/item',
      better: 'lower',
      note: 'fromCustomerJourneysItem of a customer in one journey',
    },
    'journeys.catalog_load_ms': {
      value: catalogMs,
      unit: 'ms',
      better: 'lower',
      note: 'publishedJourneys of 1,000 journeys (read again only when the catalog revision moves)',
    },
  };
}
