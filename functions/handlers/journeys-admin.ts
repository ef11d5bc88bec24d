/**
 * The journeys admin API: marketers create and edit a journey's draft, publish it as a new
 * immutable version, and pause, resume or archive it. Every route needs the tenant's admin key
 * and reaches only that tenant's journeys (every key starts with the tenant id).
 *
 * Items (functions/core/journeys/items.ts), in the partition `<tenant>#JOURNEYS`:
 * - `<id>#DRAFT`: `{ journey: <the input as posted>, updatedAt }`, created with the journey;
 * - `<id>#STATE`: `{ state: { status, version, updatedAt }, version: <revision> }`. `state.version`
 *   is the latest published version (0: never published); the item's own `version` is a revision
 *   counter bumped by every state write, so each write is conditional on the state it was decided
 *   on (Store.put ifVersion): two publishes, or a resume racing an archive, cannot both win;
 * - `<id>#V#000001`...: `{ journey: <parsed, version n, status live>, publishedAt }`, written once
 *   (put ifAbsent) and never changed, so customers in flight keep the version they entered.
 *
 * Publishing writes the state first and the version item second: the conditional state write is
 * what claims version n+1, so the version write cannot collide. A crash between the two leaves a
 * gap (state at n+1, no item n+1): readers then use the highest stored version, and the next
 * publish goes on with n+2; the opposite order could leave an unclaimed version item that would
 * block every later publish of n+1.
 */

import middy from '@middy/core';
import type { TenantDirectory, TenantRecord } from '../core/config/tenants';
import {
  type DraftItem,
  draftKey,
  type JourneyState,
  type JourneyStatus,
  journeysPk,
  stateKey,
  statsKey,
  statsOf,
  versionKey,
} from '../core/journeys/items';
import type { Journey, JourneyInput } from '../core/journeys/schema';
import { type Problem, validateJourney } from '../core/journeys/validate';
import { type Clock, ConditionFailedError, type Item, type Store } from '../ports';
import { apiError, bearerToken, bodyText, type HttpEvent, type HttpResult, header, json, jsonErrors } from './http';

export type JourneysAdminDeps = { store: Store; tenants: TenantDirectory; clock: Clock };

/** The largest journey body accepted, in bytes. */
export const MAX_JOURNEY_BYTES = 256 * 1024;

/** As the journey schema's id: anything else cannot name a stored journey. */
const JOURNEY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Tries of a pause, resume or archive whose conditional write lost to a concurrent change. */
const TRANSITION_TRIES = 3;

type Transition = 'publish' | 'pause' | 'resume' | 'archive';

/** The statuses each transition starts from; archived is final (archiving it again changes nothing). */
const TRANSITIONS: Record<Transition, { from: readonly JourneyStatus[]; to: JourneyStatus }> = {
  publish: { from: ['draft', 'live', 'paused'], to: 'live' },
  pause: { from: ['live'], to: 'paused' },
  resume: { from: ['paused'], to: 'live' },
  archive: { from: ['draft', 'live', 'paused', 'archived'], to: 'archived' },
};

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** One journey as the list shows it. */
export type JourneySummary = { id: string; name: string; status: JourneyStatus; version: number; updatedAt: string };

type PublishedItem = { version: number; publishedAt: string; journey: Journey };

/** A journey's stored items, as far as they exist. */
type Stored = {
  id: string;
  draft?: DraftItem;
  state?: JourneyState;
  revision?: number;
  /** Ascending by version. */
  published: PublishedItem[];
};

const NEVER_PUBLISHED = (updatedAt: string): JourneyState => ({ status: 'draft', version: 0, updatedAt });

/** The state, also for a journey whose state item is missing (its creation stopped after the draft). */
const stateOf = (stored: Stored): JourneyState => stored.state ?? NEVER_PUBLISHED(stored.draft?.updatedAt ?? '');

const latestPublished = (stored: Stored): PublishedItem | undefined => stored.published.at(-1);

