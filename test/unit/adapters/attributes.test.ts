import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromAttributes, toAttributes } from '../../../functions/adapters/aws/attributes';

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const key = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES, '\u0001__proto__', '\u0001\u0001x'),
  fc.string({ minLength: 1 }),
);
const own = (entries: [string, unknown][]) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
};

describe('DynamoDB attribute values', () => {
  it('keep every key as an own property, Object.prototype names included', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const map = fc.array(fc.tuple(key, value), { maxLength: 10 }).map(own);
    fc.assert(
      fc.property(fc.array(fc.tuple(key, map), { maxLength: 5 }).map(own), (item) => {
        const back = fromAttributes(toAttributes(item));
        expect(JSON.stringify(back)).toBe(JSON.stringify(item));
        expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
        for (const k of Object.keys(item)) expect(Object.hasOwn(back, k)).toBe(true);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('travel with no key named __proto__, which the SDK would turn into a prototype', () => {
    const attributes = toAttributes(
      own([
        [
          'm',
          own([
            ['__proto__', 1],
            ['\u0001x', 2],
          ]),
        ],
      ]),
    );
    expect(Object.keys(attributes.m?.M ?? {})).toEqual(['\u0001__proto__', '\u0001\u0001x']);
  });

  it('write what the SDK writes for ordinary items', () => {
    const item = {
      pk: 'a',
      sk: 'b',
      n: 1.5,
      list: [1, 'x', null, undefined],
      set: new Set(['x', 'y']),
      gone: undefined,
    };
    expect(toAttributes(item)).toEqual(marshall(item, { removeUndefinedValues: true }));
  });

  it('refuse numbers DynamoDB would give back rounded, and empty sets', () => {
    expect(() => toAttributes({ n: 2 ** 53 })).toThrow(/MAX_SAFE_INTEGER/);
    expect(() => toAttributes({ n: Number.NaN })).toThrow(/Special numeric value/);
    expect(() => toAttributes({ s: new Set() })).toThrow(/empty sets/);
  });
});
