import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { Condition, type Facts, MAX_DEPTH } from '../../../../functions/core/journeys/condition-schema';
import {
  compileCondition,
  conditionErrors,
  conditionSource,
  factsUsed,
  parseTime,
} from '../../../../functions/core/journeys/conditions';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const daysAgo = (days: number) => iso(NOW - days * DAY);

const facts = (profile: unknown, event?: unknown, now = NOW): Facts => ({ event, profile, now });
/** Whether `condition` (checked valid first) holds on the profile and event. */
const holds = (condition: unknown, profile: unknown, event?: unknown, now = NOW) => {
  expect(conditionErrors(condition)).toEqual([]);
  return compileCondition(condition as Condition)(facts(profile, event, now));
};

describe('condition operators', () => {
  it('eq and ne compare scalars strictly: the string "2" is not the number 2', () => {
    expect(holds({ fact: 'profile.orders', op: 'eq', value: 2 }, { orders: 2 })).toBe(true);
    expect(holds({ fact: 'profile.orders', op: 'eq', value: 2 }, { orders: '2' })).toBe(false);
    expect(holds({ fact: 'profile.orders', op: 'ne', value: 2 }, { orders: '2' })).toBe(true);
    expect(holds({ fact: 'profile.vip', op: 'eq', value: true }, { vip: true })).toBe(true);
    expect(holds({ fact: 'profile.vip', op: 'eq', value: true }, { vip: 1 })).toBe(false);
    expect(holds({ fact: 'profile.country', op: 'eq', value: 'DE' }, { country: 'de' })).toBe(false);
  });

  it('eq and ne never match a list or an object fact', () => {
    expect(holds({ fact: 'profile.tags', op: 'eq', value: 'vip' }, { tags: ['vip'] })).toBe(false);
    expect(holds({ fact: 'profile.tags', op: 'ne', value: 'vip' }, { tags: ['vip'] })).toBe(true);
  });

  it('a missing fact fails eq but passes ne', () => {
    expect(holds({ fact: 'profile.orders', op: 'eq', value: 0 }, {})).toBe(false);
    expect(holds({ fact: 'profile.orders', op: 'ne', value: 0 }, {})).toBe(true);
    expect(holds({ fact: 'profile.orders', op: 'ne', value: 0 }, { orders: null })).toBe(true);
  });

  it('eq null means the fact is missing (undefined or null), ne null that it exists', () => {
    expect(holds({ fact: 'profile.traits.email', op: 'eq', value: null }, { traits: {} })).toBe(true);
    expect(holds({ fact: 'profile.traits.email', op: 'eq', value: null }, { traits: { email: null } })).toBe(true);
    expect(holds({ fact: 'profile.traits.email', op: 'eq', value: null }, { traits: { email: 'a@b.c' } })).toBe(false);
    expect(holds({ fact: 'profile.traits.email', op: 'ne', value: null }, { traits: { email: 'a@b.c' } })).toBe(true);
    expect(holds({ fact: 'profile.traits.email', op: 'ne', value: null }, {})).toBe(false);
  });

  it('gt, gte, lt and lte compare numbers, at the boundary too', () => {
    const p = { orders: 2 };
    expect(holds({ fact: 'profile.orders', op: 'gt', value: 1 }, p)).toBe(true);
    expect(holds({ fact: 'profile.orders', op: 'gt', value: 2 }, p)).toBe(false);
    expect(holds({ fact: 'profile.orders', op: 'gte', value: 2 }, p)).toBe(true);
    expect(holds({ fact: 'profile.orders', op: 'lt', value: 2 }, p)).toBe(false);
    expect(holds({ fact: 'profile.orders', op: 'lte', value: 2 }, p)).toBe(true);
    expect(holds({ fact: 'profile.orders', op: 'lt', value: 2.5 }, p)).toBe(true);
  });

  it('number comparisons are false for a fact that is not a number, even a numeric string', () => {
    for (const orders of ['5', true, null, undefined, [5], { n: 5 }]) {
      expect(holds({ fact: 'profile.orders', op: 'gt', value: 1 }, { orders })).toBe(false);
      expect(holds({ fact: 'profile.orders', op: 'lte', value: 10 }, { orders })).toBe(false);
    }
  });

  it('comparisons with an ISO time compare the fact as a time, whatever its zone', () => {
    const c = { fact: 'profile.lastOrderAt', op: 'gt', value: '2026-01-01T00:00:00Z' };
    expect(holds(c, { lastOrderAt: '2026-01-01T00:00:00.001Z' })).toBe(true);
    expect(holds(c, { lastOrderAt: '2026-01-01T00:00:00Z' })).toBe(false);
    expect(holds({ ...c, op: 'gte' }, { lastOrderAt: '2026-01-01T00:00:00Z' })).toBe(true);
    // 00:30 in Berlin is 23:30 UTC the day before: earlier, although it sorts later as text.
    expect(holds(c, { lastOrderAt: '2026-01-01T00:30:00+01:00' })).toBe(false);
    expect(holds({ ...c, op: 'lt' }, { lastOrderAt: '2026-01-01T00:30:00+01:00' })).toBe(true);
    expect(
      holds({ ...c, op: 'lte', value: '2026-01-01T01:00:00+01:00' }, { lastOrderAt: '2026-01-01T00:00:00Z' }),
    ).toBe(true);
  });

  it('time comparisons are false for a fact that is not a time', () => {
    const c = { fact: 'profile.lastOrderAt', op: 'lt', value: '2026-01-01T00:00:00Z' };
    for (const lastOrderAt of ['soon', '', 1_000, null, undefined, ['2025-01-01T00:00:00Z']]) {
      expect(holds(c, { lastOrderAt })).toBe(false);
      expect(holds({ ...c, op: 'gte' }, { lastOrderAt })).toBe(false);
    }
  });

  it('between is inclusive at both ends, for numbers and for times', () => {
    const amount = (n: unknown) => ({ properties: { total: { amount: n } } });
    const c = { fact: 'event.properties.total.amount', op: 'between', value: [1000, 5000] };
    expect(holds(c, {}, amount(1000))).toBe(true);
    expect(holds(c, {}, amount(5000))).toBe(true);
    expect(holds(c, {}, amount(999))).toBe(false);
    expect(holds(c, {}, amount(5001))).toBe(false);
    expect(holds(c, {}, amount('3000'))).toBe(false);
    expect(holds(c, {}, undefined)).toBe(false);
    const season = {
      fact: 'profile.firstOrderAt',
      op: 'between',
      value: ['2025-11-01T00:00:00Z', '2025-12-31T23:59:59Z'],
    };
    expect(holds(season, { firstOrderAt: '2025-11-01T00:00:00.000Z' })).toBe(true);
    expect(holds(season, { firstOrderAt: '2025-12-24T18:00:00Z' })).toBe(true);
    expect(holds(season, { firstOrderAt: '2026-01-01T00:00:00Z' })).toBe(false);
    expect(holds(season, { firstOrderAt: 'Christmas' })).toBe(false);
  });

  it('in and nin test membership; a missing fact is in nothing and so passes nin', () => {
    const c = { fact: 'profile.lifecycle.stage', op: 'in', value: ['at_risk', 'dormant'] };
    expect(holds(c, { lifecycle: { stage: 'dormant' } })).toBe(true);
    expect(holds(c, { lifecycle: { stage: 'active' } })).toBe(false);
    expect(holds(c, { lifecycle: {} })).toBe(false);
    expect(holds({ ...c, op: 'nin' }, { lifecycle: { stage: 'active' } })).toBe(true);
    expect(holds({ ...c, op: 'nin' }, { lifecycle: { stage: 'dormant' } })).toBe(false);
    expect(holds({ ...c, op: 'nin' }, {})).toBe(true);
    expect(holds({ fact: 'profile.rfm.r', op: 'in', value: [4, 5] }, { rfm: { r: 5 } })).toBe(true);
    expect(holds({ fact: 'profile.rfm.r', op: 'in', value: [4, 5] }, { rfm: { r: '5' } })).toBe(false);
  });

  it('a null in an in list matches the missing fact', () => {
    const c = { fact: 'profile.lifecycle.stage', op: 'in', value: ['new', null] };
    expect(holds(c, {})).toBe(true);
    expect(holds(c, { lifecycle: { stage: null } })).toBe(true);
    expect(holds({ ...c, op: 'nin' }, {})).toBe(false);
    expect(holds({ ...c, op: 'nin' }, { lifecycle: { stage: 'active' } })).toBe(true);
  });

  it('contains looks for the value in a list fact, or for a substring in a string fact', () => {
    expect(holds({ fact: 'profile.tags', op: 'contains', value: 'vip' }, { tags: ['new', 'vip'] })).toBe(true);
    expect(holds({ fact: 'profile.tags', op: 'contains', value: 'vip' }, { tags: ['vip-lapsed'] })).toBe(false);
    expect(holds({ fact: 'profile.tags', op: 'contains', value: 'vip' }, { tags: [] })).toBe(false);
    expect(holds({ fact: 'profile.tags', op: 'contains', value: 'vip' }, {})).toBe(false);
    expect(holds({ fact: 'profile.skus', op: 'contains', value: 42 }, { skus: [41, 42] })).toBe(true);
    expect(holds({ fact: 'profile.skus', op: 'contains', value: 42 }, { skus: ['42'] })).toBe(false);
    expect(
      holds(
        { fact: 'profile.traits.email', op: 'contains', value: '@example.' },
        { traits: { email: 'a@example.com' } },
      ),
    ).toBe(true);
    expect(holds({ fact: 'profile.traits.email', op: 'contains', value: 42 }, { traits: { email: 'x42' } })).toBe(
      false,
    );
    expect(holds({ fact: 'profile.traits', op: 'contains', value: 'email' }, { traits: { email: 'x' } })).toBe(false);
  });

  it('exists and missing: null counts as missing, false and 0 and "" exist', () => {
    for (const v of [0, false, '', [], {}]) {
      expect(holds({ fact: 'profile.x', op: 'exists' }, { x: v })).toBe(true);
      expect(holds({ fact: 'profile.x', op: 'missing' }, { x: v })).toBe(false);
    }
    for (const profile of [{}, { x: null }, null, 'text']) {
      expect(holds({ fact: 'profile.x', op: 'exists' }, profile)).toBe(false);
      expect(holds({ fact: 'profile.x', op: 'missing' }, profile)).toBe(true);
    }
  });

  it('within_last holds for a time in (now − days, now]', () => {
    const c = { fact: 'profile.lastOrderAt', op: 'within_last', days: 30 };
    expect(holds(c, { lastOrderAt: iso(NOW) })).toBe(true);
    expect(holds(c, { lastOrderAt: daysAgo(29.99) })).toBe(true);
    expect(holds(c, { lastOrderAt: iso(NOW - 30 * DAY + 1) })).toBe(true);
    expect(holds(c, { lastOrderAt: daysAgo(30) })).toBe(false);
    expect(holds(c, { lastOrderAt: daysAgo(45) })).toBe(false);
    expect(holds(c, { lastOrderAt: iso(NOW + 1) })).toBe(false);
    expect(holds(c, { lastOrderAt: 'yesterday' })).toBe(false);
    expect(holds(c, { lastOrderAt: NOW })).toBe(false);
    expect(holds(c, {})).toBe(false);
  });

  it('within_last reads now from the facts, so one compiled condition serves every day', () => {
    const test = compileCondition({ fact: 'profile.lastOrderAt', op: 'within_last', days: 1.5 });
    const profile = { lastOrderAt: '2026-06-01T00:00:00Z' };
    expect(test(facts(profile, undefined, Date.parse('2026-06-01T00:00:00Z')))).toBe(true);
    expect(test(facts(profile, undefined, Date.parse('2026-06-02T11:59:59Z')))).toBe(true);
    expect(test(facts(profile, undefined, Date.parse('2026-06-02T12:00:00Z')))).toBe(false);
    expect(test(facts(profile, undefined, Date.parse('2026-05-31T23:59:59Z')))).toBe(false);
  });

  it('reads deep paths from the event and the profile, and a path through a non-object is missing', () => {
    const c = { fact: 'event.properties.items.first.sku', op: 'eq', value: 'A1' };
    expect(holds(c, {}, { properties: { items: { first: { sku: 'A1' } } } })).toBe(true);
    expect(holds(c, {}, { properties: { items: 'A1' } })).toBe(false);
    expect(holds(c, {}, undefined)).toBe(false);
    expect(holds({ fact: 'profile.tags.0', op: 'eq', value: 'vip' }, { tags: ['vip'] })).toBe(true);
    expect(holds({ fact: 'profile.tags.length', op: 'gte', value: 2 }, { tags: ['a', 'b'] })).toBe(true);
  });

  it('a prototype method is no fact: profile.traits.toString is missing', () => {
    expect(holds({ fact: 'profile.traits.toString', op: 'missing' }, { traits: {} })).toBe(true);
    expect(holds({ fact: 'profile.tags.includes', op: 'exists' }, { tags: [] })).toBe(false);
    expect(holds({ fact: 'profile.traits.constructor.name', op: 'exists' }, { traits: {} })).toBe(false);
  });

  it('all, any and not nest', () => {
    const winBack = {
      all: [
        { fact: 'profile.lifecycle.stage', op: 'in', value: ['at_risk', 'dormant'] },
        {
          any: [
            { fact: 'profile.orders', op: 'gte', value: 2 },
            { fact: 'profile.revenue', op: 'gte', value: 10_000 },
          ],
        },
        { not: { fact: 'profile.tags', op: 'contains', value: 'no-marketing' } },
      ],
    };
    const base = { lifecycle: { stage: 'at_risk' }, orders: 1, revenue: 20_000, tags: ['vip'] };
    expect(holds(winBack, base)).toBe(true);
    expect(holds(winBack, { ...base, revenue: 500 })).toBe(false);
    expect(holds(winBack, { ...base, revenue: 500, orders: 3 })).toBe(true);
    expect(holds(winBack, { ...base, tags: ['no-marketing'] })).toBe(false);
    expect(holds(winBack, { ...base, tags: undefined })).toBe(true);
    expect(holds(winBack, { ...base, lifecycle: { stage: 'active' } })).toBe(false);
  });

  it('groups of any size evaluate every member', () => {
    for (let n = 1; n <= 7; n++) {
      const members = Array.from({ length: n }, (_, i) => ({ fact: `profile.f${i}`, op: 'eq', value: 1 }));
      const allOnes = Object.fromEntries(members.map((_, i) => [`f${i}`, 1]));
      const lastZero = { ...allOnes, [`f${n - 1}`]: 0 };
      const allZero = Object.fromEntries(members.map((_, i) => [`f${i}`, 0]));
      const onlyLast = { ...allZero, [`f${n - 1}`]: 1 };
      expect(holds({ all: members }, allOnes)).toBe(true);
      expect(holds({ all: members }, lastZero)).toBe(false);
      expect(holds({ any: members }, onlyLast)).toBe(true);
      expect(holds({ any: members }, allZero)).toBe(false);
      expect(holds({ not: { any: members } }, allZero)).toBe(true);
    }
  });

  it('factsUsed lists each fact path once, in order', () => {
    expect(
      factsUsed({
        all: [
          { fact: 'event.properties.total.amount', op: 'gte', value: 1 },
          { any: [{ fact: 'profile.orders', op: 'gt', value: 0 }, { not: { fact: 'profile.tags', op: 'missing' } }] },
          { fact: 'profile.orders', op: 'lt', value: 10 },
        ],
      }),
    ).toEqual(['event.properties.total.amount', 'profile.orders', 'profile.tags']);
  });
});

