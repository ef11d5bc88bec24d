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

import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import { MAX_JOURNEY_BYTES } from '../../contracts/http-api';
import type { TenantRecord } from '../../core/config/tenants';
import {
  catalogRevisionKey,
  type DraftItem,
  draftKey,
  fromJourneyDraftItem,
  fromJourneyStateItem,
  fromJourneyVersionItem,
  type JourneyState,
  type JourneyStatus,
  journeysPk,
  stateKey,
  statsKey,
  statsOf,
  versionKey,
} from '../../core/journeys/items';
import { armLifts, journeyLift } from '../../core/journeys/lift';
import type { Journey, JourneyInput } from '../../core/journeys/schema';
import { type Problem, validateJourney } from '../../core/journeys/validate';
import { type Clock, ConditionFailedError, type Item, type Store } from '../../ports';
import { writeVersioned } from '../common/versioned-write';

export type ManageJourneysDeps = { store: Store; clock: Clock };

/** A request on the tenant's journeys: the tenant its credential names, the journey in the path, the body. */
export type JourneyRequest = { tenant: TenantRecord; journeyId?: string; contentType?: string; body?: string };

/** As the journey schema's id: anything else cannot name a stored journey. */
const JOURNEY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

type Transition = 'publish' | 'pause' | 'resume' | 'archive';

/** The statuses each transition starts from; archived is final (archiving it again changes nothing). */
const TRANSITIONS: Record<Transition, { from: readonly JourneyStatus[]; to: JourneyStatus }> = {
  publish: { from: ['draft', 'live', 'paused'], to: 'live' },
  pause: { from: ['live'], to: 'paused' },
  resume: { from: ['paused'], to: 'live' },
  archive: { from: ['draft', 'live', 'paused', 'archived'], to: 'archived' },
};

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** One journey as transitions answer it. */
export type JourneySummary = { id: string; name: string; status: JourneyStatus; version: number; updatedAt: string };

/** What the list shows of a journey's counters (statsOf): `active`, the customers waiting at an activity now. */
export type JourneyListStats = {
  entered: number;
  active: number;
  completed: number;
  exited: number;
  converted: number;
  heldOut: number;
  failed: number;
  sent: number;
};

/** Journeys' stats items read per BatchGetItem. */
const STATS_CHUNK = 100;

function listStats(stats: ReturnType<typeof statsOf>): JourneyListStats {
  const { entered, completed, exited, converted, heldOut, failed, sent } = stats;
  const active = Object.values(stats.waiting).reduce((sum, n) => sum + Math.max(0, n), 0);
  return { entered, active, completed, exited, converted, heldOut, failed, sent };
}

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
    const journeyId = match?.[1];
    if (!match || journeyId === undefined) continue;
    const stored = of(journeyId);
    if (match[2]) stored.draft = fromJourneyDraftItem(item);
    else if (match[3]) {
      const { state, revision } = fromJourneyStateItem(item);
      stored.state = state;
      stored.revision = revision;
    } else stored.published.push({ version: Number(match[4]), ...fromJourneyVersionItem(item) });
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

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Answer };

const notFound = (journeyId: string) => reject(404, 'not_found', `no journey "${journeyId}"`, 'path.journeyId');

const conflict = (message: string) => reject(409, 'conflict', message, 'path.journeyId');

const invalidTransition = (transition: Transition | 'edit', status: JourneyStatus) =>
  reject(409, 'invalid_transition', `cannot ${transition} ${article(status)} ${status} journey`, 'path.journeyId');

function invalidJourney(problems: Problem[], what: string): Answer {
  const first = problems[0] as Problem;
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return reject(400, 'invalid_journey', `${what} has ${count}; first: ${first.path}: ${first.message}`, first.path, {
    problems,
  });
}

/** The body as JSON: JSON only, at most MAX_JOURNEY_BYTES. */
function parseBody(request: JourneyRequest): Parsed<unknown> {
  const type = request.contentType;
  if (type !== undefined && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    const message = 'the body must be JSON (application/json)';
    return { ok: false, response: reject(415, 'unsupported_media_type', message, 'headers.content-type') };
  }
  const parsed = parseJsonBody(request.body ?? '', { maxBytes: MAX_JOURNEY_BYTES });
  return parsed.ok ? parsed : { ok: false, response: parsed.rejection };
}

