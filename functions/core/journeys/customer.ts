/**
 * One customer's journeys as one piece of state: how often they entered each journey, and their
 * instances (live ones, and ended ones still inside a goal's attribution window, so that a late
 * goal event counts as a conversion). The journey function keeps it in one item per customer,
 * so an event costs one read and one conditional write whatever the number of journeys; the
 * backtester keeps it in memory. Pure.
 */

import { ownValue, setOwn } from '../own';
import type { JourneyCatalog } from './catalog';
import type { Facts } from './condition-schema';
import { localDateTime, nextAnniversary, parseDuration } from './local-time';
import {
  type Customer,
  type Enrollment,
  type EntryRefusal,
  enter,
  factAt,
  type Instance,
  type Intent,
  isEntryEvent,
  type JourneyEvent,
  onEvent,
  onTimer,
  park,
  type Step,
} from './runtime';
import type { Journey } from './schema';

export type CustomerJourneys = {
  enrollments: Record<string, Enrollment>;
  instances: Instance[];
  /** For journeys that start on a date of the customer's: the timer set for the next one. */
  dates?: Record<string, { at: string; timerId: string }>;
  /** The date-entry journeys whose date was looked up for the customer (again on each identify). */
  datesChecked?: string[];
};

export const emptyCustomerJourneys = (): CustomerJourneys => ({ enrollments: {}, instances: [] });

/** An intent with the journey (and version) and instance it came from. */
export type JourneyIntent = Intent & { journeyId: string; version: number; instanceId: string };

/** A timer as the timers port delivers it back. */
export type JourneyTimer = { journeyId: string; instanceId: string; timerId: string };

/** An instance that could not run on and was parked; `error`: the name of what was thrown, if anything was. */
export type JourneyFailure = { journeyId: string; version: number; reason: string; error?: string };

export type CustomerStep = {
  state: CustomerJourneys;
  intents: JourneyIntent[];
  /** Entries refused, by journey, for stats and debugging. */
  refused: { journeyId: string; reason: EntryRefusal }[];
  /** Instances parked in this step: one journey that cannot run never stops the customer's others. */
  failed: JourneyFailure[];
};

/** How long a failed instance is kept at least, for an operator to see (and for its version to take the customer no more). */
const FAILED_KEPT_MS = 30 * 86_400_000;

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

/** The instance parked for what `move` threw, counted in the step's failures. */
function parkFailed(instance: Instance, error: unknown, step: CustomerStep, now: number): Step {
  const parked = park(instance, reasonOf(error), now);
  step.failed.push({
    journeyId: instance.journeyId,
    version: instance.version,
    reason: parked.instance.failure?.reason ?? '',
    error: error instanceof Error ? error.name : typeof error,
  });
  return parked;
}

/**
 * `move` run for one instance, isolated: whatever it throws parks that instance with the reason,
 * and the customer's other journeys go on.
 */
function guarded(instance: Instance, step: CustomerStep, now: number, move: () => Step): Step {
  try {
    return move();
  } catch (e) {
    return parkFailed(instance, e, step, now);
  }
}

/** An instance of a version that was refused when the catalog was read: parked with that reason. */
function parkRefused(instance: Instance, reason: string, step: CustomerStep, now: number): Instance {
  const parked = park(instance, `this version of the journey cannot run: ${reason}`, now);
  step.failed.push({
    journeyId: instance.journeyId,
    version: instance.version,
    reason: parked.instance.failure?.reason ?? '',
  });
  step.intents.push(...tag(parked.instance, parked.intents));
  return parked.instance;
}

const tag = (instance: Instance, intents: Intent[]): JourneyIntent[] =>
  intents.map((i) => ({
    ...i,
    journeyId: instance.journeyId,
    version: instance.version,
    instanceId: instance.instanceId,
  }));

/** How long an ended instance is kept: until its journey's longest attribution window has passed; a failed one a while longer. */
function keepUntil(journey: Journey | undefined, instance: Instance): number {
  const windows = (journey?.goals ?? []).map((g) => parseDuration(g.attributionWindow));
  const attribution = Date.parse(instance.enteredAt) + Math.max(0, ...windows);
  if (instance.outcome !== 'failed') return attribution;
  return Math.max(attribution, Date.parse(instance.failure?.at ?? instance.endedAt ?? '') + FAILED_KEPT_MS);
}

