/**
 * The event ids folded into a profile in the last few minutes, kept on the profile item
 * itself. Event receipts (one item per event) are written after the profile, so a crash
 * between the two writes leaves the ids here: the redelivered event is recognised and only
 * its receipt is written. Entries older than the window are dropped to keep the item small;
 * the window outlasts the queue's redelivery of a message (visibility timeout × receives).
 */
export const RECENT_WINDOW_MS = 15 * 60 * 1000;

/** "hash.seconds,hash.seconds": 48 bits of a hash of the event id in base64url, the fold time in base 36. */
export type RecentIds = string;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Two 32-bit FNV-1a passes with different offsets, 48 bits of which are kept. Not
 * cryptographic: it only has to tell apart the few dozen ids one profile folded in the window.
 */
export function eventHash(eventId: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < eventId.length; i++) {
    const c = eventId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  let out = '';
  for (let shift = 26; shift >= 2; shift -= 6) out += BASE64URL[(a >>> shift) & 63];
  out += BASE64URL[((a & 3) << 4) | ((b >>> 28) & 15)];
  out += BASE64URL[(b >>> 22) & 63];
  out += BASE64URL[(b >>> 16) & 63];
  return out;
}

/** True when `recent` lists the event (searched in the string: rings are short). */
export function isRecent(recent: RecentIds | undefined, eventId: string): boolean {
  return recent !== undefined && `,${recent}`.includes(`,${eventHash(eventId)}.`);
}

/** Appends the ids; entries are in fold order, so the expired ones are a prefix to drop. */
export function addRecent(recent: RecentIds | undefined, eventIds: readonly string[], now: number): RecentIds {
  const stamp = Math.floor(now / 1000).toString(36);
  const added = eventIds.map((id) => `${eventHash(id)}.${stamp}`).join(',');
  if (!recent) return added;
  const oldest = Math.floor((now - RECENT_WINDOW_MS) / 1000);
  let start = 0;
  while (start < recent.length) {
    const dot = recent.indexOf('.', start);
    const comma = recent.indexOf(',', dot);
    const end = comma === -1 ? recent.length : comma;
    if (Number.parseInt(recent.slice(dot + 1, end), 36) >= oldest) break;
    start = end + 1;
  }
  const kept = recent.slice(start);
  return kept ? `${kept},${added}` : added;
}
