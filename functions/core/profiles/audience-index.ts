import type { Criteria } from '../campaigns/schema';
import { fnv1a32 } from '../hash';
import { parseDuration } from '../journeys/local-time';
import { STAGES, type Stage } from '../scoring/stages';
import type { StoredProfile } from './items';

// The sparse audience index (docs/data-model.md): a campaign run reads the keys of the customers in
// the lifecycle stages its audience asks for, or due to enter one, from the index, and only their
// profiles by key, instead of every buyer's.

/** Audience-index shards per tenant: a run reads them in parallel, and no shard holds a whole stage. */
export const AUDIENCE_SHARDS = 8;

/** What stands in the sort key for a part that is absent (no next stage, no due day). */
const NONE = '-';

export const audienceShard = (tenantId: string, shard: number): string => `${tenantId}#AUD#${shard}`;

/** The audience-index shards of a tenant. */
export const audienceShards = (tenantId: string): string[] =>
  Array.from({ length: AUDIENCE_SHARDS }, (_, shard) => audienceShard(tenantId, shard));

/** The UTC day of an ISO time (or of epoch milliseconds), `YYYY-MM-DD`. */
const dayOf = (at: string | number): string => new Date(at).toISOString().slice(0, 10);

/** `<stage>#<next stage or ->#<UTC day of the next due time or ->`: sorted by stage, then next stage, then day. */
export const audienceKey = (stage: Stage, nextStage?: Stage, nextDueAt?: string): string =>
  `${stage}#${nextStage ?? NONE}#${nextDueAt === undefined ? NONE : dayOf(nextDueAt)}`;

/**
 * The audience-index attributes of a profile item: present while the profile has a lifecycle stage
 * and is the customer's own (a profile merged into another is not). The key changes with the
 * stage, the next stage and the day of the next due time, as the due index's day does, so most
 * profile writes leave it as it was and cost the index nothing.
 */
export function audienceIndexAttributes(
  stored: StoredProfile,
): { audienceShard: string; audienceKey: string } | Record<string, never> {
  const { profile, lifecycle } = stored;
  if (stored.mergedInto !== undefined || !lifecycle) return {};
  return {
    audienceShard: audienceShard(profile.tenantId, fnv1a32(profile.customerId) % AUDIENCE_SHARDS),
    audienceKey: audienceKey(lifecycle.stage, lifecycle.nextStage, lifecycle.nextDueAt),
  };
}

/** Sort keys to read under a shard: those that begin with `prefix`, or those from `from` to `to` inclusive. */
export type AudienceRange = { prefix: string } | { from: string; to: string };

/** The criteria the index can select by. */
export type AudienceSelection = Pick<Criteria, 'stages' | 'dueToBecome'>;

/**
 * The sort-key ranges whose customers may meet the selection at `now` (a superset: the caller
 * evaluates every candidate), or undefined when the selection names neither stages nor a due stage.
 *
 * - `stages`: each stage's prefix, and the customers of other stages due to enter it by today,
 *   whom the daily pass may not have moved yet (their stage at `now` is already the one asked for).
 * - `dueToBecome` {stage T, within D}: for every stage S ≠ T, `S#T#<today>` to `S#T#<day of now + D>`.
 * - both: both must hold, so only the due ranges of the stages listed.
 */
export function audienceRanges(selection: AudienceSelection, now: number): AudienceRange[] | undefined {
  const { stages, dueToBecome } = selection;
  const today = dayOf(now);
  if (dueToBecome) {
    const { stage: target } = dueToBecome;
    const until = dayOf(now + parseDuration(dueToBecome.within));
    return (stages ?? STAGES)
      .filter((stage, i, all) => stage !== target && all.indexOf(stage) === i)
      .map((stage) => ({ from: `${stage}#${target}#${today}`, to: `${stage}#${target}#${until}` }));
  }
  if (!stages) return undefined;
  return [...new Set(stages)].flatMap((stage) => [
    { prefix: `${stage}#` },
    ...STAGES.filter((other) => other !== stage).map((other) => ({
      from: `${other}#${stage}#`,
      to: `${other}#${stage}#${today}`,
    })),
  ]);
}
