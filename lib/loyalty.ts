import { Duration, Stack, Validations } from 'aws-cdk-lib';
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
  deadLetters: sqs.IQueue;
  /** The stage's schedule group, shared with the journeys' timers (ids differ: `points:...`). */
  timerGroupName: string;
  tenantsJson: string;
};

/** Reads and writes points entries and accounts in the customers' partitions. */
const LOYALTY_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];

/**
 * The loyalty function (functions/handlers/loyalty.ts) on the loyalty queue: points entries from
 * orders, refunds, sign-ins, shares, reviews and points actions, the accounts folded from them, and
 * their notices (points.expiring, points.expired) on the bus. An account's next change (points
 * released or expiring) is a timer onto the same queue: an SQS delay up to 15 minutes, a one-time
 * EventBridge Scheduler schedule beyond.
 */
export class Loyalty extends Construct {
  readonly handler: HandlerFunction;
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: LoyaltyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'growthloop: lets EventBridge Scheduler bring points accounts back onto the loyalty queue',
    });
    props.queue.grantSendMessages(this.schedulerRole);
    props.deadLetters.grantSendMessages(this.schedulerRole);

    this.handler = new HandlerFunction(this, 'Loyalty', {
      entry: 'functions/handlers/loyalty.ts',
      description: 'growthloop loyalty: the points ledger',
      // Well under the queue's visibility timeout (120 s).
      timeout: Duration.seconds(20),
      memorySize: 512,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        TIMER_QUEUE_URLS: stack.toJsonString({ loyalty: props.queue.queueUrl }),
        TIMER_QUEUE_ARNS: stack.toJsonString({ loyalty: props.queue.queueArn }),
        SCHEDULER_DLQ_ARN: props.deadLetters.queueArn,
        SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        SCHEDULE_GROUP: props.timerGroupName,
      },
    });
    const role = this.handler.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: LOYALTY_TABLE_ACTIONS, resources: [props.table.tableArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
    props.queue.grantSendMessages(role);
    const schedules = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${props.timerGroupName}/*`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [schedules] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.schedulerRole.roleArn] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${props.timerGroupName}/*]`,
      reason:
        "Each points account's next change beyond 15 minutes is its own one-time schedule, named from the timer id when it is set: " +
        `the function may only create schedules (no read, update or delete), in the ${props.timerGroupName} group of this account and region.`,
    });
    this.handler.fn.addEventSource(queueConsumer('loyalty', props.queue));
  }
}