// ---- the compiled function agrees with a reference interpreter ---------------------------------

/** The semantics read straight off the language's description: slow and obvious. */
function reference(c: Condition, f: Facts): boolean {
  if ('all' in c) return c.all.every((x) => reference(x, f));
  if ('any' in c) return c.any.some((x) => reference(x, f));
  if ('not' in c) return !reference(c.not, f);
  const [root, ...names] = c.fact.split('.');
  let v: unknown = root === 'event' ? f.event : f.profile;
  for (const name of names) {
    v =
      v !== null && typeof v === 'object' && typeof (v as Record<string, unknown>)[name] !== 'function'
        ? (v as Record<string, unknown>)[name]
        : undefined;
  }
  const absent = v === undefined || v === null;
  const asTime = (x: unknown) => (typeof x === 'string' ? Date.parse(x) : Number.NaN);
  const compare = (bound: number | string, test: (a: number, b: number) => boolean) =>
    typeof bound === 'number'
      ? typeof v === 'number' && test(v, bound)
      : typeof v === 'string' && test(asTime(v), Date.parse(bound));
  switch (c.op) {
    case 'eq':
      return absent ? c.value === null : v === c.value;
    case 'ne':
      return absent ? c.value !== null : v !== c.value;
    case 'in':
      return c.value.some((x) => (absent ? x === null : x === v));
    case 'nin':
      return !c.value.some((x) => (absent ? x === null : x === v));
    case 'gt':
      return compare(c.value, (a, b) => a > b);
    case 'gte':
      return compare(c.value, (a, b) => a >= b);
    case 'lt':
      return compare(c.value, (a, b) => a < b);
    case 'lte':
      return compare(c.value, (a, b) => a <= b);
    case 'between':
      return compare(c.value[0], (a, b) => a >= b) && compare(c.value[1], (a, b) => a <= b);
    case 'contains':
      if (Array.isArray(v)) return v.some((x) => x === c.value);
      return typeof v === 'string' && typeof c.value === 'string' && v.indexOf(c.value) >= 0;
    case 'exists':
      return !absent;
    case 'missing':
      return absent;
    case 'within_last': {
      const t = asTime(v);
      return t <= f.now && f.now - t < c.days * DAY;
    }
  }
}

