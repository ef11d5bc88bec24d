// JSON parsing that keeps integers beyond Number.MAX_SAFE_INTEGER exact, as decimal strings.
// Shopify ids are 64-bit integers; JSON.parse would round them to the nearest float64.

const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);
const HAS_LONG_DIGITS = /\d{16}/;
/** A run of 16+ digits standing where a JSON value may stand: after `:`, `,`, `[` or the start, before `,`, `]`, `}` or the end. */
const LONG_INTEGER_TOKEN = /(?<=(?:^|[:,[])\s*)-?[1-9]\d{15,}(?=\s*(?:[,\]}]|$))/g;

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
const parseWithReviver = JSON.parse as (text: string, reviver: Reviver) => unknown;

/** Node ≥ 22 passes the source text of each primitive to the reviver (JSON.parse source text access). */
const keepBigIntegers: Reviver = (_key, value, context) => {
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  return source !== undefined && /^-?\d+$/.test(source) ? source : value;
};

function quoteIfUnsafe(token: string): string {
  const digits = token.charCodeAt(0) === 45 ? token.slice(1) : token;
  return digits.length > 16 || digits > MAX_SAFE ? `"${token}"` : token;
}

/**
 * JSON.parse whose integers beyond Number.MAX_SAFE_INTEGER come back as exact decimal strings
 * (`820982911946154508` → `'820982911946154508'`); every other value is what JSON.parse gives.
 * Throws JSON.parse's SyntaxError on invalid JSON.
 */
export function parseJsonPreservingBigInts(text: string): unknown {
  if (!HAS_LONG_DIGITS.test(text)) return JSON.parse(text);
  // Fast path: quote the unsafe integer tokens and let JSON.parse do the rest. A digit run inside a string
  // literal cannot fool it: the inserted quote would close that string right before a digit, which is never
  // valid JSON, so such a text falls back to the exact (about 4x slower) reviver parse.
  const quoted = text.replace(LONG_INTEGER_TOKEN, quoteIfUnsafe);
  if (quoted === text) return JSON.parse(text); // no unsafe integer token: nothing to keep
  try {
    return JSON.parse(quoted);
  } catch {
    return parseWithReviver(text, keepBigIntegers);
  }
}