function prune(catalog: JourneyCatalog, instances: Instance[], now: number): Instance[] {
  return instances.filter(
    (i) => i.outcome === undefined || keepUntil(catalog.version(i.journeyId, i.version), i) >= now,
  );
}

type Entering = { refused: EntryRefusal } | (Step & { enrollment?: Enrollment });

/** Whether and how the event enters the customer in the journey; undefined when it is no entry event of it. */
function entering(
  journey: Journey,
  enrollments: Readonly<Record<string, Enrollment>>,
  instances: readonly Instance[],
  event: JourneyEvent,
  customer: Customer,
  facts: Facts,
  now: number,
): Entering | undefined {
  if (!isEntryEvent(journey, event, facts)) return undefined;
  const version = journey.version ?? 1;
  const mine = instances.filter((i) => i.journeyId === journey.id);
  if (mine.some((i) => i.outcome === 'failed' && i.version === version)) return { refused: 'parked' };
  return enter(
    journey,
    ownValue(enrollments, journey.id),
    mine.filter((i) => i.outcome === undefined),
    event,
    customer,
    now,
  );
}

/** The instance an entry that threw would have started, parked. */
function failedEntry(
  journey: Journey,
  enrollment: Enrollment | undefined,
  event: JourneyEvent,
  error: unknown,
  step: CustomerStep,
  now: number,
): Step {
  const entry = (enrollment?.entries ?? 0) + 1;
  const instance: Instance = {
    journeyId: journey.id,
    version: journey.version ?? 1,
    customerId: event.customerId,
    instanceId: `${event.customerId}#${entry}`,
    entry,
    enteredAt: new Date(now).toISOString(),
    visits: {},
  };
  return parkFailed(instance, error, step, now);
}

/** Starts the journeys the event enters the customer in, as their limits allow; one that throws is parked alone. */
function enterJourneys(
  journeys: readonly Journey[],
  state: CustomerJourneys,
  event: JourneyEvent,
  customer: Customer,
  now: number,
  step: CustomerStep,
): CustomerJourneys {
  const facts: Facts = { event, profile: customer.profile, now };
  let enrollments: Record<string, Enrollment> | undefined;
  let instances: Instance[] | undefined;
  for (const journey of journeys) {
    let result: Entering | undefined;
    try {
      result = entering(
        journey,
        enrollments ?? state.enrollments,
        instances ?? state.instances,
        event,
        customer,
        facts,
        now,
      );
    } catch (e) {
      result = failedEntry(journey, ownValue(enrollments ?? state.enrollments, journey.id), event, e, step, now);
    }
    if (result === undefined) continue;
    if ('refused' in result) {
      step.refused.push({ journeyId: journey.id, reason: result.refused });
      continue;
    }
    if (result.enrollment) {
      enrollments ??= { ...state.enrollments };
      setOwn(enrollments, journey.id, result.enrollment);
    }
    instances ??= [...state.instances];
    instances.push(result.instance);
    step.intents.push(...tag(result.instance, result.intents));
  }
  if (!enrollments && !instances) return state;
  return { ...state, enrollments: enrollments ?? state.enrollments, instances: instances ?? state.instances };
}

/**
 * Keeps one timer set for the next date of each date-entry journey the customer has a date for
 * (a birthday: the next anniversary; an expiry: the date itself, if still ahead). Dates come
 * from traits, so each journey's is looked up once, and again when an identify may change it.
 */
