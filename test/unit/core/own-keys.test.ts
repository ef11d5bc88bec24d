// Keys from outside are data (docs: ARCHITECTURE.md §5): trait names, tags, order ids, journey and
// activity ids and the steps of fact paths may be any string, the names every object inherits
// (`constructor`, `toString`, `hasOwnProperty`, ...) and `__proto__` included. Each property runs
// over arbitrary strings with those names mixed in, with a fixed seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../functions/adapters/memory/store';
import { carryOut } from '../../../functions/app/common/carry-out';
import type { CanonicalEvent } from '../../../functions/core/events/schemas';
import { createCatalog } from '../../../functions/core/journeys/catalog';
import { Condition } from '../../../functions/core/journeys/condition-schema';
import { compileCondition, conditionErrors } from '../../../functions/core/journeys/conditions';
import {
  emptyCustomerJourneys,
  type JourneyIntent,
  onCustomerEvent,
  onCustomerTimer,
} from '../../../functions/core/journeys/customer';
import { journeyCustomer } from '../../../functions/core/journeys/facts';
import {
  fromCustomerJourneysItem,
  publishedJourneys,
  stateKey,
  statsKey,
  statsOf,
  toCustomerJourneysItem,
  versionKey,
} from '../../../functions/core/journeys/items';
import { type Customer, enter, factAt, onTimer } from '../../../functions/core/journeys/runtime';
import type { Journey, JourneyInput } from '../../../functions/core/journeys/schema';
import { validateJourney } from '../../../functions/core/journeys/validate';
import { hasOwnKey, ownPath, ownValue, setOwn, withOwn } from '../../../functions/core/own';
import { fromProfileItem, toProfileItem } from '../../../functions/core/profiles/items';
import { foldEvents, mergeProfiles, type Profile } from '../../../functions/core/profiles/profile';
import { profileView } from '../../../functions/core/profiles/view';
import { DEFAULT_SCORING_SETTINGS } from '../../../functions/core/scoring/settings';
import type { Item } from '../../../functions/ports';

const RUNS = { seed: 42, numRuns: 200 } as const;

/** Every member name of Object.prototype (`__proto__` among them). */
const PROTO_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
/** Any string, the inherited names mixed in often. */
const anyKey = (min: number, max: number) =>
  fc.oneof(fc.constantFrom(...PROTO_NAMES), fc.string({ minLength: min, maxLength: max }));

