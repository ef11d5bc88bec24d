// The one route table: the CDK stack builds EventBridge rules and SQS queues from it, and
// the local bus routes with it, so both worlds deliver the same events to the same queues.

import { POINTS_EVENT_TYPES } from './core/loyalty/entries';
import { REFERRAL_EVENT_TYPES } from './core/referrals/items';

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
  /** Events that earn, spend or take back points, and points accounts coming due (releases, expiries). */
  loyalty: { visibilitySeconds: 120, maxReceiveCount: 5 },
  /** Group buying events (group_created, group_joined) and groups' deadlines coming due. */
  groups: { visibilitySeconds: 120, maxReceiveCount: 5 },
} as const satisfies Record<string, QueueDefinition>;

export type QueueName = keyof typeof queues;

/** How the queue's consumer takes messages: the Lambda event source and the local poller alike. */
export const consumers = {
  'profile-updates': { batchSize: 500, batchingWindowSeconds: 2 },
  'journey-events': { batchSize: 100, batchingWindowSeconds: 1 },
  'journey-steps': { batchSize: 100, batchingWindowSeconds: 0 },
  /** Each action is a few guarded writes and a provider call: small batches, none held back. */
  actions: { batchSize: 10, batchingWindowSeconds: 0 },
  loyalty: { batchSize: 100, batchingWindowSeconds: 1 },
  groups: { batchSize: 100, batchingWindowSeconds: 1 },
} as const satisfies Partial<Record<QueueName, { batchSize: number; batchingWindowSeconds: number }>>;

/** The subset of EventBridge event patterns growthloop uses: exact values and prefixes. */
export type PatternValue = string | { prefix: string };
export type EventPattern = { source?: PatternValue[]; 'detail-type'?: PatternValue[] };

export type Route = { name: string; pattern: EventPattern; queue: QueueName };

/** Where the dispatcher puts the one terminal outcome of each action (message.sent, message.skipped). */
export const DISPATCH_SOURCE = 'growthloop.dispatch';

/** A points action carried out: the loyalty function credits the points, once by the action's key. */
export const POINTS_GRANTED = 'points.granted';
export type PointsGranted = {
  tenantId: string;
  customerId: string;
  key: string;
  points: number;
  reason: string;
  at: string;
};

/** Where coupon redemptions and voids are told (coupon.redeemed, coupon.voided). */
export const INCENTIVES_SOURCE = 'growthloop.incentives';

/** Where the daily run tells KPIs below their targets (kpi.alert). */
export const METRICS_SOURCE = 'growthloop.metrics';

/** Where a campaign run's state machine tells its report and its failure (campaign.report, campaign.failed). */
export const CAMPAIGNS_SOURCE = 'growthloop.campaigns';

/** Where the loyalty function tells points about to expire and points that expired (points.expiring, points.expired). */
export const LOYALTY_SOURCE = 'growthloop.loyalty';

export const LOYALTY_QUEUE = 'loyalty' satisfies QueueName;

/** Where the groups function tells every member of a group buy its outcome (group_completed, group_expired). */
export const GROUPS_SOURCE = 'growthloop.groups';

export const GROUPS_QUEUE = 'groups' satisfies QueueName;

/** The events of group buying the groups function folds. */
export const GROUP_EVENT_TYPES = ['group_created', 'group_joined'] as const;

/** Where the profile function puts lifecycle stage changes. */
export const PROFILES_SOURCE = 'growthloop.profiles';

export const routes: Route[] = [
  { name: 'ingested-events-to-profiles', pattern: { source: [INGEST_SOURCE] }, queue: 'profile-updates' },
  {
    name: 'events-to-journeys',
    pattern: { source: [INGEST_SOURCE, PROFILES_SOURCE, LOYALTY_SOURCE, GROUPS_SOURCE] },
    queue: 'journey-events',
  },
  {
    name: 'points-events-to-loyalty',
    pattern: { source: [INGEST_SOURCE], 'detail-type': [...new Set([...POINTS_EVENT_TYPES, ...REFERRAL_EVENT_TYPES])] },
    queue: 'loyalty',
  },
  {
    name: 'group-events-to-groups',
    pattern: { source: [INGEST_SOURCE], 'detail-type': [...GROUP_EVENT_TYPES] },
    queue: 'groups',
  },
  {
    name: 'points-granted-to-loyalty',
    pattern: { source: [DISPATCH_SOURCE], 'detail-type': [POINTS_GRANTED] },
    queue: 'loyalty',
  },
];
