/**
 * Where journeys live in the table (docs/data-model.md):
 * - definitions, all of a tenant's in one partition `<tenant>#JOURNEYS` so that one Query loads
 *   the catalog: `<id>#DRAFT` (the working copy), `<id>#V#000001`... (each published version,
 *   never changed), `<id>#STATE` (status and latest version);
 * - each customer's journey state beside their profile, `<tenant>#C#<customer>` / `JOURNEYS`, so
 *   erasing the customer erases it;
 * - counters per journey, `<tenant>#JSTATS` / `<id>`.
 */

import { z } from 'zod';
import type { Item, Key } from '../../ports';
import { ownValue, setOwn } from '../own';
import { customerPk } from '../profiles/items';
import {
  DataMap,
  decodeItem,
  ItemKey,
  isNumber,
  isObject,
  isString,
  mapEntries,
  StringSet,
  Version,
} from '../stored-item';
import type { RefusedVersion } from './catalog';
import type { CustomerJourneys, JourneyIntent } from './customer';
import type { Enrollment, Metric, Outcome } from './runtime';
import { Action, JOURNEY_STATUSES, Journey, QuietTime } from './schema';
import { type Problem, validateJourney } from './validate';

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

// ---- stored item schemas (docs/data-model.md) --------------------------------------------------

/** A journey's status and its latest published version (0: never published). */
export const JourneyStateSchema = z.looseObject({
  status: z.enum(JOURNEY_STATUSES),
  version: z.int().min(0),
  updatedAt: z.string(),
});
export type JourneyState = { status: JourneyStatus; version: number; updatedAt: string };

/** `<tenant>#JOURNEYS` / `<id>#STATE`: the state, and `version`, the revision every state write is conditional on. */
export const JourneyStateItem = z.looseObject({ ...ItemKey, state: JourneyStateSchema, version: Version });

/**
 * `<tenant>#JOURNEYS` / `<id>#DRAFT`: the journey as posted (it passed validateJourney, and
 * publishing validates it again), so only what the list and the summary read is checked here.
 */
const DraftJourney = z.looseObject({ id: z.string(), name: z.string() });
export const JourneyDraftItem = z.looseObject({ ...ItemKey, journey: DraftJourney, updatedAt: z.string() });

/** A draft: the journey as posted (a JourneyInput when it was stored), and when. */
export type DraftItem = { journey: z.output<typeof DraftJourney>; updatedAt: string };

/** `<tenant>#JOURNEYS` / `<id>#V#000001`: a published version, the journey as the runtime runs it. */
export const JourneyVersionItem = z.looseObject({ ...ItemKey, journey: Journey, publishedAt: z.string() });

/** What the journey function reads of a version item: the journey only. */
const CatalogVersionItem = JourneyVersionItem.pick({ pk: true, sk: true, journey: true });

/** `<tenant>#JOURNEYS` / `CATALOG`: bumped by every publish, pause, resume and archive. */
export const CatalogRevisionItem = z.looseObject({ ...ItemKey, revision: z.number() });

/** The id of the journey whose state item this is, if it is one. */
const stateJourneyId = (sk: string): string | undefined =>
  sk.endsWith('#STATE') ? sk.slice(0, -'#STATE'.length) : undefined;

const VERSION_SK = /^(.+)#V#(\d{6})$/;

/** The journey and version a version item's sort key names, if it is one. */
function versionOf(sk: string): { journeyId: string; version: number } | undefined {
  const match = VERSION_SK.exec(sk);
  return match?.[1] && match[2] ? { journeyId: match[1], version: Number(match[2]) } : undefined;
}

export const fromJourneyStateItem = (item: Item): { state: JourneyState; revision: number } => {
  const { state, version } = decodeItem(JourneyStateItem, item);
  return { state, revision: version };
};

export const fromJourneyVersionItem = (item: Item): { journey: Journey; publishedAt: string } => {
  const { journey, publishedAt } = decodeItem(JourneyVersionItem, item);
  return { journey, publishedAt };
};

export const fromJourneyDraftItem = (item: Item): DraftItem => {
  const { journey, updatedAt } = decodeItem(JourneyDraftItem, item);
  return { journey, updatedAt };
};

