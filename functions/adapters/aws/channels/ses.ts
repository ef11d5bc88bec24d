// E-mail on Amazon SES v2 SendEmail, Simple content. The configuration set (when given) makes SES
// publish delivery, open, click, bounce and complaint events; the EmailTags `tenant`, `customer` and
// `action_key` ride on those events for correlation beside the MessageId the receipt carries. Marketing mail (a
// message with unsubscribeUrl) gets RFC 8058 one-click List-Unsubscribe headers through the Simple
// message's `Headers`, so no MIME is built here.
import { domainToASCII } from 'node:url';
import { type MessageHeader, type MessageTag, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SES_TAG_CUSTOMER, SES_TAG_KEY, SES_TAG_TENANT, sesTagValue } from '../../../core/dispatch/ses-tags';
import { type OutgoingMessage, ProviderError, type SendReceipt } from '../../../ports';
import { classifyAwsError, refuse } from './classify';

export type EmailMessage = Extract<OutgoingMessage, { channel: 'email' }>;

export const SES_PROVIDER = 'ses';
export {
  fromSesTagValue,
  SES_TAG_CUSTOMER,
  SES_TAG_KEY,
  SES_TAG_TENANT,
  sesTagValue,
} from '../../../core/dispatch/ses-tags';

export type SesEmailOptions = {
  client: SESv2Client;
  /** The SES configuration set whose event destination sends SES events back. */
  configurationSetName?: string;
};

export type EmailSender = { send(message: EmailMessage): Promise<SendReceipt> };

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