const T0 = Date.parse('2026-03-02T10:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const TENANT = 't1';
const CUSTOMER = 'c1';

let n = 0;
const ev = (at: number, type: CanonicalEvent['type'], properties: unknown): CanonicalEvent =>
  ({
    tenantId: TENANT,
    customerId: CUSTOMER,
    source: 'api',
    eventId: `e${n++}`,
    occurredAt: iso(at),
    type,
    properties,
  }) as CanonicalEvent;

const order = (at: number, orderId: string, amount: number, type: CanonicalEvent['type'] = 'order_placed') =>
  ev(at, type, { orderId, total: { amount, currency: 'EUR' }, placedAt: iso(T0), updatedAt: iso(at) });

/** The stored profile item as it comes back from a store: through JSON, or structuredClone (the memory store). */
const roundTrips = (profile: Profile): Profile[] => {
  const item = toProfileItem({ profile, version: 1, seen: {} });
  return [JSON.parse(JSON.stringify(item)) as Item, structuredClone(item)].map((copy) => fromProfileItem(copy).profile);
};

const own = (map: object) => Object.keys(map).sort();
const sorted = (xs: readonly string[]) => [...xs].sort();

describe('functions/core/own.ts', () => {
  it('reads only own entries and writes own entries, whatever the key', () => {
    fc.assert(
      fc.property(anyKey(0, 20), fc.integer(), (key, value) => {
        const map: Record<string, number> = {};
        expect(ownValue(map, key)).toBeUndefined();
        expect(hasOwnKey(map, key)).toBe(false);
        expect(ownPath({ a: map }, ['a', key])).toBeUndefined();
        setOwn(map, key, value);
        expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
        expect(own(map)).toEqual([key]);
        expect(ownValue(map, key)).toBe(value);
        expect(ownPath({ a: map }, ['a', key])).toBe(value);
        const copy = withOwn(map, key, value + 1);
        expect([ownValue(copy, key), ownValue(map, key)]).toEqual([value + 1, value]);
        expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
        // The same after the round trips stored items make.
        for (const back of [JSON.parse(JSON.stringify(map)), structuredClone(map)]) {
          expect(ownValue(back, key)).toBe(value);
        }
      }),
      RUNS,
    );
  });
});

describe('the profile fold keeps every trait, tag and order, whatever its name', () => {
  const checkTraitsAndTags = (profile: Profile, traits: Record<string, string>, tags: readonly string[]) => {
    const view = profileView(profile);
    expect(Object.getPrototypeOf(profile.traits)).toBe(Object.prototype);
    expect(own(view.traits)).toEqual(own(traits));
    for (const [name, value] of Object.entries(traits)) expect(ownValue(view.traits, name)).toBe(value);
    expect(view.tags).toEqual(sorted(tags));
  };

  it('traits and tags with any names are kept, readable in the view, and survive the stored item', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyKey(1, 64), { minLength: 1, maxLength: 12 }),
        fc.uniqueArray(anyKey(1, 64), { minLength: 1, maxLength: 12 }),
        (names, tags) => {
          const traits = Object.fromEntries(names.map((name, i) => [name, `v${i}`]));
          const profile = foldEvents(undefined, [
            ev(T0, 'identify', { traits }),
            ev(T0, 'tags_updated', { add: tags, remove: [] }),
          ]) as Profile;
          checkTraitsAndTags(profile, traits, tags);
          for (const stored of roundTrips(profile)) {
            checkTraitsAndTags(stored, traits, tags);
            // A later change of the same names changes the same entries.
            const changed = Object.fromEntries(names.map((name, i) => [name, `w${i}`]));
            const [removed, kept] = [tags.filter((_, i) => i % 2 === 0), tags.filter((_, i) => i % 2 === 1)];
            const next = foldEvents(stored, [
              ev(T0 + HOUR, 'identify', { traits: changed }),
              ev(T0 + HOUR, 'tags_updated', { add: [], remove: removed }),
            ]) as Profile;
            checkTraitsAndTags(next, changed, kept);
            expect(profileView(next).counts).toEqual({ identify: 2, tags_updated: 2 });
          }
        },
      ),
      RUNS,
    );
  });

  it('orders with any ids are all counted, and a later report of an id updates that order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyKey(1, 128), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 8, maxLength: 8 }),
        (ids, amounts) => {
          const placed = ids.map((id, i) => order(T0 + i * 1000, id, amounts[i] as number));
          const first = ids[0] as string;
          const updated = order(T0 + HOUR, first, 7, 'order_updated');
          const gross = 7 + ids.slice(1).reduce((s, _, i) => s + (amounts[i + 1] as number), 0);
          const check = (profile: Profile, count: number, total: number) => {
            expect(own(profile.orderBook)).toEqual(sorted(ids));
            const view = profileView(profile);
            expect(view.orders).toBe(count);
            expect(view.revenue.EUR).toMatchObject({ orders: count, gross: total });
          };
          // Any order of the reports, and a repeated report, give the same profile.
          const profile = foldEvents(undefined, [...placed, updated, placed[0] as CanonicalEvent]) as Profile;
          check(profile, ids.length, gross);
          check(foldEvents(undefined, [updated, ...placed].reverse()) as Profile, ids.length, gross);
          expect(ownValue(profile.orderBook, first)?.total).toBe(7);
          for (const stored of roundTrips(profile)) {
            check(stored, ids.length, gross);
            const cancelled = foldEvents(stored, [order(T0 + 2 * HOUR, first, 7, 'order_cancelled')]) as Profile;
            check(cancelled, ids.length - 1, gross - 7);
            // A merged profile that knows the same orders counts each once.
            check(mergeProfiles(stored, profile), ids.length, gross);
          }
        },
      ),
      RUNS,
    );
  });

  it.each(['constructor', '__proto__', 'hasOwnProperty', 'toString', 'valueOf'])('an order with id %s counts', (id) => {
    const profile = foldEvents(undefined, [order(T0, id, 1000), order(T0, 'plain', 500)]) as Profile;
    expect(profile.orders).toBe(2);
    expect(profile.revenue.EUR).toEqual({ orders: 2, gross: 1500, refunded: 0 });
    for (const stored of roundTrips(profile)) expect(ownValue(stored.orderBook, id)?.total).toBe(1000);
  });
});

