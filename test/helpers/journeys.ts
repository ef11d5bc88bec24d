import fc from 'fast-check';
import { bucket } from '../../functions/core/journeys/runtime';

// A small journey for tests of the journey use cases: an e-mail at once, a push an hour later.
export const welcomeJourney = {
  id: 'welcome',
  name: 'Welcome',
  entry: { type: 'event', event: 'login' },
  startActivity: 'hello',
  activities: {
    hello: { type: 'action', action: { kind: 'email', template: 'hello' }, next: 'wait' },
    wait: { type: 'wait', for: '1h', next: 'nudge' },
    nudge: { type: 'action', action: { kind: 'push', template: 'nudge' } },
  },
} as const;

const base36 = (i: number) => i.toString(36).padStart(3, '0');

/**
 * A loop-free journey of `length` activities entered on login, with no wait: branches and
 * e-mails by turns (a0 a branch, a1 an e-mail, ...); or with `keeps`, holdouts of 1 % written as
 * small as they can be, each named so that it keeps the customer `keeps` (their sticky bucket is
 * above 1), ending in one e-mail named `last`.
 */
export function journeyChain(id: string, length: number, options: { keeps?: string } = {}) {
  const activities: Record<string, object> = {};
  const { keeps } = options;
  if (keeps !== undefined) {
    const names: string[] = [];
    for (let n = 0; names.length < length - 1; n++) {
      const name = base36(n);
      if (bucket(`${id}:${name}:holdout`, keeps) >= 1) names.push(name);
    }
    names.forEach((name, i) => {
      activities[name] = { type: 'holdout', percent: 1, next: names[i + 1] ?? 'last' };
    });
    activities.last = { type: 'action', action: { kind: 'email', template: 'hello' } };
    return { id, name: id, entry: { type: 'event', event: 'login' }, startActivity: names[0], activities };
  }
  for (let i = 0; i < length; i++) {
    const next = i === length - 1 ? {} : { next: `a${i + 1}` };
    activities[`a${i}`] =
      i % 2 === 1
        ? { type: 'action', action: { kind: 'email', template: 'hello' }, ...next }
        : {
            type: 'branch',
            branches: [{ condition: { fact: 'profile.orders', op: 'gte', value: 1 }, ...next }],
            default: next.next,
          };
  }
  return { id, name: id, entry: { type: 'event', event: 'login' }, startActivity: 'a0', activities };
}

/** Names every object inherits, written as journey ids could be; and ids that are not ids. */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const HOSTILE_IDS = [...PROTOTYPE_NAMES, ...PROTOTYPE_NAMES.map((n) => n.toLowerCase()), 'a', 'b', 'c', 'x-1', ''];
/** Those of them a journey's ids may be: constructor, tostring, valueof, ... */
const PROTOTYPE_IDS = [...new Set(PROTOTYPE_NAMES.map((n) => n.toLowerCase()))].filter((n) => /^[a-z][a-z]*$/.test(n));
/** Numbers the store cannot keep, next to ordinary ones. */
const HOSTILE_NUMBERS = [1e300, 5e-324, 1e-200, 2 ** 53, -(2 ** 53), 1e20, -0, 0, 1, 50, 100, 1e-9, 99.5, 0.5];

/**
 * A journey as a hostile or careless marketer may write it, entered on login. Messy ones have ids
 * and targets named like Object.prototype's members, unstorable numbers, missing or dangling
 * targets; tidy ones are well formed but for what they do: loops through branches (with and
 * without waits, or through waits that end at once), long chains, deep conditions. Many are
 * refused with 400; the others publish, and must run.
 */
