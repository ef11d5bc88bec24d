import {
  CreateConfigurationSetCommand,
  CreateEmailIdentityCommand,
  type MessageHeader,
  type MessageTag,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelClientConfig } from '../../../functions/adapters/aws/channels/client-config';
import {
  createSesEmailSender,
  type EmailMessage,
  fromSesTagValue,
  SES_TAG_CUSTOMER,
  SES_TAG_KEY,
  SES_TAG_TENANT,
  sesMailbox,
  sesTagValue,
} from '../../../functions/adapters/aws/channels/ses';
import { ProviderError } from '../../../functions/ports';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../../helpers/moto';

type SentMail = { id: string; source: string; subject: string; body: string; destinations: { ToAddresses?: string[] } };
type WireEmail = {
  FromEmailAddress: string;
  Destination: { ToAddresses: string[] };
  ConfigurationSetName?: string;
  EmailTags?: MessageTag[];
  Content: {
    Simple: {
      Subject: { Data: string };
      Body: { Text?: { Data: string }; Html?: { Data: string } };
      Headers?: MessageHeader[];
    };
  };
};

const email = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  channel: 'email',
  tenantId: 'acme',
  customerId: 'c-1',
  key: 'acme#journey:welcome#c-1#step-2',
  from: 'Acme Shop <news@shop.example>',
  to: 'ana@customer.example',
  subject: 'Your 10% welcome gift',
  text: 'Use WELCOME10 at checkout.',
  html: '<p>Use <b>WELCOME10</b> at checkout.</p>',
  ...overrides,
});

/** Records each SendEmail body as the SDK put it on the wire: moto keeps no tags, headers or configuration set. */
function wireBodies(client: SESv2Client): WireEmail[] {
  const bodies: WireEmail[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      // The SDK's JSON body is a string or UTF-8 bytes.
      const raw = (args.request as { body?: unknown }).body;
      const body =
        raw instanceof Uint8Array
          ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')
          : String(raw ?? '');
      if (body.includes('"Content"')) bodies.push(JSON.parse(body) as WireEmail);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordSendEmailBody' },
  );
  return bodies;
}

async function sentMail(endpoint: string): Promise<SentMail[]> {
  const response = await fetch(`${endpoint}/moto-api/data.json`);
  const data = (await response.json()) as { ses?: { Message?: SentMail[] } };
  return data.ses?.Message ?? [];
}

describe('SES tag values', () => {
  it('encode any action key in SES tag characters and decode back to it', () => {
    for (const key of ['acme#journey:welcome#c-1#step-2', 'plain-key', 'under_score', '退订#客户', 'a b/c=d', '_41']) {
      const tag = sesTagValue(key);
      expect(tag).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
      expect(fromSesTagValue(tag)).toBe(key);
    }
    expect(sesTagValue('a:b')).not.toBe(sesTagValue('a_3Ab'));
  });

  it('hash a key too long for a tag, the same way every time', () => {
    const long = 'k'.repeat(300);
    expect(sesTagValue(long)).toMatch(/^_h[0-9a-f]{64}$/);
    expect(sesTagValue(long)).toBe(sesTagValue(long));
    expect(fromSesTagValue(sesTagValue(long))).toBeUndefined();
  });

  it('put a non-ASCII sender name in an RFC 2047 encoded word and a non-ASCII domain in punycode', () => {
    expect(sesMailbox('好物商店 <news@shop.example>', 'from')).toBe(
      `=?UTF-8?B?${Buffer.from('好物商店').toString('base64')}?= <news@shop.example>`,
    );
    expect(sesMailbox('Acme, Inc. <news@shop.example>', 'from')).toBe('"Acme, Inc." <news@shop.example>');
    expect(sesMailbox('ana@bücher.example', 'to')).toBe('ana@xn--bcher-kva.example');
    expect(() => sesMailbox('ana@customer.example\r\nBcc: x@evil.example', 'to')).toThrow(ProviderError);
  });
});

