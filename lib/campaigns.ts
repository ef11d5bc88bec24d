import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { table as tableDesign } from '../functions/table';
import { type CampaignRunSubstitutions, campaignRunAsl } from '../functions/workflows/campaign-run';
import { HandlerFunction } from './function';
import { schedulerDeliveryRole } from './scheduler-role';
import { resourceName } from './stage';

export type CampaignsProps = {
  table: dynamodb.ITable;
  bus: events.IEventBus;
  tenantsJson: string;
  /** Where offers go: the dispatcher's queue. */
  actions: sqs.IQueue;
  actionsDeadLetters: sqs.IQueue;
};

/**
 * Campaign runs: the state machine of functions/workflows/campaign-run.asl.json (Standard, the same
 * file the local runtime runs, inline in the template), its placeholders given as definition substitutions, and the function
 * of its Lambda states (functions/handlers/campaign-steps.ts): select the audience from the table's
 * indexes into pages, offer each page on the actions queue, record the offers, measure the lift.
 * The state machine reads and writes the run record itself and puts campaign.report and
 * campaign.failed on the bus. Saved campaigns with a schedule start it through EventBridge
 * Scheduler: one schedule per campaign in the stage's campaign group, kept by the admin function.
 */
export class Campaigns extends Construct {
  readonly handler: HandlerFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly scheduleGroupName: string;
  /** The role EventBridge Scheduler takes to start runs. */
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: CampaignsProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Steps', {
      entry: 'functions/handlers/campaign-steps.ts',
      description: 'growthloop campaign run steps: select, offer, record, measure',
      timeout: Duration.minutes(15),
      memorySize: 1769,
      environment: {
        TABLE_NAME: props.table.tableName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        QUEUE_URLS: Stack.of(this).toJsonString({
          actions: { url: props.actions.queueUrl, deadLetterUrl: props.actionsDeadLetters.queueUrl },
        }),
      },
    });
    props.actions.grantSendMessages(this.handler.fn);
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // The campaign, the run record and its pages, the candidates' profiles, the coupons given.
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: [props.table.tableArn],
      }),
    );
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [tableDesign.buyerIndex, tableDesign.audienceIndex].map(
          (index) => `${props.table.tableArn}/index/${index.name}`,
        ),
      }),
    );

    const substitutions: CampaignRunSubstitutions = {
      TableName: props.table.tableName,
      CampaignStepsFunctionArn: this.handler.fn.functionArn,
      EventBusName: props.bus.eventBusName,
    };
    this.stateMachine = new sfn.StateMachine(this, 'Run', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(campaignRunAsl()),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'RunLogs', { retention: logs.RetentionDays.ONE_MONTH }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    // The function itself, not its versions and aliases (grantInvoke would add `:*`).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.handler.fn.functionArn] }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    props.bus.grantPutEventsTo(this.stateMachine);

    this.scheduleGroupName = resourceName(this, 'campaigns');
    new scheduler.CfnScheduleGroup(this, 'Schedules', { name: this.scheduleGroupName });
    this.schedulerRole = schedulerDeliveryRole(
      this,
      'growthloop: lets EventBridge Scheduler start the scheduled campaign runs',
      [],
    );
    this.stateMachine.grantStartExecution(this.schedulerRole);
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions needs "*" for its own tracing and log delivery: xray:PutTraceSegments, xray:PutTelemetryRecords, ' +
        'xray:GetSamplingRules, xray:GetSamplingTargets and the logs:*LogDelivery actions support no resource-level permissions.',
    });
  }

  /** Lets a function start runs and keep the campaigns' schedules (create, update, delete in the campaign group). */
  grantRunsAndSchedules(handler: HandlerFunction): void {
    const { fn, role } = handler;
    this.stateMachine.grantStartExecution(fn);
    fn.addEnvironment('CAMPAIGN_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    fn.addEnvironment('CAMPAIGN_SCHEDULE_GROUP', this.scheduleGroupName);
    fn.addEnvironment('CAMPAIGN_SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroupName}/*`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [schedules],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.schedulerRole.roleArn] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroupName}/*]`,
      reason:
        'Each saved campaign with a schedule has its own schedule, named from tenant and campaign when it is saved: ' +
        `the admin function may create, update and delete schedules only in the ${this.scheduleGroupName} group of this account and region.`,
    });
  }
}
