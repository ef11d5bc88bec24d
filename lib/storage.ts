import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { table } from '../functions/table';

/**
 * The one growthloop table: every key starts with the tenant (pk), items expire through `expiresAt`, the
 * sparse `due` index finds the items due by a day, the sparse `buyers` index a tenant's buyers, and the
 * sparse `audience` index a tenant's customers by lifecycle stage.
 *
 * CloudFormation creates or deletes at most one global secondary index per table in one stack update:
 * a new index is added in a deployment of its own (a stack from before both `buyers` and `audience`
 * is updated twice, first with `buyers` alone).
 */
export class Storage extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: table.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: table.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: table.ttlAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Sparse: only items due at some time carry the index keys.
    this.table.addGlobalSecondaryIndex({
      indexName: table.dueIndex.name,
      partitionKey: { name: table.dueIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: table.dueIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    // Sparse: only buyers' profiles carry the key, written once per customer (functions/core/profiles/buyer-index.ts).
    this.table.addGlobalSecondaryIndex({
      indexName: table.buyerIndex.name,
      partitionKey: { name: table.buyerIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    // Sparse: only profiles with a lifecycle stage carry the keys (functions/core/profiles/audience-index.ts);
    // the sort key moves with the stage, the next stage and the day it is due, as `dueDay` does.
    this.table.addGlobalSecondaryIndex({
      indexName: table.audienceIndex.name,
      partitionKey: { name: table.audienceIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: table.audienceIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
  }
}
