import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueConsumer } from './consumers';
import { HandlerFunction, RENDER_WORKER } from './function';
import { schedulerDeliveryRole } from './scheduler-role';

/** Where the providers' settings come from: optional, each also settable with `-c <name>=...`. */
export type ChannelSettings = {
  /** The From of e-mail when a tenant sets no dispatch.emailFrom: a verified SES identity (SES_FROM). */
  sesFrom?: string;
  /** The SES configuration set e-mail is sent with, whose event destination sends SES events back. */
  sesConfigurationSet?: string;
  /** The SMS origination identity (phone number, sender id or pool, id or ARN); unset, the service picks. */
  smsOriginationIdentity?: string;
  /** The End User Messaging SMS configuration set of delivery events. */
  smsConfigurationSet?: string;
};

const CHANNEL_SETTINGS = ['sesFrom', 'sesConfigurationSet', 'smsOriginationIdentity', 'smsConfigurationSet'] as const;

/** The channel settings given as CDK context (`-c sesFrom=news@shop.example`); empty or absent is none. */
export function channelSettingsFromContext(scope: Construct): ChannelSettings {
  const settings: ChannelSettings = {};
  for (const name of CHANNEL_SETTINGS) {
    const value: unknown = scope.node.tryGetContext(name);
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string')
      throw new Error(`invalid ${name} ${JSON.stringify(value)} (-c ${name}=...): not a string`);
    settings[name] = value;
  }
  return settings;
}

export type ActionsProps = ChannelSettings & {
  table: dynamodb.ITable;
  bus: events.IEventBus;
  /** The actions queue: the function's event source, and where its timers (deferred actions) come back. */
  actions: sqs.IQueue;
  /** Where Scheduler puts a deferred action it could not deliver. */
  actionsDeadLetters: sqs.IQueue;
  /** The stage's schedule group for far timers (lib/journeys.ts creates it). */
  timerGroupName: string;
  tenantsJson: string;
  /** ARN of the secret holding every tenant's secrets (lib/tenant-secrets.ts): webhook-out signing secrets. */
  tenantSecretsArn: string;
};

/**
 * The table actions of dispatch: send records, guardrail state and coupons are read (GetItem, BatchGetItem for the
 * cap entries) and written with single-item conditional puts and counters (PutItem, UpdateItem), and each SMS sent
 * puts its SMS index item (SMSMSG#<message id>, functions/core/dispatch/feedback.ts); it queries and deletes nothing.
 */
export const DISPATCH_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
];

/** What SendTextMessage is authorized on: the origination identities and opt-out lists of the account. */
const SMS_RESOURCES = ['phone-number/*', 'sender-id/*', 'pool/*', 'opt-out-list/*'];

/**
 * The dispatch function (functions/handlers/dispatch.ts) on the actions queue: guardrails, coupons, templates (in a
 * worker thread bundled beside it), and the providers: SES v2, End User Messaging SMS, SNS push, webhook-out. It
 * defers actions (quiet hours, rate limits, provider retries) onto the actions queue: with an SQS delay up to 15
 * minutes, as one-time EventBridge Scheduler schedules beyond (quiet hours up to about 11 hours, retries up to 24).
 */
export class Actions extends Construct {
  readonly handler: HandlerFunction;
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: ActionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.schedulerRole = schedulerDeliveryRole(
      this,
      'growthloop: lets EventBridge Scheduler deliver deferred actions to the actions queue',
      [props.actions, props.actionsDeadLetters],
    );
    const schedulerRole = this.schedulerRole;

    this.handler = new HandlerFunction(this, 'Dispatch', {
      entry: 'functions/handlers/dispatch.ts',
      extraEntries: RENDER_WORKER,
      description: 'growthloop dispatch: guardrails, coupons, templates and sends of the actions',
      // Provider calls take at most 13 s (connect 3 s + request 10 s; webhooks 15 s), all of a batch at once: 30 s
      // leaves room, six times over within the queue's 180 s visibility.
      timeout: Duration.seconds(30),
      memorySize: 1024,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        TENANT_SECRETS_ARN: props.tenantSecretsArn,
        TIMER_QUEUE_URLS: stack.toJsonString({ actions: props.actions.queueUrl }),
        TIMER_QUEUE_ARNS: stack.toJsonString({ actions: props.actions.queueArn }),
        SCHEDULER_DLQ_ARN: props.actionsDeadLetters.queueArn,
        SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
        SCHEDULE_GROUP: props.timerGroupName,
        ...(props.sesFrom ? { SES_FROM: props.sesFrom } : {}),
        ...(props.sesConfigurationSet ? { SES_CONFIGURATION_SET: props.sesConfigurationSet } : {}),
        ...(props.smsOriginationIdentity ? { SMS_ORIGINATION_IDENTITY: props.smsOriginationIdentity } : {}),
        ...(props.smsConfigurationSet ? { SMS_CONFIGURATION_SET: props.smsConfigurationSet } : {}),
      },
    });
    const role = this.handler.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: DISPATCH_TABLE_ACTIONS, resources: [props.table.tableArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.tenantSecretsArn] }),
    );

    // Timers: near ones are delayed messages on the actions queue, far ones schedules in the stage's group.
    props.actions.grantSendMessages(role);
    const schedules = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${props.timerGroupName}/*`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [schedules] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [schedulerRole.roleArn] }),
    );

    // The providers.
    const arn = (service: string, resource: string, resourceName?: string) =>
      stack.formatArn({ service, resource, ...(resourceName ? { resourceName } : {}) });
    const identities = arn('ses', 'identity', '*');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          identities,
          ...(props.sesConfigurationSet ? [arn('ses', 'configuration-set', props.sesConfigurationSet)] : []),
        ],
      }),
    );
    const endpoints = arn('sns', 'endpoint/*');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [endpoints] }));
    const smsOrigins = SMS_RESOURCES.map((r) => arn('sms-voice', r));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sms-voice:SendTextMessage'],
        resources: [
          ...smsOrigins,
          ...(props.smsConfigurationSet ? [arn('sms-voice', 'configuration-set', props.smsConfigurationSet)] : []),
        ],
      }),
    );

    // cdk-nag names a wildcard resource by its ARN with the pseudo parameters in place of the stack's tokens.
    const finding = (service: string, resource: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}]`;
    Validations.of(role).acknowledge(
      {
        id: finding('scheduler', `schedule/${props.timerGroupName}/*`),
        reason:
          'Each action deferred beyond 15 minutes (quiet hours, provider retries) is its own one-time schedule, named from the timer id when it is set: ' +
          `the function may only create schedules (no read, update or delete), in the ${props.timerGroupName} group of this account and region.`,
      },
      {
        id: finding('ses', 'identity/*'),
        reason:
          "Each tenant sends from its own verified SES identity (dispatch.emailFrom, set in the tenant registry without a deploy): the function may send e-mail only (ses:SendEmail), from this account's identities in this region.",
      },
      {
        id: finding('sns', 'endpoint/*'),
        reason:
          "Push goes to the customers' SNS platform endpoints, created per device by the apps, so they cannot be listed here: the function may only Publish, to platform endpoints of this account and region (not to topics).",
      },
      ...SMS_RESOURCES.map((resource) => ({
        id: finding('sms-voice', resource),
        reason:
          'End User Messaging SMS authorizes SendTextMessage on the origination identity it sends from (phone number, sender id or pool, the one configured or the one the service picks) and the opt-out list it checks: the function may only send text messages, from this account and region.',
      })),
    );

    this.handler.fn.addEventSource(queueConsumer('actions', props.actions));
  }
}
