/**
 * One-click unsubscribe links: a token that names a tenant, a customer and a channel, signed with the
 * tenant's `unsubscribeSecret` (TenantSecrets), so that `/u/{token}` needs no other credential.
 *
 * Format, version 1: `<payload>.<mac>`, both base64url without padding, where
 * - payload = base64url(UTF-8 of the JSON array `[1, tenantId, channel, customerId]`);
 * - mac = the first 16 bytes (128 bits) of HMAC-SHA256(secret, `growthloop/unsubscribe/v1.` + payload).
 * The version is inside the signed payload; a token of another version is refused by name. There is no
 * expiry: a link in a mail sent years ago must still work (RFC 8058, CAN-SPAM, GDPR). A token is at most
 * MAX_TOKEN_CHARS long: signing refuses a longer one (no link) and reading refuses one before decoding it.
 *
 * Pure: the HMAC is computed, never a key fetched or a clock read. Reading never throws, whatever it is given,
 * and the signature is compared in constant time (timingSafeEqual on equal lengths).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EventOf } from '../events/schemas';

export const UNSUBSCRIBE_TOKEN_VERSION = 1;
/** The channels an unsubscribe link withdraws consent on (a webhook has no recipient to ask). */
export const UNSUBSCRIBE_CHANNELS = ['email', 'sms', 'push'] as const;
export type UnsubscribeChannel = (typeof UNSUBSCRIBE_CHANNELS)[number];
/** The longest token: its URL stays well inside a List-Unsubscribe header (SES: 995 characters). */
export const MAX_TOKEN_CHARS = 800;
/** Bytes of the HMAC kept: 128 bits. */
export const MAC_BYTES = 16;
/** The shortest secret a tenant may sign with (TenantSecrets.unsubscribeSecret). */
export const MIN_UNSUBSCRIBE_SECRET_CHARS = 32;

const MAC_CHARS = Math.ceil((MAC_BYTES * 4) / 3);
const DOMAIN = `growthloop/unsubscribe/v${UNSUBSCRIBE_TOKEN_VERSION}.`;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const MAX_CUSTOMER_ID = 128;

/** Who a token unsubscribes, from what. */
export type UnsubscribeClaims = { tenantId: string; customerId: string; channel: UnsubscribeChannel };

/** A token read, not yet verified: its claims, and what is needed to verify it with the tenant's secret. */
export type ReadToken = UnsubscribeClaims & { version: number; payload: string; mac: string };

export type TokenRefusal =
  | 'not_a_token'
  | 'too_long'
  | 'not_base64url'
  | 'malformed_payload'
  | 'unsupported_version'
  | 'invalid_claims'
  | 'bad_signature';

export type TokenResult<T> = { ok: true; value: T } | { ok: false; reason: TokenRefusal };

const refuse = (reason: TokenRefusal): { ok: false; reason: TokenRefusal } => ({ ok: false, reason });

const isChannel = (value: unknown): value is UnsubscribeChannel =>
  typeof value === 'string' && (UNSUBSCRIBE_CHANNELS as readonly string[]).includes(value);

function macOf(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(DOMAIN).update(payload).digest().subarray(0, MAC_BYTES);
}

/** Canonical base64url only: decoding and encoding again gives the same text (no second spelling of a token). */
function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/** The token for these claims under `secret`, or undefined when the claims cannot be put in one (too long, invalid). */
export function signUnsubscribeToken(claims: UnsubscribeClaims, secret: string): string | undefined {
  const { tenantId, customerId, channel } = claims;
  if (secret.length < MIN_UNSUBSCRIBE_SECRET_CHARS || !TENANT_ID.test(tenantId) || !isChannel(channel))
    return undefined;
  if (customerId.length === 0 || customerId.length > MAX_CUSTOMER_ID) return undefined;
  const json = JSON.stringify([UNSUBSCRIBE_TOKEN_VERSION, tenantId, channel, customerId]);
  const payload = Buffer.from(json, 'utf8').toString('base64url');
  const token = `${payload}.${macOf(secret, payload).toString('base64url')}`;
  return token.length <= MAX_TOKEN_CHARS ? token : undefined;
}

