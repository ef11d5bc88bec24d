/**
 * Where journeys live in the table (docs/data-model.md):
 * - definitions, all of a tenant's in one partition `<tenant>#JOURNEYS` so that one Query loads
 *   the catalog: `<id>#DRAFT` (the working copy), `<id>#V#000001`... (each published version,
 *   never changed), `<id>#STATE` (status and latest version);
 * - each customer's journey state beside their profile, `<tenant>#C#<customer>` / `JOURNEYS`, so
 *   erasing the customer erases it;
 * - counters per journey, `<tenant>#JSTATS` / `<id>`.
 */

import type { Item, Key } from '../../ports';
import { customerPk } from '../profiles/items';
import type { CustomerJourneys } from './customer';
import type { Journey, JourneyInput } from './schema';

export const journeysPk = (tenantId: string): string => `${tenantId}#JOURNEYS`;
export const draftKey = (tenantId: string, journeyId: string): Key => ({
  pk: journeysPk(tenantId),
  sk: `${journeyId}#DRAFT`,
});
export const versionKey = (tenantId: string, journeyId: string, version: number): Key => ({
  pk: journeysPk(tenantId),
  sk: `${journeyId}#V#${String(version).padStart(6, '0')}`,
});
export const stateKey = (tenantId: string, journeyId: string): Key => ({
  pk: journeysPk(tenantId),
  sk: `${journeyId}#STATE`,
});

export type JourneyStatus = Journey['status'];

/** A journey's status and its latest published version (0: never published). */
export type JourneyState = { status: JourneyStatus; version: number; updatedAt: string };

/** The catalog from the items of the definitions partition: every published version, with the current status. */
export function publishedJourneys(items: readonly Item[]): Journey[] {
  const states = new Map<string, JourneyState>();
  for (const item of items) {
    if (item.sk.endsWith('#STATE')) states.set(item.sk.slice(0, -'#STATE'.length), item.state as JourneyState);
  }
  const journeys: Journey[] = [];
  for (const item of items) {
    const match = /^(.+)#V#\d{6}$/.exec(item.sk);
    if (!match) continue;
    const journey = item.journey as Journey;
    const state = states.get(match[1] as string);
    journeys.push(state ? { ...journey, status: state.status } : journey);
  }
  return journeys;
}

export type DraftItem = { journey: JourneyInput; updatedAt: string };

export const customerJourneysKey = (tenantId: string, customerId: string): Key => ({
  pk: customerPk(tenantId, customerId),
  sk: 'JOURNEYS',
});

/**
 * A customer's journey state, its write version, and the intents of the last write not yet
 * carried out (an outbox: written with the state, removed once every intent is done).
 */
export type StoredCustomerJourneys = { state: CustomerJourneys; version: number; outbox?: readonly object[] };

export function toCustomerJourneysItem(tenantId: string, customerId: string, stored: StoredCustomerJourneys): Item {
  return {
    ...customerJourneysKey(tenantId, customerId),
    state: stored.state,
    version: stored.version,
    ...(stored.outbox?.length ? { outbox: stored.outbox } : {}),
  };
}

export function fromCustomerJourneysItem(item: Item | undefined): StoredCustomerJourneys | undefined {
  if (!item) return undefined;
  return {
    state: item.state as CustomerJourneys,
    version: item.version as number,
    ...(Array.isArray(item.outbox) ? { outbox: item.outbox as object[] } : {}),
  };
}

export const statsKey = (tenantId: string, journeyId: string): Key => ({ pk: `${tenantId}#JSTATS`, sk: journeyId });

/** One set of the slots of a journey's `limits.dailyCap` on one UTC day, held by the keys of the sends that took them. */
export const dailySlotsKey = (tenantId: string, journeyId: string, now: number, set: number): Key => ({
  pk: `${tenantId}#JSTATS`,
  sk: `${journeyId}#DAY#${new Date(now).toISOString().slice(0, 10)}#${set}`,
});

/**
 * Counters of a journey (not idempotent: a crash between carrying out intents and recording
 * that they were may count them twice): `entered`, `completed`, `exited`, `held_out`,
 * `converted`, `sent`, `capped` (actions not sent because the journey reached its daily cap),
 * and `at#<activity>`, the customers waiting at each activity now.
 */
export function statsOf(item: Item | undefined) {
  const counters: Record<string, unknown> = item ?? {};
  const value = (name: string) => (typeof counters[name] === 'number' ? (counters[name] as number) : 0);
  const waiting = Object.fromEntries(
    Object.entries(counters)
      .filter(([name, v]) => name.startsWith('at#') && typeof v === 'number' && v !== 0)
      .map(([name, v]) => [name.slice(3), v as number]),
  );
  return {
    entered: value('entered'),
    completed: value('completed'),
    exited: value('exited'),
    heldOut: value('held_out'),
    converted: value('converted'),
    sent: value('sent'),
    capped: value('capped'),
    waiting,
  };
}

/**
 * The tenant's catalog revision, bumped by every publish, pause, resume and archive: the journey
 * function reads it on each batch and reloads the catalog only when it moved, so a change takes
 * part in the very next event.
 */
export const catalogRevisionKey = (tenantId: string): Key => ({ pk: journeysPk(tenantId), sk: 'CATALOG' });
