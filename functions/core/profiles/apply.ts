import type { CanonicalEvent } from '../events/schemas';
import { ownValue, setOwn } from '../own';
import type { StoredProfile } from './items';
import { foldEvents, mergeProfiles } from './profile';
import { eventHash, holds, isHotWeek, type Seen, splitHashes, weekOf } from './seen';

/** Hashes a ledger item holds, by week, for the weeks of this customer's old events. */
export type Ledgers = Record<string, ReadonlySet<string>>;

export type ProfileWrite = {
  /** The profile to store, or undefined when every event was folded before. */
  next?: StoredProfile;
  /** Events folded by this write. */
  applied: CanonicalEvent[];
  duplicates: CanonicalEvent[];
  /** Weeks of hashes to add to the ledger before `next` is written, since `next` no longer holds them. */
  toLedger: { week: string; hashes: string[] }[];
};

/** The weeks of these events that the profile does not keep: their ledgers must be read first. */
export function coldWeeks(events: readonly CanonicalEvent[], now: number): string[] {
  return [...new Set(events.map((e) => weekOf(e.occurredAt)))].filter((week) => !isHotWeek(week, now));
}

/**
 * Plans the write for one customer's events: events the profile or a ledger has seen are
 * duplicates; the rest are folded and their hashes recorded on the profile. Weeks that have
 * gone cold since the stored profile was written move to the ledger.
 */
export function planProfileWrite(
  stored: StoredProfile | undefined,
  events: readonly CanonicalEvent[],
  ledgers: Ledgers,
  now: number,
  /** Profiles that `alias` events among `events` name as this customer's previous ids. */
  previous: readonly StoredProfile[] = [],
): ProfileWrite {
  const seen: Seen = {};
  const toLedger: ProfileWrite['toLedger'] = [];
  for (const [week, hashes] of Object.entries(stored?.seen ?? {})) {
    if (isHotWeek(week, now)) setOwn(seen, week, hashes);
    else toLedger.push({ week, hashes: splitHashes(hashes) });
  }
  const applied: CanonicalEvent[] = [];
  const duplicates: CanonicalEvent[] = [];
  for (const event of events) {
    const week = weekOf(event.occurredAt);
    const hash = eventHash(event.eventId);
    if (
      holds(ownValue(seen, week), hash) ||
      holds(ownValue(stored?.seen, week), hash) ||
      ownValue(ledgers, week)?.has(hash)
    ) {
      duplicates.push(event);
      continue;
    }
    setOwn(seen, week, (ownValue(seen, week) ?? '') + hash);
    applied.push(event);
  }
  let profile = foldEvents(stored?.profile, applied);
  if (applied.length === 0 || !profile) return { applied, duplicates, toLedger: [] };
  const aliased = new Set(applied.flatMap((e) => (e.type === 'alias' ? [e.properties.previousId] : [])));
  for (const source of previous) {
    if (!aliased.has(source.profile.customerId)) continue;
    profile = mergeProfiles(profile, source.profile);
    // Events the previous profile folded must stay recognised under this customer.
    for (const [week, hashes] of Object.entries(source.seen)) setOwn(seen, week, (ownValue(seen, week) ?? '') + hashes);
  }
  // The lifecycle and unsent stage changes stay as stored: the caller rescores them.
  const { lifecycle, outbox } = stored ?? {};
  const next: StoredProfile = {
    profile,
    version: (stored?.version ?? 0) + 1,
    seen,
    ...(lifecycle ? { lifecycle } : {}),
    ...(outbox ? { outbox } : {}),
  };
  return { next, applied, duplicates, toLedger };
}
