import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueConsumer } from './consumers';
import { HandlerFunction } from './function';
import { schedulerDeliveryRole } from './scheduler-role';

export type GroupsProps = {
  table: dynamodb.ITable;
  bus: events.IEventBus;
  /** The groups queue: the function's event source, and where its deadlines come back. */
  queue: sqs.IQueue;
  /** Where Scheduler puts a deadline it could not deliver. */
  deadLetters: sqs.IQueue;
  /** Where the members' rewards go. */
  actions: sqs.IQueue;
  actionsDeadLetters: sqs.IQueue;
  /** The stage's schedule group for far timers (lib/journeys.ts creates it). */
  timerGroupName: string;
  tenantsJson: string;
};

/** Reads and writes the group items (conditional puts), and reads the erased customers' tombstones. */
export const GROUPS_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'];

/**
 * The groups function (functions/handlers/groups.ts) on the groups queue: group buying's
 * group_created and group_joined folded into one item per group, every member's reward on the
 * actions queue when a group fills, group_completed and group_expired for every member on the bus,
 * and each group's deadline as a one-time EventBridge Scheduler schedule back onto the groups queue.
 */
export class Groups extends Construct {
  readonly handler: HandlerFunction;
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: GroupsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.schedulerRole = schedulerDeliveryRole(
      this,
      "growthloop: lets EventBridge Scheduler deliver groups' deadlines to the groups queue",
      [props.queue, props.deadLetters],
    );
    const schedulerRole = this.schedulerRole;

    this.handler = new HandlerFunction(this, 'Groups', {
      entry: 'functions/handlers/groups.ts',
      description: 'growthloop groups: group buying, its rewards and notices',
      // Well under the queue's visibility timeout (120 s).
      timeout: Duration.seconds(20),
      memorySize: 512,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        QUEUE_URLS: stack.toJsonString({
          actions: { url: props.actions.queueUrl, deadLetterUrl: props.actionsDeadLetters.queueUrl },
        }),
        TIMER_QUEUE_URLS: stack.toJsonString({ groups: props.queue.queueUrl }),
        TIMER_QUEUE_ARNS: stack.toJsonString({ groups: props.queue.queueArn }),
        SCHEDULER_DLQ_ARN: props.deadLetters.queueArn,
        SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
        SCHEDULE_GROUP: props.timerGroupName,
      },
    });
    const role = this.handler.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: GROUPS_TABLE_ACTIONS, resources: [props.table.tableArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
    props.actions.grantSendMessages(role);
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
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [schedulerRole.roleArn] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${props.timerGroupName}/*]`,
      reason:
        "Each group's deadline is its own one-time schedule, named from the group when it opens: " +
        `the function may only create schedules (no read, update or delete), in the ${props.timerGroupName} group of this account and region.`,
    });
    this.handler.fn.addEventSource(queueConsumer('groups', props.queue));
  }
}
