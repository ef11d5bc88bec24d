/**
 * Provider feedback, parsed: SES event records (an EventBridge event's `detail`, or an SNS
 * notification's Message) and End User Messaging SMS two-way messages (an SNS Message), read into
 * plain facts. Whatever arrives, the answer is a fact or a reason, never a throw.
 *
 * An SES record is ours when it carries the EmailTags the SES sender puts on every message
 * (functions/adapters/aws/channels/ses.ts: `tenant`, `customer`, `action_key`, each encoded by
 * sesTagValue) and, when a configuration set is expected, comes from that configuration set.
 */
import { z } from 'zod';
import type { Item, Key } from '../../ports';
import type { CanonicalEvent } from '../events/schemas';
import { fnv1a32 } from '../hash';
import { SEND_SK_PREFIX } from './send-record';
import { fromSesTagValue, SES_TAG_CUSTOMER, SES_TAG_KEY, SES_TAG_TENANT } from './ses-tags';

export type EmailFeedbackKind = 'sent' | 'delivered' | 'opened' | 'clicked' | 'bounced' | 'complained';

/** What an SES event says about one message of ours. */
export type EmailFeedback = {
  channel: 'email';
  tenantId: string;
  customerId: string;
  actionKey: string;
  providerMessageId: string;
  kind: EmailFeedbackKind;
  /** A bounce whose bounceType is Permanent (a hard bounce). */
  permanent: boolean;
  /** When it happened (ISO-8601 UTC). */
  at: string;
  /** When SES accepted the message (mail.timestamp). */
  sentAt: string;
  /** The link of a click. */
  url?: string;
};

/** A customer's SMS reply that opts out (STOP, 退订, ...). The customer's number is not kept. */
export type SmsOptOut = {
  channel: 'sms';
  inboundMessageId: string;
  /** The message the customer answered: End User Messaging's id of our SMS to them. */
  previousPublishedMessageId?: string;
  /** The keyword as matched (upper case, half-width). */
  keyword: string;
  /** When the reply arrived (the SNS Timestamp), when the envelope says. */
  at?: string;
};

export type Feedback = EmailFeedback | SmsOptOut;

export type Parsed<T> = { ok: true; fact: T } | { ok: false; reason: string };

