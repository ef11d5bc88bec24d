import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HandlerFunction } from './function';

export type SegmentProps = { bus: events.IEventBus; tenantsJson: string };

/** The Segment-spec function: track, identify and batch calls (HTTP Basic write key) to canonical events on the bus. */
export class Segment extends Construct {
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: SegmentProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Segment', {
      entry: 'functions/handlers/segment.ts',
      description: 'growthloop Segment-spec API: track, identify and batch calls to canonical events',
      timeout: Duration.seconds(10),
      environment: { EVENT_BUS_NAME: props.bus.eventBusName, GROWTHLOOP_TENANTS: props.tenantsJson },
    });
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );
  }
}
