import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INGEST_SOURCE } from '../functions/routes';
import { resourceName } from './stage';

/**
 * The growthloop custom bus (growthloop-<stage>-bus), with every event archived for a year (replay, backtests),
 * and the export queue: `growthloop export --events --aws` replays the archive to the export rule alone, which
 * takes the replayed ingested events (they carry `replay-name`; live ones never do) to the queue it drains.
 */
export class EventBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  readonly exportRule: events.Rule;
  readonly exportQueue: sqs.Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: resourceName(this, 'bus') });
    this.archive = this.bus.archive('Archive', {
      description: 'Every event on the growthloop bus, for replay and backtests',
      // Every event on a bus carries the account it was put in: this pattern matches them all.
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(365),
    });
    this.exportQueue = new sqs.Queue(this, 'ExportQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(1),
    });
    Validations.of(this.exportQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'Only the export command reads this queue, deleting what it wrote out; nothing processes its messages, so none can fail into a dead-letter queue.',
    });
    this.exportRule = new events.Rule(this, 'ExportRule', {
      eventBus: this.bus,
      description: 'Replayed ingested events -> the export queue (growthloop export --events --aws)',
      eventPattern: { source: [INGEST_SOURCE] },
    });
    (this.exportRule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern.replay-name', [
      { exists: true },
    ]);
    this.exportRule.addTarget(new targets.SqsQueue(this.exportQueue));
  }
}
