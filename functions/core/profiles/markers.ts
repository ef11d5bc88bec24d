import { z } from 'zod';
import type { Item, Key } from '../../ports';
import { decodeItem, ItemKey, Version } from '../stored-item';
import { fromProfileItem, ProfileItem, type StoredProfile } from './items';
import { dueDay, dueShardOf } from './profile-changes';

// What a customer's PROFILE item may hold besides a live profile. Every write of a profile is
// conditional on that item's version, so whatever replaces a profile must stay in its place for
// as long as a write made on an older read could still land: a marker. A merged-away id keeps
// one that names the customer it went to; an erased customer keeps one until the first daily pass
// an hour later removes it (by then no write begun before the erasure is still in flight, and the
// hashed tombstone alone keeps the erased events out).

export type ProfileSlot =
  | { kind: 'live'; stored: StoredProfile }
  /** `stored` while the merge is under way: the full profile, marked. */
  | { kind: 'merged'; into: string; version: number; stored?: StoredProfile }
  | { kind: 'erased'; erasedAt: string; version: number };

/** `<tenant>#C#<id>` / `PROFILE` of an id merged into another customer, once its profile is gone. */
export const MergedMarkerItem = z.looseObject({ ...ItemKey, version: Version, mergedInto: z.string().min(1) });

/** `<tenant>#C#<id>` / `PROFILE` of an erased customer: nothing but when. */
export const ErasedMarkerItem = z.looseObject({ ...ItemKey, version: Version, erasedAt: z.iso.datetime() });

/** What a PROFILE item may be. */
export const ProfileSlotItem = z.union([ProfileItem, MergedMarkerItem, ErasedMarkerItem]);

/** A PROFILE item that holds no profile: a merged or erased marker. */
export const isMarker = (item: Item): boolean => item.sk === 'PROFILE' && item.tenantId === undefined;

export function profileSlot(item: Item): ProfileSlot {
  if (isMarker(item) && item.erasedAt !== undefined) {
    const { erasedAt, version } = decodeItem(ErasedMarkerItem, item);
    return { kind: 'erased', erasedAt, version };
  }
  if (isMarker(item)) {
    const { mergedInto, version } = decodeItem(MergedMarkerItem, item);
    return { kind: 'merged', into: mergedInto, version };
  }
  const stored = fromProfileItem(item);
  if (stored.mergedInto) return { kind: 'merged', into: stored.mergedInto, version: stored.version, stored };
  return { kind: 'live', stored };
}

/** The live profile the item holds, if it holds one. */
export const liveProfile = (item: Item | undefined): StoredProfile | undefined => {
  if (!item) return undefined;
  const slot = profileSlot(item);
  return slot.kind === 'live' ? slot.stored : undefined;
};

export const isLiveProfile = (item: Item | undefined): boolean =>
  item !== undefined && !isMarker(item) && item.mergedInto === undefined;

export const mergedMarker = (key: Key, into: string, version: number): Item => ({
  pk: key.pk,
  sk: key.sk,
  version,
  mergedInto: into,
});

/** Long past any write begun before the erasure: the longest a Lambda runs is 15 minutes. */
const MARKER_MS = 3_600_000;

/** Due (in the due index) on the first daily pass an hour after the erasure, which removes it. */
export function erasedMarker(tenantId: string, customerId: string, key: Key, erasedAt: number, version: number): Item {
  return {
    pk: key.pk,
    sk: key.sk,
    version,
    erasedAt: new Date(erasedAt).toISOString(),
    dueShard: dueShardOf(tenantId, customerId),
    dueDay: dueDay(new Date(erasedAt + MARKER_MS).toISOString()),
  };
}