function summaryOf(stored: Stored): JourneySummary {
  const state = stateOf(stored);
  const name = latestPublished(stored)?.journey.name ?? stored.draft?.journey.name ?? stored.id;
  const draftAt = stored.draft?.updatedAt ?? '';
  return {
    id: stored.id,
    name,
    status: state.status,
    version: state.version,
    updatedAt: draftAt > state.updatedAt ? draftAt : state.updatedAt,
  };
}

/** Groups the items of the definitions partition (or of one journey's part of it) by journey. */
function fromItems(items: readonly Item[]): Map<string, Stored> {
  const journeys = new Map<string, Stored>();
  const of = (id: string) => {
    const stored = journeys.get(id) ?? { id, published: [] };
    journeys.set(id, stored);
    return stored;
  };
  for (const item of items) {
    const match = /^([^#]+)#(?:(DRAFT)|(STATE)|V#(\d{6}))$/.exec(item.sk);
    if (!match) continue;
    const stored = of(match[1] as string);
    if (match[2]) stored.draft = { journey: item.journey as JourneyInput, updatedAt: item.updatedAt as string };
    else if (match[3]) {
      stored.state = item.state as JourneyState;
      stored.revision = item.version as number;
    } else {
      stored.published.push({
        version: Number(match[4]),
        publishedAt: item.publishedAt as string,
        journey: item.journey as Journey,
      });
    }
  }
  for (const stored of journeys.values()) stored.published.sort((a, b) => a.version - b.version);
  return journeys;
}

const stateItem = (tenantId: string, journeyId: string, state: JourneyState, revision: number): Item => ({
  ...stateKey(tenantId, journeyId),
  state,
  version: revision,
});

/** Writes the state only if it is still the one the decision was made on. Throws ConditionFailedError otherwise. */
const putState = (store: Store, tenantId: string, stored: Stored, state: JourneyState) =>
  store.put(
    stateItem(tenantId, stored.id, state, (stored.revision ?? 0) + 1),
    stored.revision === undefined ? { ifAbsent: true } : { ifVersion: stored.revision },
  );

// ---- request parsing --------------------------------------------------------------------------

type Parsed<T> = { ok: true; value: T } | { ok: false; response: HttpResult };

const unauthorized = () =>
  apiError(401, 'unauthorized', 'authorization must be "Bearer <tenant admin key>"', 'headers.authorization');

const notFound = (journeyId: string) => apiError(404, 'not_found', `no journey "${journeyId}"`, 'path.journeyId');

const conflict = (message: string) => apiError(409, 'conflict', message, 'path.journeyId');

const invalidTransition = (transition: Transition | 'edit', status: JourneyStatus) =>
  apiError(409, 'invalid_transition', `cannot ${transition} ${article(status)} ${status} journey`, 'path.journeyId');

function invalidJourney(problems: Problem[], what: string): HttpResult {
  const first = problems[0] as Problem;
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return json(400, {
    error: 'invalid_journey',
    message: `${what} has ${count}; first: ${first.path}: ${first.message}`,
    path: first.path,
    problems,
  });
}

/** The body as JSON: JSON only, at most MAX_JOURNEY_BYTES. */
function parseBody(event: HttpEvent): Parsed<unknown> {
  const type = header(event, 'content-type');
  if (type !== undefined && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    return {
      ok: false,
      response: apiError(
        415,
        'unsupported_media_type',
        'the body must be JSON (application/json)',
        'headers.content-type',
      ),
    };
  }
  const text = bodyText(event);
  if (Buffer.byteLength(text) > MAX_JOURNEY_BYTES) {
    return {
      ok: false,
      response: apiError(413, 'payload_too_large', `a journey body is at most ${MAX_JOURNEY_BYTES} bytes`, '$'),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return {
      ok: false,
      response: apiError(400, 'invalid_json', `the body is not valid JSON: ${(e as Error).message}`, '$'),
    };
  }
}

/** Fields the API owns: a posted draft may not set them. */
function apiOwnedProblems(input: unknown): Problem[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  const body = input as Record<string, unknown>;
  const problems: Problem[] = [];
  if (body.status !== undefined && body.status !== 'draft') {
    problems.push({
      path: '$.status',
      message: 'the status is set by publish, pause, resume and archive: leave it out or write "draft"',
    });
  }
  if (body.version !== undefined)
    problems.push({ path: '$.version', message: 'the version is set by publish: leave it out' });
  return problems;
}

/** A posted draft: a valid journey whose status and version are left to the API, and whose id is `expectedId` if given. */
function parseDraft(event: HttpEvent, expectedId?: string): Parsed<JourneyInput & { id: string }> {
  const body = parseBody(event);
  if (!body.ok) return body;
  const problems = [...validateJourney(body.value).problems, ...apiOwnedProblems(body.value)];
  if (expectedId !== undefined) {
    const id = (body.value as { id?: unknown } | null)?.id;
    if (id !== expectedId) {
      problems.push({ path: '$.id', message: `must be "${expectedId}", the journey id in the path` });
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.path.localeCompare(b.path));
    return { ok: false, response: invalidJourney(problems, 'the journey') };
  }
  return { ok: true, value: body.value as JourneyInput & { id: string } };
}

// ---- routes -----------------------------------------------------------------------------------

type Run = (tenant: TenantRecord, event: HttpEvent) => Promise<HttpResult>;
type JourneyRun = (tenant: TenantRecord, journeyId: string, event: HttpEvent) => Promise<HttpResult>;

export function createJourneysAdminRoutes(deps: JourneysAdminDeps) {
  const { store, clock } = deps;
  const now = () => new Date(clock.now()).toISOString();

  const route = (run: Run) =>
    middy<HttpEvent, HttpResult>(async (event: HttpEvent) => {
      const tenant = deps.tenants.byAdminKey(bearerToken(event));
      if (!tenant) return unauthorized();
      return run(tenant, event);
    }).use(jsonErrors());

  const journeyRoute = (run: JourneyRun) =>
    route(async (tenant, event) => {
      const journeyId = event.pathParameters?.journeyId ?? '';
      if (!JOURNEY_ID.test(journeyId)) return notFound(journeyId);
      return run(tenant, journeyId, event);
    });

  /** A journey's items: the draft, the state and (with `withVersion`) the published version the state names. */
  async function load(tenantId: string, journeyId: string, withVersion = false): Promise<Stored | undefined> {
    const [draft, state] = await Promise.all([
      store.get(draftKey(tenantId, journeyId), { consistent: true }),
      store.get(stateKey(tenantId, journeyId), { consistent: true }),
    ]);
    if (!draft && !state) return undefined;
    const stored = fromItems([draft, state].filter((i): i is Item => i !== undefined)).get(journeyId) as Stored;
    const version = stored.state?.version ?? 0;
    if (withVersion && version > 0) {
      const item = await store.get(versionKey(tenantId, journeyId, version), { consistent: true });
      if (item) stored.published = [...(fromItems([item]).get(journeyId)?.published ?? [])];
    }
    return stored;
  }

  /** Moves a journey along a transition, re-deciding on the fresh state when a concurrent change wins. */
  const transition = (name: Exclude<Transition, 'publish'>) =>
    journeyRoute(async (tenant, journeyId) => {
      for (let attempt = 0; attempt < TRANSITION_TRIES; attempt++) {
        const stored = await load(tenant.id, journeyId, true);
        if (!stored) return notFound(journeyId);
        const state = stateOf(stored);
        const { from, to } = TRANSITIONS[name];
        if (!from.includes(state.status)) return invalidTransition(name, state.status);
        if (state.status === to) return json(200, summaryOf(stored));
        const next: JourneyState = { ...state, status: to, updatedAt: now() };
        try {
          await putState(store, tenant.id, stored, next);
        } catch (e) {
          if (e instanceof ConditionFailedError) continue;
          throw e;
        }
        return json(200, summaryOf({ ...stored, state: next }));
      }
      return conflict(`the journey kept changing while it was being ${name}d; retry`);
    });

  const create = route(async (tenant, event) => {
    const draft = parseDraft(event);
    if (!draft.ok) return draft.response;
    const journeyId = draft.value.id;
    const updatedAt = now();
    const draftItem: DraftItem = { journey: draft.value, updatedAt };
    try {
      await store.put({ ...draftKey(tenant.id, journeyId), ...draftItem }, { ifAbsent: true });
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        return apiError(
          409,
          'journey_exists',
          `a journey "${journeyId}" exists already: PUT /v1/journeys/${journeyId} edits its draft`,
          '$.id',
        );
      }
      throw e;
    }
    const state = NEVER_PUBLISHED(updatedAt);
    try {
      await store.put(stateItem(tenant.id, journeyId, state, 1), { ifAbsent: true });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
    return json(201, summaryOf({ id: journeyId, draft: draftItem, state, revision: 1, published: [] }));
  });

  const update = journeyRoute(async (tenant, journeyId, event) => {
    const draft = parseDraft(event, journeyId);
    if (!draft.ok) return draft.response;
    const stored = await load(tenant.id, journeyId, true);
    if (!stored) return notFound(journeyId);
    const state = stateOf(stored);
    if (state.status === 'archived') return invalidTransition('edit', state.status);
    const draftItem: DraftItem = { journey: draft.value, updatedAt: now() };
    await store.put({ ...draftKey(tenant.id, journeyId), ...draftItem });
    return json(200, summaryOf({ ...stored, draft: draftItem }));
  });

  const publish = journeyRoute(async (tenant, journeyId) => {
    const stored = await load(tenant.id, journeyId);
    if (!stored?.draft) return notFound(journeyId);
    const state = stateOf(stored);
    if (!TRANSITIONS.publish.from.includes(state.status)) return invalidTransition('publish', state.status);
    // Publishing checks the channels too: a live journey must not act on a channel the tenant has not set up.
    const checked = validateJourney(stored.draft.journey, tenant.channels ? { channels: tenant.channels } : {});
    if (!checked.journey) return invalidJourney(checked.problems, 'the draft');

    const version = state.version + 1;
    const publishedAt = now();
    const next: JourneyState = { status: 'live', version, updatedAt: publishedAt };
    const journey: Journey = { ...checked.journey, version, status: 'live' };
    try {
      await putState(store, tenant.id, stored, next);
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        return conflict(
          `the journey was published, paused or archived while version ${version} was being published; reload and retry`,
        );
      }
      throw e;
    }
    // The state write claimed the number: an existing item means the table was changed by hand; never overwrite it.
    try {
      await store.put({ ...versionKey(tenant.id, journeyId, version), journey, publishedAt }, { ifAbsent: true });
    } catch (e) {
      if (e instanceof ConditionFailedError) return conflict(`version ${version} of the journey is stored already`);
      throw e;
    }
    return json(200, summaryOf({ ...stored, state: next, published: [{ version, publishedAt, journey }] }));
  });

  const list = route(async (tenant) => {
    const journeys = fromItems(await store.query(journeysPk(tenant.id), { consistent: true }));
    return json(200, { journeys: [...journeys.values()].map(summaryOf) });
  });

  const read = journeyRoute(async (tenant, journeyId) => {
    const [items, stats] = await Promise.all([
      store.query(journeysPk(tenant.id), { skPrefix: `${journeyId}#`, consistent: true }),
      store.get(statsKey(tenant.id, journeyId)),
    ]);
    const stored = fromItems(items).get(journeyId);
    if (!stored) return notFound(journeyId);
    const state = stateOf(stored);
    const latest = latestPublished(stored);
    return json(200, {
      ...summaryOf(stored),
      draft: stored.draft?.journey ?? null,
      published: stored.published.map(({ version, publishedAt }) => ({ version, publishedAt })),
      journey: latest ? { ...latest.journey, status: state.status } : (stored.draft?.journey ?? null),
      stats: statsOf(stats),
    });
  });

  return {
    'POST /v1/journeys': create,
    'GET /v1/journeys': list,
    'GET /v1/journeys/{journeyId}': read,
    'PUT /v1/journeys/{journeyId}': update,
    'POST /v1/journeys/{journeyId}/publish': publish,
    'POST /v1/journeys/{journeyId}/pause': transition('pause'),
    'POST /v1/journeys/{journeyId}/resume': transition('resume'),
    'POST /v1/journeys/{journeyId}/archive': transition('archive'),
  };
}
