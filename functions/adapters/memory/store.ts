// The Store port in memory: for unit tests, the backtester and the simulator. Items are copied in
// and out, so a caller can never change what is stored by holding on to an object; conditional
// writes, counters, sets, the sparse due, buyer and audience indexes and consumed capacity behave as DynamoDB's do.

import { type Capacity, ConditionFailedError, type Item, type Key, type Page, type Store } from '../../ports';
import { table } from '../../table';
import { Faults } from './faults';

const { name: _index, partitionKey: DUE_SHARD, sortKey: DUE_DAY } = table.dueIndex;
const BUYER_SHARD = table.buyerIndex.partitionKey;
const { partitionKey: AUDIENCE_SHARD, sortKey: AUDIENCE_KEY } = table.audienceIndex;
/** Items a scan page reads when the caller names no limit (DynamoDB stops at 1 MB). */
const SCAN_PAGE = 1000;

const byKey = (a: Key, b: Key) => (a.pk !== b.pk ? (a.pk < b.pk ? -1 : 1) : a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0);
const cursorOf = (key: Key): string => JSON.stringify({ pk: key.pk, sk: key.sk });
const keyOfCursor = (cursor: string): Key => {
  const { pk, sk } = JSON.parse(cursor) as Key;
  return { pk, sk };
};
/** The entries after the cursor, at most `limit`, and the cursor of the last one if more follow. */
function pageOf<T extends Key>(sorted: T[], options: { cursor?: string; limit?: number } | undefined): Page<T> {
  const after = options?.cursor === undefined ? undefined : keyOfCursor(options.cursor);
  const start = after === undefined ? 0 : sorted.findIndex((entry) => byKey(entry, after) > 0);
  const rest = start < 0 ? [] : sorted.slice(start);
  const items = rest.slice(0, Math.max(1, options?.limit ?? SCAN_PAGE));
  const last = items.at(-1);
  return rest.length > items.length && last ? { items, next: cursorOf(last) } : { items };
}

type AudienceEntry = { key: Key; sortKey: string };
const bySortKey = (a: AudienceEntry, b: AudienceEntry) =>
  a.sortKey !== b.sortKey ? (a.sortKey < b.sortKey ? -1 : 1) : byKey(a.key, b.key);
/** An audience-index page: the entries after the cursor (an entry's sort key and key), at most `limit`. */
function audiencePage(sorted: AudienceEntry[], options: { cursor?: string; limit?: number } | undefined) {
  const after = options?.cursor === undefined ? undefined : (JSON.parse(options.cursor) as AudienceEntry);
  const start = after === undefined ? 0 : sorted.findIndex((entry) => bySortKey(entry, after) > 0);
  const rest = start < 0 ? [] : sorted.slice(start);
  const entries = rest.slice(0, Math.max(1, options?.limit ?? SCAN_PAGE));
  const last = entries.at(-1);
  const next = rest.length > entries.length && last ? JSON.stringify(last) : undefined;
  return { entries, next };
}

/** Sizes of stored copies, measured once when written (they never change in the store). */
const sizes = new WeakMap<Item, number>();

/** DynamoDB's billing: a write unit per started KB, a strongly consistent read unit per started 4 KB. */
function size(item: Item): number {
  let bytes = sizes.get(item);
  if (bytes === undefined) {
    bytes = Buffer.byteLength(
      JSON.stringify(item, (_, v) => (v instanceof Set ? [...v] : v)),
      'utf8',
    );
    sizes.set(item, bytes);
  }
  return bytes;
}
const readUnits = (bytes: number, consistent: boolean) => Math.ceil(Math.max(bytes, 1) / 4096) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.ceil(Math.max(bytes, 1) / 1024);

export type MemoryStore = Store & {
  readonly faults: Faults;
  /** Every item, for tests that look at the whole table. */
  items(): Item[];
};

