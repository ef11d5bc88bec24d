/**
 * The journeys of a tenant, indexed so that one event costs work in proportion to the journeys
 * it can affect: by the event types that start them, and every version kept so that customers in
 * flight finish on the version they entered.
 */

import type { Journey } from './schema';

export type JourneyCatalog = {
  /** Live journeys whose entry an event of this type can start. */
  entering(eventType: string): readonly Journey[];
  /**
   * The version of a journey an instance runs on (the latest if that version is gone), with the
   * journey's current status: pausing or archiving applies to every version.
   */
  version(journeyId: string, version: number): Journey | undefined;
  /** The latest version of every journey. */
  all(): readonly Journey[];
  /** Live journeys that start on a date of the customer's (birthday, expiry). */
  dated(): readonly Journey[];
};

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

/** `journeys`: every stored version of every journey; the highest version of each is its current one. */
export function createCatalog(journeys: readonly Journey[]): JourneyCatalog {
  const versions = new Map<string, Map<number, Journey>>();
  for (const journey of journeys) {
    const byVersion = versions.get(journey.id) ?? new Map<number, Journey>();
    byVersion.set(journey.version ?? 1, journey);
    versions.set(journey.id, byVersion);
  }
  const latest = [...versions.values()].map((byVersion) => byVersion.get(Math.max(...byVersion.keys())) as Journey);
  const byEntry = new Map<string, Journey[]>();
  for (const journey of latest) {
    if (journey.status !== 'live') continue;
    const type = entryEventType(journey);
    byEntry.set(type, [...(byEntry.get(type) ?? []), journey]);
  }
  return {
    entering: (eventType) => byEntry.get(eventType) ?? [],
    version: (journeyId, version) => {
      const byVersion = versions.get(journeyId);
      if (!byVersion) return undefined;
      const current = byVersion.get(Math.max(...byVersion.keys())) as Journey;
      const entered = byVersion.get(version);
      return entered && entered !== current ? { ...entered, status: current.status } : current;
    },
    all: () => latest,
    dated: () => byEntry.get('journey.date_due') ?? [],
  };
}
