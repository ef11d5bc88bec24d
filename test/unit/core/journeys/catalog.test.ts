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

  it('reacts to the events that start a journey or reach its instances, and to none other', () => {
    const goals = journey(
      'goals',
      { type: 'event', event: 'checkout_started' },
      {
        goals: [{ event: 'order_placed', attributionWindow: '7d' }],
        exitWhen: [{ event: 'refund' }],
        startActivity: 'wait',
        activities: {
          wait: { type: 'wait_for_event', event: 'login', timeout: '1d', next: 'send', timeoutNext: 'send' },
          send: { type: 'action', action: { kind: 'email', template: 't' } },
        },
      },
    );
    const reacting = createCatalog([goals]);
    for (const type of ['checkout_started', 'order_placed', 'refund', 'login'])
      expect(reacting.reactsTo(type)).toBe(true);
    expect(reacting.reactsTo('product_viewed')).toBe(false);
    expect(reacting.reactsTo('lifecycle.stage_changed')).toBe(false);
    // A draft's instances may still run on an older version: every version counts.
    expect(createCatalog([{ ...goals, status: 'paused' }]).reactsTo('order_placed')).toBe(true);
    const birthday = journey('birthday', { type: 'date', date: 'profile.traits.birthday' });
    expect(createCatalog([birthday]).reactsTo('product_viewed')).toBe(true);
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