const PATHS = [
  'profile.orders',
  'profile.revenue',
  'profile.stage',
  'profile.tags',
  'profile.lastOrderAt',
  'profile.traits.email',
  'profile.deep.a.b.c',
  'event.type',
  'event.properties.total.amount',
] as const;
const NUMBERS = [-3, 0, 1, 2, 5, 99.5, 100, 10_000];
const WORDS = ['at_risk', 'dormant', 'active', 'vip', 'no-marketing', 'order_placed', '2', '', 'a@example.com'];
const TIMES = [-400, -90, -30.5, -30, -1, -0.001, 0, 1].map((d) => iso(NOW + d * DAY));

const scalar = fc.oneof(
  fc.constantFrom(...NUMBERS),
  fc.constantFrom(...WORDS),
  fc.constantFrom(...TIMES),
  fc.boolean(),
);
const factValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalar, weight: 6 },
  fc.constant(null),
  fc.constant(undefined),
  fc.constantFrom('not a time', '2026-06-01'),
  fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom(...NUMBERS)), { maxLength: 4 }),
  fc.constant({ nested: 1 }),
);
const factsArb: fc.Arbitrary<Facts> = fc.record({
  profile: fc.oneof(
    {
      weight: 9,
      arbitrary: fc.record(
        {
          orders: factValue,
          revenue: factValue,
          stage: factValue,
          tags: factValue,
          lastOrderAt: factValue,
          traits: fc.oneof(factValue, fc.record({ email: factValue }, { requiredKeys: [] })),
          deep: fc.oneof(
            factValue,
            fc.record({ a: fc.record({ b: fc.record({ c: factValue }, { requiredKeys: [] }) }) }),
          ),
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(null, 'text') },
  ),
  event: fc.oneof(
    fc.constant(undefined),
    fc.record({
      type: factValue,
      properties: fc.oneof(factValue, fc.record({ total: fc.record({ amount: factValue }) })),
    }),
  ),
  now: fc.constantFrom(NOW, NOW - 45 * DAY),
});

const fact = fc.constantFrom(...PATHS);
/** Two of `xs`, low first, by their position in `xs` (sorted ascending). */
const ordered = <T>(xs: readonly T[]) =>
  fc
    .tuple(fc.nat(xs.length - 1), fc.nat(xs.length - 1))
    .map(([i, j]) => [xs[Math.min(i, j)], xs[Math.max(i, j)]] as [T, T]);
const leafArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ fact, op: fc.constantFrom('eq', 'ne'), value: fc.oneof(scalar, fc.constant(null)) }),
  fc.record({
    fact,
    op: fc.constantFrom('gt', 'gte', 'lt', 'lte'),
    value: fc.oneof(fc.constantFrom(...NUMBERS), fc.constantFrom(...TIMES)),
  }),
  fc.record({ fact, op: fc.constant('between'), value: fc.oneof(ordered(NUMBERS), ordered(TIMES)) }),
  fc.record({
    fact,
    op: fc.constantFrom('in', 'nin'),
    value: fc.array(fc.oneof(scalar, fc.constant(null)), { minLength: 1, maxLength: 5 }),
  }),
  fc.record({ fact, op: fc.constant('contains'), value: fc.oneof(scalar, fc.constantFrom('@example', 'risk')) }),
  fc.record({ fact, op: fc.constantFrom('exists', 'missing') }),
  fc.record({ fact, op: fc.constant('within_last'), days: fc.constantFrom(0.5, 1, 30, 90, 365) }),
) as fc.Arbitrary<Condition>;
const { condition: conditionArb } = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ all: fc.array(tie('condition'), { minLength: 1, maxLength: 6 }) }),
    fc.record({ any: fc.array(tie('condition'), { minLength: 1, maxLength: 6 }) }),
    fc.record({ not: tie('condition') }),
  ),
}));

