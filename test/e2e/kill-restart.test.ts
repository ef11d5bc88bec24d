// The real CLI, killed with SIGKILL while batches are in flight and the profile poller is
// folding, then restarted on the same data directory: every event that got a 202 must be
// folded, and no event may be folded twice.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { foldEvents } from '../../functions/core/profiles/profile';
import { type ProfileView, profileView } from '../../functions/core/profiles/view';
import { demoConfig } from '../../functions/runtime/config-file';
import { shopHistory } from '../../scripts/workload';
import { type CliProcess, killAllClis, startCli } from '../helpers/runtime-cli';

type Input = ReturnType<typeof shopHistory>[number];

const CUSTOMERS = 100;
const BATCH = 50;
const EVENTS_PER_RUN = 3_000;
const SENDERS = 6;
/** Accepted batches before each kill: the second kill lands soon after the restart, while the backlog is being folded. */
const KILL_AFTER_ACCEPTED_BATCHES = [20, 6];
const SETTLE_TIMEOUT_MS = 60_000;

const config = demoConfig();
const tenant = config.tenants[0] as (typeof config.tenants)[number];
let dir: string;
let configPath: string;
let dataDir: string;
let cli: CliProcess | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'growthloop-kill-'));
  configPath = join(dir, 'config.json');
  dataDir = join(dir, 'data');
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await killAllClis();
  rmSync(dir, { recursive: true, force: true });
});

/** What the test knows about every batch it posted. */
const ledger = {
  /** Batches answered 202: each of their events must be folded exactly once. */
  accepted: [] as Input[][],
  /** Batches whose request failed (the server died under it): each event folded at most once. */
  unknown: [] as Input[][],
  /** Answers other than 202 (there should be none). */
  refused: [] as string[],
};

type Outcome = 'accepted' | 'unknown' | 'refused';

async function postBatch(url: string, batch: Input[]): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      body: JSON.stringify({ batch }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    return 'unknown'; // connection refused or reset: the server may or may not have taken it
  }
  const text = await response.text().catch(() => '');
  if (response.status !== 202) {
    ledger.refused.push(`${response.status} ${text}`);
    return 'refused';
  }
  // The 202 status line is the promise; a body cut off by the kill does not take it back.
  if (text) {
    try {
      expect(JSON.parse(text)).toMatchObject({ accepted: batch.length, rejected: 0 });
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
    }
  }
  return 'accepted';
}

function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Posts `events` in batches from several concurrent senders and SIGKILLs the CLI right after
 * the `killAfter`-th batch is accepted, while the other senders' requests are still open.
 * Returns how many requests were open at the moment of the kill.
 */
async function ingestThenKill(target: CliProcess, events: Input[], killAfter: number): Promise<number> {
  const batches = chunk(events, BATCH);
  expect(batches.length).toBeGreaterThan(killAfter + SENDERS);
  let next = 0;
  let acceptedHere = 0;
  let open = 0;
  let openAtKill = -1;
  let killing: Promise<void> | undefined;
  const sender = async () => {
    while (next < batches.length && !killing) {
      const batch = batches[next++] as Input[];
      open++;
      const outcome = await postBatch(target.url, batch);
      open--;
      if (outcome === 'accepted') ledger.accepted.push(batch);
      else if (outcome === 'unknown') ledger.unknown.push(batch);
      if (outcome === 'accepted' && ++acceptedHere >= killAfter && !killing) {
        openAtKill = open;
        killing = target.kill();
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  expect(killing, `the CLI was never killed; its output:\n${target.output()}`).toBeDefined();
  await killing;
  return openAtKill;
}

const withTenant = (events: Input[]): CanonicalEvent[] =>
  events.map((e) => ({ ...e, tenantId: tenant.id }) as CanonicalEvent);

/** The profile view per customer that folding `events` once gives. */
function expectedViews(events: Input[]): Map<string, ProfileView> {
  const byCustomer = new Map<string, Input[]>();
  for (const e of events) {
    const list = byCustomer.get(e.customerId);
    if (list) list.push(e);
    else byCustomer.set(e.customerId, [e]);
  }
  const views = new Map<string, ProfileView>();
  for (const [customerId, list] of byCustomer) {
    const profile = foldEvents(undefined, withTenant(list)) as NonNullable<ReturnType<typeof foldEvents>>;
    // As the admin API sends it: through JSON, so absent optional fields are simply missing.
    views.set(customerId, JSON.parse(JSON.stringify(profileView(profile))) as ProfileView);
  }
  return views;
}

/** The counters of a view that every folded event adds to, flattened: counts, orders, revenue, sessions, logins. */
function counters(view: ProfileView | undefined): Record<string, number> {
  if (!view) return {};
  const out: Record<string, number> = { orders: view.orders, sessions: view.sessions, logins: view.logins };
  for (const [type, n] of Object.entries(view.counts)) out[`counts.${type}`] = n ?? 0;
  for (const [currency, t] of Object.entries(view.revenue)) {
    out[`revenue.${currency}.orders`] = t.orders;
    out[`revenue.${currency}.gross`] = t.gross;
    out[`revenue.${currency}.refunded`] = t.refunded;
  }
  return out;
}

async function getProfile(url: string, customerId: string): Promise<ProfileView | undefined> {
  const response = await fetch(`${url}/v1/customers/${encodeURIComponent(customerId)}`, {
    headers: { authorization: `Bearer ${tenant.adminKey}` },
    signal: AbortSignal.timeout(10_000),
  }).catch((e) => {
    throw new Error(
      `profile read failed (${String(e.cause ?? e)}); the CLI ${cli?.exited() ? 'has exited' : 'runs'}; its output:\n${cli?.output()}`,
    );
  });
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  // The folded profile; the lifecycle, scores and points beside it depend on when they were computed.
  const {
    lifecycle: _lifecycle,
    scores: _scores,
    points: _points,
    ...view
  } = (await response.json()) as Record<string, unknown>;
  return view as ProfileView;
}

async function snapshot(url: string, customerIds: string[]): Promise<Map<string, ProfileView | undefined>> {
  const out = new Map<string, ProfileView | undefined>();
  let next = 0;
  const reader = async () => {
    while (next < customerIds.length) {
      const id = customerIds[next++] as string;
      out.set(id, await getProfile(url, id));
    }
  };
  await Promise.all(Array.from({ length: 10 }, reader));
  return out;
}

/** Counters outside [lower, upper], as readable lines. */
function outOfBounds(
  customerId: string,
  actual: ProfileView | undefined,
  lower: ProfileView | undefined,
  upper: ProfileView | undefined,
): string[] {
  const [a, lo, hi] = [counters(actual), counters(lower), counters(upper)];
  const problems: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(lo), ...Object.keys(hi)])) {
    const [v, min, max] = [a[key] ?? 0, lo[key] ?? 0, hi[key] ?? 0];
    if (v < min || v > max) problems.push(`${customerId} ${key}: ${v}, expected between ${min} and ${max}`);
  }
  return problems;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls every customer's profile until `done` holds for a snapshot and the same snapshot came
 * back twice in a row (the poller has nothing left to fold), or the timeout passes.
 */
async function settle(
  url: string,
  customerIds: string[],
  done: (views: Map<string, ProfileView | undefined>) => boolean,
): Promise<Map<string, ProfileView | undefined>> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let previous = '';
  for (;;) {
    const views = await snapshot(url, customerIds);
    const current = JSON.stringify(customerIds.map((id) => views.get(id)));
    if ((done(views) && current === previous) || Date.now() > deadline) return views;
    previous = current;
    await sleep(400);
  }
}

