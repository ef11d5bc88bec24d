// Client settings for the SDK clients the channel adapters send with.
//
// The SDK's standard retry strategy retries TimeoutError, ECONNRESET and EPIPE, errors that can come
// after the provider took the message. None of SES v2 SendEmail, SNS Publish or SendTextMessage takes
// an idempotency token, so such a retry can deliver a message twice. Channel clients therefore make ONE
// attempt and leave retries to the dispatcher, which acts on the ProviderError kind: throttled and
// transient are retried with jittered backoff, unknown is reconciled from provider feedback.
import { sdkDefaults } from '../sdk';

export type ChannelClientOptions = {
  /** How long to wait for a connection; a connection that never opened is `transient`. Default 3 s. */
  connectionTimeoutMs?: number;
  /** How long the whole request may take once sent; past it the outcome is `unknown`. Default 10 s. */
  requestTimeoutMs?: number;
};

/** Settings to spread into an SESv2Client, SNSClient or PinpointSMSVoiceV2Client config. */
export function channelClientConfig(options: ChannelClientOptions = {}) {
  return {
    ...sdkDefaults,
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      // Without this the node handler only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    },
  };
}