/** Every problem of a posted journey (schema, then the static checks), sorted by path; `expectedId`: the path's id. */
function draftProblems(value: unknown, expectedId?: string): Problem[] {
  const problems = [...validateJourney(value).problems];
  if (expectedId !== undefined) {
    const id = (value as { id?: unknown } | null)?.id;
    if (id !== expectedId) {
      problems.push({ path: '$.id', message: `must be "${expectedId}", the journey id in the path` });
    }
  }
  return problems.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * A posted draft: a valid journey whose id is `expectedId` if given. `status` and `version` belong
 * to the API (publish, pause, resume and archive set them): a file that carries them, such as the
 * shipped examples, posts as it is, and they are left out of the draft.
 */
function parseDraft(request: JourneyRequest, expectedId?: string): Parsed<JourneyInput & { id: string }> {
  const body = parseBody(request);
  if (!body.ok) return body;
  const problems = draftProblems(body.value, expectedId);
  if (problems.length > 0) return { ok: false, response: invalidJourney(problems, 'the journey') };
  const { status: _status, version: _version, ...draft } = body.value as JourneyInput & { id: string };
  return { ok: true, value: draft };
}

// ---- use cases ---------------------------------------------------------------------------------

export function createManageJourneys(deps: ManageJourneysDeps) {
  const { store, clock } = deps;
  const now = () => new Date(clock.now()).toISOString();

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

  /** The journey function reloads the catalog when this moves: a change takes part in the next event. */
  const bumpCatalog = (tenantId: string) => store.increment(catalogRevisionKey(tenantId), { revision: 1 });

  const journeyIdOf = (request: JourneyRequest) => {
    const journeyId = request.journeyId ?? '';
    return JOURNEY_ID.test(journeyId) ? journeyId : undefined;
  };

  /** Moves a journey along a transition, deciding again on the fresh state when a concurrent change wins. */
  async function transition(name: Exclude<Transition, 'publish'>, request: JourneyRequest): Promise<Answer> {
    const journeyId = journeyIdOf(request);
    if (!journeyId) return notFound(request.journeyId ?? '');
    const tenantId = request.tenant.id;
    const stored = await load(tenantId, journeyId, true);
    if (!stored) return notFound(journeyId);
    try {
      const { result, written } = await writeVersioned<Answer>(store, {
        key: stateKey(tenantId, journeyId),
        first: stored.state ? stateItem(tenantId, journeyId, stored.state, stored.revision ?? 0) : undefined,
        decide(current) {
          const fresh: Stored = current
            ? { ...stored, ...fromJourneyStateItem(current) }
            : { ...stored, state: undefined, revision: undefined };
          const state = stateOf(fresh);
          const { from, to } = TRANSITIONS[name];
          if (!from.includes(state.status)) return { result: invalidTransition(name, state.status) };
          if (state.status === to) return { result: answer(200, summaryOf(fresh)) };
          const next: JourneyState = { ...state, status: to, updatedAt: now() };
          return {
            write: stateItem(tenantId, journeyId, next, (fresh.revision ?? 0) + 1),
            result: answer(200, summaryOf({ ...fresh, state: next })),
          };
        },
      });
      if (written) await bumpCatalog(tenantId);
      return result;
    } catch (e) {
      if (e instanceof ConditionFailedError)
        return conflict(`the journey kept changing while it was being ${name}d; retry`);
      throw e;
    }
  }

  async function create(request: JourneyRequest): Promise<Answer> {
    const draft = parseDraft(request);
    if (!draft.ok) return draft.response;
    const tenantId = request.tenant.id;
    const journeyId = draft.value.id;
    const updatedAt = now();
    const draftItem: DraftItem = { journey: draft.value, updatedAt };
    try {
      await store.put({ ...draftKey(tenantId, journeyId), ...draftItem }, { ifAbsent: true });
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        const message = `a journey "${journeyId}" exists already: PUT /v1/journeys/${journeyId} edits its draft`;
        return reject(409, 'journey_exists', message, '$.id');
      }
      throw e;
    }
    const state = NEVER_PUBLISHED(updatedAt);
    try {
      await store.put(stateItem(tenantId, journeyId, state, 1), { ifAbsent: true });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
    return answer(201, summaryOf({ id: journeyId, draft: draftItem, state, revision: 1, published: [] }));
  }

  async function update(request: JourneyRequest): Promise<Answer> {
    const journeyId = journeyIdOf(request);
    if (!journeyId) return notFound(request.journeyId ?? '');
    const draft = parseDraft(request, journeyId);
    if (!draft.ok) return draft.response;
    const stored = await load(request.tenant.id, journeyId, true);
    if (!stored) return notFound(journeyId);
    const state = stateOf(stored);
    if (state.status === 'archived') return invalidTransition('edit', state.status);
    const draftItem: DraftItem = { journey: draft.value, updatedAt: now() };
    await store.put({ ...draftKey(request.tenant.id, journeyId), ...draftItem });
    return answer(200, summaryOf({ ...stored, draft: draftItem }));
  }

  async function publish(request: JourneyRequest): Promise<Answer> {
    const journeyId = journeyIdOf(request);
    if (!journeyId) return notFound(request.journeyId ?? '');
    const { tenant } = request;
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
    await bumpCatalog(tenant.id);
    return answer(200, summaryOf({ ...stored, state: next, published: [{ version, publishedAt, journey }] }));
  }

  /**
   * The checks POST and PUT make, without saving: every problem at its JSON path (the graph checks
   * run once the schema holds). A body that is not JSON is refused as POST refuses it.
   */
  async function validate(request: JourneyRequest): Promise<Answer> {
    const body = parseBody(request);
    if (!body.ok) return body.response;
    const problems = draftProblems(body.value);
    return answer(200, { valid: problems.length === 0, problems });
  }

  async function list(request: JourneyRequest): Promise<Answer> {
    const tenantId = request.tenant.id;
    const journeys = [...fromItems(await store.query(journeysPk(tenantId), { consistent: true })).values()];
    const keys = journeys.map((j) => statsKey(tenantId, j.id));
    const stats = new Map<string, Item>();
    for (let i = 0; i < keys.length; i += STATS_CHUNK) {
      for (const item of await store.getMany(keys.slice(i, i + STATS_CHUNK))) stats.set(item.sk, item);
    }
    return answer(200, {
      journeys: journeys.map((j) => ({ ...summaryOf(j), stats: listStats(statsOf(stats.get(j.id))) })),
    });
  }

  async function read(request: JourneyRequest): Promise<Answer> {
    const journeyId = journeyIdOf(request);
    if (!journeyId) return notFound(request.journeyId ?? '');
    const tenantId = request.tenant.id;
    const [items, stats] = await Promise.all([
      store.query(journeysPk(tenantId), { skPrefix: `${journeyId}#`, consistent: true }),
      store.get(statsKey(tenantId, journeyId)),
    ]);
    const stored = fromItems(items).get(journeyId);
    if (!stored) return notFound(journeyId);
    const state = stateOf(stored);
    const latest = latestPublished(stored);
    const counters = statsOf(stats);
    // The holdout of the journey the detail shows: the latest published version, else the draft.
    const shown = latest?.journey ?? (stored.draft ? validateJourney(stored.draft.journey).journey : undefined);
    return answer(200, {
      ...summaryOf(stored),
      draft: stored.draft?.journey ?? null,
      published: stored.published.map(({ version, publishedAt }) => ({ version, publishedAt })),
      journey: latest ? { ...latest.journey, status: state.status } : (stored.draft?.journey ?? null),
      stats: counters,
      ...journeyLift(shown, counters),
      arms: armLifts(shown, counters.arms),
    });
  }

  return {
    create,
    validate,
    list,
    read,
    update,
    publish,
    pause: (request: JourneyRequest) => transition('pause', request),
    resume: (request: JourneyRequest) => transition('resume', request),
    archive: (request: JourneyRequest) => transition('archive', request),
  };
}
export type ManageJourneys = ReturnType<typeof createManageJourneys>;
