import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { createDynamoStore } from '../adapters/aws/dynamodb';
import { createEventBridgeBus } from '../adapters/aws/eventbridge';
import { sdkDefaults } from '../adapters/aws/sdk';
import { createTenantSecretsReader } from '../adapters/aws/tenant-secrets';
import { type TenantRecord, tenantDirectory } from '../core/config/tenants';

// Adapters for a Lambda, built from the environment the CDK stack sets.

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
};

export const awsTenants = () => tenantDirectory(JSON.parse(process.env.GROWTHLOOP_TENANTS ?? '[]') as TenantRecord[]);

export const awsStore = () =>
  createDynamoStore({ client: new DynamoDBClient(sdkDefaults), tableName: required('TABLE_NAME') });

export const awsTenantSecrets = () =>
  createTenantSecretsReader({
    client: new SecretsManagerClient(sdkDefaults),
    secretId: required('TENANT_SECRETS_ARN'),
  });

export const awsBus = () =>
  createEventBridgeBus({ client: new EventBridgeClient(sdkDefaults), busName: required('EVENT_BUS_NAME') });

/** A Lambda entry point that builds its handler (and AWS clients) on the first invocation. */
export function lazyHandler<E, R>(build: () => (event: E, context: Context) => Promise<R>) {
  let built: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event: E, context: Context): Promise<R> => {
    built ??= build();
    return built(event, context);
  };
}
