import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SES_DETAIL_TYPES, SMS_INDEX_PK_PREFIX } from '../functions/core/dispatch/feedback';
import { CUSTOMER_LEADING_KEYS } from './data-keys';
import { HandlerFunction } from './function';
import { markDeadLetterQueue } from './observability';
import { resourceName } from './stage';
import { grantTenantRegistry } from './tenants';

export type FeedbackProps = {
  table: dynamodb.ITable;
  /** The growthloop bus, where the canonical events and settled outcomes go. */
  bus: events.IEventBus;
  tenantsJson: string;
  /** The SES configuration set of our mail: the rule takes only its events (unset: every SES sending event). */
  sesConfigurationSet?: string;
};

/**
 * What the feedback function reads and writes: send records in customers' partitions (GetItem; PutItem to settle
 * an unknown one and mark its outcome published), the SMS send index (GetItem), and the journeys' counters a
 * settled outcome adds to (UpdateItem).
 */
export const FEEDBACK_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
export const FEEDBACK_LEADING_KEYS = [...CUSTOMER_LEADING_KEYS, `${SMS_INDEX_PK_PREFIX}*`, '*#JSTATS'];

const DLQ_RETENTION = Duration.days(14);

/**
 * Provider feedback (functions/handlers/feedback.ts): SES email sending events from the default EventBridge bus
 * (SES publishes event destinations there only), and an SNS topic for End User Messaging SMS two-way messages
 * (set it as the two-way channel of the origination number). Both invoke the function asynchronously; what it
 * cannot take after its retries lands in a dead-letter queue.
 */
export class Feedback extends Construct {
  readonly handler: HandlerFunction;
  /** The topic to name as the two-way SMS destination (TwoWayChannelArn) of the origination numbers. */
  readonly smsInbound: sns.Topic;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: FeedbackProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.handler = new HandlerFunction(this, 'Feedback', {
      entry: 'functions/handlers/feedback.ts',
      description: 'growthloop provider feedback: SES events and SMS replies to canonical events and consent',
      timeout: Duration.seconds(30),
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        ...(props.sesConfigurationSet ? { SES_CONFIGURATION_SET: props.sesConfigurationSet } : {}),
      },
    });
    const fn = this.handler.fn;
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: FEEDBACK_TABLE_ACTIONS,
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': FEEDBACK_LEADING_KEYS } },
      }),
    );
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
    grantTenantRegistry(fn, props.table);

    this.deadLetters = new sqs.Queue(this, 'Undelivered', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });
    markDeadLetterQueue(this.deadLetters);
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue IS a dead-letter queue: the feedback function's on-failure destination and the DeadLetterConfig of its EventBridge rule target and SNS subscription.",
    });
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetters),
    });

    // SES sending events of our configuration set, from the default bus (the only one SES publishes to).
    const rule = new events.Rule(this, 'SesEvents', {
      description: 'growthloop: SES email sending events -> provider feedback',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [...SES_DETAIL_TYPES.keys()],
        ...(props.sesConfigurationSet
          ? { detail: { mail: { tags: { 'ses:configuration-set': [props.sesConfigurationSet] } } } }
          : {}),
      },
    });
    rule.addTarget(
      new targets.LambdaFunction(fn, {
        deadLetterQueue: this.deadLetters,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );

    // SMS two-way: End User Messaging publishes replies to this topic. SNS encrypts it under a key of its own,
    // since the AWS managed key's policy cannot name the sms-voice principal.
    const key = new kms.Key(this, 'SmsInboundKey', {
      description: 'growthloop: encrypts the SMS two-way (inbound) topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SmsVoiceEncryptsForTheInboundTopic',
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.smsInbound = new sns.Topic(this, 'SmsInbound', {
      topicName: resourceName(this, 'sms-inbound'),
      displayName: 'growthloop SMS replies',
      masterKey: key,
      enforceSSL: true,
    });
    this.smsInbound.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SmsVoiceOfThisAccount',
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.smsInbound.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.smsInbound.addSubscription(new subscriptions.LambdaSubscription(fn, { deadLetterQueue: this.deadLetters }));
    new CfnOutput(this, 'SmsInboundTopicArn', {
      value: this.smsInbound.topicArn,
      description:
        'SNS topic for SMS replies: set it as the two-way channel (TwoWayChannelArn) of the origination numbers',
    }).overrideLogicalId('SmsInboundTopicArn');
  }
}
