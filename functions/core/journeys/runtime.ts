/**
 * The journey runtime, pure: (journey, instance, event or timer, profile, now) → (new instance,
 * intents). The journey function loads the state, calls one of `enter`, `onEvent`, `onTimer`
 * and carries out the intents (send an action, set a timer, count a metric); the backtester
 * calls the same functions with a simulated clock, which is why its report matches a live run.
 *
 * Every step is idempotent under redelivery: timers and action keys are named by the instance
 * and the visit of the activity, so a repeated timer or event finds the instance moved on and
 * a repeated action has the key it had the first time.
 */

import { fnv1a32 } from '../hash';
import { ownPath, ownValue, setOwn } from '../own';
import type { Facts } from './condition-schema';
import { compileCondition } from './conditions';
import { localDateTime, nextLocalTime, parseDuration } from './local-time';
import type { Action, Activity, Journey } from './schema';

/** An event as journeys see it: a canonical event or one of growthloop's own (lifecycle.stage_changed). */
export type JourneyEvent = {
  type: string;
  eventId: string;
  customerId: string;
  occurredAt: string;
  properties: Record<string, unknown>;
};

/** What the runtime knows of the customer: the profile facts conditions read, and their time zone. */
export type Customer = { profile: Record<string, unknown>; timeZone: string };

/** `failed`: the instance could not run on; it is parked with its `failure` and runs no more. */
export type Outcome = 'completed' | 'exited' | 'converted' | 'held_out' | 'failed';

export type Instance = {
  journeyId: string;
  version: number;
  customerId: string;
  /** Unique per customer and journey: the customer, the correlation value if any, and the entry number. */
  instanceId: string;
  entry: number;
  correlation?: string;
  enteredAt: string;
  /** The activity the customer is at, while the instance is live. */
  activity?: string;
  /** The timer the instance waits for (a wait, or a wait_for_event's timeout). */
  waiting?: { timerId: string; at: string; event?: string };
  /** How many times each activity ran, so that a loop's actions and timers get new keys. */
  visits: Record<string, number>;
  outcome?: Outcome;
  endedAt?: string;
  convertedAt?: string;
  /**
   * The side of a holdout the instance fell on: `holdout` ones end there but stay kept, and their goal
   * conversions counted apart, for the attribution window, so the two arms can be compared.
   */
  arm?: 'treated' | 'holdout';
  /**
   * The arm the instance took at each split (the path's name) and holdout (`treated` or `holdout`)
   * it passed, by activity id: its goal conversions are counted for each (per-arm lift).
   */
  arms?: Record<string, string>;
  /** Why a failed instance could not run on, and when. */
  failure?: { reason: string; at: string };
};

/** A customer's history with one journey: how often and when last they entered. */
export type Enrollment = { entries: number; lastEnteredAt?: string };

/** `waiting` and `left`: an instance started or stopped waiting at `activity` (the per-activity gauge). */
/**
 * `capped` is counted by the caller, for a send over its journey's daily cap. `converted` counts the
 * conversions of every instance not held out; `treated_converted`, besides it, those of instances on
 * a holdout's treated arm (`arm: 'treated'`), the count compared with `holdout_converted`.
 */
export type Metric =
  | 'entered'
  | 'completed'
  | 'exited'
  | 'converted'
  | 'held_out'
  | 'treated'
  | 'holdout_converted'
  | 'treated_converted'
  | 'failed'
  | 'queued'
  | 'capped'
  | 'waiting'
  | 'left'
  /** An instance took `arm` at the split or holdout `activity` (once per instance and activity). */
  | 'arm'
  /** An instance on `arm` of `activity` reached a goal (within the window, once per instance). */
  | 'arm_converted';

export type Intent =
  | {
      type: 'send';
      key: string;
      action: Action;
      activity: string;
      quietTime?: Journey['quietTime'];
      /** The journey's `limits.dailyCap`, checked when the send is carried out. */
      dailyCap?: number;
    }
  | { type: 'set_timer'; timerId: string; at: string }
  | { type: 'metric'; metric: Metric; activity?: string; arm?: string };