// ---- journeys -----------------------------------------------------------------------------------

/** A journey or activity id as the schema takes them, `constructor` (the one inherited name that fits) mixed in. */
const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const journeyKey = fc.oneof(fc.constantFrom(...PROTO_NAMES.filter((name) => ID.test(name))), fc.stringMatching(ID));

/** Entry on a session, a wait of an hour, a send, an exit; a goal keeps ended instances a week. */
const journeyInput = (id: string, [wait, send, exit]: readonly string[]): JourneyInput => ({
  id,
  name: `journey ${id}`,
  entry: { type: 'event', event: 'session_started' },
  goals: [{ event: 'order_placed' }],
  startActivity: wait as string,
  activities: Object.fromEntries([
    [wait, { type: 'wait', for: '1h', next: send }],
    [send, { type: 'action', action: { kind: 'email', template: 'welcome' }, next: exit }],
    [exit, { type: 'exit' }],
  ]),
});

const scoring = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR', timeZone: 'UTC' };
const customerOf = (profile: Profile) => journeyCustomer(profile, undefined, scoring, T0);
const session = () => ev(T0, 'session_started', {});

/** The journey as publishing stores it, read back from the store (JSON) as the journey function loads it. */
function publish(input: JourneyInput): Journey[] {
  const draft = validateJourney(input);
  expect(draft.problems).toEqual([]);
  const checked = validateJourney({ ...input, version: 1, status: 'live' });
  expect(checked.problems).toEqual([]);
  const journey = checked.journey as Journey;
  const items: Item[] = [
    { ...versionKey(TENANT, journey.id, 1), journey, publishedAt: iso(T0) },
    { ...stateKey(TENANT, journey.id), state: { status: 'live', version: 1, updatedAt: iso(T0) }, version: 1 },
  ];
  return publishedJourneys(JSON.parse(JSON.stringify(items)) as Item[]);
}

