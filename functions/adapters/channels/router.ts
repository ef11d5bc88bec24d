/**
 * The Channels port over one provider per channel: each message goes to the provider of its
 * `channel`. Locally `npm start` wires the outbox for every channel, SMTP for e-mail when
 * configured and the real webhook sender; in AWS, SES, End User Messaging SMS, SNS and webhooks.
 */
import { type ChannelName, type Channels, type OutgoingMessage, ProviderError, type SendReceipt } from '../../ports';

/** A provider for one channel: it takes that channel's messages only. */
export type ChannelSender<C extends ChannelName> = {
  send(message: Extract<OutgoingMessage, { channel: C }>): Promise<SendReceipt>;
};

export type ChannelProviders = { [C in ChannelName]?: ChannelSender<C> };

/**
 * Routes by `message.channel`. A channel without a provider fails 'permanent'. A provider that
 * throws something other than a ProviderError has failed in a way nobody classified, possibly
 * after the message left: that is 'unknown' (never sent again blindly), with the error as cause.
 */
export function createChannels(providers: ChannelProviders): Channels {
  const route = (message: OutgoingMessage): Promise<SendReceipt> | undefined => {
    switch (message.channel) {
      case 'email':
        return providers.email?.send(message);
      case 'sms':
        return providers.sms?.send(message);
      case 'push':
        return providers.push?.send(message);
      case 'webhook':
        return providers.webhook?.send(message);
      case 'wechat_miniprogram':
        return providers.wechat_miniprogram?.send(message);
      case 'wechat_oa':
        return providers.wechat_oa?.send(message);
      case 'wecom':
        return providers.wecom?.send(message);
    }
  };
  return {
    async send(message) {
      let sending: Promise<SendReceipt> | undefined;
      try {
        sending = route(message);
        if (sending === undefined) throw new ProviderError('permanent', `no ${message.channel} provider is configured`);
        return await sending;
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        throw new ProviderError('unknown', `the ${message.channel} provider failed: ${describe(error)}`, {
          cause: error,
        });
      }
    },
  };
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
