/**
 * Sealed personal fields (crypto-shredding). The personal fields of an event travel on the bus,
 * in the queues, their journals and the event archive only as ciphertext under the customer's
 * data key (AES-256-GCM, a fresh 96-bit IV per field, the tenant, customer id and field path as
 * additional authenticated data, so a sealed value cannot be moved to another customer or
 * field). Erasure deletes the key: every copy of those fields, wherever it lies, stays unreadable.
 *
 * Personal fields: the values of an identify event's traits (free-form: e-mail, phone, names,
 * addresses and whatever else a store sends). Trait names, ids, money and times travel in clear.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { z } from 'zod';
import type { CanonicalEvent } from '../events/schemas';
import { setOwn } from '../own';

/** The sort key of a customer's data key item, in the customer's partition (`<tenant>#C#<id>`). */
export const DATA_KEY_SK = 'KEY';

/**
 * `<tenant>#C#<customerId>` / `KEY`: the customer's data key, wrapped by a master key that never
 * enters the table (`wrappedBy` names its kind: `kms` in AWS, `local` under `npm start`); written
 * once, if absent, by the first ingest that seals a field of the customer; deleted with the
 * partition on erasure.
 */
export const DataKeyItem = z.looseObject({
  pk: z.string(),
  sk: z.literal(DATA_KEY_SK),
  wrapped: z.string().min(1),
  wrappedBy: z.string(),
  createdAt: z.iso.datetime(),
});

/** A data key's length: AES-256. */
export const DATA_KEY_BYTES = 32;
/** A GCM nonce's length: 96 bits, drawn at random for every sealed value. */
export const IV_BYTES = 12;
const TAG_BYTES = 16;

/** How a sealed value starts: `sealed:v1:` then base64url of IV, ciphertext and tag. */
export const SEALED_PREFIX = 'sealed:v1:';

export type TraitValue = string | number | boolean | null;

/** Whose field, and which: bound to the ciphertext as additional authenticated data. */
export type FieldOwner = { tenantId: string; customerId: string };

const aad = (owner: FieldOwner, path: readonly string[]) =>
  Buffer.from(JSON.stringify([owner.tenantId, owner.customerId, ...path]), 'utf8');

export const isSealed = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(SEALED_PREFIX);

/** One value sealed under `key` with the nonce `iv` (which must never repeat under the same key). */
export function sealValue(
  key: Uint8Array,
  iv: Uint8Array,
  owner: FieldOwner,
  path: readonly string[],
  value: TraitValue,
): string {
  if (key.length !== DATA_KEY_BYTES) throw new Error(`a data key has ${DATA_KEY_BYTES} bytes, not ${key.length}`);
  if (iv.length !== IV_BYTES) throw new Error(`a nonce has ${IV_BYTES} bytes, not ${iv.length}`);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(owner, path));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The value sealed in `sealed`, or undefined when `key` is not the one it was sealed with (or it was altered). */
export function openValue(
  key: Uint8Array | undefined,
  owner: FieldOwner,
  path: readonly string[],
  sealed: string,
): { value: TraitValue } | undefined {
  if (!key || key.length !== DATA_KEY_BYTES || !isSealed(sealed)) return undefined;
  const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(owner, path));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return { value: JSON.parse(plain.toString('utf8')) as TraitValue };
  } catch {
    return undefined;
  }
}

const TRAITS_PATH = ['properties', 'traits'] as const;

/** Whether the event carries personal fields, so sealing it needs the customer's data key. */
export const hasPersonalFields = (event: CanonicalEvent): boolean =>
  event.type === 'identify' && Object.keys(event.properties.traits).length > 0;

/** The event with each personal field sealed under `key`; `nextIv` draws a fresh random nonce per field. */
export function sealEvent(event: CanonicalEvent, key: Uint8Array, nextIv: () => Uint8Array): CanonicalEvent {
  if (!hasPersonalFields(event) || event.type !== 'identify') return event;
  const traits: Record<string, TraitValue> = {};
  for (const [name, value] of Object.entries(event.properties.traits)) {
    setOwn(traits, name, sealValue(key, nextIv(), event, [...TRAITS_PATH, name], value));
  }
  return { ...event, properties: { ...event.properties, traits } };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The owner of an event as a delivery carries it (not yet validated), if it names one. */
export function ownerOf(detail: unknown): FieldOwner | undefined {
  if (!isRecord(detail)) return undefined;
  const { tenantId, customerId } = detail;
  return typeof tenantId === 'string' && typeof customerId === 'string' ? { tenantId, customerId } : undefined;
}

/** Whether an event as a delivery carries it (not yet validated) holds sealed fields. */
export function holdsSealedFields(detail: unknown): boolean {
  if (!isRecord(detail) || detail.type !== 'identify' || !isRecord(detail.properties)) return false;
  const traits = detail.properties.traits;
  return isRecord(traits) && Object.values(traits).some(isSealed);
}

/**
 * An event as a delivery carries it, with its sealed fields opened under `key`. A field that
 * does not open (its key was erased, or replaced after an erasure) is left out: it is shredded.
 * Values that are not sealed (events journaled before sealing) pass unchanged.
 */
export function openEvent(detail: unknown, key: Uint8Array | undefined): { detail: unknown; shredded: number } {
  const owner = ownerOf(detail);
  if (!owner || !holdsSealedFields(detail)) return { detail, shredded: 0 };
  const event = detail as { properties: { traits: Record<string, unknown> } };
  const traits: Record<string, unknown> = {};
  let shredded = 0;
  for (const [name, value] of Object.entries(event.properties.traits)) {
    if (!isSealed(value)) {
      setOwn(traits, name, value);
      continue;
    }
    const opened = openValue(key, owner, [...TRAITS_PATH, name], value);
    if (opened) setOwn(traits, name, opened.value);
    else shredded += 1;
  }
  return { detail: { ...event, properties: { ...event.properties, traits } }, shredded };
}

/** Whether an item of a customer's partition is their data key. */
export const isDataKeyItem = (item: { sk: string }): boolean => item.sk === DATA_KEY_SK;
