import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpSender, type EmailMessage, messageIdFor } from '../../../../functions/adapters/channels/smtp';
import { ManualClock } from '../../../../functions/adapters/clock';
import type { ProviderError } from '../../../../functions/ports';
import { providerFailure } from '../../../helpers/channels';

const smtpError = (code: number, text: string): Error => Object.assign(new Error(text), { responseCode: code });

/** The local part of a recipient says how the server answers: ok, rcpt550, rcpt421, data550, hangrcpt, hangdata, … */
const delivered: { envelopeTo: string[]; mail: ParsedMail }[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  const options: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const local = address.address.split('@')[0] ?? '';
      if (local === 'rcpt550') return callback(smtpError(550, '5.1.1 No such user'));
      if (local === 'rcpt421') return callback(smtpError(421, '4.7.0 Too many connections, slow down'));
      if (local === 'rcpt451grey') return callback(smtpError(451, '4.7.1 Greylisted, try again later'));
      if (local === 'rcpt451') return callback(smtpError(451, '4.3.0 Local error in processing'));
      if (local === 'hangrcpt') return; // never answers RCPT
      callback();
    },
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((r) => r.address);
      const local = to[0]?.split('@')[0] ?? '';
      simpleParser(stream).then((mail) => {
        if (local === 'hangdata') return; // read the message, never answers
        if (local === 'data550') return callback(smtpError(550, '5.7.1 Message rejected as spam'));
        if (local === 'data452') return callback(smtpError(452, '4.3.1 Insufficient system storage'));
        delivered.push({ envelopeTo: to, mail });
        callback(null, 'queued as 1234');
      }, callback);
    },
  };
  server = new SMTPServer(options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const sender = (overrides: { port?: number; socketTimeoutMs?: number } = {}) =>
  createSmtpSender({
    host: '127.0.0.1',
    port: overrides.port ?? port,
    secure: false,
    clock: new ManualClock('2026-03-01T12:00:00Z'),
    connectionTimeoutMs: 2_000,
    socketTimeoutMs: overrides.socketTimeoutMs ?? 5_000,
  });

const email = (to: string, overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  channel: 'email',
  tenantId: 't1',
  customerId: 'c1',
  key: 't1#act#abandoned-checkout#2#c1',
  to,
  from: 'Shop <shop@shop.example.com>',
  subject: 'Your cart is waiting — 10 % off',
  text: 'Use WELCOME-7Q4X',
  html: '<p>Use <b>WELCOME-7Q4X</b></p>',
  unsubscribeUrl: 'https://shop.example.com/unsubscribe?t=abc',
  ...overrides,
});

const header = (mail: ParsedMail, name: string): string | undefined =>
  mail.headerLines
    .find((line) => line.key === name)
    ?.line.slice(name.length + 1)
    .trim();

describe('SMTP e-mail channel', () => {
  it('delivers From, To, Subject, text, html, one-click List-Unsubscribe and the key', async () => {
    const message = email('anna@example.com');
    const receipt = await sender().send(message);
    const got = delivered[delivered.length - 1]!;
    expect(receipt).toEqual({
      provider: 'smtp',
      providerMessageId: messageIdFor('t1', message.key, 'shop@shop.example.com'),
    });
    expect(got.envelopeTo).toEqual(['anna@example.com']);
    expect(got.mail.from?.value[0]).toMatchObject({ address: 'shop@shop.example.com', name: 'Shop' });
    expect(got.mail.subject).toBe(message.subject);
    expect(got.mail.text?.trim()).toBe(message.text);
    expect(got.mail.html).toContain('<b>WELCOME-7Q4X</b>');
    expect(got.mail.messageId).toBe(receipt.providerMessageId);
    expect(got.mail.date?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(header(got.mail, 'list-unsubscribe')).toBe('<https://shop.example.com/unsubscribe?t=abc>');
    expect(header(got.mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(header(got.mail, 'x-growthloop-key')).toBe(message.key);
  });

  it('sends the same Message-ID for the same action, and no List-Unsubscribe without an unsubscribe URL', async () => {
    const { unsubscribeUrl: _, ...transactional } = email('ben@example.com');
    const first = await sender().send(transactional);
    const second = await sender().send(transactional);
    expect(second.providerMessageId).toBe(first.providerMessageId);
    const got = delivered[delivered.length - 1]!;
    expect(header(got.mail, 'list-unsubscribe')).toBe(undefined);
    expect(messageIdFor('t2', transactional.key, 'shop@shop.example.com')).not.toBe(first.providerMessageId);
  });

  const cases: [string, ProviderError['failure']][] = [
    ['rcpt550', 'permanent'],
    ['data550', 'permanent'],
    ['rcpt421', 'throttled'],
    ['rcpt451grey', 'throttled'],
    ['rcpt451', 'transient'],
    ['data452', 'throttled'],
  ];
  for (const [local, expected] of cases) {
    it(`classifies the server's ${local.replace(/\D/g, '')} reply (${local}) as ${expected}`, async () => {
      const before = delivered.length;
      const error = await providerFailure(sender().send(email(`${local}@example.com`)));
      expect(error.failure).toBe(expected);
      expect(error.message).toContain(`SMTP ${local.replace(/\D/g, '')}`);
      expect(delivered.length).toBe(before);
    });
  }

  it("is 'unknown' when the server took the message and never confirmed it", async () => {
    const error = await providerFailure(sender({ socketTimeoutMs: 250 }).send(email('hangdata@example.com')));
    expect(error.failure).toBe('unknown');
  });

  it("is 'transient' when the server stalls before DATA (nothing can have been delivered)", async () => {
    const error = await providerFailure(sender({ socketTimeoutMs: 250 }).send(email('hangrcpt@example.com')));
    expect(error.failure).toBe('transient');
  });

  it("is 'transient' when the connection is refused", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await providerFailure(sender({ port: closedPort }).send(email('anna@example.com')));
    expect(error.failure).toBe('transient');
  });

  it("is 'permanent' for an address or unsubscribe URL that cannot be used, before connecting", async () => {
    expect((await providerFailure(sender({ port: 1 }).send(email('not an address')))).failure).toBe('permanent');
    expect(
      (
        await providerFailure(
          sender({ port: 1 }).send(email('anna@example.com', { unsubscribeUrl: 'javascript:alert(1)' })),
        )
      ).failure,
    ).toBe('permanent');
  });
});
