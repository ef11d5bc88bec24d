import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../../../functions/core/journeys/catalog';
import { Journey, type JourneyInput } from '../../../../functions/core/journeys/schema';

const journey = (id: string, entry: JourneyInput['entry'], extra: Partial<JourneyInput> = {}) =>
  Journey.parse({
    id,
    name: id,
    status: 'live',
    version: 1,
    entry,
    startActivity: 'send',
    activities: { send: { type: 'action', action: { kind: 'email', template: 't' } } },
    ...extra,
  });

describe('the journey catalog', () => {
  const vip = journey('vip', {
    type: 'event',
    event: 'checkout_started',
    condition: {
      all: [
        { fact: 'profile.traits.segment', op: 'eq', value: 'vip' },
        { fact: 'profile.orders', op: 'gte', value: 1 },
      ],
    },
  });
  const everyone = journey('everyone', { type: 'event', event: 'checkout_started' });
  const numeric = journey('numeric', {
    type: 'event',
    event: 'checkout_started',
    condition: { fact: 'profile.orders', op: 'eq', value: 1 },
  });
  const draft = journey('draft', { type: 'event', event: 'checkout_started' }, { status: 'draft' });
  const catalog = createCatalog([vip, everyone, numeric, draft]);

  it('offers an event only the live journeys of its type whose audience the profile is in', () => {
    const ids = (profile: Record<string, unknown>) =>
      catalog
        .entering('checkout_started', profile)
        .map((j) => j.id)
        .sort();
    expect(ids({ traits: { segment: 'vip' }, orders: 1 })).toEqual(['everyone', 'numeric', 'vip']);
    expect(ids({ traits: { segment: 'new' }, orders: 2 })).toEqual(['everyone']);
    // An audience value matches by type too: the string "1" is not the number 1.
    expect(ids({ traits: {}, orders: '1' })).toEqual(['everyone']);
    expect(catalog.entering('order_placed', {})).toEqual([]);
  });

  it('runs instances on the version they entered, with the journey’s current status', () => {
    const v2 = { ...vip, version: 2, name: 'vip v2', status: 'paused' as const };
    const versions = createCatalog([vip, v2]);
    expect(versions.version('vip', 1)).toMatchObject({ name: 'vip', status: 'paused' });
    expect(versions.version('vip', 2)).toMatchObject({ name: 'vip v2', status: 'paused' });
    expect(versions.version('vip', 7)?.name).toBe('vip v2');
    expect(versions.entering('checkout_started', { traits: { segment: 'vip' }, orders: 1 })).toEqual([]);
  });
});
