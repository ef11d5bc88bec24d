import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DAILY_SOURCE, TENANT_DUE } from '../functions/app/daily-run/fan-out';
import { DAILY_RUN_MINUTE_UTC } from '../functions/runtime/daily';
import { table } from '../functions/table';
import { HandlerFunction } from './function';

export type DailyRunProps = {
  table: dynamodb.ITable;
  bus: events.IEventBus;
  /** Where the rewards of referrals coming due go, for the dispatcher. */
  actions: sqs.IQueue;
  actionsDeadLetters: sqs.IQueue;
  tenantsJson: string;
};

/**
 * The daily run (functions/handlers/daily-run.ts): the schedule's invocation puts one
 * `daily-run.tenant_due` event per tenant on the bus, and a rule invokes the function again for
 * each, with that tenant alone. A tenant's run fits its models on its buyers (the buyer index, a
 * query per shard and a BatchGet of their profiles) and stores them, then rescores the customers
 * due through the due index, putting stage changes on the bus.
 */
export class DailyRun extends Construct {
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: DailyRunProps) {
    super(scope, id);
    // The id predates the class name; kept so that the function's logical id does not change.
    this.handler = new HandlerFunction(this, 'Lifecycle', {
      entry: 'functions/handlers/daily-run.ts',
      description: 'growthloop lifecycle: daily model fit and due-customer pass',
      timeout: Duration.minutes(15),
      memorySize: 1769,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        QUEUE_URLS: Stack.of(this).toJsonString({
          actions: { url: props.actions.queueUrl, deadLetterUrl: props.actionsDeadLetters.queueUrl },
        }),
      },
    });
    props.actions.grantSendMessages(this.handler.fn);
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // Scan: only the one-time backfill of the buyer index in a table from before it.
        actions: [
          'dynamodb:Scan',
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          // Query: the buyers' past order periods, for the KPIs; DeleteItem: a KPI alert marker whose alert could not go out.
          'dynamodb:Query',
          'dynamodb:PutItem',
          // UpdateItem: a referral reward's claim on the inviter's cap.
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: [props.table.tableArn],
      }),
    );
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [
          `${props.table.tableArn}/index/${table.dueIndex.name}`,
          `${props.table.tableArn}/index/${table.buyerIndex.name}`,
        ],
      }),
    );
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
    new events.Rule(this, 'Daily', {
      description: 'growthloop daily model fit and lifecycle pass',
      schedule: events.Schedule.cron({ minute: String(DAILY_RUN_MINUTE_UTC), hour: '0' }),
      targets: [new targets.LambdaFunction(this.handler.fn, { retryAttempts: 2 })],
    });
    new events.Rule(this, 'TenantDue', {
      description: 'growthloop daily run of one tenant: its model fit and due pass in an invocation of its own',
      eventBus: props.bus,
      eventPattern: { source: [DAILY_SOURCE], detailType: [TENANT_DUE] },
      targets: [
        new targets.LambdaFunction(this.handler.fn, {
          event: events.RuleTargetInput.fromObject({ tenantIds: [events.EventField.fromPath('$.detail.tenantId')] }),
          retryAttempts: 2,
        }),
      ],
    });
  }
}
