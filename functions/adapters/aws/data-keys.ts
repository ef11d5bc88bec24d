// Data keys kept in the table, wrapped: in AWS by a KMS key (./kms.ts), under `npm start` by the
// local master key (../local/data-keys.ts). The same code reads and writes them in both worlds.
import { DATA_KEY_BYTES, DATA_KEY_SK, DataKeyItem } from '../../core/privacy/sealed';
import {
  type Clock,
  ConditionFailedError,
  type DataKeys,
  type Item,
  type Key,
  type Store,
  UnreadableDataKeyError,
} from '../../ports';

/** Whose key: bound to the wrapped key (KMS encryption context, GCM additional data), so it cannot serve another customer. */
export type WrapContext = { tenantId: string; customerId: string };

/** Makes and opens wrapped data keys with a master key that never enters the table. */
export interface KeyWrapper {
  /** Names the master key's kind in the stored item (`kms`, `local`). */
  readonly name: string;
  /** A fresh 32-byte data key, in clear and wrapped. */
  generate(context: WrapContext): Promise<{ plain: Uint8Array; wrapped: string }>;
  /** Throws when `wrapped` was not made by this master key for this context. */
  unwrap(wrapped: string, context: WrapContext): Promise<Uint8Array>;
}

export const dataKeyKey = (tenantId: string, customerId: string): Key => ({
  pk: `${tenantId}#C#${customerId}`,
  sk: DATA_KEY_SK,
});

/** How long an unwrapped key stays in memory: an erased customer's key outlives the erasure here at most this long. */
const DEFAULT_CACHE_MS = 60_000;
const MAX_CACHED = 10_000;

export function createTableDataKeys(options: {
  store: Store;
  wrapper: KeyWrapper;
  clock: Clock;
  cacheMs?: number;
}): DataKeys {
  const { store, wrapper, clock } = options;
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const cache = new Map<string, { key: Uint8Array; until: number }>();
  const pending = new Map<string, Promise<Uint8Array | undefined>>();

  function cached(pk: string): Uint8Array | undefined {
    const entry = cache.get(pk);
    if (!entry) return undefined;
    if (entry.until > clock.now()) return entry.key;
    cache.delete(pk);
    return undefined;
  }

  function remember(pk: string, key: Uint8Array): Uint8Array {
    if (key.length !== DATA_KEY_BYTES)
      throw new UnreadableDataKeyError(`a data key has ${DATA_KEY_BYTES} bytes, not ${key.length}`);
    cache.delete(pk);
    cache.set(pk, { key, until: clock.now() + cacheMs });
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
    return key;
  }

  async function unwrapItem(item: Item, context: WrapContext): Promise<Uint8Array> {
    const parsed = DataKeyItem.safeParse(item);
    if (!parsed.success) throw new UnreadableDataKeyError(`the data key item ${item.pk} / ${item.sk} does not decode`);
    return wrapper.unwrap(parsed.data.wrapped, context);
  }

  async function read(context: WrapContext, key: Key): Promise<Uint8Array | undefined> {
    const item = await store.get(key, { consistent: true });
    return item ? remember(key.pk, await unwrapItem(item, context)) : undefined;
  }

  async function create(context: WrapContext, key: Key): Promise<Uint8Array> {
    const { plain, wrapped } = await wrapper.generate(context);
    const item: Item = { ...key, wrapped, wrappedBy: wrapper.name, createdAt: new Date(clock.now()).toISOString() };
    try {
      await store.put(item, { ifAbsent: true });
      return remember(key.pk, plain);
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      // Another ingest created it first: everyone seals with that one.
      const existing = await read(context, key);
      if (!existing) throw new Error(`the data key ${key.pk} / ${key.sk} was created and deleted meanwhile`);
      return existing;
    }
  }

  /** One read (and at most one creation) at a time per customer in this process. */
  function once(pk: string, work: () => Promise<Uint8Array | undefined>): Promise<Uint8Array | undefined> {
    const running = pending.get(pk);
    if (running) return running;
    const started = work().finally(() => pending.delete(pk));
    pending.set(pk, started);
    return started;
  }

  return {
    async obtain(tenantId, customerId) {
      const context = { tenantId, customerId };
      const key = dataKeyKey(tenantId, customerId);
      const hit = cached(key.pk);
      if (hit) return hit;
      const found = await once(key.pk, async () => (await read(context, key)) ?? (await create(context, key)));
      return found ?? create(context, key);
    },
    async find(tenantId, customerId) {
      const context = { tenantId, customerId };
      const key = dataKeyKey(tenantId, customerId);
      return cached(key.pk) ?? (await once(key.pk, () => read(context, key)));
    },
  };
}