describe('parseTime', () => {
  it('reads a stored time exactly as Date.parse does', () => {
    const date = fc.date({
      min: new Date('0000-01-01T00:00:00.000Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(date, (d) => {
        const stored = d.toISOString();
        expect(parseTime(stored)).toBe(Date.parse(stored));
        const seconds = stored.replace(/\.\d{3}Z$/, 'Z');
        expect(parseTime(seconds)).toBe(Date.parse(seconds));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves every other form to Date.parse, including the invalid ones', () => {
    const odd = [
      '0000-01-01T00:00:00Z',
      '0000-03-01T00:00:00.000Z',
      '1600-02-29T12:00:00Z',
      '1900-02-29T00:00:00Z',
      '2000-02-29T00:00:00.999Z',
      '2024-02-29T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-02-32T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z',
      '2026-01-01T00:00:00.1Z',
      '2026-01-01T00:00:00.12Z',
      '2026-01-01T00:00:00.1234Z',
      '2026-01-01T00:00:00.12aZ',
      '2026-01-01T00:00:00+02:00',
      '2026-01-01T00:00:00z',
      '2026-01-01 00:00:00Z',
      '2026-01-01',
      '2026-01-01T00:00Z',
      '+012026-01-01T00:00:00.000Z',
      '-000001-01-01T00:00:00.000Z',
      '2o26-01-01T00:00:00Z',
      '20260-1-01T00:00:00Z',
      ' 2026-01-01T00:00:00Z',
      'yesterday',
      '',
    ];
    for (const s of odd) expect([s, parseTime(s)]).toEqual([s, Date.parse(s)]);
  });
});

describe('compiled conditions', () => {
  it('agree with a reference interpreter on random conditions and facts', () => {
    const outcomes = { true: 0, false: 0 };
    fc.assert(
      fc.property(conditionArb, fc.array(factsArb, { minLength: 1, maxLength: 10 }), (condition, many) => {
        expect(conditionErrors(condition)).toEqual([]);
        const test = compileCondition(condition);
        for (const f of many) {
          const expected = reference(condition, f);
          outcomes[`${expected}`]++;
          expect(test(f)).toBe(expected);
        }
      }),
      { numRuns: 1000 },
    );
    // Both outcomes are common, so agreement means something.
    expect(Math.min(outcomes.true, outcomes.false)).toBeGreaterThan(1000);
  });

  it('give the same answer however often they run (no state kept between evaluations)', () => {
    fc.assert(
      fc.property(conditionArb, factsArb, factsArb, (condition, a, b) => {
        const test = compileCondition(condition);
        const first = test(a);
        test(b);
        expect(test(a)).toBe(first);
      }),
    );
  });
  it('agree with the reference on in and nin lists of any length (short ones compared inline, long ones a Set)', () => {
    const list = fc.array(fc.oneof(scalar, fc.constant(null)), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(fact, fc.constantFrom('in', 'nin'), list, factsArb, (path, op, value, f) => {
        const condition = { fact: path, op, value } as Condition;
        expect(conditionErrors(condition)).toEqual([]);
        expect(compileCondition(condition)(f)).toBe(reference(condition, f));
      }),
      { numRuns: 2000 },
    );
    const stages = Array.from({ length: 20 }, (_, i) => `stage-${i}`);
    const c = { fact: 'profile.stage', op: 'in', value: [...stages, 7, 'stage-3', null] };
    expect(conditionSource(c as Condition).source).toContain('.has(v)');
    expect(holds(c, { stage: 'stage-19' })).toBe(true);
    expect(holds(c, { stage: 7 })).toBe(true);
    expect(holds(c, { stage: '7' })).toBe(false);
    expect(holds(c, {})).toBe(true);
    expect(holds({ ...c, op: 'nin' }, { stage: 'stage-20' })).toBe(true);
    expect(holds({ ...c, op: 'nin' }, { stage: null })).toBe(false);
  });
});

// ---- code generation: conditions are untrusted JSON --------------------------------------------

describe('code generation on untrusted conditions', () => {
  let exit: MockInstance;
  beforeEach(() => {
    exit = vi.spyOn(process, 'exit').mockImplementation(() => {
      throw new Error('process.exit was called');
    });
  });
  afterEach(() => {
    expect(exit).not.toHaveBeenCalled();
    expect('pwned' in globalThis).toBe(false);
    exit.mockRestore();
  });

  const hostile = [
    '"); process.exit(1); ("',
    "'); process.exit(1); ('",
    '\\"); globalThis.pwned = 1; ("',
    '\\',
    '"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile value, on purpose
    '`${process.exit(1)}`',
    '*/ process.exit(1); /*',
    '\u2028process.exit(1)\u2029',
    '\n}); globalThis.pwned = 1; ({\n',
    'k[0](1); globalThis.pwned = 1',
    '\ud800 lone surrogate',
  ];

  it('writes hostile values as plain data: they match themselves and run nothing', () => {
    const filler = Array.from({ length: 12 }, (_, i) => `filler-${i}`);
    for (const value of hostile) {
      const eq = { fact: 'profile.stage', op: 'eq', value };
      expect(holds(eq, { stage: value })).toBe(true);
      expect(holds(eq, { stage: `${value} ` })).toBe(false);
      expect(holds(eq, { stage: 'process.exit(1)' })).toBe(false);
      expect(holds({ ...eq, op: 'ne' }, { stage: value })).toBe(false);
      for (const list of [
        [value, 'other'],
        [...filler, value],
      ]) {
        expect(holds({ fact: 'profile.stage', op: 'in', value: list }, { stage: value })).toBe(true);
        expect(holds({ fact: 'profile.stage', op: 'nin', value: list }, { stage: 'other-value' })).toBe(true);
      }
      const contains = { fact: 'profile.tags', op: 'contains', value };
      expect(holds(contains, { tags: ['a', value] })).toBe(true);
      expect(holds(contains, { tags: `before${value}after` })).toBe(true);
      expect(holds(contains, { tags: ['a'] })).toBe(false);
      // No raw line separator reaches the source, although JS would accept one inside a string.
      expect(conditionSource(contains as Condition).source).not.toMatch(/[\u2028\u2029]/);
    }
  });

  it('rejects hostile fact paths in validation, and the compiler refuses them as well', () => {
    const paths = [
      'profile.a"]); process.exit(1); (["',
      "profile.a']; process.exit(1); //",
      'profile.a\\"b',
      'profile.a\u2028b',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile path, on purpose
      'profile.a`${process.exit(1)}`',
      'profile.a]; globalThis.pwned = 1; //',
      'profile.__proto__',
      'profile.x.__proto__.polluted',
      'event["x"]',
      'profile.a b',
      'profile.',
      'profile..x',
      'f.profile',
      'process.exit(1)',
    ];
    for (const fact of paths) {
      const condition = { fact, op: 'exists' };
      expect([fact, conditionErrors(condition).length]).toEqual([fact, 1]);
      expect(Condition.safeParse(condition).success).toBe(false);
      expect(() => compileCondition(condition as Condition)).toThrow(/cannot compile fact/);
    }
  });

  it('reads names that mean something to JavaScript, or to the generated code, as plain data', () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype'];
    const generated = ['f', 'k', 'v', 't', 'now', 'parseTime', 'c0', 'condition', 'undefined', 'NaN', 'return'];
    for (const name of [...names, ...generated, 'length', '0', '-', '1e3', '_']) {
      const c = { fact: `profile.x.${name}`, op: 'eq', value: 'data' };
      expect([name, holds(c, { x: { [name]: 'data' } })]).toEqual([name, true]);
      expect([name, holds({ fact: c.fact, op: 'missing' }, { x: {} })]).toEqual([name, true]);
      expect([name, holds({ fact: c.fact, op: 'missing' }, { x: Object.create(null) })]).toEqual([name, true]);
    }
    // A string or an array step leads nowhere, or to own data only (an array's length and items).
    expect(holds({ fact: 'profile.x.length', op: 'missing' }, { x: 'text' })).toBe(true);
    expect(holds({ fact: 'profile.x.length', op: 'eq', value: 2 }, { x: [1, 2] })).toBe(true);
    expect(holds({ fact: 'profile.x.1', op: 'eq', value: 2 }, { x: [1, 2] })).toBe(true);
  });

  it('refuses to compile a condition nested deeper than validation allows', () => {
    let deep: Condition = { fact: 'profile.orders', op: 'exists' };
    for (let i = 0; i < MAX_DEPTH; i++) deep = { not: deep };
    expect(() => compileCondition(deep)).toThrow(/nested more than/);
    expect(compileCondition((deep as { not: Condition }).not)({ profile: {}, now: NOW })).toBe(true);
  });
});

// ---- validation -------------------------------------------------------------------------------

describe('conditionErrors', () => {
  const broken: [string, unknown, string, string, string?][] = [
    [
      'an unknown operator',
      { fact: 'profile.orders', op: 'greater', value: 2 },
      '$.op',
      'unknown operator "greater"; did you mean "gt"? use one of eq, ne, gt, gte, lt, lte, between, in, nin, contains, exists, missing, within_last',
    ],
    [
      'an operator that is not a string',
      { fact: 'profile.orders', op: 3, value: 2 },
      '$.op',
      'op must be one of eq, ne, gt',
    ],
    ['a leaf without op', { fact: 'profile.orders', value: 2 }, '$.op', 'missing "op": use one of eq, ne'],
    ['a leaf without fact', { op: 'gt', value: 2 }, '$.fact', 'missing "fact": a path such as profile.orders'],
    [
      'a word where gt needs a number or time',
      { fact: 'profile.orders', op: 'gt', value: 'two' },
      '$.value',
      '"value" must be a number or an ISO-8601 time for gt: "two" is not an ISO-8601 time',
    ],
    [
      'a number written as a string',
      { fact: 'profile.orders', op: 'gte', value: '100' },
      '$.value',
      'must be the number 100, not the string "100"',
    ],
    [
      'a time without a zone',
      { fact: 'profile.lastOrderAt', op: 'lt', value: '2026-01-01' },
      '$.value',
      '"2026-01-01" is not an ISO-8601 time with a zone',
    ],
    [
      'a fact not under event. or profile.',
      { fact: 'customer.orders', op: 'gt', value: 1 },
      '$.fact',
      'fact must start with event. or profile.',
    ],
    [
      'a fact naming only the root',
      { fact: 'profile', op: 'exists' },
      '$.fact',
      'fact must name a field under profile',
    ],
    [
      'a fact with a space',
      { fact: 'profile.first name', op: 'exists' },
      '$.fact',
      'may have only letters, digits, _ and -',
    ],
    [
      'a fact reaching for __proto__',
      { fact: 'profile.__proto__.x', op: 'exists' },
      '$.fact',
      'may not name "__proto__"',
    ],
    [
      'a fact that is not a string',
      { fact: ['profile', 'orders'], op: 'exists' },
      '$.fact',
      'fact must be a dotted path such as profile.orders, not a list',
    ],
    ['an empty all', { all: [] }, '$.all', '"all" needs at least one condition'],
    [
      'an any that is no list',
      { any: { fact: 'profile.orders', op: 'exists' } },
      '$.any',
      '"any" must be a list of conditions',
    ],
    [
      'a not with a list',
      { not: [{ fact: 'profile.orders', op: 'exists' }] },
      '$.not',
      '"not" takes one condition, not a list',
    ],
    [
      'between with three values',
      { fact: 'profile.orders', op: 'between', value: [1, 2, 3] },
      '$.value',
      'between takes exactly two values [low, high], got 3',
    ],
    [
      'between with one number and one time',
      { fact: 'profile.orders', op: 'between', value: [1, '2026-01-01T00:00:00Z'] },
      '$.value',
      'not one of each',
    ],
    [
      'between high before low',
      { fact: 'profile.orders', op: 'between', value: [5000, 1000] },
      '$.value',
      'between needs the low value first',
    ],
    [
      'between with a bad bound',
      { fact: 'profile.orders', op: 'between', value: [1, true] },
      '$.value[1]',
      'high value must be a number or an ISO-8601 time',
    ],
    [
      'between with a single number',
      { fact: 'profile.orders', op: 'between', value: 5 },
      '$.value',
      '"value" must be [low, high] for between',
    ],
    [
      'within_last without days',
      { fact: 'profile.lastOrderAt', op: 'within_last' },
      '$.days',
      'within_last needs "days"',
    ],
    [
      'within_last with value instead of days',
      { fact: 'profile.lastOrderAt', op: 'within_last', value: 30 },
      '$.value',
      'within_last takes "days" (such as "days": 30), not "value"',
    ],
    [
      'within_last with zero days',
      { fact: 'profile.lastOrderAt', op: 'within_last', days: 0 },
      '$.days',
      '"days" must be more than 0',
    ],
    [
      'within_last with days as text',
      { fact: 'profile.lastOrderAt', op: 'within_last', days: '30' },
      '$.days',
      '"days" must be a number of days',
    ],
    ['gt with days', { fact: 'profile.orders', op: 'gt', value: 1, days: 3 }, '$.days', 'gt takes "value", not "days"'],
    [
      'an extra key on a leaf',
      { fact: 'profile.orders', op: 'gt', value: 1, unit: 'orders' },
      '$.unit',
      'unknown key "unit"; a gt condition has only fact, op and value',
    ],
    [
      'an extra key on a group',
      { all: [{ fact: 'profile.orders', op: 'exists' }], label: 'x' },
      '$.label',
      'unknown key "label"; a group has only "all"',
    ],
    ['an odd key, bracketed in the path', { 'first name': 1 }, '$["first name"]', 'unknown key "first name"'],
    [
      'exists with a value',
      { fact: 'profile.traits.email', op: 'exists', value: true },
      '$.value',
      'exists takes no "value"',
    ],
    [
      'a missing value',
      { fact: 'profile.orders', op: 'eq' },
      '$.value',
      'eq needs "value": a string, number, boolean or null',
    ],
    [
      'eq with a list',
      { fact: 'profile.stage', op: 'eq', value: ['a', 'b'] },
      '$.value',
      'to match one of several values use "in"',
    ],
    ['in with one value', { fact: 'profile.stage', op: 'in', value: 'at_risk' }, '$.value', 'for one value use "eq"'],
    [
      'in with an empty list',
      { fact: 'profile.stage', op: 'nin', value: [] },
      '$.value',
      'needs at least one value for nin',
    ],
    [
      'in with an object in the list',
      { fact: 'profile.stage', op: 'in', value: ['a', { b: 1 }] },
      '$.value[1]',
      'must be a string, number, boolean or null, not an object',
    ],
    [
      'contains null',
      { fact: 'profile.tags', op: 'contains', value: null },
      '$.value',
      '"value" must be a string, number or boolean for contains',
    ],
    [
      'an over-long string',
      { fact: 'profile.stage', op: 'eq', value: 'x'.repeat(300) },
      '$.value',
      'longer than 256 characters',
    ],
    [
      'and for all',
      { and: [{ fact: 'profile.orders', op: 'exists' }] },
      '$.and',
      'unknown key "and"; did you mean "all"?',
    ],
    ['an empty object', {}, '$', 'empty condition'],
    ['a string for a condition', 'profile.orders > 2', '$', 'a condition must be an object'],
    [
      'all and any side by side',
      { all: [{ fact: 'profile.orders', op: 'exists' }], any: [{ fact: 'profile.x', op: 'exists' }] },
      '$',
      'found "all" and "any": nest one inside the other',
    ],
    [
      'a group and a fact together',
      { all: [{ fact: 'profile.orders', op: 'exists' }], fact: 'profile.x', op: 'exists' },
      '$',
      'either a group ("all") or a fact test',
    ],
    [
      'a deep error',
      {
        any: [
          { fact: 'profile.orders', op: 'gt', value: 1 },
          { fact: 'profile.revenue', op: 'gt', value: 1 },
          { not: { all: [{ fact: 'profile.stage', op: 'in', value: 'dormant' }] } },
        ],
      },
      '$.x.any[2].not.all[0].value',
      '"value" must be a list of values for in',
      '$.x',
    ],
    [
      "an error under the caller's base path",
      {
        all: [
          { fact: 'profile.orders', op: 'exists' },
          { fact: 'profile.orders', op: 'gretaer', value: 2 },
        ],
      },
      '$.steps.check.condition.all[1].op',
      'unknown operator "gretaer"',
      '$.steps.check.condition',
    ],
  ];

  it.each(broken)('names the spot and the fix for %s', (_, input, path, message, base) => {
    expect(conditionErrors(input, base)).toEqual([{ path, message: expect.stringContaining(message) }]);
    expect(Condition.safeParse(input).success).toBe(false);
  });

  it('reports every problem, not just the first', () => {
    const errors = conditionErrors({
      all: [
        { fact: 'customer.orders', op: 'gt', value: 'many' },
        { any: [] },
        { fact: 'profile.lastOrderAt', op: 'within_last' },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual(['$.all[0].fact', '$.all[0].value', '$.all[1].any', '$.all[2].days']);
  });

  it('caps how deep conditions nest', () => {
    let deep: unknown = { fact: 'profile.orders', op: 'exists' };
    for (let i = 0; i < MAX_DEPTH; i++) deep = { not: deep };
    expect(conditionErrors(deep)).toEqual([
      { path: `$${'.not'.repeat(MAX_DEPTH)}`, message: `conditions may nest at most ${MAX_DEPTH} levels deep` },
    ]);
    expect(Condition.safeParse(deep).success).toBe(false);
    let fine: unknown = { fact: 'profile.orders', op: 'exists' };
    for (let i = 0; i < MAX_DEPTH - 1; i++) fine = { not: fine };
    expect(conditionErrors(fine)).toEqual([]);
    expect(Condition.safeParse(fine).success).toBe(true);
  });

  it('rejects a hostile 100,000-deep condition without overflowing the stack', () => {
    let hostile: unknown = { fact: 'profile.orders', op: 'exists' };
    for (let i = 0; i < 100_000; i++) hostile = i % 2 ? { not: hostile } : { all: [hostile] };
    expect(conditionErrors(hostile)).toHaveLength(1);
    expect(Condition.safeParse(hostile).success).toBe(false);
  });

  it('accepts exactly what the zod schema accepts', () => {
    const anything = fc.oneof(
      scalar,
      fc.constant(null),
      fc.constantFrom('2026-01-01', 'x'.repeat(300), '100', Number.NaN),
      fc.array(fc.oneof(scalar, fc.constant(null), fc.constant({})), { maxLength: 3 }),
      fc.constant({ a: 1 }),
    );
    const looseLeaf = fc.record(
      {
        fact: fc.oneof(
          fc.constantFrom(...PATHS),
          fc.constantFrom('customer.x', 'profile', 'profile..x', 'event.a b', 'profile.__proto__'),
        ),
        op: fc.oneof(
          fc.constantFrom(
            'eq',
            'ne',
            'gt',
            'gte',
            'lt',
            'lte',
            'between',
            'in',
            'nin',
            'contains',
            'exists',
            'missing',
            'within_last',
          ),
          fc.constantFrom('greater', 'EQ', 7),
        ),
        value: fc.oneof(
          anything,
          fc.tuple(fc.constantFrom(...NUMBERS, ...TIMES), fc.constantFrom(...NUMBERS, ...TIMES)),
        ),
        days: fc.oneof(fc.constantFrom(-1, 0, 0.5, 30, 40_000), anything),
        extra: fc.constant(1),
      },
      { requiredKeys: [] },
    );
    const { loose } = fc.letrec<{ loose: unknown }>((tie) => ({
      loose: fc.oneof(
        { depthSize: 'small' },
        looseLeaf,
        leafArb,
        fc.record({ all: fc.array(tie('loose'), { maxLength: 3 }) }),
        fc.record({ any: fc.oneof(fc.array(tie('loose'), { maxLength: 3 }), tie('loose')) }),
        fc.record({ not: tie('loose') }),
        fc.record({
          all: fc.array(tie('loose'), { minLength: 1, maxLength: 2 }),
          any: fc.array(tie('loose'), { minLength: 1, maxLength: 2 }),
        }),
      ),
    }));
    let accepted = 0;
    fc.assert(
      fc.property(loose, (input) => {
        const ours = conditionErrors(input).length === 0;
        if (ours) accepted++;
        expect(ours).toBe(Condition.safeParse(input).success);
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
