import { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { HandlerFunction } from './function';

/** The customers' partitions, where each data key item lives (`<tenant>#C#<customerId>` / `KEY`). */
export const CUSTOMER_LEADING_KEYS = ['*#C#*'];

/**
 * The KMS key that wraps the customers' data keys (functions/adapters/aws/kms.ts): the functions
 * that put events on the bus generate data keys (and unwrap the ones that exist), the ones that
 * read events from the queues only unwrap; both only with growthloop's encryption context.
 * Erasing a customer deletes their wrapped data key from the table, so whatever the bus, the
 * queues and the event archive hold of their personal fields can no longer be decrypted.
 */
export class DataKeys extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'growthloop: wraps the per-customer data keys that seal personal fields of events',
      enableKeyRotation: true,
      // Deleting it would leave every queued and archived event unreadable: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private grant(handler: HandlerFunction, actions: string[]) {
    handler.fn.addEnvironment('DATA_KEY_ARN', this.key.keyArn);
    handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:growthloop': 'data-key' } },
      }),
    );
  }

  /**
   * For the functions that seal (ingest, Segment, webhooks): generate and unwrap data keys; with `table`
   * (for a function that has no other access to the customers' partitions), read and create the key
   * items there.
   */
  grantSeal(handler: HandlerFunction, table?: dynamodb.ITable) {
    this.grant(handler, ['kms:GenerateDataKey', 'kms:Decrypt']);
    if (!table) return;
    handler.fn.addEnvironment('TABLE_NAME', table.tableName);
    handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': CUSTOMER_LEADING_KEYS } },
      }),
    );
  }

  /** For the functions that open events from the queues (profiles, journeys): unwrap only. */
  grantOpen(handler: HandlerFunction) {
    this.grant(handler, ['kms:Decrypt']);
  }
}
