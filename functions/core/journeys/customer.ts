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

export type CustomerStep = {
  state: CustomerJourneys;
  intents: JourneyIntent[];
  /** Entries refused, by journey, for stats and debugging. */
  refused: { journeyId: string; reason: EntryRefusal }[];
};

const tag = (instance: Instance, intents: Intent[]): JourneyIntent[] =>
  intents.map((i) => ({
    ...i,
    journeyId: instance.journeyId,
    version: instance.version,
    instanceId: instance.instanceId,
  }));

/** How long an ended instance is kept: until its journey's longest attribution window has passed. */
function keepUntil(journey: Journey | undefined, instance: Instance): number {
  const windows = (journey?.goals ?? []).map((g) => parseDuration(g.attributionWindow));
  return Date.parse(instance.enteredAt) + Math.max(0, ...windows);
}

function prune(catalog: JourneyCatalog, instances: Instance[], now: number): Instance[] {
  return instances.filter(
    (i) => i.outcome === undefined || keepUntil(catalog.version(i.journeyId, i.version), i) >= now,
  );
}

/** Starts the journeys the event enters the customer in, as their limits allow. */
function enterJourneys(
  journeys: readonly Journey[],
  state: CustomerJourneys,
  event: JourneyEvent,
  customer: Customer,
  now: number,
  step: CustomerStep,
): CustomerJourneys {
  const facts: Facts = { event, profile: customer.profile, now };
  const entering = journeys.filter((journey) => isEntryEvent(journey, event, facts));
  if (entering.length === 0) return state;
  const enrollments = { ...state.enrollments };
  const instances = [...state.instances];
  for (const journey of entering) {
    const live = instances.filter((i) => i.journeyId === journey.id && i.outcome === undefined);
    const result = enter(journey, ownValue(enrollments, journey.id), live, event, customer, now);
    if ('refused' in result) {
      step.refused.push({ journeyId: journey.id, reason: result.refused });
      continue;
    }
    setOwn(enrollments, journey.id, result.enrollment);
    instances.push(result.instance);
    step.intents.push(...tag(result.instance, result.intents));
  }
  return { ...state, enrollments, instances };
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
  const step: CustomerStep = { state, intents: [], refused: [] };
  const instances = state.instances.map((instance) => {
    const journey = catalog.version(instance.journeyId, instance.version);
    if (!journey) return instance;
    const moved = onEvent(journey, instance, event, customer, now);
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
  const step: CustomerStep = { state, intents: [], refused: [] };
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
    const journey = catalog.version(instance.journeyId, instance.version);
    if (!journey) return instance;
    const moved = onTimer(journey, instance, timer.timerId, customer, now);
    step.intents.push(...tag(moved.instance, moved.intents));
    return moved.instance;
  });
  step.state = { ...state, instances: prune(catalog, instances, now) };
  return step;
}
