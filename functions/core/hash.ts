/**
 * FNV-1a, 32 bits: the one non-cryptographic string hash of growthloop. It sits under values
 * that are stored (split and holdout buckets, the event hashes that drop redeliveries, due-index
 * shards), so its output must never change.
 *
 * It hashes the string's UTF-16 code units, not its UTF-8 bytes: each step xors in one code
 * unit (up to 16 bits) and multiplies by the FNV prime. For ASCII text this is the standard
 * FNV-1a 32; a non-ASCII character (or each half of a surrogate pair) is one step of its code
 * unit, so such strings hash differently from reference implementations that hash bytes.
 */

/** The FNV-1a 32 offset basis: the hash of the empty string. */
export const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** One FNV-1a step: xors in the code unit, then multiplies by the prime (a signed 32-bit result). */
export const fnv1aStep = (hash: number, codeUnit: number): number => Math.imul(hash ^ codeUnit, FNV_PRIME);

/** FNV-1a 32 of `text`'s UTF-16 code units, as an unsigned 32-bit integer. */
export function fnv1a32(text: string, seed: number = FNV_OFFSET_BASIS): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = fnv1aStep(hash, text.charCodeAt(i));
  return hash >>> 0;
}
