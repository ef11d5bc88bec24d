import { describe, expect, it } from 'vitest';
import { coalescedReads } from '../../../functions/adapters/aws/dynamodb';
import type { Item, Key } from '../../../functions/ports';

const key = (n: number): Key => ({ pk: `T#C#${n}`, sk: 'PROFILE' });
const item = (k: Key): Item => ({ ...k, version: 1, traits: { n: k.pk } });

/** A table of items 0..9 that records every batch it is asked for; `refuse` fails batches holding that key. */
function table(refuse?: Key) {
  const batches: { keys: readonly Key[]; consistent: boolean }[] = [];
  const batchGet = async (keys: readonly Key[], consistent: boolean) => {
    batches.push({ keys, consistent });
    if (refuse && keys.some((k) => k.pk === refuse.pk)) throw new Error('ValidationException');
    return keys.filter((k) => Number(k.pk.split('#')[2]) < 10).map(item);
  };
  return { batches, read: coalescedReads(batchGet) };
}

describe('reads coalesced into batches', () => {
  it('sends reads asked for in one turn as one batch, each reader getting its own items', async () => {
    const { batches, read } = table();
    const [a, b, c] = await Promise.all([read([key(1)], false), read([key(2), key(3)], false), read([key(42)], false)]);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.keys).toHaveLength(4);
    expect(a).toEqual([item(key(1))]);
    expect(b.map((i) => i.pk).sort()).toEqual(['T#C#2', 'T#C#3']);
    expect(c).toEqual([]);
  });

  it('keeps consistent and eventually consistent reads in batches of their own', async () => {
    const { batches, read } = table();
    await Promise.all([read([key(1)], true), read([key(2)], false), read([key(3)], true)]);
    expect(batches.map((b) => [b.consistent, b.keys.length]).sort()).toEqual([
      [false, 1],
      [true, 2],
    ]);
  });

  it('reads again in later turns', async () => {
    const { batches, read } = table();
    await read([key(1)], false);
    await read([key(2)], false);
    expect(batches).toHaveLength(2);
  });

  it('gives the second reader of a key a copy, so neither sees what the other changes', async () => {
    const { read } = table();
    const [[first], [second]] = await Promise.all([read([key(1)], false), read([key(1)], false)]);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
  });

  it('reads alone for each reader when the combined read fails: only the reader of the bad key fails', async () => {
    const { batches, read } = table(key(7));
    const results = await Promise.allSettled([read([key(1)], false), read([key(7)], false), read([key(2)], false)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toHaveLength(4);
  });

  it('asks for nothing when a reader gives no keys, and each key once', async () => {
    const { batches, read } = table();
    expect(await read([], false)).toEqual([]);
    expect(await read([key(1), key(1)], false)).toHaveLength(1);
    expect(batches).toEqual([{ keys: [key(1)], consistent: false }]);
  });
});
