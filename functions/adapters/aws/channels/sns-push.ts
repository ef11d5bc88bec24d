// Mobile push on Amazon SNS: Publish to a platform endpoint (TargetArn) with MessageStructure json,
// one payload per platform: FCM HTTP v1 (`GCM` with `fcmV1Message`) and APNs (`APNS`, `APNS_SANDBOX`).
// SNS picks the one for the endpoint's platform. A disabled or deleted endpoint is `gone`: the device
// token is dead and the dispatcher should stop addressing it.
import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type OutgoingMessage, ProviderError, type SendReceipt } from '../../../ports';
import { classifyAwsError, refuse } from './classify';

export type PushMessage = Extract<OutgoingMessage, { channel: 'push' }>;

export const SNS_PROVIDER = 'sns';

export type SnsPushOptions = {
  client: SNSClient;
  /** Seconds a platform may hold an undelivered push (FCM and APNs TTL attributes). Default: the platforms'. */
  timeToLiveSeconds?: number;
};

export type PushSender = { send(message: PushMessage): Promise<SendReceipt> };

/** APNs and FCM both take at most 4 KB of payload. */
const MAX_PLATFORM_PAYLOAD_BYTES = 4096;
const ENDPOINT_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:endpoint\/[^/]+\/[^/]+\/[^/]+$/;

/** Data keys FCM reserves (it refuses the message) and the key APNs reserves for itself. */
function reservedDataKey(key: string): boolean {
  const lower = key.toLowerCase();
  return (
    key === '' ||
    lower === 'from' ||
    lower === 'message_type' ||
    lower === 'notification' ||
    lower.startsWith('google') ||
    lower.startsWith('gcm') ||
    key === 'aps'
  );
}

/** The Publish `Message` (MessageStructure json) for a push: exported so tests can see the payloads. */
export function pushPayload(message: PushMessage): string {
  if (message.body.trim() === '') throw refuse(SNS_PROVIDER, 'push body is empty');
  // Keys come from outside: build null-prototype objects, never look them up on plain ones.
  const data: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(message.data ?? {})) {
    if (reservedDataKey(key))
      throw refuse(SNS_PROVIDER, `push data key ${JSON.stringify(key)} is reserved by FCM or APNs`);
    if (typeof value !== 'string') throw refuse(SNS_PROVIDER, `push data ${JSON.stringify(key)} is not a string`);
    data[key] = value;
  }
  const hasData = Object.keys(data).length > 0;
  const notification =
    message.title !== undefined ? { title: message.title, body: message.body } : { body: message.body };

  const fcm = JSON.stringify({
    fcmV1Message: { message: { notification, ...(hasData ? { data } : {}) } },
  });
  const apnsPayload: Record<string, unknown> = Object.create(null);
  Object.assign(apnsPayload, data);
  apnsPayload.aps = {
    alert: message.title !== undefined ? { title: message.title, body: message.body } : message.body,
  };
  const apns = JSON.stringify(apnsPayload);

  for (const [platform, payload] of [
    ['FCM', fcm],
    ['APNs', apns],
  ] as const) {
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > MAX_PLATFORM_PAYLOAD_BYTES) {
      throw refuse(
        SNS_PROVIDER,
        `the ${platform} payload is ${bytes} bytes; it takes at most ${MAX_PLATFORM_PAYLOAD_BYTES}`,
      );
    }
  }
  return JSON.stringify({ default: message.body, GCM: fcm, APNS: apns, APNS_SANDBOX: apns });
}

function attributes(options: Omit<SnsPushOptions, 'client'>): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {
    // iOS 13+ wants the push type; every push here shows an alert.
    'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'alert' },
  };
  if (options.timeToLiveSeconds !== undefined) {
    const ttl = { DataType: 'String', StringValue: String(Math.max(0, Math.floor(options.timeToLiveSeconds))) };
    attributes['AWS.SNS.MOBILE.APNS.TTL'] = ttl;
    attributes['AWS.SNS.MOBILE.APNS_SANDBOX.TTL'] = ttl;
    attributes['AWS.SNS.MOBILE.FCM.TTL'] = ttl;
  }
  return attributes;
}

/** SNS errors whose meaning differs from the shared classification. */
const SNS_OVERRIDES = new Map([
  ['EndpointDisabledException', 'gone' as const],
  ['EndpointDisabled', 'gone' as const],
  // Publish to an endpoint ARN that no longer exists.
  ['NotFoundException', 'gone' as const],
  ['NotFound', 'gone' as const],
]);

export function createSnsPushSender(options: SnsPushOptions): PushSender {
  const { client, ...rest } = options;
  const messageAttributes = attributes(rest);
  return {
    async send(message) {
      if (!ENDPOINT_ARN.test(message.endpoint)) {
        throw refuse(
          SNS_PROVIDER,
          `push endpoint is not an SNS platform endpoint ARN: ${JSON.stringify(message.endpoint)}`,
        );
      }
      const payload = pushPayload(message);
      let messageId: string | undefined;
      try {
        const answer = await client.send(
          new PublishCommand({
            TargetArn: message.endpoint,
            MessageStructure: 'json',
            Message: payload,
            MessageAttributes: messageAttributes,
          }),
        );
        messageId = answer.MessageId;
      } catch (error) {
        throw classifyAwsError(error, { provider: SNS_PROVIDER, overrides: SNS_OVERRIDES });
      }
      if (!messageId) throw new ProviderError('unknown', `${SNS_PROVIDER}: Publish answered without a MessageId`);
      return { provider: SNS_PROVIDER, providerMessageId: messageId };
    },
  };
}
