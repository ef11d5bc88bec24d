/**
 * Which events a profile has folded, so a redelivered event is never folded twice. Each event
 * id is hashed to 8 characters and filed under the week its event occurred in. Recent weeks
 * ("hot") live on the profile item itself, written in the same conditional write as
 * the fold, so folding and remembering are one atomic step. Older weeks are moved, a week at a
 * time, to a ledger item per customer and week, which redeliveries of old events consult.
 */

import { fnv1a32, fnv1aStep } from '../hash';

/** Week number → concatenated 8-character hashes of the events folded from that week. */
export type Seen = Record<string, string>;

const WEEK_MS = 7 * 86_400_000;
export const HASH_LENGTH = 8;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export const weekOf = (iso: string): string => String(Math.floor(Date.parse(iso) / WEEK_MS));

/**
 * The weeks kept on the profile: last week and every later one. Only past weeks move to the
 * ledger, so a week never comes back from it as time passes.
 */
export const isHotWeek = (week: string, now: number): boolean => Number(week) >= Math.floor(now / WEEK_MS) - 1;

/**
 * 48 bits from two 32-bit FNV-1a passes with different offsets, in base64url. Not
 * cryptographic: it only has to tell apart the events of one customer in one week.
 */
export function eventHash(eventId: string): string {
  const a = fnv1a32(eventId);
  // The second pass: FNV-1a from another offset that also xors in its previous state shifted
  // right by 15 at every step (mixing high bits into the low ones, which plain FNV-1a never does).
  let b = 0x050c5d1f;
  for (let i = 0; i < eventId.length; i++) b = fnv1aStep(b, eventId.charCodeAt(i)) ^ (b >>> 15);
  let out = '';
  for (let shift = 26; shift >= 2; shift -= 6) out += BASE64URL[(a >>> shift) & 63];
  out += BASE64URL[((a & 3) << 4) | ((b >>> 28) & 15)];
  out += BASE64URL[(b >>> 22) & 63];
  out += BASE64URL[(b >>> 16) & 63];
  return out;
}

/** True when `hashes` (fixed-width, concatenated) holds `hash`. */
export function holds(hashes: string | undefined, hash: string): boolean {
  if (!hashes) return false;
  for (let at = hashes.indexOf(hash); at !== -1; at = hashes.indexOf(hash, at + 1)) {
    if (at % HASH_LENGTH === 0) return true;
  }
  return false;
}

export const splitHashes = (hashes: string): string[] =>
  Array.from({ length: hashes.length / HASH_LENGTH }, (_, i) => hashes.slice(i * HASH_LENGTH, (i + 1) * HASH_LENGTH));
