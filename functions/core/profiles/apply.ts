import type { CanonicalEvent } from '../events/schemas';
import type { StoredProfile } from './items';
import { foldEvents } from './profile';
import { addRecent, isRecent } from './recent';

export type ProfileWrite = {
  /** The profile to store, or undefined when nothing new was folded. */
  next?: StoredProfile;
  /** Events folded by this write. */
  applied: CanonicalEvent[];
  /** Events an earlier write folded whose receipts may be missing. */
  alreadyFolded: CanonicalEvent[];
};

/**
 * Plans the write for one customer's events that have no receipt yet: events whose ids the
 * profile lists as recently folded are not folded again.
 */
export function planProfileWrite(
  stored: StoredProfile | undefined,
  events: readonly CanonicalEvent[],
  now: number,
): ProfileWrite {
  const applied: CanonicalEvent[] = [];
  const alreadyFolded: CanonicalEvent[] = [];
  for (const event of events) (isRecent(stored?.recent, event.eventId) ? alreadyFolded : applied).push(event);
  if (applied.length === 0) return { applied, alreadyFolded };
  const profile = foldEvents(stored?.profile, applied);
  if (!profile) return { applied: [], alreadyFolded };
  const next: StoredProfile = {
    profile,
    version: (stored?.version ?? 0) + 1,
    recent: addRecent(
      stored?.recent,
      applied.map((e) => e.eventId),
      now,
    ),
  };
  return { next, applied, alreadyFolded };
}
