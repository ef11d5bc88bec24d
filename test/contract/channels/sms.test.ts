import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channelClientConfig } from '../../../functions/adapters/aws/channels/client-config';
import { createSmsSender, type SmsMessage } from '../../../functions/adapters/aws/channels/sms';
import { ProviderError } from '../../../functions/ports';
import { awsClientConfig } from '../../helpers/moto';
import { type SmsFake, startSmsFake } from '../../helpers/sms-fake';

const sms = (overrides: Partial<SmsMessage> = {}): SmsMessage => ({
  channel: 'sms',
  tenantId: 'acme',
  customerId: 'c-1',
  key: 'acme#campaign:recall-7#c-1',
  to: '+4915112345678',
  body: 'Acme: we miss you. 15% off with BACK15 until Sunday. Reply STOP to opt out.',
  ...overrides,
});

const smsClient = (endpoint: string, requestTimeoutMs = 5_000) =>
  new PinpointSMSVoiceV2Client({
    ...awsClientConfig(endpoint),
    ...channelClientConfig({ connectionTimeoutMs: 500, requestTimeoutMs }),
  });

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('the End User Messaging SMS sender, against a loopback fake of SendTextMessage', () => {
  let fake: SmsFake;
  let client: PinpointSMSVoiceV2Client;

  beforeAll(async () => {
    fake = await startSmsFake();
    client = smsClient(fake.endpoint);
  });

  afterEach(() => {
    fake.sent.length = 0;
    fake.requests.length = 0;
  });

  afterAll(async () => {
    client?.destroy();
    await fake?.stop();
  });

  it('sends the number, body, origination, type, configuration set and {tenant, key} Context, and returns the MessageId', async () => {
    const sender = createSmsSender({
      client,
      originationIdentity: 'pool-0a1b2c3d4e5f',
      configurationSetName: 'growthloop-sms-events',
    });
    const receipt = await sender.send(sms());

    expect(fake.requests[0]?.target).toBe('PinpointSMSVoiceV2.SendTextMessage');
    expect(fake.requests[0]?.headers['content-type']).toMatch(/^application\/x-amz-json-1\.0/);
    expect(fake.sent).toHaveLength(1);
    const sent = fake.sent[0];
    expect(receipt).toEqual({ provider: 'sms-voice', providerMessageId: sent?.messageId });
    expect(sent).toMatchObject({
      destinationPhoneNumber: '+4915112345678',
      messageBody: 'Acme: we miss you. 15% off with BACK15 until Sunday. Reply STOP to opt out.',
      originationIdentity: 'pool-0a1b2c3d4e5f',
      messageType: 'PROMOTIONAL',
      configurationSetName: 'growthloop-sms-events',
      context: { tenant: 'acme', key: 'acme#campaign:recall-7#c-1' },
    });
  });

  it('lets the message’s originator win over the default, and chooses the type per message', async () => {
    const sender = createSmsSender({
      client,
      originationIdentity: 'pool-default',
      messageType: (message) => (message.key.includes('#order:') ? 'TRANSACTIONAL' : 'PROMOTIONAL'),
    });
    await sender.send(sms({ key: 'acme#order:1001#shipped', originator: '+4930123456', body: 'Your order shipped.' }));
    expect(fake.sent[0]).toMatchObject({ originationIdentity: '+4930123456', messageType: 'TRANSACTIONAL' });
    expect(fake.sent[0]?.input.ConfigurationSetName).toBeUndefined();
  });

  it('classifies ThrottlingException as throttled, with the Retry-After the provider gave', async () => {
    fake.fail({ type: 'throttling', retryAfterSeconds: 2 });
    const error = await failureOf(createSmsSender({ client }).send(sms()));
    expect(error.failure).toBe('throttled');
    expect(error.retryAfterMs).toBe(2_000);
    expect(fake.sent).toHaveLength(0);
  });

  it('classifies ValidationException as permanent', async () => {
    fake.fail({ type: 'validation', reason: 'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY' });
    const error = await failureOf(createSmsSender({ client }).send(sms()));
    expect(error.failure).toBe('permanent');
    expect(error.message).toMatch(/ValidationException/);
  });

  it('classifies an opted-out destination (ConflictException) as permanent', async () => {
    fake.fail({ type: 'conflict', reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' });
    const error = await failureOf(createSmsSender({ client }).send(sms()));
    expect(error.failure).toBe('permanent');
  });

  it('classifies a 500 as transient, after exactly one request: the SDK does not retry a send', async () => {
    fake.fail({ type: 'server-error', status: 500 });
    const error = await failureOf(createSmsSender({ client }).send(sms()));
    expect(error.failure).toBe('transient');
    expect(fake.requests).toHaveLength(1);
  });

  it('classifies a timeout after the request was sent as unknown, and does not send it again', async () => {
    const impatient = smsClient(fake.endpoint, 300);
    try {
      fake.fail({ type: 'hang' });
      const error = await failureOf(createSmsSender({ client: impatient }).send(sms()));
      expect(error.failure).toBe('unknown');
      expect(fake.requests).toHaveLength(1);
    } finally {
      impatient.destroy();
    }
  });

  it('refuses a number that is not E.164, or an empty body, without calling the provider', async () => {
    const sender = createSmsSender({ client });
    for (const message of [sms({ to: '015112345678' }), sms({ to: '+0123' }), sms({ body: '  ' })]) {
      const error = await failureOf(sender.send(message));
      expect(error.failure).toBe('permanent');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('the fake refuses what the API refuses: a missing or non-E.164 destination, a bad MessageType', async () => {
    for (const input of [
      { MessageBody: 'x' },
      { DestinationPhoneNumber: '4915112345678', MessageBody: 'x' },
      { DestinationPhoneNumber: '+4915112345678', MessageBody: 'x', MessageType: 'MARKETING' },
      { DestinationPhoneNumber: '+4915112345678', MessageBody: 'x', Context: { k: ' padded ' } },
    ]) {
      const error = await client
        .send(new SendTextMessageCommand(input as ConstructorParameters<typeof SendTextMessageCommand>[0]))
        .catch((e: unknown) => e);
      expect((error as Error).name).toBe('ValidationException');
    }
    expect(fake.sent).toHaveLength(0);
  });
});

describe('the End User Messaging SMS sender with nothing listening', () => {
  it('classifies a refused connection (the request never left) as transient', async () => {
    const fake = await startSmsFake();
    const endpoint = fake.endpoint;
    await fake.stop();
    const client = smsClient(endpoint);
    try {
      const error = await failureOf(createSmsSender({ client }).send(sms()));
      expect(error.failure).toBe('transient');
    } finally {
      client.destroy();
    }
  });
});
