// Items to DynamoDB attribute values and back. The SDK's marshall skips a key named `__proto__`,
// its request serializer assigns one (which sets a prototype instead of a key), and its
// unmarshall does the same on the way back. Keys that come from outside (trait names, tags, order
// ids) must be data, so maps are converted here, own keys only, and `__proto__` travels escaped:
// a key named `__proto__`, or starting with the escape character, gets one more in front.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { setOwn } from '../../core/own';

export type Attributes = Record<string, AttributeValue>;

const ESCAPE = '\u0001';
const escapeKey = (key: string) => (key === '__proto__' || key.startsWith(ESCAPE) ? ESCAPE + key : key);
const unescapeKey = (key: string) => (key.startsWith(ESCAPE) ? key.slice(1) : key);

function numberAttribute(n: number): AttributeValue {
  if (!Number.isFinite(n)) throw new Error(`Special numeric value ${n} is not allowed`);
  if (Math.abs(n) > Number.MAX_SAFE_INTEGER)
    throw new Error(`Number ${n} is outside Number.MAX_SAFE_INTEGER: DynamoDB would give it back rounded`);
  return { N: String(n) };
}

function setAttribute(set: Set<unknown>): AttributeValue {
  const members = [...set];
  if (members.length === 0) throw new Error('DynamoDB holds no empty sets');
  if (members.every((m) => typeof m === 'string')) return { SS: members as string[] };
  if (members.every((m) => typeof m === 'number'))
    return { NS: (members as number[]).map((n) => numberAttribute(n).N as string) };
  throw new Error('a set must hold only strings or only numbers');
}

function toAttribute(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return { S: value };
    case 'number':
      return numberAttribute(value);
    case 'bigint':
      return { N: value.toString() };
    case 'boolean':
      return { BOOL: value };
    case 'object':
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) return { L: value.flatMap((v) => toAttribute(v) ?? []) };
      if (value instanceof Set) return setAttribute(value);
      if (value instanceof Uint8Array) return { B: value };
      return { M: toAttributes(value as Record<string, unknown>) };
    default:
      throw new Error(`a ${typeof value} cannot be stored`);
  }
}

/** An item (or key, or expression values) as DynamoDB attribute values; undefined values are left out. */
export function toAttributes(item: Readonly<Record<string, unknown>>): Attributes {
  const out: Attributes = {};
  for (const key of Object.keys(item)) {
    const attribute = toAttribute(item[key]);
    if (attribute !== undefined) out[escapeKey(key)] = attribute;
  }
  return out;
}

function fromAttribute(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.M !== undefined) return fromAttributes(attribute.M);
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  if (attribute.SS !== undefined) return new Set(attribute.SS);
  if (attribute.NS !== undefined) return new Set(attribute.NS.map(Number));
  if (attribute.B !== undefined) return attribute.B;
  if (attribute.BS !== undefined) return new Set(attribute.BS);
  throw new Error(`unknown attribute value ${Object.keys(attribute).join(', ')}`);
}

/** Attribute values as a plain object, every key an own property. */
export function fromAttributes<T = Record<string, unknown>>(attributes: Readonly<Attributes>): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(attributes))
    setOwn(out, unescapeKey(key), fromAttribute(attributes[key] as AttributeValue));
  return out as T;
}
