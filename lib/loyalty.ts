import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueConsumer } from './consumers';
import { HandlerFunction } from './function';

export type LoyaltyProps = {
  table: dynamodb.ITable;
  bus: events.IEventBus;
  queue: sqs.IQueue;
  /** Where referral rewards go, for the dispatcher to carry out. */
  actions: sqs.IQueue;
  actionsDeadLetters: sqs.IQueue;
  tenantsJson: string;
};

/** Reads and writes points entries and accounts, and referrals with their caps (atomic updates), in the customers' partitions. */
export const LOYALTY_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
];

/**
 * The loyalty function (functions/handlers/loyalty.ts) on the loyalty queue: points entries from
 * orders, refunds, sign-ins, shares, reviews and points actions, the accounts folded from them, and
 * their notices (points.expiring, points.expired, tier.changed) on the bus. Accounts that change by
 * themselves later are folded again by the daily run, through the due index.
 */
export class Loyalty extends Construct {
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: LoyaltyProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Loyalty', {
      entry: 'functions/handlers/loyalty.ts',
      description: 'growthloop loyalty: the points ledger and tiers',
      // Well under the queue's visibility timeout (120 s).
      timeout: Duration.seconds(20),
      memorySize: 512,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        QUEUE_URLS: Stack.of(this).toJsonString({
          actions: { url: props.actions.queueUrl, deadLetterUrl: props.actionsDeadLetters.queueUrl },
        }),
      },
    });
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: LOYALTY_TABLE_ACTIONS, resources: [props.table.tableArn] }),
    );
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
    props.actions.grantSendMessages(this.handler.fn);
    this.handler.fn.addEventSource(queueConsumer('loyalty', props.queue));
  }
}
