import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type EventPattern,
  type PatternValue,
  type QueueDefinition,
  type QueueName,
  queues as queueDefinitions,
  type Route,
  routes as routeTable,
} from '../functions/routes';
import { markDeadLetterQueue } from './observability';

type AnyRoute = Omit<Route, 'queue'> & { queue: string };

export type RoutingProps = {
  bus: events.IEventBus;
  /** Defaults to the shared route table (functions/routes.ts); overridable for tests. */
  queues?: Record<string, QueueDefinition>;
  routes?: AnyRoute[];
};

const DLQ_RETENTION = Duration.days(14);

/** Builds one SQS queue (with a DLQ) per queue definition and one EventBridge rule per route of the shared route table. */
export class Routing extends Construct {
  readonly queues: Record<QueueName, sqs.Queue>;
  /** Each queue's dead-letter queue. */
  readonly deadLetters: Record<QueueName, sqs.IQueue>;

  constructor(scope: Construct, id: string, props: RoutingProps) {
    super(scope, id);
    const definitions = props.queues ?? queueDefinitions;
    const built: Record<string, sqs.Queue> = {};
    for (const [name, definition] of Object.entries(definitions)) {
      built[name] = this.queue(name, definition);
    }
    this.queues = built as Record<QueueName, sqs.Queue>;
    this.deadLetters = Object.fromEntries(
      Object.entries(built).map(([name, queue]) => [name, queue.deadLetterQueue?.queue as sqs.IQueue]),
    ) as Record<QueueName, sqs.IQueue>;

    for (const route of props.routes ?? routeTable) {
      const queue = built[route.queue];
      if (!queue) throw new Error(`route ${route.name} targets unknown queue ${route.queue}`);
      this.rule(props.bus, route, queue);
    }
  }

  private queue(name: string, definition: QueueDefinition): sqs.Queue {
    const deadLetters = new sqs.Queue(this, `${name}-dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });
    return new sqs.Queue(this, name, {
      visibilityTimeout: Duration.seconds(definition.visibilitySeconds),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: definition.maxReceiveCount },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
  }

  private rule(bus: events.IEventBus, route: AnyRoute, queue: sqs.Queue): void {
    // Events EventBridge could not deliver to the queue (after its retries) land here.
    const undelivered = new sqs.Queue(this, `${route.name}-undelivered`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });
    markDeadLetterQueue(undelivered);
    Validations.of(undelivered).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS a dead-letter queue: the DeadLetterConfig of the EventBridge rule target, which cdk-nag only recognises on SQS redrive policies and Lambda functions.',
    });
    const rule = new events.Rule(this, route.name, {
      eventBus: bus,
      description: `growthloop route ${route.name} -> ${route.queue}`,
      eventPattern: toEventPattern(route.pattern),
    });
    // The target adds a queue policy statement that lets events.amazonaws.com send only when aws:SourceArn is this rule.
    rule.addTarget(
      new targets.SqsQueue(queue, {
        deadLetterQueue: undelivered,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
  }
}

/** Translates a route-table pattern into an EventBridge pattern: strings match exactly, `{prefix}` by prefix. */
export function toEventPattern(pattern: EventPattern): events.EventPattern {
  return {
    ...(pattern.source ? { source: toMatchers(pattern.source) } : {}),
    ...(pattern['detail-type'] ? { detailType: toMatchers(pattern['detail-type']) } : {}),
  };
}

function toMatchers(values: PatternValue[]): string[] {
  // EventBridge accepts exact strings and {prefix} objects side by side in one list; CDK types the list as string[].
  return values.map((value) => (typeof value === 'string' ? value : { prefix: value.prefix })) as unknown as string[];
}