const no = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const own = (object: Json, name: string): unknown => (Object.hasOwn(object, name) ? object[name] : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Provider ids longer than this are refused, which keeps every event id made from one within 128 characters. */
const MAX_PROVIDER_ID = 100;
const providerId = (value: unknown): string | undefined => {
  const id = text(value);
  return id !== undefined && id.length <= MAX_PROVIDER_ID ? id : undefined;
};

/** An ISO-8601 time as UTC with milliseconds, or undefined when it is none. */
function utc(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

// ---- SES tag values ---------------------------------------------------------------------------

const CONFIGURATION_SET_TAG = 'ses:configuration-set';

// ---- SES event records ------------------------------------------------------------------------

/** Record eventType → what it says, and the object of the record holding its own timestamp. */
const SES_KINDS = new Map<string, { kind: EmailFeedbackKind; object: string }>([
  ['Send', { kind: 'sent', object: 'send' }],
  ['Delivery', { kind: 'delivered', object: 'delivery' }],
  ['Bounce', { kind: 'bounced', object: 'bounce' }],
  ['Complaint', { kind: 'complained', object: 'complaint' }],
  ['Open', { kind: 'opened', object: 'open' }],
  ['Click', { kind: 'clicked', object: 'click' }],
]);

/** The EventBridge detail-types of the SES sending events growthloop acts on, to their records' eventType. */
export const SES_DETAIL_TYPES: ReadonlyMap<string, string> = new Map([
  ['Email Sent', 'Send'],
  ['Email Delivered', 'Delivery'],
  ['Email Bounced', 'Bounce'],
  ['Email Complaint Received', 'Complaint'],
  ['Email Opened', 'Open'],
  ['Email Clicked', 'Click'],
]);

const firstTag = (tags: Json, name: string): string | undefined => {
  const values = own(tags, name);
  return Array.isArray(values) ? text(values[0]) : undefined;
};

export type SesParseOptions = {
  /** The configuration set our mail is sent with: a record of another one is foreign. */
  configurationSet?: string;
};

/** An SES event record (the EventBridge detail, or the SNS Message parsed) as a fact about one of our messages. */
export function parseSesRecord(record: unknown, options: SesParseOptions = {}): Parsed<EmailFeedback> {
  if (!isObject(record)) return no('not an SES event record: not an object');
  // Identity feedback notifications say notificationType; they carry no tags, so they end below as foreign.
  const type = text(own(record, 'eventType')) ?? text(own(record, 'notificationType'));
  const known = type === undefined ? undefined : SES_KINDS.get(type);
  if (!known) return no(`SES event type ${JSON.stringify(type?.slice(0, 40))} is none growthloop acts on`);
  const mail = own(record, 'mail');
  if (!isObject(mail)) return no('SES event record has no mail object');
  const providerMessageId = providerId(own(mail, 'messageId'));
  if (!providerMessageId) return no('SES event record has no usable messageId');
  const tags = own(mail, 'tags');
  if (!isObject(tags)) return no('SES event record carries no tags: not sent by growthloop');
  if (options.configurationSet !== undefined && firstTag(tags, CONFIGURATION_SET_TAG) !== options.configurationSet)
    return no('SES event record is of another configuration set');
  const [tenantId, customerId, actionKey] = [SES_TAG_TENANT, SES_TAG_CUSTOMER, SES_TAG_KEY].map((name) => {
    const tag = firstTag(tags, name);
    return tag === undefined ? undefined : fromSesTagValue(tag);
  });
  if (!tenantId || !customerId || !actionKey)
    return no('SES event record lacks decodable tenant, customer and action_key tags: not sent by growthloop');
  const sentAt = utc(own(mail, 'timestamp'));
  if (!sentAt) return no('SES event record has no valid mail.timestamp');
  const details = own(record, known.object);
  const detail = isObject(details) ? details : {};
  const link = known.kind === 'clicked' ? text(own(detail, 'link')) : undefined;
  return {
    ok: true,
    fact: {
      channel: 'email',
      tenantId,
      customerId,
      actionKey,
      providerMessageId,
      kind: known.kind,
      permanent: known.kind === 'bounced' && own(detail, 'bounceType') === 'Permanent',
      at: utc(own(detail, 'timestamp')) ?? sentAt,
      sentAt,
      ...(link !== undefined && link.length <= 2048 ? { url: link } : {}),
    },
  };
}

/** An EventBridge event from SES (source aws.ses, an email sending detail-type) as a fact. */
export function parseSesEventBridge(event: unknown, options: SesParseOptions = {}): Parsed<EmailFeedback> {
  if (!isObject(event)) return no('not an EventBridge event');
  if (own(event, 'source') !== 'aws.ses') return no('EventBridge event is not from aws.ses');
  const detailType = own(event, 'detail-type');
  const eventType = typeof detailType === 'string' ? SES_DETAIL_TYPES.get(detailType) : undefined;
  if (!eventType) return no('EventBridge event is no SES sending event growthloop acts on');
  const detail = own(event, 'detail');
  if (!isObject(detail)) return no('EventBridge event has no detail');
  if (own(detail, 'eventType') !== undefined && own(detail, 'eventType') !== eventType)
    return no('EventBridge detail-type and the record eventType disagree');
  return parseSesRecord({ ...detail, eventType }, options);
}

// ---- SMS two-way ------------------------------------------------------------------------------

/**
 * Replies that opt out: End User Messaging's default opt-out keywords and the Chinese replies of
 * MIIT practice (退订, TD, T, 取消), matched on the whole reply.
 */
export const SMS_OPT_OUT_KEYWORDS: ReadonlySet<string> = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'OPT-OUT',
  'REMOVE',
  'ARRET',
  '退订',
  'TD',
  'T',
  '取消',
]);

