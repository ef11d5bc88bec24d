/**
 * The KPI snapshot: the order histories of a tenant's buyers as the daily run read them, packed
 * into a few items, so that a KPI report (the console's overview) reads those items instead of
 * every buyer's profile and order periods. It holds no customer or order id: each history is
 * a list of (time, amount, currency) triples, and the report numbers them itself.
 *
 * Items under `<tenant>#KPI`: `SNAPSHOT` (the head: when it was taken, which generation) and
 * `SNAPSHOT#<generation>#<n>` (the chunks). A new generation's chunks are written before the
 * head that names them, and the previous generation's deleted after, so a reader that follows
 * the head finds every chunk or, in a race with the next run, misses one and reads the profiles.
 */
import { z } from 'zod';
import { ItemKey } from '../stored-item';
import type { CustomerHistory } from './kpi-input';

/** Characters of packed histories per chunk item: under DynamoDB's 400 KB item limit with room for the rest. */
export const SNAPSHOT_CHUNK_CHARS = 350_000;
/** A snapshot older than this is not used: the daily run that should have replaced it did not run. */
export const SNAPSHOT_MAX_AGE_MS = 26 * 3_600_000;
/** Chunks left by a run that failed before deleting them expire after this (seconds). */
export const SNAPSHOT_CHUNK_TTL_S = 3 * 86_400;

export const snapshotHeadKey = (tenantId: string) => ({ pk: `${tenantId}#KPI`, sk: 'SNAPSHOT' });
export const snapshotChunkKey = (tenantId: string, generation: string, n: number) => ({
  pk: `${tenantId}#KPI`,
  sk: `SNAPSHOT#${generation}#${String(n).padStart(4, '0')}`,
});

export const KpiSnapshotHeadItem = z.looseObject({
  ...ItemKey,
  takenAt: z.iso.datetime(),
  generation: z.string().min(1),
  chunks: z.int().min(0),
  customers: z.int().min(0),
  currencies: z.array(z.string()),
});
export type KpiSnapshotHead = z.infer<typeof KpiSnapshotHeadItem>;

export const KpiSnapshotChunkItem = z.looseObject({ ...ItemKey, histories: z.string(), expiresAt: z.int() });

/** A chunk's text: the customers' histories, each flat `[ms, amount, currency index, ...]`. */
const Packed = z.array(z.array(z.number()).refine((flat) => flat.length % 3 === 0, 'must hold triples'));

export type PackedHistories = { currencies: string[]; chunks: string[] };

/** The histories packed into chunk texts of at most about `chunkChars` characters each, and their currencies. */
export function packHistories(
  histories: readonly CustomerHistory[],
  chunkChars = SNAPSHOT_CHUNK_CHARS,
): PackedHistories {
  const index = new Map<string, number>();
  const chunks: string[] = [];
  let chunk: string[] = [];
  let size = 2;
  for (const { orders } of histories) {
    const flat: number[] = [];
    for (const { at, total } of orders) {
      if (!index.has(total.currency)) index.set(total.currency, index.size);
      flat.push(Date.parse(at), total.amount, index.get(total.currency) as number);
    }
    const text = JSON.stringify(flat);
    if (chunk.length > 0 && size + text.length + 1 > chunkChars) {
      chunks.push(`[${chunk.join(',')}]`);
      [chunk, size] = [[], 2];
    }
    chunk.push(text);
    size += text.length + 1;
  }
  if (chunk.length > 0) chunks.push(`[${chunk.join(',')}]`);
  return { currencies: [...index.keys()], chunks };
}

/** The histories of packed chunks, numbered in order; throws if a text is not a packed chunk. */
export function unpackHistories({ currencies, chunks }: PackedHistories): CustomerHistory[] {
  const histories: CustomerHistory[] = [];
  for (const text of chunks) {
    for (const flat of Packed.parse(JSON.parse(text))) {
      const orders: CustomerHistory['orders'] = [];
      for (let i = 0; i < flat.length; i += 3) {
        const currency = currencies[flat[i + 2] as number];
        if (currency === undefined) throw new RangeError(`currency index ${flat[i + 2]} is not in the snapshot`);
        const at = new Date(flat[i] as number).toISOString();
        orders.push({ orderId: String(i / 3), at, total: { amount: flat[i + 1] as number, currency } });
      }
      histories.push({ customerId: String(histories.length), orders });
    }
  }
  return histories;
}
