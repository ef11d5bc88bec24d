/**
 * The journeys of a tenant, indexed so that one event costs work in proportion to the journeys
 * it can affect: by the event type that starts them and, when their entry condition requires a
 * profile fact to equal a value (the audience, e.g. profile.traits.segment = "vip"), by that
 * value; and every version kept, so that customers in flight finish on the version they entered.
 */

import { ownPath } from '../own';
import type { Condition } from './condition-schema';
import type { Journey } from './schema';

export type JourneyCatalog = {
  /**
   * Live journeys an event of this type may start for a customer with this profile: the
   * journeys whose audience the profile is in, or that have none. Their entry condition is
   * still to be checked.
   */
  entering(eventType: string, profile: Readonly<Record<string, unknown>>): readonly Journey[];
  /**
   * The version of a journey an instance runs on (the latest if that version is gone), with the
   * journey's current status: pausing or archiving applies to every version.
   */
  version(journeyId: string, version: number): Journey | undefined;
  /** The latest version of every journey. */
  all(): readonly Journey[];
  /** Live journeys that start on a date of the customer's (birthday, expiry). */
  dated(): readonly Journey[];
  /** Whether an event of this type may start a journey (or look up a date for one). */
  mayStart(eventType: string): boolean;
  /**
   * Whether an event of this type can change anything for a customer: start a journey, look up a
   * date, or reach an instance of any version (a goal, an exit criterion, an awaited event).
   */
  reactsTo(eventType: string): boolean;
  /** Why a stored version of a journey cannot run (it was refused when the catalog was read), if it was. */
  refused(journeyId: string, version: number): string | undefined;
};

/** A stored version that does not decode or validate: it runs for no one, and its customers are parked. */
export type RefusedVersion = { journeyId: string; version: number; reason: string };

/** The event types an instance of the journey reacts to once in it. */
function eventsInFlight(journey: Journey): string[] {
  return [
    ...journey.goals.map((g) => g.event),
    ...journey.exitWhen.map((c) => c.event),
    ...Object.values(journey.activities).flatMap((a) => (a.type === 'wait_for_event' ? [a.event] : [])),
  ];
}

/** The event type that starts a journey of each entry kind. */
export function entryEventType(journey: Journey): string {
  switch (journey.entry.type) {
    case 'event':
      return journey.entry.event;
    case 'lifecycle':
      return 'lifecycle.stage_changed';
    case 'segment':
      return 'segment.entered';
    case 'date':
      return 'journey.date_due';
  }
}

type Audience = { path: string[]; value: string | number | boolean };

/** A profile fact the entry condition requires to equal a value, if it has such a clause at its top. */
function audienceOf(condition: Condition | undefined): Audience | undefined {
  const clauses = condition === undefined ? [] : 'all' in condition ? condition.all : [condition];
  for (const clause of clauses) {
    if (!('op' in clause) || clause.op !== 'eq' || !clause.fact.startsWith('profile.')) continue;
    if (clause.value === null) continue;
    return { path: clause.fact.split('.').slice(1), value: clause.value };
  }
  return undefined;
}

const valueKey = (value: unknown) => `${typeof value}:${String(value)}`;

/** The journeys one event type starts: those without an audience, and the others by audience fact and value. */
class EntryIndex {
  readonly open: Journey[] = [];
  readonly byAudience = new Map<string, { path: string[]; byValue: Map<string, Journey[]> }>();

  add(journey: Journey) {
    const audience = audienceOf(journey.entry.condition);
    if (!audience) {
      this.open.push(journey);
      return;
    }
    const fact = audience.path.join('.');
    const byFact = this.byAudience.get(fact) ?? { path: audience.path, byValue: new Map<string, Journey[]>() };
    const key = valueKey(audience.value);
    byFact.byValue.set(key, [...(byFact.byValue.get(key) ?? []), journey]);
    this.byAudience.set(fact, byFact);
  }

  candidates(profile: Readonly<Record<string, unknown>>): readonly Journey[] {
    if (this.byAudience.size === 0) return this.open;
    let found: Journey[] | undefined;
    for (const { path, byValue } of this.byAudience.values()) {
      // Own properties only, as the compiled condition reads them (conditions.ts).
      const matching = byValue.get(valueKey(ownPath(profile, path)));
      if (matching) found = found ? found.concat(matching) : matching;
    }
    return found ? this.open.concat(found) : this.open;
  }
}

/**
 * `journeys`: every stored version of every journey; the highest version of each is its current
 * one. `refused`: the stored versions that cannot run; a journey whose highest version is one of
 * them starts for no one (it never falls back to an older version).
 */
export function createCatalog(journeys: readonly Journey[], refused: readonly RefusedVersion[] = []): JourneyCatalog {
  const versions = new Map<string, Map<number, Journey>>();
  for (const journey of journeys) {
    const byVersion = versions.get(journey.id) ?? new Map<number, Journey>();
    byVersion.set(journey.version ?? 1, journey);
    versions.set(journey.id, byVersion);
  }
  const reasons = new Map(refused.map((r) => [`${r.version}#${r.journeyId}`, r.reason]));
  const highestRefused = new Map<string, number>();
  for (const r of refused) highestRefused.set(r.journeyId, Math.max(r.version, highestRefused.get(r.journeyId) ?? 0));
  const current = new Map(
    [...versions].map(([id, byVersion]) => [id, byVersion.get(Math.max(...byVersion.keys())) as Journey]),
  );
  const startsNone = (journey: Journey) => (highestRefused.get(journey.id) ?? 0) > (journey.version ?? 1);
  const byEntry = new Map<string, EntryIndex>();
  for (const journey of current.values()) {
    if (journey.status !== 'live' || startsNone(journey)) continue;
    const type = entryEventType(journey);
    const index = byEntry.get(type) ?? new EntryIndex();
    index.add(journey);
    byEntry.set(type, index);
  }
  const reacting = new Set([...byEntry.keys(), ...journeys.flatMap(eventsInFlight)]);
  const none: readonly Journey[] = [];
  const dated = [...current.values()].filter((j) => j.status === 'live' && j.entry.type === 'date' && !startsNone(j));
  return {
    entering: (eventType, profile) => byEntry.get(eventType)?.candidates(profile) ?? none,
    version: (journeyId, version) => {
      const latest = current.get(journeyId);
      const entered = versions.get(journeyId)?.get(version);
      return entered && latest && entered !== latest ? { ...entered, status: latest.status } : latest;
    },
    all: () => [...current.values()],
    dated: () => dated,
    mayStart: (eventType) => byEntry.has(eventType) || dated.length > 0,
    reactsTo: (eventType) => reacting.has(eventType) || dated.length > 0,
    refused: (journeyId, version) => reasons.get(`${version}#${journeyId}`),
  };
}