export type Step = { instance: Instance; intents: Intent[] };

const PAUSED_RETRY_MS = 3_600_000;

const activityCounts = new WeakMap<object, number>();
/**
 * Validation refuses loops that pass no wait, so a run visits each activity at most once: a run
 * longer than the journey has activities is a loop (in a version validated by an older rule).
 */
function mostSteps(journey: Journey): number {
  let count = activityCounts.get(journey.activities);
  if (count === undefined) {
    count = Object.keys(journey.activities).length;
    activityCounts.set(journey.activities, count);
  }
  return count;
}

const compiled = new WeakMap<object, (facts: Facts) => boolean>();
/** Conditions are compiled once per journey object, on first use. */
function holds(condition: Parameters<typeof compileCondition>[0] | undefined, facts: Facts): boolean {
  if (condition === undefined) return true;
  let test = compiled.get(condition);
  if (!test) {
    test = compileCondition(condition);
    compiled.set(condition, test);
  }
  return test(facts);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A stable number in [0, 100) for a customer at a split or holdout: the same customer always lands alike. */
export function bucket(salt: string, customerId: string): number {
  let h = fnv1a32(`${salt}\u0000${customerId}`);
  // The first steps of murmur3's finalizer, so that close inputs spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return ((h >>> 0) / 2 ** 32) * 100;
}

/** The event's value of the entry's correlation key, as a string. */
function correlationOf(journey: Journey, event: JourneyEvent): string | undefined {
  if (journey.entry.type !== 'event' || !journey.entry.correlationKey) return undefined;
  const value = ownValue(event.properties, journey.entry.correlationKey);
  return value === undefined || value === null ? undefined : String(value);
}

/** Whether the event starts the journey for the customer, by its entry's kind and condition. */
export function isEntryEvent(journey: Journey, event: JourneyEvent, facts: Facts): boolean {
  const entry = journey.entry;
  switch (entry.type) {
    case 'event':
      return event.type === entry.event && holds(entry.condition, facts);
    case 'lifecycle':
      return (
        event.type === 'lifecycle.stage_changed' &&
        (entry.stages as string[]).includes(String(event.properties.to)) &&
        holds(entry.condition, facts)
      );
    case 'segment':
      return (
        event.type === 'segment.entered' &&
        entry.segments.includes(String(event.properties.segment)) &&
        holds(entry.condition, facts)
      );
    case 'date':
      // Date entries are started by the date scheduler's `journey.date_due` events.
      return (
        event.type === 'journey.date_due' && event.properties.journeyId === journey.id && holds(entry.condition, facts)
      );
  }
}

/** `parked`: the customer's instance of this version of the journey failed, and is kept as it was. */
export type EntryRefusal =
  | 'not_live'
  | 'outside_schedule'
  | 'reentry_cap'
  | 'reentry_interval'
  | 'already_in'
  | 'parked';

/**
 * Whether the customer may enter now, by the journey's status, schedule and limits; `live` are
 * the customer's instances of this journey that have not ended.
 */
export function entryRefusal(
  journey: Journey,
  enrollment: Enrollment | undefined,
  live: readonly Instance[],
  correlation: string | undefined,
  now: number,
): EntryRefusal | undefined {
  if (journey.status !== 'live') return 'not_live';
  const { startTime, endTime } = journey.schedule ?? {};
  if ((startTime && now < Date.parse(startTime)) || (endTime && now >= Date.parse(endTime))) return 'outside_schedule';
  const { endpointReentryCap, endpointReentryInterval, liveInstances } = journey.limits;
  const sameInstance = liveInstances === 'per_customer' ? live : live.filter((i) => i.correlation === correlation);
  if (sameInstance.length > 0) return 'already_in';
  if (!enrollment) return undefined;
  if (endpointReentryCap !== undefined && enrollment.entries >= endpointReentryCap) return 'reentry_cap';
  if (endpointReentryInterval && enrollment.lastEnteredAt) {
    if (now < Date.parse(enrollment.lastEnteredAt) + parseDuration(endpointReentryInterval)) return 'reentry_interval';
  }
  return undefined;
}

/**
 * Starts the journey for a customer on an entry event (the caller checked `isEntryEvent`):
 * refused by status, schedule or limits, otherwise a new instance run up to its first wait.
 */
export function enter(
  journey: Journey,
  enrollment: Enrollment | undefined,
  live: readonly Instance[],
  event: JourneyEvent,
  customer: Customer,
  now: number,
): { refused: EntryRefusal } | (Step & { enrollment: Enrollment }) {
  const correlation = correlationOf(journey, event);
  const refused = entryRefusal(journey, enrollment, live, correlation, now);
  if (refused) return { refused };
  const base = correlation === undefined ? event.customerId : `${event.customerId}#${correlation}`;
  const entry = (enrollment?.entries ?? 0) + 1;
  const instance: Instance = {
    journeyId: journey.id,
    version: journey.version ?? 1,
    customerId: event.customerId,
    instanceId: `${base}#${entry}`,
    entry,
    ...(correlation === undefined ? {} : { correlation }),
    enteredAt: iso(now),
    visits: {},
  };
  const intents: Intent[] = [{ type: 'metric', metric: 'entered' }];
  const facts: Facts = { event, profile: customer.profile, now };
  const step = run(journey, instance, journey.startActivity, facts, customer, now, intents);
  return { ...step, enrollment: { entries: entry, lastEnteredAt: iso(now) } };
}

/** An event for a customer who is in (or recently left) the journey: goals, exit criteria, awaited events. */
export function onEvent(
  journey: Journey,
  instance: Instance,
  event: JourneyEvent,
  customer: Customer,
  now: number,
): Step {
  const facts: Facts = { event, profile: customer.profile, now };
  const intents: Intent[] = [];
  let next = instance;
  const entered = Date.parse(instance.enteredAt);
  for (const goal of journey.goals) {
    if (event.type !== goal.event || !holds(goal.condition, facts)) continue;
    const inWindow = Date.parse(event.occurredAt) <= entered + parseDuration(goal.attributionWindow);
    if (inWindow && next.convertedAt === undefined && Date.parse(event.occurredAt) >= entered) {
      next = { ...next, convertedAt: event.occurredAt };
      if (next.arm === 'holdout') intents.push({ type: 'metric', metric: 'holdout_converted' });
      else {
        intents.push({ type: 'metric', metric: 'converted' });
        // The treated arm's own count: `converted` also counts instances that never reached a holdout.
        if (next.arm === 'treated') intents.push({ type: 'metric', metric: 'treated_converted' });
      }
      for (const [activity, arm] of Object.entries(next.arms ?? {}))
        intents.push({ type: 'metric', metric: 'arm_converted', activity, arm });
    }
    if (goal.exit && next.outcome === undefined)
      return end(next, next.convertedAt ? 'converted' : 'exited', now, intents);
  }
  if (next.outcome !== undefined) return { instance: next, intents };
  if (journey.exitWhen.some((c) => event.type === c.event && holds(c.condition, facts))) {
    return end(next, 'exited', now, intents);
  }
  const activity = next.activity === undefined ? undefined : ownValue(journey.activities, next.activity);
  if (activity?.type === 'wait_for_event' && next.waiting && event.type === activity.event) {
    const correlated =
      !activity.correlate || (next.correlation !== undefined && correlationOf(journey, event) === next.correlation);
    if (correlated && holds(activity.condition, facts)) {
      const { waiting: _, ...moved } = next;
      intents.push({ type: 'metric', metric: 'left', activity: next.activity as string });
      return proceed(journey, moved, activity.next, facts, customer, now, intents);
    }
  }
  return { instance: next, intents };
}

/** A timer the instance set: the end of a wait, or a wait_for_event's timeout. A stale timer changes nothing. */
export function onTimer(journey: Journey, instance: Instance, timerId: string, customer: Customer, now: number): Step {
  if (instance.outcome !== undefined || instance.waiting?.timerId !== timerId) return { instance, intents: [] };
  if (journey.status === 'archived') return end(instance, 'exited', now, []);
  if (journey.status === 'paused') {
    // Held where it is until the journey is live again.
    const at = iso(now + PAUSED_RETRY_MS);
    const waiting = { ...instance.waiting, timerId: `${timerId}+`, at };
    return { instance: { ...instance, waiting }, intents: [{ type: 'set_timer', timerId: waiting.timerId, at }] };
  }
  const activity = instance.activity === undefined ? undefined : ownValue(journey.activities, instance.activity);
  const { waiting: _, ...moved } = instance;
  const facts: Facts = { profile: customer.profile, now };
  const next =
    activity?.type === 'wait_for_event'
      ? activity.timeoutNext
      : activity && 'next' in activity
        ? activity.next
        : undefined;
  return proceed(journey, moved, next, facts, customer, now, [
    { type: 'metric', metric: 'left', activity: instance.activity as string },
  ]);
}

/**
 * The instance parked: it could not run on (`reason`). It keeps its history (entry, visits), leaves
 * the activity it was at, and is counted as failed.
 */
export function park(instance: Instance, reason: string, now: number): Step {
  const parked = end(instance, 'failed', now, []);
  return { ...parked, instance: { ...parked.instance, failure: { reason, at: iso(now) } } };
}

function end(instance: Instance, outcome: Outcome, now: number, intents: Intent[]): Step {
  const { activity, waiting, ...rest } = instance;
  // A conversion was counted when it happened; the end is counted once, as how the instance left.
  const metric: Metric = outcome === 'converted' ? 'exited' : outcome;
  const left: Intent[] = waiting && activity ? [{ type: 'metric', metric: 'left', activity }] : [];
  return {
    instance: { ...rest, outcome, endedAt: iso(now) },
    intents: [...intents, ...left, { type: 'metric', metric }],
  };
}

function proceed(
  journey: Journey,
  instance: Instance,
  next: string | undefined,
  facts: Facts,
  customer: Customer,
  now: number,
  intents: Intent[],
): Step {
  if (next === undefined) return end(instance, 'completed', now, intents);
  return run(journey, instance, next, facts, customer, now, intents);
}

/** When a wait activity ends, on the customer's clock. */
function waitEnd(activity: Extract<Activity, { type: 'wait' }>, customer: Customer, now: number): number {
  if (activity.for) return now + parseDuration(activity.for);
  if (activity.until) {
    return nextLocalTime(now, {
      time: activity.until.time,
      timeZone: customer.timeZone,
      ...(activity.until.weekdays ? { weekdays: activity.until.weekdays } : {}),
    });
  }
  const spec = activity.untilDate;
  if (!spec) return now;
  const date = factAt(customer.profile, spec.date);
  if (typeof date !== 'string') return now;
  try {
    return localDateTime(date, { offsetDays: spec.offsetDays, time: spec.time, timeZone: customer.timeZone });
  } catch {
    return now; // not a date: as a missing one, nothing to wait for
  }
}

/** The value at a fact path such as profile.traits.birthday: own properties only, never an inherited member. */
export function factAt(profile: Record<string, unknown>, path: string): unknown {
  return ownPath({ profile }, path.split('.'));
}

/** The instance at activity `at`, with `visits`. */
const atActivity = (instance: Instance, at: string | undefined, visits: Record<string, number>): Instance => ({
  ...instance,
  ...(at === undefined ? {} : { activity: at }),
  visits,
});

/**
 * The most splits and holdouts an instance keeps its arm of: a run through a long chain of them
 * keeps the instance (stored with the customer) and its intents bounded; arms past these are not counted.
 */
export const MAX_ARMS_KEPT = 20;

/** The instance on `arm` of the split or holdout `activity`: counted the first time only (a loop lands alike). */
function onArm(instance: Instance, activity: string, arm: string, intents: Intent[]): Instance {
  if (ownValue(instance.arms ?? {}, activity) !== undefined) return instance;
  if (Object.keys(instance.arms ?? {}).length >= MAX_ARMS_KEPT) return instance;
  intents.push({ type: 'metric', metric: 'arm', activity, arm });
  const arms = { ...instance.arms };
  setOwn(arms, activity, arm);
  return { ...instance, arms };
}

/** Runs activities from `activityId` until the instance waits or ends. */
function run(
  journey: Journey,
  start: Instance,
  activityId: string,
  facts: Facts,
  customer: Customer,
  now: number,
  intents: Intent[],
): Step {
  // One copy of the visits for the whole run, so that a long run costs in proportion to its length.
  const visits = { ...start.visits };
  let instance = start;
  let current = start.activity;
  let id: string | undefined = activityId;
  const limit = mostSteps(journey);
  for (let steps = 0; id !== undefined; steps++) {
    if (steps >= limit) throw new Error(`loops without a wait at activity "${id}"`);
    const activity: Activity | undefined = ownValue(journey.activities, id);
    if (!activity) throw new Error(`no activity "${id}"`);
    const visit = (ownValue(visits, id) ?? 0) + 1;
    setOwn(visits, id, visit);
    current = id;
    const key = `${journey.id}:${instance.instanceId}:${id}:${visit}`;
    switch (activity.type) {
      case 'exit':
        return end(atActivity(instance, current, visits), 'exited', now, intents);
      case 'action':
        intents.push(
          {
            type: 'send',
            key,
            action: activity.action,
            activity: id,
            ...(journey.quietTime ? { quietTime: journey.quietTime } : {}),
            ...(journey.limits.dailyCap === undefined ? {} : { dailyCap: journey.limits.dailyCap }),
          },
          { type: 'metric', metric: 'queued', activity: id },
        );
        id = activity.next;
        break;
      case 'branch':
        id = activity.branches.find((b) => holds(b.condition, facts))?.next ?? activity.default;
        break;
      case 'split': {
        const at = bucket(`${journey.id}:${id}`, instance.customerId);
        let upTo = 0;
        const path = activity.paths.find((p) => {
          upTo += p.percent;
          return at < upTo;
        });
        const taken = path ?? activity.paths.at(-1);
        if (taken) instance = onArm(instance, id, taken.name, intents);
        id = taken?.next;
        break;
      }
      case 'holdout':
        if (bucket(`${journey.id}:${id}:holdout`, instance.customerId) < activity.percent) {
          const held = onArm(instance, id, 'holdout', intents);
          return end({ ...atActivity(held, current, visits), arm: 'holdout' }, 'held_out', now, intents);
        }
        // Counted once per instance, as held_out is: a loop back through the holdout lands alike (bucket).
        if (instance.arm !== 'treated') intents.push({ type: 'metric', metric: 'treated' });
        instance = { ...onArm(instance, id, 'treated', intents), arm: 'treated' };
        id = activity.next;
        break;
      case 'wait':
      case 'wait_for_event': {
        const at = activity.type === 'wait' ? waitEnd(activity, customer, now) : now + parseDuration(activity.timeout);
        if (activity.type === 'wait' && at <= now) {
          id = activity.next;
          break;
        }
        const waiting = {
          timerId: key,
          at: iso(at),
          ...(activity.type === 'wait_for_event' ? { event: activity.event } : {}),
        };
        intents.push(
          { type: 'set_timer', timerId: key, at: waiting.at },
          { type: 'metric', metric: 'waiting', activity: id },
        );
        return { instance: { ...atActivity(instance, current, visits), waiting }, intents };
      }
    }
  }
  return end(atActivity(instance, current, visits), 'completed', now, intents);
}
