// Invite codes: 8 characters of Crockford's base32 (no I, L, O or U to misread), 40 random bits,
// so guessing one of a million codes takes about a million tries. Codes a store sends are kept as
// they are; every code is matched without regard to case or surrounding spaces.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 8;
/** Random bytes a code needs (5 bits a character). */
export const CODE_BYTES = 5;

/** The code of 5 random bytes. */
export function codeOf(bytes: Uint8Array): string {
  if (bytes.length < CODE_BYTES) throw new Error(`an invite code needs ${CODE_BYTES} random bytes`);
  let bits = 0n;
  for (let i = 0; i < CODE_BYTES; i++) bits = (bits << 8n) | BigInt(bytes[i] as number);
  let code = '';
  for (let i = CODE_LENGTH - 1; i >= 0; i--) code += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return code;
}

/** The form a code is stored and looked up in; undefined for one that cannot be a code. */
export function normalizeCode(code: string): string | undefined {
  const normalized = code.trim().toUpperCase();
  return /^[A-Z0-9_-]{4,64}$/.test(normalized) ? normalized : undefined;
}

/** The link that carries a code, when the programme has a link base. */
export function inviteLink(linkBase: string | undefined, code: string): string | undefined {
  if (!linkBase) return undefined;
  const url = new URL(linkBase);
  url.searchParams.set('invite', code);
  return url.toString();
}
