/**
 * The lifecycle part of a stored profile: the stage with its next due time, the
 * `lifecycle.stage_changed` and `segment.entered` events not yet confirmed on the bus (an outbox
 * written in the same conditional write as the stage, so a crash between the write and the bus
 * loses nothing), and the profile's place in the due index while a change is due.
 */

import { PROFILES_SOURCE } from '../../routes';
import { fnv1a32 } from '../hash';
import { evaluateProfile, type LifecycleState, type ScoringContext } from '../scoring/profile-scores';
import type { Stage } from '../scoring/stages';
import type { StoredProfile } from './items';

export { PROFILES_SOURCE };
export const STAGE_CHANGED = 'lifecycle.stage_changed';
export const SEGMENT_ENTERED = 'segment.entered';

type ProfileEvent<T extends string, P> = {
  type: T;
  tenantId: string;
  customerId: string;
  eventId: string;
  occurredAt: string;
  source: typeof PROFILES_SOURCE;
  properties: P;
};

/** On the bus with its type as detail-type; the eventId is stable, so consumers can drop repeats. */
export type StageChanged = ProfileEvent<typeof STAGE_CHANGED, { from: Stage | null; to: Stage; reason: string }>;
/** The customer's RFM segment changed (rescored on an event or when due). */
export type SegmentEntered = ProfileEvent<typeof SEGMENT_ENTERED, { segment: string; previous: string | null }>;
export type ProfileChange = StageChanged | SegmentEntered;

/**
 * Re-evaluates the stored profile's lifecycle at `now`, adding an outbox event if the stage or
 * the RFM segment changed.
 */
export function rescore(stored: StoredProfile, context: ScoringContext, now: number): StoredProfile {
  const { profile } = stored;
  const { lifecycle, scores } = evaluateProfile(profile, stored.lifecycle, context, now);
  const segment = scores.rfm?.segment ?? stored.lifecycle?.segment;
  const state: LifecycleState = {
    stage: lifecycle.stage,
    since: lifecycle.since,
    reason: lifecycle.reason,
    ...(lifecycle.nextDueAt ? { nextDueAt: lifecycle.nextDueAt } : {}),
    ...(lifecycle.nextStage ? { nextStage: lifecycle.nextStage } : {}),
    ...(segment ? { segment } : {}),
  };
  const outbox: ProfileChange[] = [...(stored.outbox ?? [])];
  const base = {
    tenantId: profile.tenantId,
    customerId: profile.customerId,
    occurredAt: new Date(now).toISOString(),
    source: PROFILES_SOURCE,
  } as const;
  if (segment && segment !== stored.lifecycle?.segment) {
    outbox.push({
      ...base,
      type: SEGMENT_ENTERED,
      eventId: `segment:${segment}:${base.occurredAt}`,
      properties: { segment, previous: stored.lifecycle?.segment ?? null },
    });
  }
  if (lifecycle.changed) {
    outbox.push({
      ...base,
      type: STAGE_CHANGED,
      eventId: `lifecycle:${lifecycle.stage}:${lifecycle.since}`,
      properties: { from: lifecycle.changed.from ?? null, to: lifecycle.changed.to, reason: lifecycle.changed.reason },
    });
  }
  const { outbox: _, ...rest } = stored;
  return { ...rest, lifecycle: state, ...(outbox.length > 0 ? { outbox } : {}) };
}

/** Whether a rescore changed what is stored (the stage, its reason, its due time or the segment). */
export const lifecycleChanged = (before: StoredProfile, after: StoredProfile): boolean =>
  JSON.stringify(before.lifecycle) !== JSON.stringify(after.lifecycle) ||
  (after.outbox?.length ?? 0) !== (before.outbox?.length ?? 0);

/** Due-index shards per tenant: the daily pass reads them in parallel. */
export const DUE_SHARDS = 16;

export const dueShard = (tenantId: string, shard: number): string => `${tenantId}#DUE#${shard}`;

const shardOf = (customerId: string): number => fnv1a32(customerId) % DUE_SHARDS;

/** The due-index shard a customer's profile item is filed under. */
export const dueShardOf = (tenantId: string, customerId: string): string => dueShard(tenantId, shardOf(customerId));

/** The UTC date of the first daily pass at or after `iso`: the time rounded up to midnight. */
export function dueDay(iso: string): string {
  const day = 86_400_000;
  return new Date(Math.ceil(Date.parse(iso) / day) * day).toISOString().slice(0, 10);
}

/**
 * The due-index attributes of a profile item: present only while the customer has a due time, or
 * stage changes not yet on the bus (due the day they occurred, so that a daily pass that crashed
 * after writing them finds them when it runs again).
 */
export function dueAttributes(stored: StoredProfile): { dueShard: string; dueDay: string } | undefined {
  const days = stored.lifecycle?.nextDueAt === undefined ? [] : [dueDay(stored.lifecycle.nextDueAt)];
  for (const change of stored.outbox ?? []) days.push(change.occurredAt.slice(0, 10));
  if (days.length === 0) return undefined;
  const { tenantId, customerId } = stored.profile;
  return { dueShard: dueShardOf(tenantId, customerId), dueDay: days.sort()[0] as string };
}
