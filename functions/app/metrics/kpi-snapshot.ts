// The KPI snapshot on the store (functions/core/metrics/kpi-snapshot.ts): written by the daily run
// from the buyers it reads anyway, read by the KPI report, dropped when a customer is erased.
import type { CustomerHistory } from '../../core/metrics/kpi-input';
import {
  KpiSnapshotChunkItem,
  KpiSnapshotHeadItem,
  packHistories,
  SNAPSHOT_CHUNK_TTL_S,
  SNAPSHOT_MAX_AGE_MS,
  snapshotChunkKey,
  snapshotHeadKey,
  unpackHistories,
} from '../../core/metrics/kpi-snapshot';
import { decodeItem } from '../../core/stored-item';
import type { Store } from '../../ports';

async function readHead(store: Store, tenantId: string) {
  const item = await store.get(snapshotHeadKey(tenantId), { consistent: true });
  return item && decodeItem(KpiSnapshotHeadItem, item);
}

const chunkKeys = (tenantId: string, head: { generation: string; chunks: number }) =>
  Array.from({ length: head.chunks }, (_, n) => snapshotChunkKey(tenantId, head.generation, n));

/** Replaces the tenant's snapshot with these histories, taken at `now`. */
export async function writeKpiSnapshot(
  store: Store,
  tenantId: string,
  histories: readonly CustomerHistory[],
  now: number,
): Promise<void> {
  const previous = await readHead(store, tenantId);
  const { currencies, chunks } = packHistories(histories);
  const generation = String(now);
  const expiresAt = Math.floor(now / 1000) + SNAPSHOT_CHUNK_TTL_S;
  await store.putMany(
    chunks.map((text, n) => ({ ...snapshotChunkKey(tenantId, generation, n), histories: text, expiresAt })),
  );
  await store.put({
    ...snapshotHeadKey(tenantId),
    takenAt: new Date(now).toISOString(),
    generation,
    chunks: chunks.length,
    customers: histories.length,
    currencies,
  });
  if (previous && previous.generation !== generation)
    for (const key of chunkKeys(tenantId, previous)) await store.delete(key);
}

/**
 * The histories of the tenant's snapshot and when it was taken, if one younger than a day and a
 * bit is whole; undefined otherwise (none yet, a daily run missed, or a chunk deleted by the
 * next run while this read).
 */
export async function readKpiSnapshot(
  store: Store,
  tenantId: string,
  now: number,
): Promise<{ takenAt: string; histories: CustomerHistory[] } | undefined> {
  const head = await readHead(store, tenantId);
  if (!head || now - Date.parse(head.takenAt) > SNAPSHOT_MAX_AGE_MS || Date.parse(head.takenAt) > now) return;
  const items = await store.getMany(chunkKeys(tenantId, head), { consistent: true });
  if (items.length !== head.chunks) return;
  const chunks = items
    .map((item) => decodeItem(KpiSnapshotChunkItem, item))
    .sort((a, b) => a.sk.localeCompare(b.sk))
    .map((c) => c.histories);
  return { takenAt: head.takenAt, histories: unpackHistories({ currencies: head.currencies, chunks }) };
}

/** Drops the tenant's snapshot: after an erasure, reports read the profiles until the next daily run. */
export async function dropKpiSnapshot(store: Store, tenantId: string): Promise<void> {
  const head = await readHead(store, tenantId);
  if (!head) return;
  await store.delete(snapshotHeadKey(tenantId));
  for (const key of chunkKeys(tenantId, head)) await store.delete(key);
}
