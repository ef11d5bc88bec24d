import { Aspects, CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import type { QueueName } from '../functions/routes';
import { resourceName } from './stage';

/**
 * How old the oldest message of each work queue may get before its alarm goes off.
 *
 * SQS leaves out of ApproximateAgeOfOldestMessage a message received three times and not deleted, so a message
 * that keeps failing does not hold this alarm up (its dead-letter queue's alarm reports it); a message that failed
 * once or twice still counts, and each threshold lies beyond 3 x the queue's visibility timeout (functions/routes.ts).
 * - profile-updates 10 min: events fold into profiles within seconds (2 s batching window); 10 minutes behind,
 *   scores, lifecycle stages and the journeys they start are stale. Two retries take 2 x 120 s.
 * - journey-events 15 min: journeys react to events (an order ends the abandoned-cart journey before its next step
 *   sends); a quarter of an hour behind, customers get messages that no longer fit. Three receives take 3 x 180 s.
 * - journey-steps 30 min: near timers are sent with up to 15 minutes of SQS delay, which may count toward the age,
 *   and three receives take 3 x 180 s more; beyond that, waits end late enough for customers to notice.
 * - actions 15 min: coupons, points and messages go out within minutes of the journey deciding them; a quarter of
 *   an hour late breaks "9:00 local" sends and offers tied to what the customer just did. Three receives take 3 x 180 s.
 * - loyalty 15 min: points shown at checkout or in the mini-program should match the order just placed. Three
 *   receives take 3 x 120 s.
 * - groups 15 min: a member who just joined expects the group to show them and to complete at once; three
 *   receives take 3 x 120 s.
 */
export const QUEUE_AGE_ALARM = {
  'profile-updates': Duration.minutes(10),
  'journey-events': Duration.minutes(15),
  'journey-steps': Duration.minutes(30),
  actions: Duration.minutes(15),
  loyalty: Duration.minutes(15),
  groups: Duration.minutes(15),
} as const satisfies Record<QueueName, Duration>;

/** The age alarm of a queue the table above does not know (one built outside the route table). */
export const DEFAULT_QUEUE_AGE_ALARM = Duration.minutes(15);

/** Lambda errors and throttles, and API 5xx, are summed over this period; one in a period raises the alarm. */
const COUNT_PERIOD = Duration.minutes(5);

const deadLetterQueues = new WeakSet<IConstruct>();

/**
 * Marks a dead-letter queue that no queue's redrive policy names, such as an EventBridge rule target's: the
 * observability construct alarms on it as on every dead-letter queue.
 */
export function markDeadLetterQueue(queue: sqs.IQueue): void {
  deadLetterQueues.add(queue);
}

export type ObservabilityProps = {
  stage: string;
  /** Subscribed to the alerts topic when given. */
  alertsEmail?: string | undefined;
};

/**
 * One SNS alerts topic and the CloudWatch alarms that send to it, found by walking the stack when it is
 * synthesized, so a queue, function or HTTP API added anywhere in the stack gets its alarms without more code:
 * - every dead-letter queue (a queue some queue's redrive policy names, or marked with markDeadLetterQueue):
 *   ApproximateNumberOfMessagesVisible >= 1;
 * - every other queue: ApproximateAgeOfOldestMessage beyond QUEUE_AGE_ALARM (by its route-table name, which
 *   lib/routing.ts gives its construct);
 * - every Lambda function (any AWS::Lambda::Function, CDK's own included): Errors >= 1 and Throttles >= 1 in 5 minutes;
 * - every HTTP API stage: 5xx >= 1 in 5 minutes.
 * Every alarm treats missing data as not breaching (a quiet queue or function sends no data points), and notifies
 * the topic when it goes off and when it recovers.
 */
export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  private readonly alarmNames = new Set<string>();

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // CloudWatch cannot publish to a topic under the AWS managed key alias/aws/sns (its key policy cannot name the
    // cloudwatch.amazonaws.com principal): the topic has a key of its own.
    this.key = new kms.Key(this, 'AlertsKey', {
      description: `growthloop ${props.stage}: encrypts the alerts topic`,
      enableKeyRotation: true,
      // The key protects alerts in transit only, nothing stored: it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // In a key policy "*" is this key. No source conditions here: the key serves this one topic, whose policy below
    // decides which alarms may publish.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncryptForTheAlertsTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Alerts', {
      topicName: resourceName(this, 'alerts'),
      displayName: `growthloop ${props.stage} alerts`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // Only this account's alarms of this stack (their names start with the stack name, CloudFormation's too).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStack',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${stack.stackName}-*`,
          },
        },
      }),
    );
    if (props.alertsEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alertsEmail));

    // At synthesis, when every construct of the stack exists, whatever built it; once, however often it is synthesized.
    let done = false;
    Aspects.of(stack).add({
      visit: (node) => {
        if (node !== stack || done) return;
        done = true;
        this.alarmOnEverything(stack);
      },
    });
  }

  /**
   * Events of the growthloop bus that people must hear of (KPIs below their targets) go to the alerts topic
   * too; EventBridge may encrypt for it (the topic's policy is the target's own).
   */
  notifyOf(bus: events.IEventBus, id: string, pattern: events.EventPattern): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `EventBridgeEncryptsFor${id}`,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    new events.Rule(this, id, {
      description: `growthloop: ${pattern.detailType?.join(', ') ?? 'events'} -> the alerts topic`,
      eventBus: bus,
      eventPattern: pattern,
      targets: [new targets.SnsTopic(this.topic)],
    });
  }

  private alarmOnEverything(stack: Stack): void {
    const all = stack.node.findAll();
    const queues = all.filter((c): c is sqs.Queue => c instanceof sqs.Queue);
    const deadLetters = new Set<IConstruct>(queues.filter((q) => deadLetterQueues.has(q)));
    for (const queue of queues) if (queue.deadLetterQueue) deadLetters.add(queue.deadLetterQueue.queue);
    const ages = new Map<string, Duration>(Object.entries(QUEUE_AGE_ALARM));

    for (const queue of queues) {
      if (deadLetters.has(queue)) {
        this.alarm(queue, 'messages-visible', {
          metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
          threshold: 1,
          description: `Messages in the dead-letter queue ${this.label(queue)}: they failed every delivery. Inspect them, fix the cause, then redrive them to their source.`,
        });
        continue;
      }
      const age = ages.get(queue.node.id);
      if (!age && !queue.deadLetterQueue) {
        Validations.of(queue).addWarning(
          'growthloop:queue-role-unknown',
          `${this.label(queue)} has no dead-letter queue and is not marked as one (markDeadLetterQueue in lib/observability.ts): it gets an age alarm only.`,
        );
      }
      const threshold = age ?? DEFAULT_QUEUE_AGE_ALARM;
      this.alarm(queue, 'oldest-message-age', {
        metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: threshold.toSeconds(),
        description: `The oldest message in ${this.label(queue)} waits longer than ${threshold.toHumanString()}: its consumer is failing, throttled or behind.`,
      });
    }

    for (const fn of all.filter(isLambdaFunction)) {
      const owner = fn.node.id === 'Resource' && fn.node.scope ? fn.node.scope : fn;
      const metric = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Lambda',
          metricName,
          dimensionsMap: { FunctionName: fn.ref },
          statistic: 'Sum',
          period: COUNT_PERIOD,
        });
      this.alarm(owner, 'errors', {
        metric: metric('Errors'),
        threshold: 1,
        description: `The function ${this.label(owner)} failed invocations (Errors >= 1 in 5 minutes): see its log group and X-Ray traces.`,
      });
      this.alarm(owner, 'throttles', {
        metric: metric('Throttles'),
        threshold: 1,
        description: `The function ${this.label(owner)} was throttled (Throttles >= 1 in 5 minutes): the account's Lambda concurrency is exhausted.`,
      });
    }

    for (const stage of all.filter((c): c is apigw.HttpStage => c instanceof apigw.HttpStage)) {
      this.alarm(stage, '5xx', {
        metric: stage.metricServerError({ period: COUNT_PERIOD, statistic: 'Sum' }),
        threshold: 1,
        description: `The HTTP API stage ${this.label(stage)} answered 5xx (>= 1 in 5 minutes): growthloop answers bad input with 4xx, so this is a failing or timed-out function.`,
      });
    }
  }

  private alarm(
    target: IConstruct,
    what: string,
    props: { metric: cloudwatch.IMetric; threshold: number; description: string },
  ): void {
    const path = relativePath(target);
    const alarmName = resourceName(this, `${path.join('-')}-${what}`);
    if (this.alarmNames.has(alarmName)) throw new Error(`two alarms would be named ${alarmName}`);
    this.alarmNames.add(alarmName);
    const alarm = new cloudwatch.Alarm(this, `${path.join('.')}.${what}`, {
      alarmName,
      alarmDescription: `${Stack.of(this).stackName}: ${props.description}`,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cwActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }

  private label(target: IConstruct): string {
    return relativePath(target).join('/');
  }
}

/** A Lambda function resource, whether a lambda.Function made it or CDK's own custom-resource providers. */
const isLambdaFunction = (c: IConstruct): c is CfnResource =>
  CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Lambda::Function';

/** The construct's path below its stack. */
function relativePath(target: IConstruct): string[] {
  const stack = Stack.of(target);
  return target.node.scopes.slice(target.node.scopes.indexOf(stack) + 1).map((s) => s.node.id);
}