/** A reply as matched against the keywords: NFKC (full-width to half-width), no spaces or trailing punctuation, upper case. */
export const normalizeSmsKeyword = (body: string): string =>
  body
    .normalize('NFKC')
    .replace(/\s+/gu, '')
    .replace(/[.!?,;:~。！？，；：～]+$/u, '')
    .toUpperCase();

export const isSmsOptOut = (body: string): boolean =>
  body.length <= 64 && SMS_OPT_OUT_KEYWORDS.has(normalizeSmsKeyword(body));

/** An End User Messaging SMS two-way message (the SNS Message, parsed) as an opt-out, or why not. */
export function parseSmsInbound(message: unknown, envelope: { at?: unknown } = {}): Parsed<SmsOptOut> {
  if (!isObject(message)) return no('not an SMS two-way message: not an object');
  const body = own(message, 'messageBody');
  const inboundMessageId = providerId(own(message, 'inboundMessageId'));
  if (typeof body !== 'string' || !inboundMessageId || text(own(message, 'originationNumber')) === undefined)
    return no('not an SMS two-way message: no originationNumber, messageBody or usable inboundMessageId');
  if (!isSmsOptOut(body)) return no('the SMS reply is no opt-out keyword');
  const previous = providerId(own(message, 'previousPublishedMessageId'));
  const at = utc(envelope.at);
  return {
    ok: true,
    fact: {
      channel: 'sms',
      inboundMessageId,
      ...(previous !== undefined ? { previousPublishedMessageId: previous } : {}),
      keyword: normalizeSmsKeyword(body),
      ...(at !== undefined ? { at } : {}),
    },
  };
}

/**
 * One SNS record as Lambda receives it (`{Sns: {Message, Timestamp, ...}}`): an SES event record or
 * an SMS two-way message, told apart by their fields.
 */
export function parseSnsRecord(record: unknown, options: SesParseOptions = {}): Parsed<Feedback> {
  const sns = isObject(record) ? own(record, 'Sns') : undefined;
  if (!isObject(sns)) return no('not an SNS record');
  const raw = own(sns, 'Message');
  if (typeof raw !== 'string') return no('SNS record has no Message');
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return no('SNS Message is not JSON');
  }
  if (!isObject(message)) return no('SNS Message is not a JSON object');
  if (own(message, 'mail') !== undefined) return parseSesRecord(message, options);
  if (own(message, 'originationNumber') !== undefined) return parseSmsInbound(message, { at: own(sns, 'Timestamp') });
  return no('SNS Message is neither an SES event record nor an SMS two-way message');
}

// ---- the SMS send index -----------------------------------------------------------------------

/**
 * An SMS reply names no tenant and no customer, only the message it answers (previousPublishedMessageId,
 * the MessageId SendTextMessage answered). So each SMS sent leaves an item keyed by that id alone, naming
 * its send record, that expires after SMS_INDEX_DAYS: a deployment-level partition, like the tenant
 * registry's, since the tenant is what it finds.
 */
export const SMS_INDEX_PK_PREFIX = 'SMSMSG#';
export const SMS_INDEX_DAYS = 90;

export const smsIndexKey = (providerMessageId: string): Key => ({
  pk: `${SMS_INDEX_PK_PREFIX}${providerMessageId}`,
  sk: 'SEND',
});

export type SmsOwner = { tenantId: string; customerId: string; key: string };
/** The index item as stored (functions/contracts/stored.ts); `expiresAt` is the table's TTL attribute. */
export const SmsIndexItem = z.looseObject({
  pk: z.string().startsWith(SMS_INDEX_PK_PREFIX),
  sk: z.literal('SEND'),
  tenantId: z.string().min(1),
  customerId: z.string().min(1),
  key: z.string().min(1),
  expiresAt: z.int().positive(),
});
export type SmsIndexItem = Key & SmsOwner & { expiresAt: number };