function scheduleDates(
  catalog: JourneyCatalog,
  state: CustomerJourneys,
  customer: Customer,
  now: number,
  step: CustomerStep,
  recheck: boolean,
) {
  const checked = new Set(state.datesChecked);
  const due = catalog.dated().filter((j) => recheck || !checked.has(j.id));
  if (due.length === 0) return state;
  const dates = { ...state.dates };
  for (const journey of due) {
    checked.add(journey.id);
    const entry = journey.entry;
    if (entry.type !== 'date') continue;
    const value = factAt(customer.profile, entry.date);
    let at: number | undefined;
    try {
      const options = { offsetDays: entry.offsetDays, time: entry.time, timeZone: customer.timeZone };
      if (typeof value === 'string') {
        at = entry.repeat === 'yearly' ? nextAnniversary(now, value, options) : localDateTime(value, options);
      }
    } catch {
      at = undefined; // not a date: nothing to schedule
    }
    if (at === undefined || at < now) {
      delete dates[journey.id];
      continue;
    }
    const atIso = new Date(at).toISOString();
    const timerId = `date:${journey.id}:${atIso}`;
    if (ownValue(dates, journey.id)?.timerId === timerId) continue;
    setOwn(dates, journey.id, { at: atIso, timerId });
    step.intents.push({
      type: 'set_timer',
      timerId,
      at: atIso,
      journeyId: journey.id,
      version: journey.version ?? 1,
      instanceId: '',
    });
  }
  const { dates: _, ...rest } = state;
  const withChecked = { ...rest, datesChecked: [...checked].sort() };
  return Object.keys(dates).length > 0 ? { ...withChecked, dates } : withChecked;
}

/**
 * An event of the customer: first to the instances they are in (goals, exit criteria, awaited
 * events), then to the journeys it may start; and the customer's date timers follow their dates.
 */
export function onCustomerEvent(
  catalog: JourneyCatalog,
  state: CustomerJourneys,
  event: JourneyEvent,
  customer: Customer,
  now: number,
): CustomerStep {
  const step: CustomerStep = { state, intents: [], refused: [], failed: [] };
  const instances = state.instances.map((instance) => {
    // A parked instance is kept as it was: it counts no goal.
    if (instance.outcome === 'failed') return instance;
    const refused = instance.outcome === undefined ? catalog.refused(instance.journeyId, instance.version) : undefined;
    if (refused !== undefined) return parkRefused(instance, refused, step, now);
    const journey = catalog.version(instance.journeyId, instance.version);
    if (!journey) return instance;
    const moved = guarded(instance, step, now, () => onEvent(journey, instance, event, customer, now));
    step.intents.push(...tag(moved.instance, moved.intents));
    return moved.instance;
  });
  const candidates = catalog.entering(event.type, customer.profile);
  let next = enterJourneys(candidates, { ...state, instances }, event, customer, now, step);
  next = scheduleDates(catalog, next, customer, now, step, event.type === 'identify');
  step.state = { ...next, instances: prune(catalog, next.instances, now) };
  return step;
}

/**
 * A timer of one of the customer's instances, or of a date-entry journey; a timer of an
 * instance that is gone or moved on, or of a date that changed, changes nothing.
 */
export function onCustomerTimer(
  catalog: JourneyCatalog,
  state: CustomerJourneys,
  timer: JourneyTimer,
  customer: Customer,
  now: number,
): CustomerStep {
  const step: CustomerStep = { state, intents: [], refused: [], failed: [] };
  if (timer.instanceId === '') {
    const date = ownValue(state.dates, timer.journeyId);
    if (date?.timerId !== timer.timerId) return step;
    const event: JourneyEvent = {
      type: 'journey.date_due',
      eventId: timer.timerId,
      customerId: String(customer.profile.customerId ?? ''),
      occurredAt: new Date(now).toISOString(),
      properties: { journeyId: timer.journeyId, date: date.at },
    };
    let next = enterJourneys(catalog.dated(), state, event, customer, now, step);
    // The next date is scheduled from just after this one.
    next = scheduleDates(catalog, next, customer, Date.parse(date.at) + 1, step, true);
    step.state = { ...next, instances: prune(catalog, next.instances, now) };
    return step;
  }
  const instances = state.instances.map((instance) => {
    if (instance.instanceId !== timer.instanceId || instance.journeyId !== timer.journeyId) return instance;
    const refused = instance.outcome === undefined ? catalog.refused(instance.journeyId, instance.version) : undefined;
    if (refused !== undefined) return parkRefused(instance, refused, step, now);
    const journey = catalog.version(instance.journeyId, instance.version);
    if (!journey) return instance;
    const moved = guarded(instance, step, now, () => onTimer(journey, instance, timer.timerId, customer, now));
    step.intents.push(...tag(moved.instance, moved.intents));
    return moved.instance;
  });
  step.state = { ...state, instances: prune(catalog, instances, now) };
  return step;
}
