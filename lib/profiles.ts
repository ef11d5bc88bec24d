import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueConsumer } from './consumers';
import { HandlerFunction } from './function';

export type ProfilesProps = { table: dynamodb.ITable; queue: sqs.IQueue; bus: events.IEventBus; tenantsJson: string };

/** Reads profiles and ledgers, writes profiles, adds to ledgers (functions/handlers/profiles.ts). */
export const PROFILE_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
];

/**
 * The profile function: folds events from the profile-updates queue into profiles, reporting
 * partial batch failures, and puts the lifecycle stage changes it makes on the bus.
 */
export class Profiles extends Construct {
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: ProfilesProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Profiles', {
      entry: 'functions/handlers/profiles.ts',
      description: 'growthloop profiles: fold events into customer profiles',
      // Well under the queue's visibility timeout (120 s = 6 x 20 s), so a slow batch is not delivered twice.
      timeout: Duration.seconds(20),
      memorySize: 512,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        GROWTHLOOP_TENANTS: props.tenantsJson,
      },
    });
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: PROFILE_TABLE_ACTIONS, resources: [props.table.tableArn] }),
    );
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
    this.handler.fn.addEventSource(queueConsumer('profile-updates', props.queue));
  }
}