/** The catalog revision (0 before the first change). */
export const catalogRevisionOf = (item: Item | undefined): number =>
  item ? decodeItem(CatalogRevisionItem, item).revision : 0;

/** The catalog from the items of the definitions partition: every published version, with the current status. */
export function publishedJourneys(items: readonly Item[]): Journey[] {
  const states = new Map<string, JourneyState>();
  for (const item of items) {
    const journeyId = stateJourneyId(item.sk);
    if (journeyId !== undefined) states.set(journeyId, fromJourneyStateItem(item).state);
  }
  const journeys: Journey[] = [];
  for (const item of items) {
    const version = versionOf(item.sk);
    if (!version) continue;
    const { journey } = decodeItem(CatalogVersionItem, item);
    const state = states.get(version.journeyId);
    journeys.push(state ? { ...journey, status: state.status } : journey);
  }
  return journeys;
}

/**
 * The catalog as the journey function runs it, from the items of the definitions partition: each
 * published version decoded and validated again (validateJourney, the rules of publishing, without
 * the tenant's channels), with the current status. A version that does not decode or validate is
 * refused with its reason instead of stopping the others: it runs for no one.
 */
export function loadCatalog(items: readonly Item[]): { journeys: Journey[]; refused: RefusedVersion[] } {
  const states = new Map<string, JourneyState | string>();
  for (const item of items) {
    const journeyId = stateJourneyId(item.sk);
    if (journeyId === undefined) continue;
    try {
      states.set(journeyId, fromJourneyStateItem(item).state);
    } catch (e) {
      states.set(journeyId, `its state does not decode: ${(e as Error).message}`);
    }
  }
  const journeys: Journey[] = [];
  const refused: RefusedVersion[] = [];
  for (const item of items) {
    const at = versionOf(item.sk);
    if (!at) continue;
    const state = states.get(at.journeyId);
    const refuse = (reason: string) => refused.push({ ...at, reason: reason.slice(0, 1000) });
    if (typeof state === 'string') {
      refuse(state);
      continue;
    }
    const { problems, journey } = validateJourney(isObject(item.journey) ? item.journey : undefined);
    if (!journey) {
      const shown = problems.slice(0, 3).map((p: Problem) => `${p.path}: ${p.message}`);
      const more = problems.length > 3 ? `; and ${problems.length - 3} more problems` : '';
      refuse(`${shown.join('; ')}${more}`);
    } else if (journey.id !== at.journeyId) {
      refuse(`$.id: it is stored as journey "${at.journeyId}", not "${journey.id}"`);
    } else journeys.push(state ? { ...journey, status: state.status } : journey);
  }
  return { journeys, refused };
}

export const customerJourneysKey = (tenantId: string, customerId: string): Key => ({
  pk: customerPk(tenantId, customerId),
  sk: 'JOURNEYS',
});

const Time = z.string();

const OUTCOMES = ['completed', 'exited', 'converted', 'held_out', 'failed'] as const satisfies readonly Outcome[];
/** Every outcome decodes: the compiler refuses this if Outcome gains a member OUTCOMES lacks. */
const _everyOutcome: Exclude<Outcome, (typeof OUTCOMES)[number]> extends never ? true : never = true;
void _everyOutcome;

const isEnrollment = (e: unknown): e is Enrollment =>
  isObject(e) && isNumber(e.entries) && (e.lastEnteredAt === undefined || typeof e.lastEnteredAt === 'string');

const InstanceSchema = z.looseObject({
  journeyId: z.string().min(1),
  version: z.int().min(1),
  customerId: z.string().min(1),
  instanceId: z.string().min(1),
  entry: z.number(),
  correlation: z.string().optional(),
  enteredAt: Time,
  activity: z.string().optional(),
  waiting: z.looseObject({ timerId: z.string(), at: Time, event: z.string().optional() }).optional(),
  visits: DataMap<number>(),
  outcome: z.enum(OUTCOMES).optional(),
  endedAt: Time.optional(),
  convertedAt: Time.optional(),
  arm: z.enum(['treated', 'holdout']).optional(),
  arms: DataMap<string>().optional(),
  failure: z.looseObject({ reason: z.string(), at: Time }).optional(),
});

