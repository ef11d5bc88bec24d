import type { Item, Key, Store } from '../../ports';

/** Consistent reads of several items in one request: each key's item, or undefined, in the order asked. */
export async function readTogether(store: Store, keys: readonly Key[]): Promise<(Item | undefined)[]> {
  const items = await store.getMany([...keys], { consistent: true });
  return keys.map((k) => items.find((i) => i.pk === k.pk && i.sk === k.sk));
}
