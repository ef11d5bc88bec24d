import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HandlerFunction } from './function';

export type IngestProps = { bus: events.IEventBus; tenantsJson: string };

/** The ingest function: authenticates the store (x-api-key), normalizes the webhook, puts canonical events on the bus. */
export class Ingest extends Construct {
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Ingest', {
      entry: 'functions/handlers/ingest.ts',
      description: 'growthloop ingest: store webhooks to canonical events on the bus',
      timeout: Duration.seconds(10),
      environment: { EVENT_BUS_NAME: props.bus.eventBusName, GROWTHLOOP_TENANTS: props.tenantsJson },
    });
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
  }
}
