import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueConsumer } from './consumers';
import { HandlerFunction } from './function';
import { schedulerDeliveryRole } from './scheduler-role';
import { resourceName } from './stage';

export type JourneysProps = {
  table: dynamodb.ITable;
  events: sqs.IQueue;
  steps: sqs.IQueue;
  actions: sqs.IQueue;
  actionsDeadLetters: sqs.IQueue;
  /** Where Scheduler puts a timer it could not deliver. */
  stepsDeadLetters: sqs.IQueue;
  tenantsJson: string;
};

/**
 * The journey function (functions/handlers/journeys.ts): moves customers through journeys on
 * events and timers, hands actions to the actions queue, and sets timers: on the journey-steps
 * queue with a delay up to 15 minutes, as one-time EventBridge Scheduler schedules beyond.
 */
export class Journeys extends Construct {
  readonly handler: HandlerFunction;
  readonly schedulerRole: iam.Role;
  /** The stage's own schedule group for far timers (growthloop-<stage>-timers). */
  readonly timerGroup: scheduler.CfnScheduleGroup;

  constructor(scope: Construct, id: string, props: JourneysProps) {
    super(scope, id);
    // Schedule names come from timer ids (tenant, customer, journey), which two stages of one account share: in one
    // group, the second stage's timer would meet the first one's schedule and be taken as already set.
    const timerGroupName = resourceName(this, 'timers');
    this.timerGroup = new scheduler.CfnScheduleGroup(this, 'Timers', { name: timerGroupName });
    this.schedulerRole = schedulerDeliveryRole(
      this,
      'growthloop: lets EventBridge Scheduler deliver journey timers to the journey-steps queue',
      [props.steps, props.stepsDeadLetters],
    );
    const schedulerRole = this.schedulerRole;

    this.handler = new HandlerFunction(this, 'Journeys', {
      entry: 'functions/handlers/journeys.ts',
      description: 'growthloop journeys: enter, advance and end customer journeys',
      timeout: Duration.seconds(30),
      memorySize: 512,
      environment: {
        TABLE_NAME: props.table.tableName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        QUEUE_URLS: Stack.of(this).toJsonString({
          actions: { url: props.actions.queueUrl, deadLetterUrl: props.actionsDeadLetters.queueUrl },
        }),
        TIMER_QUEUE_URLS: Stack.of(this).toJsonString({ 'journey-steps': props.steps.queueUrl }),
        TIMER_QUEUE_ARNS: Stack.of(this).toJsonString({ 'journey-steps': props.steps.queueArn }),
        SCHEDULER_DLQ_ARN: props.stepsDeadLetters.queueArn,
        SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
        SCHEDULE_GROUP: timerGroupName,
      },
    });
    const role = this.handler.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    props.actions.grantSendMessages(role);
    props.steps.grantSendMessages(role);
    const schedulesIn = (group: string) =>
      Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${group}/*` });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule'],
        // Only the stage's group: functions/adapters/aws/environment.ts gives the timers SCHEDULE_GROUP.
        resources: [schedulesIn(timerGroupName)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [schedulerRole.roleArn] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${timerGroupName}/*]`,
      reason:
        'Each journey timer beyond 15 minutes is its own one-time schedule, named from the timer id when it is set: ' +
        `the function may only create schedules (no read, update or delete), in the ${timerGroupName} group of this account and region.`,
    });
    this.handler.fn.addEventSource(queueConsumer('journey-events', props.events));
    this.handler.fn.addEventSource(queueConsumer('journey-steps', props.steps));
  }
}
