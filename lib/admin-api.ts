import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { table } from '../functions/table';
import { HandlerFunction, RENDER_WORKER } from './function';

export type AdminApiProps = {
  table: dynamodb.ITable;
  tenantsJson: string;
  /** Where quarantined messages are replayed to (by the queue they were parked from), and test sends queued (actions). */
  queues: Record<
    'profile-updates' | 'journey-events' | 'actions' | 'loyalty',
    { queue: sqs.IQueue; deadLetters: sqs.IQueue }
  >;
};

/**
 * Reads a profile, queries a customer's items (export, erasure), deletes them and writes a tombstone and an audit entry;
 * reads, queries and writes (conditional puts) journey drafts, versions and states, and reads journey stats;
 * lists quarantined messages and replays them (sends them to their queue, deletes them); queues template test sends;
 * reads the daily run's KPI snapshot, or the buyers' profiles (the buyer index), for the KPI report.
 */
export const ADMIN_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
];

/**
 * The admin function: authenticates `authorization: Bearer <adminKey>`, reads, exports and erases one tenant's customers,
 * and manages its journeys.
 */
export class AdminApi extends Construct {
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Admin', {
      entry: 'functions/handlers/admin.ts',
      // Templates are checked and previewed in the render worker, bundled beside the handler.
      extraEntries: RENDER_WORKER,
      description: 'growthloop admin API: profile lookups, customer export and erasure, journeys, quarantine',
      timeout: Duration.seconds(10),
      environment: {
        TABLE_NAME: props.table.tableName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        QUEUE_URLS: Stack.of(this).toJsonString(
          Object.fromEntries(
            Object.entries(props.queues).map(([name, q]) => [
              name,
              { url: q.queue.queueUrl, deadLetterUrl: q.deadLetters.queueUrl },
            ]),
          ),
        ),
      },
    });
    for (const { queue } of Object.values(props.queues)) queue.grantSendMessages(this.handler.fn);
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ADMIN_TABLE_ACTIONS,
        resources: [props.table.tableArn, `${props.table.tableArn}/index/${table.buyerIndex.name}`],
      }),
    );
  }
}
