// The one route table: the CDK stack builds EventBridge rules and SQS queues from it, and
// the local bus routes with it, so both worlds deliver the same events to the same queues.

export const INGEST_SOURCE = 'growthloop.ingest';

export type QueueDefinition = {
  /** Seconds a received message stays hidden before it is delivered again. */
  visibilitySeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: number;
};

export const queues = {
  'profile-updates': { visibilitySeconds: 120, maxReceiveCount: 5 },
  /** Ingested events and lifecycle changes, for the journeys they may enter, advance or end. */
  'journey-events': { visibilitySeconds: 180, maxReceiveCount: 5 },
  /** Journey timers coming due (waits, timeouts, dates). */
  'journey-steps': { visibilitySeconds: 180, maxReceiveCount: 5 },
  /** Actions the journeys decided on, for the dispatcher, which carries each out once by its key. */
  actions: { visibilitySeconds: 180, maxReceiveCount: 5 },
} as const satisfies Record<string, QueueDefinition>;

export type QueueName = keyof typeof queues;

/** How the queue's consumer takes messages: the Lambda event source and the local poller alike. */
export const consumers = {
  'profile-updates': { batchSize: 500, batchingWindowSeconds: 2 },
  'journey-events': { batchSize: 100, batchingWindowSeconds: 1 },
  'journey-steps': { batchSize: 100, batchingWindowSeconds: 0 },
  /** Each action is a few guarded writes and a provider call: small batches, none held back. */
  actions: { batchSize: 10, batchingWindowSeconds: 0 },
} as const satisfies Partial<Record<QueueName, { batchSize: number; batchingWindowSeconds: number }>>;

/** The subset of EventBridge event patterns growthloop uses: exact values and prefixes. */
export type PatternValue = string | { prefix: string };
export type EventPattern = { source?: PatternValue[]; 'detail-type'?: PatternValue[] };

export type Route = { name: string; pattern: EventPattern; queue: QueueName };

/** Where the dispatcher puts the one terminal outcome of each action (message.sent, message.skipped). */
export const DISPATCH_SOURCE = 'growthloop.dispatch';

/** Where coupon redemptions and voids are told (coupon.redeemed, coupon.voided). */
export const INCENTIVES_SOURCE = 'growthloop.incentives';

/** Where the daily run tells KPIs below their targets (kpi.alert). */
export const METRICS_SOURCE = 'growthloop.metrics';

/** Where a campaign run's state machine tells its report and its failure (campaign.report, campaign.failed). */
export const CAMPAIGNS_SOURCE = 'growthloop.campaigns';

/** Where the profile function puts lifecycle stage changes. */
export const PROFILES_SOURCE = 'growthloop.profiles';

export const routes: Route[] = [
  { name: 'ingested-events-to-profiles', pattern: { source: [INGEST_SOURCE] }, queue: 'profile-updates' },
  { name: 'events-to-journeys', pattern: { source: [INGEST_SOURCE, PROFILES_SOURCE] }, queue: 'journey-events' },
];
