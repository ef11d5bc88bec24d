import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HandlerFunction } from './function';

/** How often the schedule starts the worker; each run works for up to 12 minutes (functions/handlers/tenant-erasure.ts). */
export const TENANT_ERASURE_EVERY_MINUTES = 15;

export type TenantErasureProps = { table: dynamodb.ITable };

/** The table actions of the erasure worker: find its jobs (Query), page through the table (Scan), delete, write progress. */
export const TENANT_ERASURE_TABLE_ACTIONS = [
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Scan',
  'dynamodb:DeleteItem',
];

/**
 * The background worker of Shopify's shop/redact (functions/handlers/tenant-erasure.ts): the webhook
 * only records the request; this function, every 15 minutes, works on the unfinished erasures for
 * up to 12 minutes, deleting the tenant's items a scan page at a time and keeping its place in the
 * job, and audits each erasure when it is done (Shopify asks for it within 30 days).
 */
export class TenantErasure extends Construct {
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: TenantErasureProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'TenantErasure', {
      entry: 'functions/handlers/tenant-erasure.ts',
      description: 'growthloop tenant erasure: Shopify shop/redact in the background, resumable, audited',
      timeout: Duration.minutes(15),
      memorySize: 512,
      environment: { TABLE_NAME: props.table.tableName },
    });
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: TENANT_ERASURE_TABLE_ACTIONS, resources: [props.table.tableArn] }),
    );
    new events.Rule(this, 'Schedule', {
      description: 'growthloop tenant erasures: resume the unfinished ones',
      schedule: events.Schedule.rate(Duration.minutes(TENANT_ERASURE_EVERY_MINUTES)),
      targets: [new targets.LambdaFunction(this.handler.fn, { retryAttempts: 2 })],
    });
  }
}
