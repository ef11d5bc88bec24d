import { createHash } from 'node:crypto';

/**
 * The event ids folded into a profile in the last few minutes, kept on the profile item
 * itself. Event receipts (one item per event) are written after the profile, so a crash
 * between the two writes leaves the ids here: the redelivered event is recognised and only
 * its receipt is written. Entries older than the window are dropped to keep the item small;
 * the window outlasts the queue's redelivery of a message (visibility timeout × receives).
 */
export const RECENT_WINDOW_MS = 15 * 60 * 1000;

/** "hash.seconds,hash.seconds": 8 base64url characters of SHA-256 (48 bits) and a base-36 time. */
export type RecentIds = string;

export const eventHash = (eventId: string): string =>
  createHash('sha256').update(eventId).digest('base64url').slice(0, 8);

export function recentHashes(recent: RecentIds | undefined): Set<string> {
  const hashes = new Set<string>();
  if (recent) for (const entry of recent.split(',')) hashes.add(entry.slice(0, 8));
  return hashes;
}

export function addRecent(recent: RecentIds | undefined, eventIds: readonly string[], now: number): RecentIds {
  const oldest = Math.floor((now - RECENT_WINDOW_MS) / 1000);
  const kept = (recent ? recent.split(',') : []).filter((entry) => Number.parseInt(entry.slice(9), 36) >= oldest);
  const stamp = Math.floor(now / 1000).toString(36);
  for (const id of eventIds) kept.push(`${eventHash(id)}.${stamp}`);
  return kept.join(',');
}