/** One customer's journeys (functions/core/journeys/customer.ts). */
export const CustomerJourneysSchema = z
  .looseObject({
    enrollments: DataMap<Enrollment>(),
    instances: z.array(
      InstanceSchema.check(
        mapEntries([
          ['visits', isNumber, 'a number'],
          ['arms', isString, 'a string'],
        ]),
      ),
    ),
    dates: z.record(z.string(), z.looseObject({ at: Time, timerId: z.string() })).optional(),
    datesChecked: z.array(z.string()).optional(),
  })
  .check(mapEntries([['enrollments', isEnrollment, 'an enrollment {entries: number, lastEnteredAt?: string}']]));

const METRICS = [
  'entered',
  'completed',
  'exited',
  'converted',
  'held_out',
  'treated',
  'holdout_converted',
  'treated_converted',
  'failed',
  'queued',
  'capped',
  'waiting',
  'left',
  'arm',
  'arm_converted',
] as const satisfies readonly Metric[];
const _everyMetric: Exclude<Metric, (typeof METRICS)[number]> extends never ? true : never = true;
void _everyMetric;

/** A time the carry-out parses (Date.parse), such as a timer's. */
const ParsableTime = z.string().refine((text) => Number.isFinite(Date.parse(text)), 'expected a time');

const IntentOrigin = { journeyId: z.string().min(1), version: z.int().min(1), instanceId: z.string() };

/** An intent of the last write not yet carried out (functions/app/common/carry-out.ts carries them out). */
export const JourneyIntentSchema = z.discriminatedUnion('type', [
  z.looseObject({
    ...IntentOrigin,
    type: z.literal('send'),
    key: z.string().min(1),
    action: Action,
    activity: z.string().min(1),
    quietTime: QuietTime.optional(),
    dailyCap: z.int().min(1).optional(),
  }),
  z.looseObject({ ...IntentOrigin, type: z.literal('set_timer'), timerId: z.string().min(1), at: ParsableTime }),
  z.looseObject({
    ...IntentOrigin,
    type: z.literal('metric'),
    metric: z.enum(METRICS),
    activity: z.string().optional(),
    arm: z.string().optional(),
  }),
]);

