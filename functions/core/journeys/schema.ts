/**
 * The journey language: what marketers write. Amazon Pinpoint's vocabulary where it fits
 * (activities, startActivity, limits with endpointReentryCap / endpointReentryInterval /
 * dailyCap, quietTime, schedule), so teams moving off Pinpoint feel at home; plus what it
 * lacked: waits until a local time or a date property, waiting for an event with a correlation
 * key and a timeout, goals with an attribution window, exit criteria, date entries, sticky
 * splits, holdouts, and versions.
 */

import { z } from 'zod';
import { STAGES } from '../scoring/stages';
import { StorableNumber } from '../storable';
import { Condition, FactPath } from './condition-schema';
import { parseDuration } from './local-time';

export const Id = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'must be 1-64 lower-case letters, digits, "-" or "_", starting with a letter or digit',
  );

const isDuration = (text: string) => {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
};

/** "90s", "30m", "1h", "2d", "1w", "1h30m". */
export const Duration = z.string().refine(isDuration, 'must be a duration such as 30m, 1h, 2d, 1w or 1h30m');

/** "HH:MM" on the customer's local clock. */
export const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time such as 09:00');

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const EventName = z
  .string()
  .regex(/^[a-z][a-z0-9_.]{1,63}$/, 'must be an event type such as order_placed or lifecycle.stage_changed');

/** A fact path naming a date, e.g. profile.traits.birthday. */
const DateFact = FactPath;

// ---- entry ----------------------------------------------------------------------------------

export const EventEntry = z.strictObject({
  type: z.literal('event'),
  event: EventName,
  condition: Condition.optional(),
  /**
   * A property of the entry event (e.g. checkoutId) that names this journey instance: with
   * `limits.liveInstances: "per_correlation"` a customer may be in one instance per value, and
   * `wait_for_event` can wait for an event carrying the same value.
   */
  correlationKey: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/)
    .optional(),
});

/** Entering a lifecycle stage (a `lifecycle.stage_changed` event to one of `stages`). */
export const LifecycleEntry = z.strictObject({
  type: z.literal('lifecycle'),
  stages: z.array(z.enum(STAGES)).min(1),
  condition: Condition.optional(),
});

/** Entering an RFM segment (a `segment.entered` event naming one of `segments`). */
export const SegmentEntry = z.strictObject({
  type: z.literal('segment'),
  segments: z.array(z.string().min(1)).min(1),
  condition: Condition.optional(),
});

/** A date of the customer's (birthday, signup anniversary, points expiry), at a local time. */
export const DateEntry = z.strictObject({
  type: z.literal('date'),
  date: DateFact,
  /** Days before (negative) or after the date. */
  offsetDays: z.number().int().min(-366).max(366).default(0),
  time: LocalTime.default('09:00'),
  /** Every year on the date's month and day (birthdays), or once. */
  repeat: z.enum(['yearly', 'once']).default('yearly'),
  condition: Condition.optional(),
});

export const Entry = z.discriminatedUnion('type', [EventEntry, LifecycleEntry, SegmentEntry, DateEntry]);
export type Entry = z.infer<typeof Entry>;

// ---- actions --------------------------------------------------------------------------------

const Template = z.string().min(1).max(128);

export const Action = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('coupon'),
    pool: Id,
    /** The coupon is delivered with the next message action, or on its own channel. */
    channel: z.enum(['email', 'sms', 'push']).optional(),
    template: Template.optional(),
    expiresIn: Duration.optional(),
  }),
  z.strictObject({
    kind: z.literal('points'),
    points: z.number().int().min(1),
    reason: z.string().max(128).optional(),
  }),
  z.strictObject({ kind: z.literal('push'), template: Template }),
  z.strictObject({ kind: z.literal('sms'), template: Template }),
  z.strictObject({ kind: z.literal('email'), template: Template }),
  /** WeChat: a mini-program subscribe message, an official-account template message, a WeCom contact message. */
  z.strictObject({ kind: z.literal('wechat_miniprogram'), template: Template }),
  z.strictObject({ kind: z.literal('wechat_oa'), template: Template }),
  z.strictObject({ kind: z.literal('wecom'), template: Template }),
  z.strictObject({ kind: z.literal('webhook'), url: z.url({ protocol: /^https$/ }), template: Template.optional() }),
  z.strictObject({
    kind: z.literal('tags'),
    add: z.array(z.string().min(1).max(64)).max(20).optional(),
    remove: z.array(z.string().min(1).max(64)).max(20).optional(),
  }),
  z.strictObject({ kind: z.literal('task'), queue: z.string().min(1).max(64), note: z.string().min(1).max(1000) }),
]);
export type Action = z.infer<typeof Action>;
export type ActionKind = Action['kind'];
/** Action kinds that send a message on a channel the tenant must have configured. */
export const CHANNEL_OF: Partial<Record<ActionKind, string>> = {
  push: 'push',
  sms: 'sms',
  email: 'email',
  webhook: 'webhook',
  wechat_miniprogram: 'wechat_miniprogram',
  wechat_oa: 'wechat_oa',
  wecom: 'wecom',
};

