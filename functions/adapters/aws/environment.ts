import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../clock';
import { createCampaignSchedules } from './campaign-schedules';
import { channelClientConfig, createSesEmailSender, createSmsSender, createSnsPushSender } from './channels';
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

const optional = (name: string): string | undefined => process.env[name] || undefined;

/** E-mail on SES v2; SES_CONFIGURATION_SET (optional) makes SES publish the messages' events. */
export const awsEmailSender = () => {
  const configurationSetName = optional('SES_CONFIGURATION_SET');
  return createSesEmailSender({
    client: new SESv2Client(channelClientConfig()),
    ...(configurationSetName ? { configurationSetName } : {}),
  });
};

/** The HTTP API's URL (GROWTHLOOP_PUBLIC_URL), where unsubscribe links point unless a tenant sets dispatch.publicUrl. */
export const defaultPublicUrl = (): string | undefined => optional('GROWTHLOOP_PUBLIC_URL');

/** The From of e-mail when the tenant sets none (SES_FROM, a verified SES identity), or undefined. */
export const defaultEmailFrom = (): string | undefined => optional('SES_FROM');

/**
 * SMS on End User Messaging SMS: SMS_ORIGINATION_IDENTITY (phone number, sender id or pool; the service
 * picks when unset) and SMS_CONFIGURATION_SET (delivery events), both optional.
 */
export const awsSmsSender = () => {
  const originationIdentity = optional('SMS_ORIGINATION_IDENTITY');
  const configurationSetName = optional('SMS_CONFIGURATION_SET');
  return createSmsSender({
    client: new PinpointSMSVoiceV2Client(channelClientConfig()),
    ...(originationIdentity ? { originationIdentity } : {}),
    ...(configurationSetName ? { configurationSetName } : {}),
  });
};

/** Mobile push on SNS platform endpoints. */
export const awsPushSender = () => createSnsPushSender({ client: new SNSClient(channelClientConfig()) });

/** Campaign schedules in CAMPAIGN_SCHEDULE_GROUP, started as the state machine by CAMPAIGN_SCHEDULER_ROLE_ARN. */
export const awsCampaignSchedules = (stateMachineArn: string) =>
  createCampaignSchedules({
    client: new SchedulerClient(sdkDefaults),
    groupName: required('CAMPAIGN_SCHEDULE_GROUP'),
    stateMachineArn,
    roleArn: required('CAMPAIGN_SCHEDULER_ROLE_ARN'),
  });
