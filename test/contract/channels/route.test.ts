import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelClientConfig, createSmsSender } from '../../../functions/adapters/aws/channels/index';
import { createChannels } from '../../../functions/adapters/channels/router';
import { type OutgoingMessage, ProviderError } from '../../../functions/ports';
import { awsClientConfig } from '../../helpers/moto';
import { type SmsFake, startSmsFake } from '../../helpers/sms-fake';

const base = { tenantId: 'acme', customerId: 'c-1', key: 'acme#journey:welcome#c-1#1' };

describe('the AWS senders behind the channel router', () => {
  let fake: SmsFake;
  let client: PinpointSMSVoiceV2Client;

  beforeAll(async () => {
    fake = await startSmsFake();
    client = new PinpointSMSVoiceV2Client({
      ...awsClientConfig(fake.endpoint),
      ...channelClientConfig({ connectionTimeoutMs: 500, requestTimeoutMs: 2_000 }),
    });
  });

  afterAll(async () => {
    client?.destroy();
    await fake?.stop();
  });

  it('hands an SMS to the SMS sender and refuses a channel without a sender as permanent', async () => {
    const channels = createChannels({ sms: createSmsSender({ client }) });
    const receipt = await channels.send({ ...base, channel: 'sms', to: '+8613800138000', body: '欢迎光临，回复退订' });
    expect(receipt.provider).toBe('sms-voice');
    expect(fake.sent.map((m) => m.messageBody)).toEqual(['欢迎光临，回复退订']);

    const email: OutgoingMessage = {
      ...base,
      channel: 'email',
      to: 'ana@customer.example',
      from: 'news@shop.example',
      subject: 'Hi',
      text: 'Hi',
    };
    const error = await channels.send(email).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).failure).toBe('permanent');
  });
});
