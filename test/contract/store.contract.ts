import { expect, it } from 'vitest';
import { ConditionFailedError, type Store } from '../../functions/ports';

/** What every Store adapter must do. `store` is read lazily: adapters start in beforeAll. */
/**
 * `atomicUpdates`: the server checks a condition and writes in one step, as DynamoDB does. moto_server
 * does not (concurrent conditional updates of one item can all pass its check), so the test that
 * races claims runs only where the emulator keeps that promise.
 */
export type StoreContractOptions = { billsBySize: boolean; atomicUpdates: boolean };

export function storeContract(subject: () => Store, options: StoreContractOptions) {
  const pk = (name: string) => `contract-${name}-${Math.random().toString(36).slice(2)}`;
  /** The due index is eventually consistent: wait for it to show what was written (immediate on the emulators). */
  const dueKeys = (...args: Parameters<Store['dueKeys']>) =>
    expect.poll(() => subject().dueKeys(...args), { timeout: 10_000, interval: 100 });
  /** The ISO date `days` after 2030-01-01. */
  const day = (days: number) => new Date(Date.UTC(2030, 0, 1 + days)).toISOString().slice(0, 10);

  it('returns a stored item with nested maps, lists, numbers and unicode intact', async () => {
    const item = {
      pk: pk('roundtrip'),
      sk: 'PROFILE',
      n: 42,
      nested: { EUR: { gross: 1999 } },
      list: [1, 'ü€'],
      flag: true,
    };
    await subject().put(item);
    expect(await subject().get(item, { consistent: true })).toEqual(item);
    expect(await subject().get({ pk: item.pk, sk: 'missing' })).toBeUndefined();
  });

  it('keeps map keys named after every Object.prototype member as data, __proto__ included', async () => {
    const names = [...Object.getOwnPropertyNames(Object.prototype), '\u0001__proto__'];
    const map = JSON.parse(JSON.stringify(Object.fromEntries(names.map((name, i) => [name, { v: i }]))));
    Object.defineProperty(map, '__proto__', { value: { v: -1 }, enumerable: true, writable: true, configurable: true });
    const item = { pk: pk('prototype-keys'), sk: 'PROFILE', traits: map };
    await subject().put(item);
    const back = await subject().get(item, { consistent: true });
    expect(JSON.stringify(back?.traits)).toBe(JSON.stringify(map));
    expect(Object.getPrototypeOf(back?.traits)).toBe(Object.prototype);
    expect(Object.keys(back?.traits as object).sort()).toEqual(Object.keys(map).sort());
  });

  it('refuses a put-if-absent over an existing item', async () => {
    const item = { pk: pk('absent'), sk: 'PROFILE', version: 1 };
    await subject().put(item, { ifAbsent: true });
    await expect(subject().put({ ...item, version: 2 }, { ifAbsent: true })).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect(await subject().get(item, { consistent: true })).toEqual(item);
  });

  it('writes only over the expected version', async () => {
    const item = { pk: pk('version'), sk: 'PROFILE', version: 1, n: 1 };
    await subject().put(item);
    await subject().put({ ...item, version: 2, n: 2 }, { ifVersion: 1 });
    await expect(subject().put({ ...item, version: 2, n: 3 }, { ifVersion: 1 })).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect(await subject().get(item, { consistent: true })).toMatchObject({ version: 2, n: 2 });
  });

  it('reads and writes many items at once, beyond one request, and skips missing keys', async () => {
    const p = pk('many');
    const items = Array.from({ length: 130 }, (_, i) => ({ pk: p, sk: `EVENT#${String(i).padStart(3, '0')}`, i }));
    await subject().putMany([...items, { ...items[0]!, i: -1 }]);
    const keys = [...items.map(({ pk, sk }) => ({ pk, sk })), { pk: p, sk: 'EVENT#missing' }];
    const found = await subject().getMany(keys, { consistent: true });
    expect(found).toHaveLength(130);
    expect(found.find((f) => f.sk === 'EVENT#000')?.i).toBe(-1);
  });

  it('queries one partition by sort-key prefix, with a limit', async () => {
    const p = pk('query');
    await subject().putMany([
      { pk: p, sk: 'PROFILE' },
      ...Array.from({ length: 12 }, (_, i) => ({ pk: p, sk: `EVENT#${String(i).padStart(2, '0')}` })),
    ]);
    expect(await subject().query(p, { skPrefix: 'EVENT#', consistent: true })).toHaveLength(12);
    expect(await subject().query(p, { consistent: true })).toHaveLength(13);
    const limited = await subject().query(p, { skPrefix: 'EVENT#', limit: 5, consistent: true });
    expect(limited.map((i) => i.sk)).toEqual(['EVENT#00', 'EVENT#01', 'EVENT#02', 'EVENT#03', 'EVENT#04']);
  });

  it('adds strings to a set, creating the item, and ignores ones it already holds', async () => {
    const key = { pk: pk('set'), sk: 'SEEN#1' };
    await subject().addToSet(key, 'hashes', ['a', 'b']);
    await subject().addToSet(key, 'hashes', ['b', 'c', 'c']);
    await subject().addToSet(key, 'hashes', []);
    expect((await subject().get(key, { consistent: true }))?.hashes).toEqual(new Set(['a', 'b', 'c']));
  });

  it('claims members of a set up to a limit; a member claimed again is still held', async () => {
    const key = { pk: pk('claim'), sk: 'DAY' };
    expect(await subject().claim(key, 'keys', 'a', 2)).toBe(true);
    expect(await subject().claim(key, 'keys', 'a', 2)).toBe(true);
    expect(await subject().claim(key, 'keys', 'b', 2)).toBe(true);
    expect(await subject().claim(key, 'keys', 'c', 2)).toBe(false);
    expect(await subject().claim(key, 'keys', 'b', 2)).toBe(true);
    const held = (await subject().get(key, { consistent: true }))?.keys as Set<string>;
    expect([...held].sort()).toEqual(['a', 'b']);
  });

  it.runIf(options.atomicUpdates)('lets exactly the limit of concurrent claims through', async () => {
    const key = { pk: pk('claim-race'), sk: 'DAY' };
    const members = Array.from({ length: 12 }, (_, i) => `m${i}`);
    const claimed = await Promise.all(members.map((m) => subject().claim(key, 'keys', m, 5)));
    expect(claimed.filter(Boolean)).toHaveLength(5);
  });

  it('adds to counters, creating the item and the counters, with names of any characters', async () => {
    const key = { pk: pk('counters'), sk: 'TOTAL' };
    await subject().increment(key, { entered: 1, 'at#wait-1h': 1 });
    await Promise.all(Array.from({ length: 20 }, () => subject().increment(key, { entered: 1, 'at#wait-1h': -1 })));
    expect(await subject().increment(key, {})).toEqual({});
    expect(await subject().increment(key, { entered: 2 })).toEqual({ entered: 23 });
    expect(await subject().get(key, { consistent: true })).toEqual({ ...key, entered: 23, 'at#wait-1h': -19 });
  });

  it('adds to bounded counters only while every bound holds, and writes nothing otherwise', async () => {
    const key = { pk: pk('bounded'), sk: 'BUDGET' };
    const bounds = { atMost: { count: 2, spent: 2500 } };
    expect(await subject().increment(key, { count: 1, spent: 1000 }, bounds)).toEqual({ count: 1, spent: 1000 });
    await expect(subject().increment(key, { count: 1, spent: 1600 }, bounds)).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    await expect(subject().increment(key, { count: 1, spent: 99_999 }, bounds)).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect(await subject().increment(key, { count: 1, spent: 1500, other: 7 }, bounds)).toEqual({
      count: 2,
      spent: 2500,
      other: 7,
    });
    await expect(subject().increment(key, { count: 1 }, bounds)).rejects.toBeInstanceOf(ConditionFailedError);
    // A release is an addition too: below the bound it is always taken.
    expect(await subject().increment(key, { count: -1, spent: -1000 }, bounds)).toEqual({ count: 1, spent: 1500 });
    expect(await subject().get(key, { consistent: true })).toEqual({ ...key, count: 1, spent: 1500, other: 7 });
  });

  it.runIf(options.atomicUpdates)('lets exactly the bound of concurrent bounded additions through', async () => {
    const key = { pk: pk('bounded-race'), sk: 'BUDGET' };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, () => subject().increment(key, { count: 1 }, { atMost: { count: 100 } })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(100);
    expect(outcomes.every((o) => o.status === 'fulfilled' || o.reason instanceof ConditionFailedError)).toBe(true);
    expect((await subject().get(key, { consistent: true }))?.count).toBe(100);
  });

  it('scans the partitions that start with a prefix, across pages', async () => {
    const prefix = pk('scan');
    const items = Array.from({ length: 30 }, (_, i) => ({
      pk: `${prefix}#${i % 3}`,
      sk: `S#${i}`,
      pad: 'x'.repeat(100),
    }));
    await subject().putMany([...items, { pk: `other-${prefix}`, sk: 'S' }]);
    const found = await subject().scan(prefix);
    expect(found.map((i) => i.sk).sort()).toEqual(items.map((i) => i.sk).sort());
  });

  it('reads a scan in pages from a cursor, deleting as it goes, and bills the items it reads', async () => {
    const prefix = pk('scan-pages');
    const items = Array.from({ length: 25 }, (_, i) => ({ pk: `${prefix}#${i % 5}`, sk: `S#${i}` }));
    await subject().putMany([...items, { pk: `other-${prefix}`, sk: 'S' }]);
    const found: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    const before = subject().consumed.read;
    do {
      const page = await subject().scanPage(prefix, { limit: 7, ...(cursor === undefined ? {} : { cursor }) });
      for (const item of page.items) {
        expect(item.pk.startsWith(prefix)).toBe(true);
        found.push(item.sk);
        // A background erasure deletes each page before it reads the next.
        await subject().delete(item);
      }
      cursor = page.next;
      pages++;
    } while (cursor !== undefined);
    expect(found.sort()).toEqual(items.map((i) => i.sk).sort());
    expect(pages).toBeGreaterThan(1);
    expect(subject().consumed.read - before).toBeGreaterThan(0);
    expect((await subject().scanPage(prefix)).items).toEqual([]);
  });

  it('a scan page read again from its cursor gives the same items, so a job cut short resumes', async () => {
    const prefix = pk('scan-resume');
    await subject().putMany(Array.from({ length: 6 }, (_, i) => ({ pk: `${prefix}#${i}`, sk: 'S' })));
    const first = await subject().scanPage(prefix, { limit: 1 });
    let cursor = first.next;
    const seen = first.items.map((i) => i.pk);
    while (cursor !== undefined) {
      const page = await subject().scanPage(prefix, { cursor, limit: 3 });
      expect(await subject().scanPage(prefix, { cursor, limit: 3 })).toEqual(page);
      seen.push(...page.items.map((i) => i.pk));
      cursor = page.next;
    }
    expect(seen.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `${prefix}#${i}`));
  });

  it('finds the keys in the buyer index by shard, in pages, and not items without a buyer shard', async () => {
    const p = pk('buyers');
    const shard = `${p}#BUY#0`;
    const buyers = Array.from({ length: 9 }, (_, i) => ({ pk: `${p}#C#${i}`, sk: 'PROFILE', buyerShard: shard, n: i }));
    await subject().putMany([
      ...buyers,
      { pk: `${p}#C#never`, sk: 'PROFILE' },
      { pk: `${p}#C#other`, sk: 'PROFILE', buyerShard: `${p}#BUY#1` },
    ]);
    const keys = buyers.map(({ pk, sk }) => ({ pk, sk }));
    const allKeys = async () => {
      const read: { pk: string; sk: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = await subject().buyerKeys(shard, { limit: 4, ...(cursor === undefined ? {} : { cursor }) });
        expect(page.items.length).toBeLessThanOrEqual(4);
        read.push(...page.items);
        cursor = page.next;
      } while (cursor !== undefined);
      return read.sort((a, b) => (a.pk < b.pk ? -1 : 1));
    };
    await expect.poll(allKeys, { timeout: 10_000, interval: 100 }).toEqual(keys);
    expect((await subject().buyerKeys(`${p}#BUY#2`)).items).toEqual([]);
    // An item that stops being a buyer leaves the index; one rewritten with the same shard stays once.
    await subject().put({ pk: buyers[0]!.pk, sk: 'PROFILE' });
    await subject().put({ ...buyers[1]!, n: 100 });
    await expect.poll(allKeys, { timeout: 10_000, interval: 100 }).toEqual(keys.slice(1));
    const before = subject().consumed.read;
    await subject().buyerKeys(shard);
    expect(subject().consumed.read - before).toBeGreaterThan(0);
  });

  /** Every key of the audience index under `shard` in `range`, page by page, as read (sort-key order). */
  const audienceKeys = async (shard: string, range: Parameters<Store['audienceKeys']>[1], limit?: number) => {
    const read: { pk: string; sk: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await subject().audienceKeys(shard, range, {
        ...(limit === undefined ? {} : { limit }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      if (limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(limit);
      read.push(...page.items);
      cursor = page.next;
    } while (cursor !== undefined);
    return read;
  };
  const audienceEntry = (p: string, shard: string, name: string, audienceKey: string) => ({
    pk: `${p}#C#${name}`,
    sk: 'PROFILE',
    audienceShard: shard,
    audienceKey,
  });
  /** The audience index is eventually consistent: wait for it to show what was written. */
  const audiencePoll = (...args: Parameters<typeof audienceKeys>) =>
    expect.poll(() => audienceKeys(...args), { timeout: 10_000, interval: 100 });

  it('finds the keys in the audience index by sort-key prefix, in sort-key order and in pages', async () => {
    const p = pk('audience');
    const shard = `${p}#AUD#0`;
    const entry = (name: string, audienceKey: string) => audienceEntry(p, shard, name, audienceKey);
    await subject().putMany([
      entry('b', 'at_risk#dormant#2030-03-01'),
      entry('a', 'at_risk#-#-'),
      entry('c', 'at_risk#churned#2030-01-02'),
      entry('d', 'at_risk_not#-#-'),
      entry('e', 'repeat#at_risk#2030-01-05'),
      { pk: `${p}#C#f`, sk: 'PROFILE', audienceShard: shard },
      { pk: `${p}#C#g`, sk: 'PROFILE', audienceKey: 'at_risk#-#-' },
      { pk: `${p}#C#h`, sk: 'PROFILE', audienceShard: `${p}#AUD#1`, audienceKey: 'at_risk#-#-' },
    ]);
    const key = (name: string) => ({ pk: `${p}#C#${name}`, sk: 'PROFILE' });
    const atRisk = ['a', 'c', 'b'].map(key);
    await audiencePoll(shard, { prefix: 'at_risk#' }).toEqual(atRisk);
    expect(await audienceKeys(shard, { prefix: 'at_risk#' }, 2)).toEqual(atRisk);
    expect(await audienceKeys(shard, { prefix: 'at_risk#' }, 1)).toEqual(atRisk);
    expect(await audienceKeys(shard, { prefix: 'loyal#' })).toEqual([]);
    expect(await audienceKeys(`${p}#AUD#2`, { prefix: 'at_risk#' })).toEqual([]);
    const before = subject().consumed.read;
    await subject().audienceKeys(shard, { prefix: 'at_risk#' });
    expect(subject().consumed.read - before).toBeGreaterThan(0);
  });

  it('finds the keys in the audience index between two sort keys, both included', async () => {
    const p = pk('audience-between');
    const shard = `${p}#AUD#0`;
    const entry = (name: string, audienceKey: string) => audienceEntry(p, shard, name, audienceKey);
    await subject().putMany([
      entry('before', `repeat#at_risk#${day(-1)}`),
      entry('first', `repeat#at_risk#${day(0)}`),
      entry('inside', `repeat#at_risk#${day(3)}`),
      entry('twin', `repeat#at_risk#${day(3)}`),
      entry('last', `repeat#at_risk#${day(7)}`),
      entry('after', `repeat#at_risk#${day(8)}`),
      entry('other', `repeat#dormant#${day(3)}`),
    ]);
    const range = { from: `repeat#at_risk#${day(0)}`, to: `repeat#at_risk#${day(7)}` };
    const byPk = (keys: { pk: string; sk: string }[]) => [...keys].sort((a, b) => (a.pk < b.pk ? -1 : 1));
    const inRange = ['first', 'inside', 'twin', 'last'].map((name) => ({ pk: `${p}#C#${name}`, sk: 'PROFILE' }));
    await expect
      .poll(async () => byPk(await audienceKeys(shard, range)), { timeout: 10_000, interval: 100 })
      .toEqual(byPk(inRange));
    const paged = await audienceKeys(shard, range, 1);
    expect(byPk(paged)).toEqual(byPk(inRange));
    // In sort-key order: the first day first, the last day last.
    expect([paged[0], paged.at(-1)]).toEqual([inRange[0], inRange[3]]);
    expect(await audienceKeys(shard, { from: `repeat#at_risk#${day(9)}`, to: `repeat#at_risk#${day(20)}` })).toEqual(
      [],
    );
  });

  it('an item whose audience key changes moves in the audience index, and one that loses it leaves', async () => {
    const p = pk('audience-moves');
    const shard = `${p}#AUD#0`;
    const moving = {
      pk: `${p}#C#moving`,
      sk: 'PROFILE',
      audienceShard: shard,
      audienceKey: `repeat#at_risk#${day(2)}`,
    };
    const going = { pk: `${p}#C#going`, sk: 'PROFILE', audienceShard: shard, audienceKey: 'repeat#-#-' };
    await subject().putMany([moving, going]);
    await audiencePoll(shard, { prefix: 'repeat#' }).toHaveLength(2);
    await subject().put({ ...moving, audienceKey: 'at_risk#dormant#2030-06-01' });
    await subject().put({ pk: going.pk, sk: going.sk, n: 1 });
    await audiencePoll(shard, { prefix: 'repeat#' }).toEqual([]);
    await audiencePoll(shard, { prefix: 'at_risk#' }).toEqual([{ pk: moving.pk, sk: 'PROFILE' }]);
    await subject().delete(moving);
    await audiencePoll(shard, { prefix: 'at_risk#' }).toEqual([]);
  });

  it('finds the keys due up to a day, earliest first, and not items without a due day', async () => {
    const p = pk('due');
    const shard = `${p}#DUE#0`;
    await subject().putMany([
      { pk: p, sk: 'SECOND', dueShard: shard, dueDay: day(1), n: 1 },
      { pk: `${p}-other`, sk: 'THIRD', dueShard: shard, dueDay: day(2) },
      { pk: p, sk: 'FIRST', dueShard: shard, dueDay: day(0) },
      { pk: p, sk: 'LATER', dueShard: shard, dueDay: day(3) },
      { pk: p, sk: 'NEVER' },
      { pk: p, sk: 'NO-DAY', dueShard: shard },
      { pk: p, sk: 'OTHER-SHARD', dueShard: `${p}#DUE#1`, dueDay: day(0) },
    ]);
    await dueKeys(shard, { upTo: day(2) }).toEqual([
      { pk: p, sk: 'FIRST' },
      { pk: p, sk: 'SECOND' },
      { pk: `${p}-other`, sk: 'THIRD' },
    ]);
    expect(await subject().dueKeys(shard, { upTo: day(-1) })).toEqual([]);
    expect(await subject().dueKeys(`${p}#DUE#2`, { upTo: day(9) })).toEqual([]);
  });

  it('an item whose due day moves later, or goes, leaves the due keys', async () => {
    const p = pk('due-moves');
    const shard = `${p}#DUE#0`;
    const moving = { pk: p, sk: 'MOVING', dueShard: shard, dueDay: day(0) };
    const going = { pk: p, sk: 'GOING', dueShard: shard, dueDay: day(1) };
    await subject().putMany([moving, going]);
    await dueKeys(shard, { upTo: day(1) }).toEqual([
      { pk: p, sk: 'MOVING' },
      { pk: p, sk: 'GOING' },
    ]);
    await subject().put({ ...moving, dueDay: day(5) });
    await subject().put({ pk: going.pk, sk: going.sk });
    await dueKeys(shard, { upTo: day(4) }).toEqual([]);
    await dueKeys(shard, { upTo: day(5) }).toEqual([{ pk: p, sk: 'MOVING' }]);
  });

  it('stops at the limit', async () => {
    const p = pk('due-limit');
    const shard = `${p}#DUE#0`;
    const items = Array.from({ length: 12 }, (_, i) => ({ pk: p, sk: `S#${i}`, dueShard: shard, dueDay: day(11 - i) }));
    await subject().putMany(items);
    const earliestFirst = items.map(({ pk, sk }) => ({ pk, sk })).reverse();
    await dueKeys(shard, { upTo: day(11) }).toEqual(earliestFirst);
    expect(await subject().dueKeys(shard, { upTo: day(11), limit: 5 })).toEqual(earliestFirst.slice(0, 5));
    expect(await subject().dueKeys(shard, { upTo: day(11), limit: 12 })).toEqual(earliestFirst);
    expect(await subject().dueKeys(shard, { upTo: day(11), limit: 50 })).toEqual(earliestFirst);
    expect(await subject().dueKeys(shard, { upTo: day(11), limit: 0 })).toEqual([]);
  });

  // 1.2 MB of keys to write: slow on a busy machine.
  it('reads the keys across pages', { timeout: 60_000 }, async () => {
    // A query returns at most 1 MB: with the longest keys DynamoDB allows (2 KB pk, 1 KB sk), an index
    // entry takes about 3 KB, so 400 of them need two pages, with or without a limit.
    const p = pk('due-pages');
    const shard = `${p}#DUE#0`;
    const items = Array.from({ length: 400 }, (_, i) => ({
      pk: `${p}#${String(i).padStart(3, '0')}#${'p'.repeat(1_950)}`,
      sk: 's'.repeat(1_000),
      dueShard: shard,
      dueDay: day(i),
    }));
    await subject().putMany(items);
    const keys = items.map(({ pk, sk }) => ({ pk, sk }));
    await dueKeys(shard, { upTo: day(400) }).toEqual(keys);
    expect(await subject().dueKeys(shard, { upTo: day(400), limit: 390 })).toEqual(keys.slice(0, 390));
  });

  it('an index read is counted in consumed read capacity', async () => {
    const p = pk('due-capacity');
    const shard = `${p}#DUE#0`;
    await subject().put({ pk: p, sk: 'DUE', dueShard: shard, dueDay: day(0) });
    await dueKeys(shard, { upTo: day(0) }).toHaveLength(1);
    const before = subject().consumed.read;
    expect(await subject().dueKeys(shard, { upTo: day(0) })).toHaveLength(1);
    expect(subject().consumed.read - before).toBeGreaterThan(0);
  });

  it('deletes an item only at the version it was read at, when asked to', async () => {
    const item = { pk: pk('delete-version'), sk: 'PROFILE', version: 2 };
    await subject().put(item);
    await expect(subject().delete(item, { ifVersion: 1 })).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await subject().get(item, { consistent: true })).toEqual(item);
    await subject().delete(item, { ifVersion: 2 });
    expect(await subject().get(item, { consistent: true })).toBeUndefined();
    await expect(subject().delete(item, { ifVersion: 2 })).rejects.toBeInstanceOf(ConditionFailedError);
  });

  it('deletes an item', async () => {
    const item = { pk: pk('delete'), sk: 'PROFILE' };
    await subject().put(item);
    await subject().delete(item);
    expect(await subject().get(item, { consistent: true })).toBeUndefined();
  });

  it('counts the capacity it consumes, as the server reports it', async () => {
    const before = { ...subject().consumed };
    const item = { pk: pk('capacity'), sk: 'PROFILE', text: 'x'.repeat(1500) };
    await subject().put(item);
    await subject().get(item, { consistent: true });
    const write = subject().consumed.write - before.write;
    const read = subject().consumed.read - before.read;
    if (options.billsBySize) {
      // DynamoDB bills a write per started KB (2 units here) and a strongly consistent read per 4 KB.
      expect([write, read]).toEqual([2, 1]);
    } else {
      // moto reports a flat amount per request, whatever the size.
      expect(write).toBeGreaterThan(0);
      expect(read).toBeGreaterThan(0);
    }
  });
}
