// The EmailTags growthloop's mail carries through SES (the SES sender sets them, SES event records
// list them under `mail.tags`, provider feedback reads them back), and their reversible encoding.
import { createHash } from 'node:crypto';

export const SES_TAG_TENANT = 'tenant';
export const SES_TAG_KEY = 'action_key';
/** The customer's id: with tenant and action key it names the send record an SES event is about. */
export const SES_TAG_CUSTOMER = 'customer';

const MAX_TAG_LENGTH = 256;
const TAG_SAFE = /^[A-Za-z0-9-]$/;

/**
 * A value in SES tag characters (ASCII letters, digits, `_`, `-`; at most 256), reversibly: every other
 * byte of its UTF-8, and `_` itself, becomes `_XX` (hex). Values whose encoding is longer than 256 (or
 * empty) become `_h` and the SHA-256 hex of the value; compare those with sesTagValue(key).
 */
export function sesTagValue(value: string): string {
  let out = '';
  for (const char of value) {
    if (TAG_SAFE.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length > 0 && out.length <= MAX_TAG_LENGTH) return out;
  return `_h${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

/** The value sesTagValue encoded, or undefined for a hashed (overlong) one or a tag it did not make. */
export function fromSesTagValue(tag: string): string | undefined {
  if (tag.startsWith('_h') || tag.length > MAX_TAG_LENGTH) return undefined;
  if (!/^(?:[A-Za-z0-9-]|_[0-9A-F]{2})*$/.test(tag)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < tag.length; ) {
    if (tag[i] === '_') {
      bytes.push(Number.parseInt(tag.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(tag.charCodeAt(i));
      i += 1;
    }
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  // Only the one encoding sesTagValue makes of a value is its tag (`_41` is not `A`; bad UTF-8 is none).
  return sesTagValue(decoded) === tag ? decoded : undefined;
}