export function createMemoryStore(options: { faults?: Faults } = {}): MemoryStore {
  const faults = options.faults ?? new Faults();
  const partitions = new Map<string, Map<string, Item>>();
  /** The due index: shard -> "pk\0sk" -> due day. */
  const due = new Map<string, Map<string, { key: Key; day: string }>>();
  /** The buyer index: shard -> "pk\0sk" -> key. */
  const buyers = new Map<string, Map<string, Key>>();
  /** The audience index: shard -> "pk\0sk" -> key and sort key. */
  const audience = new Map<string, Map<string, AudienceEntry>>();
  const consumed: Capacity = { read: 0, write: 0 };
  const id = (key: Key) => `${key.pk}\u0000${key.sk}`;

  const read = (key: Key): Item | undefined => partitions.get(key.pk)?.get(key.sk);

  function unindex(item: Item | undefined) {
    if (item && typeof item[DUE_SHARD] === 'string') due.get(item[DUE_SHARD] as string)?.delete(id(item));
    if (item && typeof item[BUYER_SHARD] === 'string') buyers.get(item[BUYER_SHARD] as string)?.delete(id(item));
    if (item && typeof item[AUDIENCE_SHARD] === 'string')
      audience.get(item[AUDIENCE_SHARD] as string)?.delete(id(item));
  }

  function write(item: Item) {
    const copy = structuredClone(item);
    const previous = read(item);
    unindex(previous);
    let partition = partitions.get(item.pk);
    if (!partition) {
      partition = new Map();
      partitions.set(item.pk, partition);
    }
    partition.set(item.sk, copy);
    const shard = copy[DUE_SHARD];
    const day = copy[DUE_DAY];
    if (typeof shard === 'string' && typeof day === 'string') {
      let entries = due.get(shard);
      if (!entries) {
        entries = new Map();
        due.set(shard, entries);
      }
      entries.set(id(copy), { key: { pk: copy.pk, sk: copy.sk }, day });
    }
    const buyerShard = copy[BUYER_SHARD];
    if (typeof buyerShard === 'string') {
      let entries = buyers.get(buyerShard);
      if (!entries) {
        entries = new Map();
        buyers.set(buyerShard, entries);
      }
      entries.set(id(copy), { pk: copy.pk, sk: copy.sk });
    }
    const audienceShard = copy[AUDIENCE_SHARD];
    const audienceKey = copy[AUDIENCE_KEY];
    // As in DynamoDB, an item is in the index only with both of its key attributes.
    if (typeof audienceShard === 'string' && typeof audienceKey === 'string') {
      let entries = audience.get(audienceShard);
      if (!entries) {
        entries = new Map();
        audience.set(audienceShard, entries);
      }
      entries.set(id(copy), { key: { pk: copy.pk, sk: copy.sk }, sortKey: audienceKey });
    }
    consumed.write += writeUnits(size(copy));
  }

  function remove(key: Key) {
    const partition = partitions.get(key.pk);
    const previous = partition?.get(key.sk);
    unindex(previous);
    partition?.delete(key.sk);
    if (partition?.size === 0) partitions.delete(key.pk);
    consumed.write += writeUnits(previous ? size(previous) : 1);
  }

  const copyOut = (item: Item | undefined, consistent = false): Item | undefined => {
    if (!item) return undefined;
    consumed.read += readUnits(size(item), consistent);
    return structuredClone(item);
  };

  const sortedPartition = (pk: string): Item[] =>
    [...(partitions.get(pk)?.values() ?? [])].sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));

  return {
    faults,
    consumed,
    items: () => [...partitions.values()].flatMap((p) => [...p.values()]).map((i) => structuredClone(i)),

    async get(key, opts) {
      const item = read(key);
      if (!item) consumed.read += readUnits(1, opts?.consistent ?? false);
      return copyOut(item, opts?.consistent);
    },

    async getMany(keys, opts) {
      const found: Item[] = [];
      for (const key of keys) {
        const item = copyOut(read(key), opts?.consistent);
        if (item) found.push(item);
      }
      return found;
    },

    put: (item, condition) =>
      faults.run('store.put', () => {
        const current = read(item);
        if (condition) {
          const holds =
            'ifAbsent' in condition
              ? current === undefined
              : current !== undefined && current.version === condition.ifVersion;
          if (!holds || faults.takeConditionRefusal()) {
            throw new ConditionFailedError(item, current ? structuredClone(current) : undefined);
          }
        }
        write(item);
      }),

    putMany: (items) =>
      faults.run('store.putMany', () => {
        for (const item of items) write(item);
      }),

    addToSet: (key, attribute, values) =>
      faults.run('store.addToSet', () => {
        const current = read(key);
        const set = new Set<string>(current?.[attribute] instanceof Set ? (current[attribute] as Set<string>) : []);
        for (const value of values) set.add(value);
        if (set.size === 0 && !current) return;
        write({ ...(current ?? key), [attribute]: set });
      }),

    claim: (key, attribute, member, limit) =>
      faults.run('store.claim', () => {
        const current = read(key);
        const set = new Set<string>(current?.[attribute] instanceof Set ? (current[attribute] as Set<string>) : []);
        if (set.has(member)) return true;
        if (set.size >= limit) return false;
        set.add(member);
        write({ ...(current ?? key), [attribute]: set });
        return true;
      }),

    query: async (pk, opts) => {
      let items = sortedPartition(pk).filter((i) => opts?.skPrefix === undefined || i.sk.startsWith(opts.skPrefix));
      if (opts?.limit !== undefined) items = items.slice(0, opts.limit);
      const bytes = items.reduce((sum, i) => sum + size(i), 0);
      consumed.read += readUnits(bytes, opts?.consistent ?? false);
      return items.map((i) => structuredClone(i));
    },

    delete: (key, condition) =>
      faults.run('store.delete', () => {
        const current = read(key);
        if (condition && (current?.version !== condition.ifVersion || faults.takeConditionRefusal()))
          throw new ConditionFailedError(key, current ? structuredClone(current) : undefined);
        remove(key);
      }),

    increment: (key, counters, options) =>
      faults.run('store.increment', () => {
        const current = read(key);
        const next: Item = { ...(current ?? { pk: key.pk, sk: key.sk }) };
        const values: Record<string, number> = {};
        for (const [name, delta] of Object.entries(counters)) {
          const value = (typeof next[name] === 'number' ? (next[name] as number) : 0) + delta;
          const bound = options?.atMost && Object.hasOwn(options.atMost, name) ? options.atMost[name] : undefined;
          if (bound !== undefined && value > bound)
            throw new ConditionFailedError(key, current ? structuredClone(current) : undefined);
          next[name] = value;
          values[name] = value;
        }
        if (Object.keys(counters).length > 0) write(next);
        return values;
      }),

    scan: async (pkPrefix) => {
      // DynamoDB bills a scan for every item it reads, the ones the filter drops too.
      const all = [...partitions.values()].flatMap((p) => [...p.values()]);
      consumed.read += readUnits(
        all.reduce((sum, i) => sum + size(i), 0),
        false,
      );
      return all.filter((i) => i.pk.startsWith(pkPrefix)).map((i) => structuredClone(i));
    },

    scanPage: async (pkPrefix, opts) => {
      const all = [...partitions.values()].flatMap((p) => [...p.values()]).sort(byKey);
      const page = pageOf(all, opts);
      consumed.read += readUnits(
        page.items.reduce((sum, i) => sum + size(i), 0),
        false,
      );
      const items = page.items.filter((i) => i.pk.startsWith(pkPrefix)).map((i) => structuredClone(i));
      return page.next === undefined ? { items } : { items, next: page.next };
    },

    buyerKeys: async (shard, opts) => {
      const page = pageOf([...(buyers.get(shard)?.values() ?? [])].sort(byKey), opts);
      consumed.read += readUnits(
        page.items.reduce((sum, k) => sum + k.pk.length + k.sk.length + shard.length, 0),
        false,
      );
      const items = page.items.map((k) => ({ ...k }));
      return page.next === undefined ? { items } : { items, next: page.next };
    },

    audienceKeys: async (shard, range, opts) => {
      const within =
        'prefix' in range
          ? (e: AudienceEntry) => e.sortKey.startsWith(range.prefix)
          : (e: AudienceEntry) => e.sortKey >= range.from && e.sortKey <= range.to;
      const matching = [...(audience.get(shard)?.values() ?? [])].filter(within).sort(bySortKey);
      const { entries, next } = audiencePage(matching, opts);
      // A query is billed for the index entries it returns (at least one unit), eventually consistent.
      consumed.read += readUnits(
        entries.reduce((sum, e) => sum + e.key.pk.length + e.key.sk.length + e.sortKey.length + shard.length, 0),
        false,
      );
      const items = entries.map((e) => ({ ...e.key }));
      return next === undefined ? { items } : { items, next };
    },

    dueKeys: async (shard, opts) => {
      const entries = [...(due.get(shard)?.values() ?? [])]
        .filter((e) => e.day <= opts.upTo)
        .sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : id(a.key) < id(b.key) ? -1 : 1));
      const keys = entries.slice(0, opts.limit ?? entries.length).map((e) => ({ ...e.key }));
      consumed.read += readUnits(
        keys.reduce((sum, k) => sum + k.pk.length + k.sk.length, 0),
        false,
      );
      return keys;
    },
  };
}