describeWithEmulator('the SES v2 e-mail sender on moto_server', () => {
  let moto: Moto;
  let client: SESv2Client;
  let wire: WireEmail[];

  beforeAll(async () => {
    moto = await startMoto();
    client = new SESv2Client({
      ...awsClientConfig(moto.endpoint),
      ...channelClientConfig({ connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000 }),
    });
    wire = wireBodies(client);
    await client.send(new CreateEmailIdentityCommand({ EmailIdentity: 'shop.example' }));
    await client.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'growthloop-events' }));
  });

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('sends an e-mail that SES keeps with its subject, body and recipient, and returns SES’s MessageId', async () => {
    const sender = createSesEmailSender({ client, configurationSetName: 'growthloop-events' });
    const receipt = await sender.send(email());

    expect(receipt.provider).toBe('ses');
    const mail = (await sentMail(moto.endpoint)).find((m) => m.id === receipt.providerMessageId);
    expect(mail).toBeDefined();
    expect(mail?.subject).toBe('Your 10% welcome gift');
    expect(mail?.source).toBe('Acme Shop <news@shop.example>');
    expect(mail?.destinations.ToAddresses).toEqual(['ana@customer.example']);
    // moto keeps one body part: the HTML when there is one.
    expect(mail?.body).toBe('<p>Use <b>WELCOME10</b> at checkout.</p>');
    const sent = wire.at(-1);
    expect(sent?.Content.Simple.Body.Text?.Data).toBe('Use WELCOME10 at checkout.');
    expect(sent?.ConfigurationSetName).toBe('growthloop-events');
  });

  it('tags every e-mail with its tenant, customer and action key, so SES events find their action', async () => {
    const sender = createSesEmailSender({ client });
    await sender.send(email({ tenantId: 'acme', customerId: 'c-9', key: 'acme#campaign:recall-7#c-9' }));
    const tags = wire.at(-1)?.EmailTags ?? [];
    const byName = new Map(tags.map((tag) => [tag.Name, tag.Value]));
    expect(fromSesTagValue(byName.get(SES_TAG_TENANT) ?? '')).toBe('acme');
    expect(fromSesTagValue(byName.get(SES_TAG_KEY) ?? '')).toBe('acme#campaign:recall-7#c-9');
    expect(fromSesTagValue(byName.get(SES_TAG_CUSTOMER) ?? '')).toBe('c-9');
    for (const tag of tags) expect(`${tag.Name}=${tag.Value}`).toMatch(/^[A-Za-z0-9_-]+=[A-Za-z0-9_-]{1,256}$/);
    expect(wire.at(-1)?.ConfigurationSetName).toBeUndefined();
  });

  it('gives marketing mail one-click List-Unsubscribe headers (RFC 8058) and transactional mail none', async () => {
    const sender = createSesEmailSender({ client });
    await sender.send(email({ unsubscribeUrl: 'https://shop.example/u/abc?t=1' }));
    expect(wire.at(-1)?.Content.Simple.Headers).toEqual([
      { Name: 'List-Unsubscribe', Value: '<https://shop.example/u/abc?t=1>' },
      { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
    ]);

    await sender.send(email({ subject: 'Your order has shipped' }));
    expect(wire.at(-1)?.Content.Simple.Headers).toBeUndefined();
  });

  it('sends a Chinese sender name and subject that SES accepts', async () => {
    const sender = createSesEmailSender({ client });
    const receipt = await sender.send(email({ from: '好物商店 <news@shop.example>', subject: '您的优惠券' }));
    const mail = (await sentMail(moto.endpoint)).find((m) => m.id === receipt.providerMessageId);
    expect(mail?.subject).toBe('您的优惠券');
    expect(mail?.source).toMatch(/^=\?UTF-8\?B\?.+\?= <news@shop\.example>$/);
  });

  it('refuses an unsubscribe link that is not https, before calling SES', async () => {
    const sender = createSesEmailSender({ client });
    const before = wire.length;
    const error = await sender.send(email({ unsubscribeUrl: 'http://shop.example/u/abc' })).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.failure).toBe('permanent');
    expect(wire.length).toBe(before);
  });

  it('classifies a sender SES does not know (MessageRejected) as permanent', async () => {
    const sender = createSesEmailSender({ client });
    const error = await sender.send(email({ from: 'news@unverified.example' })).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.failure).toBe('permanent');
    expect(error.message).toMatch(/MessageRejected/);
  });

  it('classifies SES being unreachable (the request never left) as transient', async () => {
    const closed = new SESv2Client({
      ...awsClientConfig('http://127.0.0.1:9'),
      ...channelClientConfig({ connectionTimeoutMs: 500, requestTimeoutMs: 1_000 }),
    });
    try {
      const error = await createSesEmailSender({ client: closed })
        .send(email())
        .catch((e) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.failure).toBe('transient');
    } finally {
      closed.destroy();
    }
  });
});
