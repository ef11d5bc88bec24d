/**
 * Decoding what the table holds: every reader of a stored item parses it with the item kind's
 * schema (next to its encoder in core/<area>/items.ts; functions/contracts/stored.ts lists them
 * all) instead of casting it. A stored item that does not decode throws a StoredItemError naming
 * the item's key and where it is wrong, so the message that read it fails (and is delivered
 * again, then dead-lettered) instead of folding a corrupt value into state.
 *
 * The schemas check what the code relies on and let every other attribute through unchanged
 * (loose objects): decoding never drops an attribute that a later write would then lose.
 */

import { z } from 'zod';
import type { Item, Key } from '../ports';
import { jsonPath } from './json-path';
import { ownValue } from './own';

type Issue = z.core.$ZodIssue;

/** A stored item that is not what its kind's schema says: corrupt, or written by hand. */
export class StoredItemError extends Error {
  readonly key: Key;
  readonly issues: readonly Issue[];
  constructor(key: Key, issues: readonly Issue[]) {
    const first = issues[0];
    const where = first ? `${jsonPath('$', first.path)}: ${first.message}` : 'unknown issue';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(`stored item ${key.pk} / ${key.sk} does not decode: ${where}${more}`);
    this.name = 'StoredItemError';
    this.key = { pk: key.pk, sk: key.sk };
    this.issues = issues;
  }
}

/** The item parsed with its kind's schema; throws StoredItemError if it does not parse. */
export function decodeItem<S extends z.ZodType>(schema: S, item: Item): z.output<S> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  throw new StoredItemError({ pk: String(item.pk), sk: String(item.sk) }, parsed.error.issues);
}

/** The partition and sort key every item has. */
export const ItemKey = { pk: z.string(), sk: z.string() };

/** A write version: incremented by every write, which is conditional on the version read. */
export const Version = z.int().min(0);

/**
 * A string set as the adapters hand it back (DynamoDB's SS unmarshalled to a Set). Checked, not
 * copied: ledgers hold thousands of hashes, and the set is only read.
 */
export const StringSet = z.custom<Set<string>>((value) => {
  if (!(value instanceof Set)) return false;
  for (const member of value) if (typeof member !== 'string') return false;
  return true;
}, 'expected a set of strings');

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set);
export const isString = (value: unknown): value is string => typeof value === 'string';
export const isNumber = (value: unknown): value is number => Number.isFinite(value);

/** An object keyed by data (order ids, trait names, weeks): its entries are checked by `mapEntries`. */
export const DataMap = <T>() => z.custom<Record<string, T>>(isObject, 'expected a map');

/** Which maps of an item hold what: the name of the map, the check of each entry, what it expects. */
export type MapEntries = readonly (readonly [name: string, isValue: (value: unknown) => boolean, expected: string])[];

/**
 * A check of the entries of an item's maps, in place: a zod record parses and copies every entry,
 * which costs more than folding a batch of events into the profile that holds the maps. An entry
 * that fails is reported at its own path (`$.orderBook["o-1"]: expected ...`).
 */
export function mapEntries(maps: MapEntries) {
  return (ctx: { value: Record<string, unknown>; issues: z.core.$ZodRawIssue[] }) => {
    for (const [name, isValue, expected] of maps) {
      const map = ctx.value[name];
      if (!isObject(map) || Object.values(map).every(isValue)) continue;
      for (const [key, value] of Object.entries(map)) {
        if (!isValue(value))
          ctx.issues.push({ code: 'custom', message: `expected ${expected}`, input: value, path: [name, key] });
      }
    }
  };
}

/** Any item written with a version (Store.put ifVersion), as far as a versioned write reads it. */
export const VersionedItem = z.looseObject({ ...ItemKey, version: Version });

/** The version an item was written with, for the condition of the next write. */
export const storedVersion = (item: Item): number => decodeItem(VersionedItem, item).version;

/** The values of counters after an addition (Store.increment): numbers only. */
export const CounterValues = z.record(z.string(), z.number());

/**
 * The values of the counters `names` as an adapter read them back after adding to them (other
 * attributes it may return, such as the key, are left out); throws StoredItemError if one is not
 * a number.
 */
export function decodeCounters(key: Key, names: readonly string[], values: Record<string, unknown>) {
  const parsed = CounterValues.safeParse(Object.fromEntries(names.map((name) => [name, ownValue(values, name)])));
  if (parsed.success) return parsed.data;
  throw new StoredItemError(key, parsed.error.issues);
}