describe('growthloop start, killed with SIGKILL and restarted on the same data directory', () => {
  it('folds every event that got a 202 exactly once, across two kills mid-ingest', { timeout: 240_000 }, async () => {
    const runs = [
      shopHistory({ customers: CUSTOMERS, events: EVENTS_PER_RUN, seed: 101 }),
      shopHistory({ customers: CUSTOMERS, events: EVENTS_PER_RUN, seed: 202, start: '2026-02-01T00:00:00Z' }),
    ];

    // Two rounds: start, ingest, kill -9 with requests open and folds under way.
    for (const [round, events] of runs.entries()) {
      cli = await startCli({ configPath, dataDir });
      const openAtKill = await ingestThenKill(cli, events, KILL_AFTER_ACCEPTED_BATCHES[round] as number);
      expect(openAtKill, 'requests were in flight when the process was killed').toBeGreaterThan(0);
      expect(cli.exited()).toBe(true);
    }
    expect(ledger.refused).toEqual([]);
    expect(ledger.accepted.length).toBeGreaterThanOrEqual(KILL_AFTER_ACCEPTED_BATCHES.reduce((a, b) => a + b));

    // Restart: what was accepted before the kills is folded, what was in flight at most once.
    cli = await startCli({ configPath, dataDir });
    const acceptedEvents = ledger.accepted.flat();
    const unknownEvents = ledger.unknown.flat();
    const lower = expectedViews(acceptedEvents);
    const upper = expectedViews([...acceptedEvents, ...unknownEvents]);
    const customerIds = [...upper.keys()].sort();
    const reachedLower = (views: Map<string, ProfileView | undefined>) =>
      customerIds.every((id) => outOfBounds(id, views.get(id), lower.get(id), views.get(id)).length === 0);
    const afterRestart = await settle(cli.url, customerIds, reachedLower);
    const violations = customerIds.flatMap((id) => outOfBounds(id, afterRestart.get(id), lower.get(id), upper.get(id)));
    expect(violations).toEqual([]);

    // The platform redelivers what it never got a 202 for, plus some it did: each event still
    // counts once, so the profiles now equal folding accepted and in-flight events exactly once.
    const redeliveries = [...ledger.unknown, ...ledger.accepted.slice(0, 5), ...ledger.accepted.slice(-5)];
    for (const batch of redeliveries) expect(await postBatch(cli.url, batch)).toBe('accepted');
    expect(ledger.refused).toEqual([]);
    const exact = upper;
    const matchesExact = (views: Map<string, ProfileView | undefined>) =>
      customerIds.every((id) => isDeepStrictEqual(views.get(id), exact.get(id)));
    const afterRedelivery = await settle(cli.url, customerIds, matchesExact);
    for (const id of customerIds) {
      const actual = afterRedelivery.get(id);
      const expected = exact.get(id);
      expect(counters(actual), `counters of ${id}`).toEqual(counters(expected));
      expect(actual, `profile of ${id}`).toEqual(expected);
    }
    await cli.kill();
  });
});