/** `<tenant>#C#<customerId>` / `JOURNEYS`. */
export const CustomerJourneysItem = z.looseObject({
  ...ItemKey,
  state: CustomerJourneysSchema,
  version: Version,
  outbox: z.array(JourneyIntentSchema).optional(),
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
  const { state, version, outbox } = decodeItem(CustomerJourneysItem, item);
  const intents: JourneyIntent[] | undefined = outbox;
  return { state, version, ...(intents ? { outbox: intents } : {}) };
}

export const statsKey = (tenantId: string, journeyId: string): Key => ({ pk: `${tenantId}#JSTATS`, sk: journeyId });

/** One set of the slots of a journey's `limits.dailyCap` on one UTC day, held by the keys of the sends that took them. */
export const dailySlotsKey = (tenantId: string, journeyId: string, now: number, set: number): Key => ({
  pk: `${tenantId}#JSTATS`,
  sk: `${journeyId}#DAY#${new Date(now).toISOString().slice(0, 10)}#${set}`,
});

const Counter = z.number().optional();

/** Counters named after data: `at#<activity>`, `in#<activity>`, `skipped#<reason>`, `arm#` and `conv#<activity>#<arm>`. */
const COUNTER_PREFIXES = ['at#', 'in#', 'skipped#', 'arm#', 'conv#'] as const;

/**
 * `<tenant>#JSTATS` / `<journeyId>`: counters, each absent until first added to, and
 * `at#<activity>`, the number of customers waiting at the activity now.
 */
export const JourneyStatsItem = z
  .looseObject({
    ...ItemKey,
    entered: Counter,
    completed: Counter,
    exited: Counter,
    held_out: Counter,
    treated: Counter,
    holdout_converted: Counter,
    treated_converted: Counter,
    failed: Counter,
    converted: Counter,
    queued: Counter,
    sent: Counter,
    skipped: Counter,
    capped: Counter,
    coupons_redeemed: Counter,
    coupons_voided: Counter,
  })
  .check((ctx) => {
    for (const [name, value] of Object.entries(ctx.value)) {
      if (COUNTER_PREFIXES.some((prefix) => name.startsWith(prefix)) && !isNumber(value)) {
        ctx.issues.push({ code: 'custom', message: 'expected a number', input: value, path: [name] });
      }
    }
  });

/** `<tenant>#JSTATS` / `<journeyId>#DAY#<date>#<n>`: the keys of the sends that took the set's slots. */
export const DailySlotsItem = z.looseObject({ ...ItemKey, keys: StringSet.optional() });

/**
 * Counters of a journey (not idempotent: a crash between carrying out intents and recording
 * that they were may count them twice): `entered`, `completed`, `exited`, `held_out`, `treated`
 * (instances that passed a holdout into the journey), `failed` (instances parked because they
 * could not run on), `converted` (goals reached by instances not held out), `holdout_converted`
 * and `treated_converted` (goals reached by the held-out and the treated arm of a holdout),
 * `sent`, `capped` (actions not sent because the journey reached its daily cap),
 * and `at#<activity>`, the customers waiting at each activity now.
 */
export function statsOf(item: Item | undefined) {
  const stats = item ? decodeItem(JourneyStatsItem, item) : undefined;
  const waiting = Object.fromEntries(
    Object.entries(stats ?? {})
      .filter((entry): entry is [string, number] => entry[0].startsWith('at#') && isNumber(entry[1]) && entry[1] !== 0)
      .map(([name, n]) => [name.slice(3), n]),
  );
  const skippedBy = Object.fromEntries(
    Object.entries(stats ?? {}).flatMap(([name, n]) =>
      name.startsWith('skipped#') && isNumber(n) && n !== 0 ? [[name.slice('skipped#'.length), n]] : [],
    ),
  );
  const reached = Object.fromEntries(
    Object.entries(stats ?? {}).flatMap(([name, n]) =>
      name.startsWith('in#') && isNumber(n) && n !== 0 ? [[name.slice('in#'.length), n]] : [],
    ),
  );
  // `arm#<activity>#<arm>` and `conv#<activity>#<arm>`: an activity id holds no `#`, an arm (a path's name) may.
  const arms: Record<string, Record<string, { n: number; conversions: number }>> = {};
  for (const [name, n] of Object.entries(stats ?? {})) {
    const prefix = name.startsWith('arm#') ? 'arm#' : name.startsWith('conv#') ? 'conv#' : undefined;
    if (!prefix || !isNumber(n)) continue;
    const rest = name.slice(prefix.length);
    const at = rest.indexOf('#');
    if (at <= 0) continue;
    const [activity, arm] = [rest.slice(0, at), rest.slice(at + 1)];
    const byArm = ownValue(arms, activity) ?? {};
    setOwn(arms, activity, byArm);
    const counts = ownValue(byArm, arm) ?? { n: 0, conversions: 0 };
    setOwn(byArm, arm, counts);
    if (prefix === 'arm#') counts.n += n;
    else counts.conversions += n;
  }
  return {
    entered: stats?.entered ?? 0,
    completed: stats?.completed ?? 0,
    exited: stats?.exited ?? 0,
    heldOut: stats?.held_out ?? 0,
    treated: stats?.treated ?? 0,
    holdoutConverted: stats?.holdout_converted ?? 0,
    treatedConverted: stats?.treated_converted ?? 0,
    failed: stats?.failed ?? 0,
    converted: stats?.converted ?? 0,
    queued: stats?.queued ?? 0,
    sent: stats?.sent ?? 0,
    skipped: stats?.skipped ?? 0,
    skippedBy,
    capped: stats?.capped ?? 0,
    couponsRedeemed: stats?.coupons_redeemed ?? 0,
    couponsVoided: stats?.coupons_voided ?? 0,
    waiting,
    reached,
    arms,
  };
}

/**
 * The tenant's catalog revision, bumped by every publish, pause, resume and archive: the journey
 * function reads it on each batch and reloads the catalog only when it moved, so a change takes
 * part in the very next event.
 */
export const catalogRevisionKey = (tenantId: string): Key => ({ pk: journeysPk(tenantId), sk: 'CATALOG' });
