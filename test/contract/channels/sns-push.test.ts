import {
  CreatePlatformApplicationCommand,
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  SetEndpointAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelClientConfig } from '../../../functions/adapters/aws/channels/client-config';
import { createSnsPushSender, type PushMessage, pushPayload } from '../../../functions/adapters/aws/channels/sns-push';
import { ProviderError } from '../../../functions/ports';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../../helpers/moto';

type MotoEndpoint = { arn: string; enabled: boolean; messages: Record<string, string> };

const push = (endpoint: string, overrides: Partial<PushMessage> = {}): PushMessage => ({
  channel: 'push',
  tenantId: 'acme',
  customerId: 'c-1',
  key: 'acme#journey:cart#c-1#step-1',
  endpoint,
  title: 'Still thinking it over?',
  body: 'Your cart is waiting: 10% off for 24 hours.',
  data: { deepLink: 'acme://cart', offer: 'CART10' },
  ...overrides,
});

const SOME_ENDPOINT =
  'arn:aws:sns:us-east-1:123456789012:endpoint/GCM/acme-android/0f3b0c6e-1111-2222-3333-444455556666';

describe('SNS push payloads', () => {
  it('carry title, body and data for FCM v1 and APNs, and the body as the default', () => {
    const payload = JSON.parse(pushPayload(push(SOME_ENDPOINT)));
    expect(payload.default).toBe('Your cart is waiting: 10% off for 24 hours.');
    expect(JSON.parse(payload.GCM)).toEqual({
      fcmV1Message: {
        message: {
          notification: { title: 'Still thinking it over?', body: 'Your cart is waiting: 10% off for 24 hours.' },
          data: { deepLink: 'acme://cart', offer: 'CART10' },
        },
      },
    });
    const apns = {
      aps: { alert: { title: 'Still thinking it over?', body: 'Your cart is waiting: 10% off for 24 hours.' } },
      deepLink: 'acme://cart',
      offer: 'CART10',
    };
    expect(JSON.parse(payload.APNS)).toEqual(apns);
    expect(JSON.parse(payload.APNS_SANDBOX)).toEqual(apns);
  });

  it('send a push without a title as a plain alert', () => {
    const { title: _, ...untitled } = push(SOME_ENDPOINT, { data: {} });
    const payload = JSON.parse(pushPayload(untitled));
    expect(JSON.parse(payload.APNS)).toEqual({ aps: { alert: 'Your cart is waiting: 10% off for 24 hours.' } });
    expect(JSON.parse(payload.GCM).fcmV1Message.message).toEqual({
      notification: { body: 'Your cart is waiting: 10% off for 24 hours.' },
    });
  });

  it('refuse data keys FCM or APNs reserve, and payloads over 4 KB', () => {
    for (const key of ['aps', 'from', 'google.sent_time', 'gcm.notification.x', 'message_type']) {
      expect(() => pushPayload(push(SOME_ENDPOINT, { data: { [key]: 'x' } }))).toThrow(ProviderError);
    }
    expect(() => pushPayload(push(SOME_ENDPOINT, { body: 'x'.repeat(5_000) }))).toThrow(/at most 4096/);
  });

  it('keep a data key named __proto__ as data', () => {
    const data = JSON.parse('{"__proto__": "p", "constructor": "c"}') as Record<string, string>;
    const payload = JSON.parse(pushPayload(push(SOME_ENDPOINT, { data })));
    expect(JSON.parse(payload.GCM).fcmV1Message.message.data).toEqual(data);
  });
});

describeWithEmulator('the SNS push sender on moto_server', () => {
  let moto: Moto;
  let client: SNSClient;
  let android: string;
  let ios: string;
  let androidApp: string;

  async function endpoints(): Promise<MotoEndpoint[]> {
    const response = await fetch(`${moto.endpoint}/moto-api/data.json`);
    const data = (await response.json()) as { sns?: { PlatformEndpoint?: MotoEndpoint[] } };
    return data.sns?.PlatformEndpoint ?? [];
  }

  async function endpointFor(application: string, token: string): Promise<string> {
    const { EndpointArn } = await client.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: application, Token: token }),
    );
    return EndpointArn as string;
  }

  beforeAll(async () => {
    moto = await startMoto();
    client = new SNSClient({
      ...awsClientConfig(moto.endpoint),
      ...channelClientConfig({ connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000 }),
    });
    const fcm = await client.send(
      new CreatePlatformApplicationCommand({
        Name: 'acme-android',
        Platform: 'GCM',
        Attributes: { PlatformCredential: 'fcm-service-account-json' },
      }),
    );
    const apns = await client.send(
      new CreatePlatformApplicationCommand({
        Name: 'acme-ios',
        Platform: 'APNS',
        Attributes: { PlatformCredential: 'key', PlatformPrincipal: 'cert' },
      }),
    );
    androidApp = fcm.PlatformApplicationArn as string;
    android = await endpointFor(androidApp, 'android-device-token');
    ios = await endpointFor(apns.PlatformApplicationArn as string, 'ios-device-token');
  });

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('publishes to an Android endpoint, which receives the FCM v1 payload under its MessageId', async () => {
    const receipt = await createSnsPushSender({ client, timeToLiveSeconds: 3_600 }).send(push(android));
    expect(receipt.provider).toBe('sns');
    const endpoint = (await endpoints()).find((e) => e.arn === android);
    const published = endpoint?.messages[receipt.providerMessageId];
    expect(published).toBeDefined();
    const fcm = JSON.parse(JSON.parse(published as string).GCM);
    expect(fcm.fcmV1Message.message.notification.title).toBe('Still thinking it over?');
    expect(fcm.fcmV1Message.message.data.offer).toBe('CART10');
  });

  it('publishes to an iOS endpoint, which receives the APNs alert', async () => {
    const receipt = await createSnsPushSender({ client }).send(push(ios));
    const endpoint = (await endpoints()).find((e) => e.arn === ios);
    const apns = JSON.parse(JSON.parse(endpoint?.messages[receipt.providerMessageId] as string).APNS);
    expect(apns.aps.alert).toEqual({
      title: 'Still thinking it over?',
      body: 'Your cart is waiting: 10% off for 24 hours.',
    });
    expect(apns.deepLink).toBe('acme://cart');
  });

  it('reports a disabled endpoint as gone', async () => {
    const disabled = await endpointFor(androidApp, 'an-uninstalled-app-token');
    await client.send(new SetEndpointAttributesCommand({ EndpointArn: disabled, Attributes: { Enabled: 'false' } }));
    const error = await createSnsPushSender({ client })
      .send(push(disabled))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.failure).toBe('gone');
    expect(error.message).toMatch(/EndpointDisabled/);
    const endpoint = (await endpoints()).find((e) => e.arn === disabled);
    expect(Object.keys(endpoint?.messages ?? {})).toEqual([]);
  });

  it('reports a deleted endpoint as gone', async () => {
    const deleted = await endpointFor(androidApp, 'a-deleted-token');
    await client.send(new DeleteEndpointCommand({ EndpointArn: deleted }));
    const error = await createSnsPushSender({ client })
      .send(push(deleted))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.failure).toBe('gone');
    expect(error.message).toMatch(/NotFound/);
  });

  it('refuses an endpoint that is not an SNS platform endpoint ARN, before calling SNS', async () => {
    const error = await createSnsPushSender({ client })
      .send(push('arn:aws:sns:us-east-1:123456789012:a-topic'))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.failure).toBe('permanent');
  });
});
