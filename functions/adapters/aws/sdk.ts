import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

type Logger = NonNullable<DynamoDBClientConfig['logger']>;

/**
 * SDK client settings for every growthloop AWS client. The SDK's default logger does nothing
 * but still redacts each request and response for it, a tenth of a DynamoDB call's CPU; a
 * logger without `info` skips that work. Errors still reach the caller as exceptions.
 */
export const sdkDefaults = {
  logger: { debug() {}, warn() {}, error() {} } as unknown as Logger,
};
