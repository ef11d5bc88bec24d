import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { resourceName } from './stage';

/** The growthloop custom bus (growthloop-<stage>-bus), with every event archived for a year (replay, backtests). */
export class EventBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: resourceName(this, 'bus') });
    this.archive = this.bus.archive('Archive', {
      description: 'Every event on the growthloop bus, for replay and backtests',
      // Every event on a bus carries the account it was put in: this pattern matches them all.
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(365),
    });
  }
}
