// SMS on AWS End User Messaging SMS (pinpoint-sms-voice-v2 SendTextMessage). The configuration set
// (when given) sends delivery events back; `Context` {tenant, key} rides on those events for
// correlation beside the MessageId the receipt carries.
import {
  type MessageType,
  type PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { type OutgoingMessage, ProviderError, type SendReceipt } from '../../../ports';
import { classifyAwsError, refuse } from './classify';

export type SmsMessage = Extract<OutgoingMessage, { channel: 'sms' }>;
export type SmsMessageType = `${MessageType}`;

export const SMS_PROVIDER = 'sms-voice';
/** The Context keys every message carries. */
export const SMS_CONTEXT_TENANT = 'tenant';
export const SMS_CONTEXT_KEY = 'key';

export type SmsOptions = {
  client: PinpointSMSVoiceV2Client;
  /** Phone number, sender id, pool (id or ARN); a message's own `originator` wins. Unset: the service picks. */
  originationIdentity?: string;
  /** The configuration set whose event destinations receive delivery events. */
  configurationSetName?: string;
  /**
   * TRANSACTIONAL or PROMOTIONAL, fixed or per message. The port carries no purpose, so the default is
   * PROMOTIONAL: what a marketing-automation system mostly sends, and the type carriers expect for it.
   */
  messageType?: SmsMessageType | ((message: SmsMessage) => SmsMessageType);
  /** The most to pay per message part, in USD (e.g. "0.05"). */
  maxPrice?: string;
  /** Seconds the service keeps trying to deliver (5 to 259,200). */
  timeToLiveSeconds?: number;
};

export type SmsSender = { send(message: SmsMessage): Promise<SendReceipt> };

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;
const MAX_BODY = 1600;
const MAX_CONTEXT_VALUE = 800;

function contextValue(value: string, field: string): string {
  // The API's ContextValue: 1 to 800 characters, no leading or trailing whitespace.
  if (value === '' || value.length > MAX_CONTEXT_VALUE || value.trim() !== value) {
    throw refuse(SMS_PROVIDER, `${field} cannot travel as SMS Context (1–800 characters, no surrounding space)`);
  }
  return value;
}

/** The SendTextMessage input for a message; exported so a test can see what goes over the wire. */
export function sendTextMessageInput(
  message: SmsMessage,
  options: Omit<SmsOptions, 'client'> = {},
): SendTextMessageCommandInput {
  if (!E164.test(message.to))
    throw refuse(SMS_PROVIDER, `to is not an E.164 phone number: ${JSON.stringify(message.to)}`);
  if (message.body.trim() === '') throw refuse(SMS_PROVIDER, 'SMS body is empty');
  if (message.body.length > MAX_BODY) throw refuse(SMS_PROVIDER, `SMS body is longer than ${MAX_BODY} characters`);
  const messageType =
    typeof options.messageType === 'function' ? options.messageType(message) : (options.messageType ?? 'PROMOTIONAL');
  const origination = message.originator ?? options.originationIdentity;
  return {
    DestinationPhoneNumber: message.to,
    MessageBody: message.body,
    MessageType: messageType,
    Context: {
      [SMS_CONTEXT_TENANT]: contextValue(message.tenantId, 'tenantId'),
      [SMS_CONTEXT_KEY]: contextValue(message.key, 'key'),
    },
    ...(origination !== undefined ? { OriginationIdentity: origination } : {}),
    ...(options.configurationSetName !== undefined ? { ConfigurationSetName: options.configurationSetName } : {}),
    ...(options.maxPrice !== undefined ? { MaxPrice: options.maxPrice } : {}),
    ...(options.timeToLiveSeconds !== undefined ? { TimeToLive: options.timeToLiveSeconds } : {}),
  };
}

export function createSmsSender(options: SmsOptions): SmsSender {
  const { client, ...rest } = options;
  return {
    async send(message) {
      const input = sendTextMessageInput(message, rest);
      let messageId: string | undefined;
      try {
        messageId = (await client.send(new SendTextMessageCommand(input))).MessageId;
      } catch (error) {
        throw classifyAwsError(error, { provider: SMS_PROVIDER });
      }
      if (!messageId)
        throw new ProviderError('unknown', `${SMS_PROVIDER}: SendTextMessage answered without a MessageId`);
      return { provider: SMS_PROVIDER, providerMessageId: messageId };
    },
  };
}
