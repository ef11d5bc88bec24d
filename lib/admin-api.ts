import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HandlerFunction } from './function';

export type AdminApiProps = { table: dynamodb.ITable; tenantsJson: string };

/**
 * Reads a profile, queries a customer's items (export, erasure), deletes them and writes a tombstone and an audit entry;
 * reads, queries and writes (conditional puts) journey drafts, versions and states, and reads journey stats.
 */
export const ADMIN_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:PutItem'];

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
      description: 'growthloop admin API: profile lookups, customer export and erasure, journeys',
      timeout: Duration.seconds(10),
      environment: { TABLE_NAME: props.table.tableName, GROWTHLOOP_TENANTS: props.tenantsJson },
    });
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ADMIN_TABLE_ACTIONS, resources: [props.table.tableArn] }),
    );
  }
}