/** The index item of an SMS the provider took, written at `now` (epoch ms). */
export const smsIndexItem = (owner: SmsOwner, providerMessageId: string, now: number): SmsIndexItem => ({
  ...smsIndexKey(providerMessageId),
  tenantId: owner.tenantId,
  customerId: owner.customerId,
  key: owner.key,
  expiresAt: Math.floor(now / 1000) + SMS_INDEX_DAYS * 86_400,
});

/**
 * The index item a stored SMS send record left (undefined for any other item): erasing the customer, or the
 * tenant, deletes it with the record, since its key is outside their partitions.
 */
export function smsIndexKeyOfSend(item: Item): Key | undefined {
  if (!item.sk.startsWith(SEND_SK_PREFIX) || item.channel !== 'sms') return undefined;
  const id = text(item.providerMessageId);
  return id ? smsIndexKey(id) : undefined;
}

/** Whose SMS an index item names, or undefined when the item is none. */
export function readSmsIndexItem(item: unknown): SmsOwner | undefined {
  if (!isObject(item)) return undefined;
  const [tenantId, customerId, key] = ['tenantId', 'customerId', 'key'].map((name) => text(own(item, name)));
  return tenantId && customerId && key ? { tenantId, customerId, key } : undefined;
}

// ---- canonical events -------------------------------------------------------------------------

/** A hard bounce (the address does not exist) or a complaint (the customer called it spam): no more e-mail. */
export const revokesEmail = (fact: EmailFeedback): boolean =>
  (fact.kind === 'bounced' && fact.permanent) || fact.kind === 'complained';

/**
 * The canonical events an SES fact makes: message_delivered, _opened, _clicked, _bounced or _complained
 * (none for a send), and for a hard bounce or a complaint a consent_changed that revokes e-mail. Their ids
 * come from the message id and the kind (and a click's link), so a redelivered record makes the same events.
 */
export function emailFeedbackEvents(fact: EmailFeedback, context: { journeyId?: string }): CanonicalEvent[] {
  const base = { tenantId: fact.tenantId, customerId: fact.customerId, occurredAt: fact.at, source: 'ses' };
  const ref = {
    messageId: fact.providerMessageId,
    channel: 'email' as const,
    ...(context.journeyId !== undefined && context.journeyId.length <= 128 ? { journeyId: context.journeyId } : {}),
  };
  const id = (name: string) => `ses:${name}:${fact.providerMessageId}`;
  const events: CanonicalEvent[] = [];
  switch (fact.kind) {
    case 'delivered':
      events.push({ ...base, eventId: id('delivered'), type: 'message_delivered', properties: ref });
      break;
    case 'opened':
      events.push({ ...base, eventId: id('opened'), type: 'message_opened', properties: ref });
      break;
    case 'clicked': {
      const link = fact.url === undefined ? 'none' : fnv1a32(fact.url).toString(16).padStart(8, '0');
      events.push({
        ...base,
        eventId: `${id('clicked')}:${link}`,
        type: 'message_clicked',
        properties: { ...ref, ...(fact.url !== undefined ? { url: fact.url } : {}) },
      });
      break;
    }
    case 'bounced':
      events.push({
        ...base,
        eventId: id('bounced'),
        type: 'message_bounced',
        properties: { ...ref, permanent: fact.permanent },
      });
      break;
    case 'complained':
      events.push({ ...base, eventId: id('complained'), type: 'message_complained', properties: ref });
      break;
    case 'sent':
      break;
  }
  if (revokesEmail(fact)) {
    events.push({
      ...base,
      eventId: id('consent'),
      type: 'consent_changed',
      properties: { channel: 'email', granted: false },
    });
  }
  return events;
}

/** The consent_changed of an SMS opt-out, for the customer whose message it answers; `now` when the reply names no time. */
export const smsOptOutEvent = (fact: SmsOptOut, owner: SmsOwner, now: string): CanonicalEvent => ({
  tenantId: owner.tenantId,
  customerId: owner.customerId,
  eventId: `sms:optout:${fact.inboundMessageId}`,
  occurredAt: fact.at ?? now,
  source: 'sms',
  type: 'consent_changed',
  properties: { channel: 'sms', granted: false },
});