export function hostileJourney() {
  const validId = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/);
  const id = fc.oneof(fc.constantFrom(...HOSTILE_IDS), validId, fc.string());
  const storable = fc.constantFrom(0, 0.5, 1, 2, 50, 99.5, 100, 1e-9, -3);
  const number = fc.oneof(
    { arbitrary: storable, weight: 2 },
    { arbitrary: fc.constantFrom(...HOSTILE_NUMBERS), weight: 1 },
    { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  );
  const conditionOf = (value: fc.Arbitrary<number>) => {
    const leaf = fc.record({
      fact: fc.constantFrom(
        'profile.orders',
        'profile.traits.constructor',
        'event.properties.total.amount',
        'profile.x',
      ),
      op: fc.constantFrom('eq', 'gte', 'lt', 'ne'),
      value,
    });
    return fc.letrec<{ c: unknown }>((tie) => ({
      c: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({ all: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ not: tie('c') }),
      ),
    })).c;
  };
  const kinds = ['action', 'branch', 'split', 'holdout', 'wait', 'wait0', 'wait_date', 'exit'] as const;
  const messy = fc.record({
    tidy: fc.constant(false),
    id,
    size: fc.integer({ min: 1, max: 12 }),
    targets: fc.array(fc.oneof(fc.constantFrom('next', 'none', 'back'), id), { minLength: 300, maxLength: 300 }),
    kinds: fc.array(fc.constantFrom(...kinds), { minLength: 300, maxLength: 300 }),
    numbers: fc.array(number, { minLength: 300, maxLength: 300 }),
    condition: fc.option(conditionOf(number), { nil: undefined }),
    entryCondition: fc.option(conditionOf(number), { nil: undefined }),
    startActivity: fc.option(id, { nil: undefined }),
  });
  const tidy = fc.record({
    tidy: fc.constant(true),
    id: fc.oneof(validId, fc.constantFrom(...PROTOTYPE_IDS)),
    size: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 30 }), weight: 3 }, fc.integer({ min: 100, max: 300 })),
    targets: fc.array(fc.oneof({ arbitrary: fc.constant('next'), weight: 9 }, fc.constant('back')), {
      minLength: 300,
      maxLength: 300,
    }),
    kinds: fc.array(fc.constantFrom(...kinds.filter((k) => k !== 'exit')), { minLength: 300, maxLength: 300 }),
    numbers: fc.array(fc.constantFrom(0.5, 1, 50, 99.5, 1e-9), { minLength: 300, maxLength: 300 }),
    condition: fc.option(conditionOf(storable), { nil: undefined }),
    entryCondition: fc.constant(undefined),
    startActivity: fc.constant(undefined),
  });
  return fc
    .oneof(messy, tidy)
    .map(({ tidy, id, size, targets, kinds, numbers, condition, entryCondition, startActivity }) => {
      const name = (i: number) => (i === 0 ? 'start' : i % 7 === 3 ? (PROTOTYPE_IDS[(i - 3) / 7] ?? `n${i}`) : `n${i}`);
      const activities: Record<string, unknown> = {};
      for (let i = 0; i < size; i++) {
        const target = targets[i] ?? 'next';
        const following = i + 1 < size ? name(i + 1) : undefined;
        const chosen =
          target === 'next' ? following : target === 'none' ? undefined : target === 'back' ? name(i >> 1) : target;
        // Tidy journeys go on to the next activity, and loop back only from branches and splits.
        const next = tidy ? following : chosen;
        const then = next === undefined ? {} : { next };
        const branchTo = chosen === undefined ? {} : { next: chosen };
        const value = numbers[i] ?? 1;
        const kind = tidy && i === size - 1 ? 'action' : kinds[i];
        const activity = (() => {
          switch (kind) {
            case 'action':
              return { type: 'action', action: { kind: 'email', template: 'hello' }, ...then };
            case 'branch':
              return {
                type: 'branch',
                branches: [{ condition: condition ?? { fact: 'profile.orders', op: 'gte', value }, ...branchTo }],
                default: following ?? next,
              };
            case 'split':
              return {
                type: 'split',
                paths: [
                  { name: 'a', percent: value, ...branchTo },
                  { name: 'b', percent: 100 - value, ...then },
                ],
              };
            case 'holdout':
              return { type: 'holdout', percent: value, ...then };
            case 'wait':
              return { type: 'wait', for: '1h', ...then };
            case 'wait0':
              return { type: 'wait', for: '0s', ...then };
            case 'wait_date':
              return { type: 'wait', untilDate: { date: 'profile.traits.birthday' }, ...then };
            default:
              return { type: 'exit' };
          }
        })();
        Object.defineProperty(activities, name(i), { value: activity, enumerable: true, writable: true });
      }
      return {
        id,
        name: 'hostile',
        entry: {
          type: 'event',
          event: 'login',
          ...(entryCondition === undefined ? {} : { condition: entryCondition }),
        },
        startActivity: startActivity ?? 'start',
        activities,
      };
    });
}
