import { expect, it } from 'vitest';
import { ConditionFailedError, type Store } from '../../functions/ports';

/** What every Store adapter must do. `store` is read lazily: adapters start in beforeAll. */
export function storeContract(subject: () => Store, options: { billsBySize: boolean }) {
  const pk = (name: string) => `contract-${name}-${Math.random().toString(36).slice(2)}`;

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