/**
 * The claims of a token, unverified (its tenant is needed to find the secret that verifies it), or why it is
 * no token of ours. Never throws.
 */
export function readUnsubscribeToken(token: unknown): TokenResult<ReadToken> {
  if (typeof token !== 'string' || token.length === 0) return refuse('not_a_token');
  if (token.length > MAX_TOKEN_CHARS) return refuse('too_long');
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return refuse('not_a_token');
  const payload = token.slice(0, dot);
  const mac = token.slice(dot + 1);
  const payloadBytes = decodeBase64url(payload);
  const macBytes = decodeBase64url(mac);
  if (!payloadBytes || !macBytes) return refuse('not_base64url');
  let fields: unknown;
  try {
    fields = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
  } catch {
    return refuse('malformed_payload');
  }
  if (!Array.isArray(fields) || typeof fields[0] !== 'number') return refuse('malformed_payload');
  if (fields[0] !== UNSUBSCRIBE_TOKEN_VERSION) return refuse('unsupported_version');
  const [, tenantId, channel, customerId] = fields as unknown[];
  const validClaims =
    fields.length === 4 &&
    typeof tenantId === 'string' &&
    TENANT_ID.test(tenantId) &&
    isChannel(channel) &&
    typeof customerId === 'string' &&
    customerId.length > 0 &&
    customerId.length <= MAX_CUSTOMER_ID;
  if (!validClaims) return refuse('invalid_claims');
  // Checked after the claims, so a truncated signature is told apart from a malformed payload.
  if (mac.length !== MAC_CHARS || macBytes.length !== MAC_BYTES) return refuse('bad_signature');
  return { ok: true, value: { version: fields[0], tenantId, channel, customerId, payload, mac } };
}

/** Whether `token` (as read) was signed with `secret`: the HMAC compared in constant time. Never throws. */
export function verifyUnsubscribeToken(token: ReadToken, secret: string | undefined): boolean {
  if (typeof secret !== 'string' || secret.length < MIN_UNSUBSCRIBE_SECRET_CHARS) return false;
  const given = decodeBase64url(token.mac);
  if (!given || given.length !== MAC_BYTES) return false;
  return timingSafeEqual(given, macOf(secret, token.payload));
}

/** Reads and verifies a token in one step (tests, tools): the claims, or why not. */
export function openUnsubscribeToken(token: unknown, secret: string | undefined): TokenResult<UnsubscribeClaims> {
  const read = readUnsubscribeToken(token);
  if (!read.ok) return read;
  if (!verifyUnsubscribeToken(read.value, secret)) return refuse('bad_signature');
  const { tenantId, customerId, channel } = read.value;
  return { ok: true, value: { tenantId, customerId, channel } };
}

/** The link a message carries: `<base>/u/<token>`, the base without its trailing slashes. */
export const unsubscribeUrl = (baseUrl: string, token: string): string => `${baseUrl.replace(/\/+$/, '')}/u/${token}`;

export const UNSUBSCRIBE_SOURCE = 'unsubscribe';

/**
 * The consent withdrawal a verified token asks for, at `now` (epoch ms). Its event id is the token's MAC and the
 * UTC day: the one-click POST of a mailbox provider and the customer's own click on the page fold once, and a click
 * on an old link on a later day (after the customer subscribed again) withdraws again instead of being dropped as
 * a repeat.
 */
export function unsubscribeEvent(token: ReadToken, now: number): EventOf<'consent_changed'> {
  const occurredAt = new Date(now).toISOString();
  return {
    type: 'consent_changed',
    tenantId: token.tenantId,
    customerId: token.customerId,
    eventId: `unsubscribe:${token.channel}:${token.mac}:${occurredAt.slice(0, 10)}`,
    occurredAt,
    source: UNSUBSCRIBE_SOURCE,
    properties: { channel: token.channel, granted: false },
  };
}
