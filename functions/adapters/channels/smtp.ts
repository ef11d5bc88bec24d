/**
 * E-mail through an SMTP server (nodemailer), for `npm start` when one is configured (a local
 * Mailpit, a relay). One connection per message: connect, STARTTLS when offered, AUTH when
 * configured, MAIL/RCPT/DATA, QUIT.
 *
 * The Message-ID is derived from the tenant and the action key, so a repeat of the same action
 * carries the same id (receivers and bounces correlate on it); X-Growthloop-Key carries the key.
 * Marketing mail with an `unsubscribeUrl` gets RFC 8058 one-click List-Unsubscribe headers.
 *
 * Failures are classified by where the conversation stopped: before the server accepted DATA
 * nothing can have been delivered; once the message was being transmitted, a lost connection or
 * a timeout is 'unknown' (the server may have queued it and its reply been lost).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { type Clock, type OutgoingMessage, ProviderError, type SendReceipt } from '../../ports';

export type EmailMessage = Extract<OutgoingMessage, { channel: 'email' }>;

export type SmtpOptions = {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTLS?: boolean;
  /** Gives the Date header. */
  clock: Clock;
  /** The name given in EHLO; default the machine's host name. */
  clientName?: string;
  /** Connecting, and waiting for the greeting; default 10 s each. */
  connectionTimeoutMs?: number;
  /** The longest silence from the server once connected; default 60 s. */
  socketTimeoutMs?: number;
};

export type SmtpSender = { send(message: EmailMessage): Promise<SendReceipt> };

export const SMTP_PROVIDER = 'smtp';

type SmtpError = SMTPConnection.SMTPError & { timeoutType?: string };

/** Replies that mean "slow down" rather than "something broke": 421 closing, 452 resources, x.7.x policy (rate, greylisting). */
const isThrottle = (code: number, text: string): boolean =>
  code === 421 || code === 452 || /\b4\.7\.\d{1,3}\b/.test(text);

/** What the dispatcher does with an SMTP failure; `dataSent`: the server had accepted DATA and the message was being transmitted. */
export function classifySmtpError(error: unknown, dataSent: boolean): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = (error ?? {}) as SmtpError;
  const text = `${e.message ?? String(error)}${typeof e.response === 'string' ? ` (${e.response.trim()})` : ''}`;
  const options = { cause: error };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (code !== undefined && code >= 400 && code < 500)
    return new ProviderError(isThrottle(code, text) ? 'throttled' : 'transient', `SMTP ${code}: ${text}`, options);
  if (code !== undefined && code >= 500) return new ProviderError('permanent', `SMTP ${code}: ${text}`, options);
  if (dataSent) return new ProviderError('unknown', `SMTP failed while the message was being sent: ${text}`, options);
  switch (e.code) {
    case 'EAUTH':
    case 'EENVELOPE':
    case 'EMESSAGE':
    case 'EREQUIRETLS':
      return new ProviderError('permanent', `SMTP refused: ${text}`, options);
    default:
      // ECONNECTION (refused, closed), ETIMEDOUT before DATA, ESOCKET, EDNS, ETLS: nothing was delivered
      return new ProviderError('transient', `SMTP ${e.code ?? 'error'}: ${text}`, options);
  }
}

/** A Message-ID stable per tenant and action key, in the sender's domain. */
export function messageIdFor(tenantId: string, key: string, fromAddress: string): string {
  const digest = createHash('sha256').update(`${tenantId}\u0000${key}`).digest('base64url').slice(0, 32);
  const domain = fromAddress.includes('@') ? fromAddress.slice(fromAddress.lastIndexOf('@') + 1) : 'growthloop.local';
  return `<${digest}@${domain.replace(/[^A-Za-z0-9.-]/g, '') || 'growthloop.local'}>`;
}

function unsubscribeHeaders(url: string | undefined): Record<string, string> {
  if (url === undefined) return {};
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderError('permanent', 'the unsubscribe URL is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new ProviderError('permanent', 'the unsubscribe URL must be http(s) for one-click unsubscribe');
  return { 'List-Unsubscribe': `<${parsed.href}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

export function createSmtpSender(options: SmtpOptions): SmtpSender {
  return {
    async send(message) {
      const mail = new MailComposer({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        date: new Date(options.clock.now()),
        headers: {
          'X-Growthloop-Key': message.key.replace(/[\r\n]+/g, ' '),
          ...unsubscribeHeaders(message.unsubscribeUrl),
        },
      }).compile();
      const envelope = mail.getEnvelope();
      const recipients = ([] as string[]).concat(envelope.to ?? []);
      if (!envelope.from || recipients.length === 0)
        throw new ProviderError('permanent', 'the e-mail has no valid sender or recipient address');
      const messageId = messageIdFor(message.tenantId, message.key, envelope.from);
      mail.setHeader('Message-ID', messageId);
      const raw = await mail.build();
      await deliver(options, { from: envelope.from, to: recipients }, raw);
      return { provider: SMTP_PROVIDER, providerMessageId: messageId };
    },
  };
}

function deliver(options: SmtpOptions, envelope: SMTPConnection.Envelope, raw: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const connection = new SMTPConnection({
      host: options.host,
      port: options.port,
      secure: options.secure,
      ...(options.requireTLS ? { requireTLS: true } : {}),
      ...(options.clientName ? { name: options.clientName } : {}),
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      greetingTimeout: options.connectionTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
      logger: false,
    });
    let dataSent = false;
    let settled = false;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      if (error === undefined) {
        connection.quit();
        resolve();
      } else {
        connection.close();
        reject(classifySmtpError(error, dataSent));
      }
    };
    // SMTPConnection pipes the message only once the server has answered DATA with 354: the first
    // read of this stream is the moment the message starts to leave
    const content = new Readable({
      read() {
        dataSent = true;
        this.push(raw);
        this.push(null);
      },
    });
    connection.on('error', (error) => finish(error));
    // a server that closes (421) ends the connection before the pending command's callback
    // reports the reply: give that callback its turn, it carries the response code
    connection.once('end', () => setImmediate(() => finish(new Error('the SMTP server closed the connection'))));
    const send = (): void => connection.send(envelope, content, (error) => (error ? finish(error) : finish()));
    connection.connect((error) => {
      if (error) return finish(error);
      if (!options.auth) return send();
      connection.login({ credentials: options.auth }, (loginError) => (loginError ? finish(loginError) : send()));
    });
  });
}