describe('journeys whose ids and activity ids are any names', () => {
  it('validate, publish and run (entry, a wait, a send), with visits and stats counted per activity', async () => {
    await fc.assert(
      fc.asyncProperty(journeyKey, fc.uniqueArray(journeyKey, { minLength: 3, maxLength: 3 }), async (id, ids) => {
        const [wait, send, exit] = ids as [string, string, string];
        const catalog = createCatalog(publish(journeyInput(id, ids)));
        const customer = customerOf(foldEvents(undefined, [session()]) as Profile);
        const store = createMemoryStore();
        const carry = (intents: readonly JourneyIntent[]) =>
          carryOut(
            { store },
            { tenantId: TENANT, customerId: CUSTOMER },
            intents.filter((i) => i.type === 'metric'),
          );
        const stats = async () => statsOf(await store.get(statsKey(TENANT, id)));

        const entered = onCustomerEvent(catalog, emptyCustomerJourneys(), session(), customer, T0);
        expect(entered.refused).toEqual([]);
        expect(ownValue(entered.state.enrollments, id)?.entries).toBe(1);
        const [instance] = entered.state.instances;
        expect(instance?.activity).toBe(wait);
        expect(instance?.visits).toEqual(Object.fromEntries([[wait, 1]]));
        await carry(entered.intents);
        expect(await stats()).toMatchObject({
          entered: 1,
          queued: 0,
          waiting: Object.fromEntries([[wait, 1]]),
          reached: Object.fromEntries([[wait, 1]]),
        });

        // The state as the journey function stores and reads it.
        const item = toCustomerJourneysItem(TENANT, CUSTOMER, { state: entered.state, version: 1 });
        for (const copy of [JSON.parse(JSON.stringify(item)), structuredClone(item)] as Item[]) {
          const state = fromCustomerJourneysItem(copy)?.state ?? emptyCustomerJourneys();
          expect(ownValue(state.enrollments, id)?.entries).toBe(1);
          // Entering again while in the journey is refused, by the enrollment under its id.
          expect(onCustomerEvent(catalog, state, session(), customer, T0).refused).toEqual([
            { journeyId: id, reason: 'already_in' },
          ]);
          const timer = entered.intents.find((i) => i.type === 'set_timer');
          const due = onCustomerTimer(
            catalog,
            state,
            {
              journeyId: id,
              instanceId: instance?.instanceId ?? '',
              timerId: timer?.type === 'set_timer' ? timer.timerId : '',
            },
            customer,
            T0 + HOUR,
          );
          const [after] = due.state.instances;
          expect(after).toMatchObject({ outcome: 'exited', visits: Object.fromEntries(ids.map((a) => [a, 1])) });
          expect(due.intents.filter((i) => i.type === 'send').map((i) => i.type === 'send' && i.activity)).toEqual([
            send,
          ]);
          expect(due.intents.filter((i) => i.type === 'metric').map((i) => [i.metric, i.activity])).toEqual([
            ['left', wait],
            ['queued', send],
            ['exited', undefined],
          ]);
          expect(after?.visits[exit]).toBe(1);
        }
        const timer = entered.intents.find((i) => i.type === 'set_timer');
        const due = onCustomerTimer(
          catalog,
          entered.state,
          {
            journeyId: id,
            instanceId: instance?.instanceId ?? '',
            timerId: timer?.type === 'set_timer' ? timer.timerId : '',
          },
          customer,
          T0 + HOUR,
        );
        await carry(due.intents);
        expect(await stats()).toMatchObject({ entered: 1, queued: 1, exited: 1, waiting: {} });
      }),
      { ...RUNS, numRuns: 100 },
    );
  });

  it('the runtime itself takes any strings as journey and activity ids, __proto__ included', () => {
    fc.assert(
      fc.property(anyKey(1, 64), fc.uniqueArray(anyKey(1, 64), { minLength: 3, maxLength: 3 }), (id, ids) => {
        const [wait, send, exit] = ids as [string, string, string];
        // Built as a stored item decodes it (own entries), not parsed: the schema allows fewer ids.
        const journey = {
          ...(validateJourney({ ...journeyInput('j', ['a', 'b', 'c']), status: 'live' }).journey as Journey),
          id,
          startActivity: wait,
          activities: JSON.parse(JSON.stringify(journeyInput(id, ids).activities)),
        } as Journey;
        const customer: Customer = { profile: {}, timeZone: 'UTC' };
        const step = enter(journey, undefined, [], session(), customer, T0);
        if ('refused' in step) throw new Error(step.refused);
        expect(own(step.instance.visits)).toEqual([wait]);
        const timer = step.instance.waiting?.timerId ?? '';
        const done = onTimer(journey, step.instance, timer, customer, T0 + HOUR);
        expect(done.instance.outcome).toBe('exited');
        expect(own(done.instance.visits)).toEqual(sorted(ids));
        for (const a of ids) expect(ownValue(done.instance.visits, a)).toBe(1);
        expect(done.intents.flatMap((i) => (i.type === 'send' ? [i.activity] : []))).toEqual([send]);
        expect(exit).toBeDefined();
        // Validation never throws on such ids: it takes the ones the schema allows and names the others.
        const checked = validateJourney(journeyInput(id, ids));
        expect(checked.problems.length === 0).toBe([id, ...ids].every((x) => ID.test(x)));
      }),
      RUNS,
    );
  });

  it('validation finds no activity named by an inherited name it does not hold', () => {
    const input = journeyInput('j', ['a', 'b', 'c']);
    const problems = validateJourney({ ...input, startActivity: 'constructor' }).problems;
    expect(problems).toContainEqual({ path: '$.startActivity', message: 'no activity "constructor" in activities' });
    const next = validateJourney({
      ...input,
      activities: {
        ...input.activities,
        b: { type: 'action', action: { kind: 'email', template: 't' }, next: 'constructor' },
      },
    }).problems;
    expect(next).toContainEqual({ path: '$.activities.b.next', message: 'no activity "constructor" in activities' });
  });

  it('a correlation key named like an inherited member reads the event’s own property only', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const journey = validateJourney({
        ...journeyInput('j', ['a', 'b', 'c']),
        status: 'live',
        entry: { type: 'event', event: 'session_started', correlationKey: key },
      }).journey as Journey;
      const customer: Customer = { profile: {}, timeZone: 'UTC' };
      const without = enter(journey, undefined, [], session(), customer, T0);
      expect('instance' in without && without.instance.correlation).toBe(undefined);
      const withKey = enter(journey, undefined, [], ev(T0, 'session_started', { [key]: 'k-1' }), customer, T0);
      expect('instance' in withKey && withKey.instance.correlation).toBe('k-1');
    }
  });
});

