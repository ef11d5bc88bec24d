import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HandlerFunction } from './function';

export type WebhooksProps = {
  bus: events.IEventBus;
  table: dynamodb.ITable;
  tenantsJson: string;
  /** ARN of the secret holding every tenant's platform secrets (lib/tenant-secrets.ts). */
  tenantSecretsArn: string;
};

/**
 * Order index reads and writes (refund attribution); Shopify's customers/redact, which queries and deletes a
 * customer's items, writing a tombstone and an audit entry; shop/redact, which only records the tenant's erasure
 * for the background worker (lib/tenant-erasure.ts).
 */
export const WEBHOOK_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:Query',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
];

/** The platform webhooks function: verifies Shopify and WooCommerce signatures, puts canonical events on the bus. */
export class Webhooks extends Construct {
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Webhooks', {
      entry: 'functions/handlers/webhooks.ts',
      description: 'growthloop platform webhooks: signed Shopify and WooCommerce webhooks to canonical events',
      // The HTTP API waits at most 30 s for an integration; customers/redact erases within it.
      timeout: Duration.seconds(30),
      memorySize: 512,
      environment: {
        EVENT_BUS_NAME: props.bus.eventBusName,
        TABLE_NAME: props.table.tableName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
        TENANT_SECRETS_ARN: props.tenantSecretsArn,
      },
    });
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.tenantSecretsArn] }),
    );
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: WEBHOOK_TABLE_ACTIONS, resources: [props.table.tableArn] }),
    );
  }
}
