// E-mail on Amazon SES v2 SendEmail, Simple content. The configuration set (when given) makes SES
// publish delivery, open, click, bounce and complaint events; the EmailTags `tenant`, `customer` and
// `action_key` ride on those events for correlation beside the MessageId the receipt carries. Marketing mail (a
// message with unsubscribeUrl) gets RFC 8058 one-click List-Unsubscribe headers through the Simple
// message's `Headers`, so no MIME is built here.
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { type MessageHeader, type MessageTag, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type OutgoingMessage, ProviderError, type SendReceipt } from '../../../ports';
import { classifyAwsError, refuse } from './classify';

export type EmailMessage = Extract<OutgoingMessage, { channel: 'email' }>;

export const SES_PROVIDER = 'ses';
/** The EmailTags every message carries (SES event records list them under `mail.tags`). */
export const SES_TAG_TENANT = 'tenant';
export const SES_TAG_KEY = 'action_key';
/** The customer's id: with tenant and action key it names the send record an SES event is about. */
export const SES_TAG_CUSTOMER = 'customer';

export type SesEmailOptions = {
  client: SESv2Client;
  /** The SES configuration set whose event destination sends SES events back. */
  configurationSetName?: string;
};

export type EmailSender = { send(message: EmailMessage): Promise<SendReceipt> };

const MAX_TAG_LENGTH = 256;
const TAG_SAFE = /^[A-Za-z0-9-]$/;

/**
 * A value in SES tag characters (ASCII letters, digits, `_`, `-`; at most 256), reversibly: every other
 * byte of its UTF-8, and `_` itself, becomes `_XX` (hex). Values whose encoding is longer than 256
 * become `_h` and the SHA-256 hex of the value; compare those with sesTagValue(key).
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
  // An empty tag value is refused by SES; hash it like an overlong one.
  return `_h${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

/** The value sesTagValue encoded, or undefined for a hashed (overlong) one or a value it did not make. */
export function fromSesTagValue(tag: string): string | undefined {
  if (tag.startsWith('_h')) return undefined;
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
  return sesTagValue(decoded) === tag ? decoded : undefined;
}

const CONTROL = /[\r\n\0]/;
const ASCII = /^[\x20-\x7e]*$/;
const ADDRESS_SPECIALS = /[()<>[\]:;@\\,."]/;

/** An address SES accepts: a punycoded domain; the local part must be ASCII (SES has no SMTPUTF8). */
function asciiAddress(address: string, field: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = domainToASCII(address.slice(at + 1));
  if (at <= 0 || domain === '' || !ASCII.test(local) || /\s/.test(local)) {
    throw refuse(SES_PROVIDER, `${field} is not an address SES can send to: ${JSON.stringify(address)}`);
  }
  return `${local}@${domain}`;
}

/** `Name <local@domain>` or a bare address, in the form SES wants: a non-ASCII name as an RFC 2047 encoded word. */
export function sesMailbox(mailbox: string, field: string): string {
  if (CONTROL.test(mailbox)) throw refuse(SES_PROVIDER, `${field} has a line break`);
  const named = /^\s*(.*?)\s*<([^<>\s]+)>\s*$/.exec(mailbox);
  if (!named) return asciiAddress(mailbox.trim(), field);
  const address = asciiAddress(named[2] as string, field);
  let name = named[1] as string;
  if (name === '') return address;
  if (!ASCII.test(name)) {
    const unquoted = name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replace(/\\(.)/g, '$1') : name;
    name = `=?UTF-8?B?${Buffer.from(unquoted, 'utf8').toString('base64')}?=`;
  } else if (ADDRESS_SPECIALS.test(name) && !(name.startsWith('"') && name.endsWith('"'))) {
    name = `"${name.replace(/["\\]/g, '\\$&')}"`;
  }
  return `${name} <${address}>`;
}

/** RFC 8058 one-click unsubscribe headers for an HTTPS target. */
export function unsubscribeHeaders(url: string): MessageHeader[] {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw refuse(SES_PROVIDER, `unsubscribeUrl is not a URL: ${JSON.stringify(url)}`);
  }
  // RFC 8058 §3.1: the List-Unsubscribe header MUST contain one HTTPS URI.
  if (target.protocol !== 'https:') throw refuse(SES_PROVIDER, 'unsubscribeUrl must be an https URL (RFC 8058)');
  const value = `<${target.href}>`;
  // SES: a printable-ASCII value of at most 995 characters, name and value together at most 996.
  if (!ASCII.test(value) || value.length + 'List-Unsubscribe'.length > 996) {
    throw refuse(SES_PROVIDER, 'unsubscribeUrl is too long for a List-Unsubscribe header');
  }
  return [
    { Name: 'List-Unsubscribe', Value: value },
    { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
  ];
}

/** The SendEmail input for a message; exported so a test can see what goes over the wire. */
export function sendEmailInput(message: EmailMessage, options: Omit<SesEmailOptions, 'client'> = {}) {
  if (CONTROL.test(message.subject)) throw refuse(SES_PROVIDER, 'subject has a line break');
  if (message.subject.trim() === '') throw refuse(SES_PROVIDER, 'subject is empty');
  const tags: MessageTag[] = [
    { Name: SES_TAG_TENANT, Value: sesTagValue(message.tenantId) },
    { Name: SES_TAG_CUSTOMER, Value: sesTagValue(message.customerId) },
    { Name: SES_TAG_KEY, Value: sesTagValue(message.key) },
  ];
  const headers = message.unsubscribeUrl !== undefined ? unsubscribeHeaders(message.unsubscribeUrl) : undefined;
  return {
    FromEmailAddress: sesMailbox(message.from, 'from'),
    Destination: { ToAddresses: [sesMailbox(message.to, 'to')] },
    Content: {
      Simple: {
        Subject: { Data: message.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: message.text, Charset: 'UTF-8' },
          ...(message.html !== undefined ? { Html: { Data: message.html, Charset: 'UTF-8' } } : {}),
        },
        ...(headers ? { Headers: headers } : {}),
      },
    },
    EmailTags: tags,
    ...(options.configurationSetName !== undefined ? { ConfigurationSetName: options.configurationSetName } : {}),
  };
}

/** SES v2 errors whose meaning differs from the shared classification. */
const SES_OVERRIDES = new Map([
  // The sending identity or the configuration set does not exist: fix the setup, do not retry.
  ['NotFoundException', 'permanent' as const],
]);

export function createSesEmailSender(options: SesEmailOptions): EmailSender {
  const { client, ...rest } = options;
  return {
    async send(message) {
      const input = sendEmailInput(message, rest);
      let messageId: string | undefined;
      try {
        messageId = (await client.send(new SendEmailCommand(input))).MessageId;
      } catch (error) {
        throw classifyAwsError(error, { provider: SES_PROVIDER, overrides: SES_OVERRIDES });
      }
      if (!messageId) {
        // SES answered 200 without an id: it has the message, and nothing correlates its events.
        throw new ProviderError('unknown', `${SES_PROVIDER}: SendEmail answered without a MessageId`);
      }
      return { provider: SES_PROVIDER, providerMessageId: messageId };
    },
  };
}