// ---- conditions on profile facts ----------------------------------------------------------------

/** A name a fact path may have between its dots (condition-schema.ts), the inherited names mixed in. */
const FACT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const factName = fc.oneof(
  fc.constantFrom(...PROTO_NAMES.filter((name) => FACT_NAME.test(name) && name !== '__proto__')),
  fc.stringMatching(FACT_NAME),
);

describe('conditions on profile.traits.<name>', () => {
  it('read the own trait, and find it missing (never a function) when the customer has none', () => {
    fc.assert(
      fc.property(factName, fc.boolean(), (name, present) => {
        const fact = `profile.traits.${name}`;
        const traits = present ? { [name]: 'x' } : { other: 'x' };
        const customer = customerOf(foldEvents(undefined, [ev(T0, 'identify', { traits })]) as Profile);
        expect(factAt(customer.profile, fact)).toBe(present ? 'x' : undefined);
        const holds = (condition: unknown) => {
          expect(conditionErrors(condition)).toEqual([]);
          expect(Condition.safeParse(condition).success).toBe(true);
          return compileCondition(condition as Condition)({ profile: customer.profile, now: T0 });
        };
        expect(holds({ fact, op: 'eq', value: 'x' })).toBe(present);
        expect(holds({ fact, op: 'exists' })).toBe(present);
        expect(holds({ fact, op: 'missing' })).toBe(!present);
        expect(holds({ fact, op: 'ne', value: 'x' })).toBe(!present);
        expect(holds({ fact: `${fact}.length`, op: 'exists' })).toBe(false);
        // The catalog's audience index reads the fact the same way.
        const journey = validateJourney({
          ...journeyInput('j', ['a', 'b', 'c']),
          status: 'live',
          entry: { type: 'event', event: 'session_started', condition: { fact, op: 'eq', value: 'x' } },
        }).journey as Journey;
        expect(createCatalog([journey]).entering('session_started', customer.profile).length).toBe(present ? 1 : 0);
      }),
      RUNS,
    );
  });

  it('a step into a list reads its own items and length, never an Array method', () => {
    const customer = customerOf(
      foldEvents(undefined, [ev(T0, 'tags_updated', { add: ['a', 'b'], remove: [] })]) as Profile,
    );
    const holds = (condition: Condition) => compileCondition(condition)({ profile: customer.profile, now: T0 });
    for (const name of Object.getOwnPropertyNames(Array.prototype).filter((m) => m !== 'length')) {
      if (!FACT_NAME.test(name)) continue;
      expect([name, holds({ fact: `profile.tags.${name}`, op: 'exists' })]).toEqual([name, false]);
      expect(factAt(customer.profile, `profile.tags.${name}`)).toBeUndefined();
    }
    expect(holds({ fact: 'profile.tags.length', op: 'eq', value: 2 })).toBe(true);
    expect(holds({ fact: 'profile.tags.1', op: 'eq', value: 'b' })).toBe(true);
  });

  it('a fact may not name __proto__ (refused before it is ever read)', () => {
    const condition = { fact: 'profile.traits.__proto__', op: 'exists' };
    expect(conditionErrors(condition)).toEqual([{ path: '$.fact', message: 'fact may not name "__proto__"' }]);
    expect(Condition.safeParse(condition).success).toBe(false);
  });

  it('an operator or key named like an inherited member is unknown, with no suggestion made of a function', () => {
    for (const name of PROTO_NAMES) {
      for (const error of [
        ...conditionErrors({ fact: 'profile.orders', op: name, value: 1 }),
        ...conditionErrors({ [name]: [] }),
      ]) {
        expect(error.message).not.toMatch(/function|native code|did you mean/);
      }
    }
  });
});
