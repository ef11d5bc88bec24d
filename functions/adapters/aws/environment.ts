import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../clock';
import { createTableDataKeys } from './data-keys';
import { createDynamoStore } from './dynamodb';
import { createEventBridgeBus } from './eventbridge';
import { kmsKeyWrapper } from './kms';
import { sdkDefaults } from './sdk';
import { createSqsQueue, type SqsQueueUrls } from './sqs';
import { createTenantSecretsReader } from './tenant-secrets';
import { createAwsTimers } from './timers';

// Adapters for a Lambda, built from the environment the CDK stack sets.

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
};

export const awsStore = () =>
  createDynamoStore({ client: new DynamoDBClient(sdkDefaults), tableName: required('TABLE_NAME') });

export const awsTenantSecrets = () =>
  createTenantSecretsReader({
    client: new SecretsManagerClient(sdkDefaults),
    secretId: required('TENANT_SECRETS_ARN'),
  });

/** The customers' data keys, in the table (TABLE_NAME), wrapped by the KMS key DATA_KEY_ARN. */
export const awsDataKeys = () =>
  createTableDataKeys({
    store: awsStore(),
    wrapper: kmsKeyWrapper({ client: new KMSClient(sdkDefaults), keyId: required('DATA_KEY_ARN') }),
    clock: systemClock,
  });

export const awsBus = () =>
  createEventBridgeBus({ client: new EventBridgeClient(sdkDefaults), busName: required('EVENT_BUS_NAME') });

const json = <T>(name: string): T => JSON.parse(required(name)) as T;

/** The queues a function sends to: QUEUE_URLS is {"<queue>": {"url", "deadLetterUrl"}}. */
export const awsQueue = () =>
  createSqsQueue({ client: new SQSClient(sdkDefaults), urls: json<SqsQueueUrls>('QUEUE_URLS') });

/** Timers: SQS delays up to 15 minutes on TIMER_QUEUE_URLS, EventBridge Scheduler schedules beyond, onto TIMER_QUEUE_ARNS. */
export const awsTimers = () =>
  createAwsTimers({
    sqs: new SQSClient(sdkDefaults),
    scheduler: new SchedulerClient(sdkDefaults),
    queueUrls: json<Record<string, string>>('TIMER_QUEUE_URLS'),
    queueArns: json<Record<string, string>>('TIMER_QUEUE_ARNS'),
    schedulerRoleArn: required('SCHEDULER_ROLE_ARN'),
    ...(process.env.SCHEDULER_DLQ_ARN ? { deadLetterArn: process.env.SCHEDULER_DLQ_ARN } : {}),
    ...(process.env.SCHEDULE_GROUP ? { groupName: process.env.SCHEDULE_GROUP } : {}),
    clock: systemClock,
  });