// ---- activities -----------------------------------------------------------------------------

/** A share of customers; as every number of a journey, one the store keeps exactly. */
const Percent = StorableNumber.positive().max(100);

const Next = Id.optional().describe('the next activity; none: the journey ends here');

export const WaitActivity = z.strictObject({
  type: z.literal('wait'),
  /** A fixed time, e.g. "1h". */
  for: Duration.optional(),
  /** The next time the customer's clock shows `time` on one of `weekdays`. */
  until: z.strictObject({ time: LocalTime, weekdays: z.array(z.enum(WEEKDAYS)).min(1).optional() }).optional(),
  /** A date of the customer's, shifted by `offsetDays`, at `time` local. */
  untilDate: z
    .strictObject({
      date: DateFact,
      offsetDays: z.number().int().min(-366).max(366).default(0),
      time: LocalTime.default('09:00'),
    })
    .optional(),
  next: Next,
});

export const WaitForEventActivity = z.strictObject({
  type: z.literal('wait_for_event'),
  event: EventName,
  condition: Condition.optional(),
  /** The event must carry the instance's correlation value under the entry's correlationKey. */
  correlate: z.boolean().default(false),
  timeout: Duration,
  /** When the event comes. */
  next: Next,
  /** When the timeout passes first. */
  timeoutNext: Next,
});

export const BranchActivity = z.strictObject({
  type: z.literal('branch'),
  /** The first branch whose condition holds is taken. */
  branches: z.array(z.strictObject({ condition: Condition, next: Next })).min(1),
  default: Next,
});

export const SplitActivity = z.strictObject({
  type: z.literal('split'),
  /** Random but sticky per customer; percentages add up to 100. */
  paths: z.array(z.strictObject({ name: z.string().min(1).max(64), percent: Percent, next: Next })).min(2),
});

export const HoldoutActivity = z.strictObject({
  type: z.literal('holdout'),
  /** This share of customers (sticky) leaves here and gets nothing; they are counted as the control group. */
  percent: Percent,
  next: Next,
});

export const ActionActivity = z.strictObject({ type: z.literal('action'), action: Action, next: Next });

export const ExitActivity = z.strictObject({ type: z.literal('exit') });

export const Activity = z.discriminatedUnion('type', [
  WaitActivity,
  WaitForEventActivity,
  BranchActivity,
  SplitActivity,
  HoldoutActivity,
  ActionActivity,
  ExitActivity,
]);
export type Activity = z.infer<typeof Activity>;

// ---- the journey ----------------------------------------------------------------------------

export const JOURNEY_STATUSES = ['draft', 'live', 'paused', 'archived'] as const;

export const Goal = z.strictObject({
  event: EventName,
  condition: Condition.optional(),
  /** A goal event counts as a conversion within this time after entry. */
  attributionWindow: Duration.default('7d'),
  /** Reaching the goal ends the journey for the customer, wherever they are. */
  exit: z.boolean().default(true),
});

export const ExitCriterion = z.strictObject({ event: EventName, condition: Condition.optional() });

export const Limits = z.strictObject({
  /** How many times a customer may enter (1: never again). Unlimited when absent. */
  endpointReentryCap: z.number().int().min(1).optional(),
  /** How long after entering a customer may enter again. */
  endpointReentryInterval: Duration.optional(),
  /** One live instance per customer, or one per correlation value (e.g. per checkout). */
  liveInstances: z.enum(['per_customer', 'per_correlation']).default('per_customer'),
  /** Messages the journey may send per day (UTC), over all customers. */
  dailyCap: z.number().int().min(1).optional(),
});

export const QuietTime = z.strictObject({ start: LocalTime, end: LocalTime });

export const Journey = z.strictObject({
  id: Id,
  name: z.string().min(1).max(128),
  description: z.string().max(2000).optional(),
  /** Set by the admin API on publish; customers in flight finish on the version they entered. */
  version: z.number().int().min(1).optional(),
  status: z.enum(JOURNEY_STATUSES).default('draft'),
  schedule: z
    .strictObject({
      startTime: z.iso.datetime({ offset: true }).optional(),
      endTime: z.iso.datetime({ offset: true }).optional(),
    })
    .optional(),
  entry: Entry,
  startActivity: Id,
  activities: z.record(Id, Activity),
  goals: z.array(Goal).max(20).default([]),
  exitWhen: z.array(ExitCriterion).max(20).default([]),
  limits: Limits.default({ liveInstances: 'per_customer' }),
  /** No messages between start and end on the customer's clock; they wait until `end`. */
  quietTime: QuietTime.optional(),
});
export type Journey = z.infer<typeof Journey>;
export type JourneyInput = z.input<typeof Journey>;
