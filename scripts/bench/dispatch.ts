// dispatch.*: the dispatcher's decisions per second (send record, guardrails with the default
// frequency caps, cap log and the journey counters included; templates and the provider are
// stand-ins), in process on the store's own semantics and against dynalite, each beside an anchor
// measured on the same store in the same run: the idempotency record alone (a conditional put of
// "in progress" and an update to "done", as Powertools' idempotency utility writes per call); the
// write capacity per send; and the trigger latency on the local runtime: from a 202'd event to the
// provider call (the outbox line), at 300 events/s offered.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { OUTBOX_FILE } from '../../functions/adapters/channels/outbox';
import { systemClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryBus } from '../../functions/adapters/memory/bus';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import { createWorkerRenderer } from '../../functions/adapters/templates/worker-renderer';
import { createCouponIssuer } from '../../functions/app/dispatch/coupons';
import { createGuard } from '../../functions/app/dispatch/guard';
import { createDispatch } from '../../functions/app/dispatch/run';
import { createTemplateVersion } from '../../functions/app/templates/run';
import type { ActionMessage } from '../../functions/contracts/messages';
import { tenantDirectory, tenantRecords } from '../../functions/core/config/tenants';
import { DispatchSettings } from '../../functions/core/dispatch/settings';
import { toProfileItem } from '../../functions/core/profiles/items';
import { emptyProfile } from '../../functions/core/profiles/profile';
import type { Store } from '../../functions/ports';
import { demoConfig } from '../../functions/runtime/config-file';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import type { LocalRuntime } from '../../functions/runtime/local';
import type { Results } from './results';
import { startBenchRuntime } from './runtime';

const ACTIONS = 4000;
/** Two pushes a customer: both within the default cap of two a day. */
const CUSTOMERS = 2000;
const OFFERED_RATE = 300;
const SECONDS = 10;
const log = (message: string) => process.stderr.write(`  ${message}\n`);

/**
 * Guardrails that let every send through (so each decision goes all the way): the default caps
 * (each customer gets at most two pushes here), no quiet hours (the bench runs at any hour),
 * nobody held out.
 */
const OPEN = DispatchSettings.parse({ guardrails: { quietHours: null, controlGroup: { percent: 0 } } });

function config() {
  const c = demoConfig();
  (c.tenants[0] as { dispatch?: unknown }).dispatch = OPEN;
  return c;
}

async function customers(store: Store, tenantId: string, count: number, at: string) {
  const items = Array.from({ length: count }, (_, n) => {
    const profile = emptyProfile(tenantId, `c${n}`, at);
    profile.traits.pushEndpoint = { v: `device-${n}`, at };
    profile.traits.first_name = { v: `Customer ${n}`, at };
    profile.consent = { push: { v: true, at } };
    return toProfileItem({ profile, version: 1, seen: {} });
  });
  for (let i = 0; i < items.length; i += 25) await store.putMany(items.slice(i, i + 25));
}

const action = (tenantId: string, n: number): ActionMessage => ({
  key: `${tenantId}:bench:${n}`,
  tenantId,
  customerId: `c${n % CUSTOMERS}`,
  journeyId: 'bench',
  version: 1,
  instanceId: `i${n}`,
  activity: 'push',
  action: { kind: 'push', template: 'nudge' },
});

/** Batches of 10 taken by 5 consumers side by side: the deployed event source (batch size 10, 5 at once). */
const BATCH = 10;
const CONSUMERS = 5;
async function inBatches(total: number, run: (from: number, to: number) => Promise<void>) {
  let next = 0;
  const consumer = async () => {
    while (next < total) {
      const from = next;
      next = Math.min(total, next + BATCH);
      await run(from, next);
    }
  };
  await Promise.all(Array.from({ length: CONSUMERS }, consumer));
}

async function decisions(store: Store & { consumed: { write: number } }, tenantId: string) {
  const clock = systemClock;
  const dispatch = createDispatch({
    store,
    bus: createMemoryBus(),
    timers: { set: async () => {} },
    clock,
    tenants: tenantDirectory(tenantRecords(config())),
    log: silentLog,
    channels: { send: async (m) => ({ provider: 'bench', providerMessageId: m.key }) },
    guard: createGuard({ store, clock }),
    issueCoupon: createCouponIssuer({ store, clock }),
    render: async () => ({ body: 'hello' }),
    emailFrom: () => 'bench@example.com',
    webhookSecrets: () => [],
  });
  const records = Array.from({ length: ACTIONS }, (_, n) => ({
    id: `r${n}`,
    body: JSON.stringify(action(tenantId, n)),
  }));
  const writesBefore = store.consumed.write;
  const started = performance.now();
  await inBatches(ACTIONS, async (from, to) => {
    const { failedIds } = await dispatch({ records: records.slice(from, to) });
    if (failedIds.length > 0) throw new Error(`${failedIds.length} actions were not dispatched`);
  });
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: ACTIONS / seconds, wcu: (store.consumed.write - writesBefore) / ACTIONS };
}

/** The anchor: an idempotency record per action and nothing else, in the same batches and consumers. */
async function idempotencyRecords(store: Store & { consumed: { write: number } }) {
  const writesBefore = store.consumed.write;
  const started = performance.now();
  await inBatches(ACTIONS, async (from, to) => {
    await Promise.all(
      Array.from({ length: to - from }, async (_, j) => {
        const key = { pk: 'ANCHOR#IDEMPOTENCY', sk: `a${from + j}` };
        await store.put({ ...key, status: 'INPROGRESS', version: 1 }, { ifAbsent: true });
        await store.put({ ...key, status: 'COMPLETED', version: 2 }, { ifVersion: 1 });
      }),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: ACTIONS / seconds, wcu: (store.consumed.write - writesBefore) / ACTIONS };
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

const postEvents = async (runtime: LocalRuntime, apiKey: string, batch: unknown[]) => {
  const res = await fetch(`${runtime.url}/v1/events`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
};

/** Customers as the store tells of them: an identify with their push endpoint (sealed under their key) and their consent. */
async function signUps(runtime: LocalRuntime, apiKey: string, count: number) {
  const occurredAt = new Date().toISOString();
  for (let n = 0; n < count; n += 50) {
    const batch = Array.from({ length: Math.min(50, count - n) }, (_, j) => [
      {
        type: 'identify',
        eventId: `identify-${n + j}`,
        customerId: `c${n + j}`,
        occurredAt,
        properties: { traits: { pushEndpoint: `device-${n + j}`, first_name: `Customer ${n + j}` } },
      },
      {
        type: 'consent_changed',
        eventId: `consent-${n + j}`,
        customerId: `c${n + j}`,
        occurredAt,
        properties: { channel: 'push', granted: true },
      },
    ]).flat();
    await postEvents(runtime, apiKey, batch);
  }
}

/** Until every queue of the runtime is empty: the sign-ups folded before the logins start. */
async function settled(runtime: LocalRuntime) {
  const queues = ['profile-updates', 'journey-events', 'journey-steps', 'actions'];
  for (let waited = 0; queues.some((q) => runtime.queue.depth(q) > 0); waited += 100) {
    if (waited > 120_000) throw new Error('the sign-ups were not folded within two minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** 202 to provider call on `npm start`: a journey that pushes on login, logins offered at 300/s. */
async function triggerLatency() {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-bench-dispatch-'));
  const c = config();
  const tenant = c.tenants[0] as (typeof c.tenants)[number];
  const runtime = await startBenchRuntime(dir, c);
  try {
    await signUps(runtime, tenant.apiKey, OFFERED_RATE * SECONDS);
    const renderer = createWorkerRenderer();
    await createTemplateVersion(
      { store: runtime.store, clock: systemClock, renderer },
      {
        tenant: { id: tenant.id, currency: tenant.currency, timezone: tenant.timezone },
        input: { id: 'nudge', channels: { push: { body: 'Hi {{ profile.traits.first_name }}, new arrivals are in' } } },
      },
    );
    await renderer.close();
    const admin = (path: string, body?: unknown) =>
      fetch(`${runtime.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const journey = {
      id: 'nudge',
      name: 'Nudge',
      entry: { type: 'event', event: 'login' },
      startActivity: 'push',
      activities: { push: { type: 'action', action: { kind: 'push', template: 'nudge' } } },
    };
    if ((await admin('/v1/journeys', journey)).status !== 201) throw new Error('the bench journey was refused');
    await admin('/v1/journeys/nudge/publish');

    await settled(runtime);
    const postedAt = new Map<string, number>();
    const started = performance.now();
    const requests: Promise<void>[] = [];
    const total = OFFERED_RATE * SECONDS;
    // Requests of 10 events, 30 a second: a store forwarding its logins as they happen.
    for (let i = 0; i < total; i += 10) {
      const wait = started + (i / OFFERED_RATE) * 1000 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const batch = Array.from({ length: Math.min(10, total - i) }, (_, j) => ({
        type: 'login',
        eventId: `login-${i + j}`,
        customerId: `c${i + j}`,
        occurredAt: new Date().toISOString(),
        properties: {},
      }));
      requests.push(
        postEvents(runtime, tenant.apiKey, batch).then(() => {
          const at = Date.now();
          for (const e of batch) postedAt.set(e.customerId, at);
        }),
      );
    }
    await Promise.all(requests);
    const path = join(dir, 'runtime', OUTBOX_FILE);
    const sentAt = new Map<string, number>();
    for (let waited = 0; sentAt.size < total && waited < 60_000; waited += 250) {
      await new Promise((r) => setTimeout(r, 250));
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {}
      for (const line of text.split('\n')) {
        if (!line) continue;
        const entry = JSON.parse(line) as { customerId: string; sentAt: string };
        if (!sentAt.has(entry.customerId)) sentAt.set(entry.customerId, Date.parse(entry.sentAt));
      }
    }
    if (sentAt.size < total) log(`only ${sentAt.size} of ${total} pushes reached the outbox within a minute`);
    const latencies = [...sentAt].map(([id, at]) => at - (postedAt.get(id) ?? at));
    return { p99: percentile(latencies, 0.99), p50: percentile(latencies, 0.5), sent: sentAt.size, offered: total };
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The dispatcher and its anchor on one store, anchor first. */
async function sideBySide(store: Store & { consumed: { write: number } }, tenantId: string, where: string) {
  await customers(store, tenantId, CUSTOMERS, new Date().toISOString());
  log(`${where}: an idempotency record for each of ${ACTIONS} actions…`);
  const anchor = await idempotencyRecords(store);
  log(`${where}: ${ACTIONS} push actions for ${CUSTOMERS} customers through the dispatcher…`);
  return { anchor, measured: await decisions(store, tenantId) };
}

export async function benchDispatch(): Promise<Results> {
  const tenantId = demoConfig().tenants[0]?.id as string;
  const inProcess = await sideBySide(createMemoryStore(), tenantId, 'in process');
  const dynalite = await startDynalite({ ownProcess: true });
  const client = localDynamoClient(dynalite.endpoint);
  let onDynalite: Awaited<ReturnType<typeof sideBySide>>;
  try {
    await ensureTable(client, 'bench-dispatch');
    onDynalite = await sideBySide(createDynamoStore({ client, tableName: 'bench-dispatch' }), tenantId, 'dynalite');
  } finally {
    client.destroy();
    await dynalite.close();
  }
  log(`trigger latency: logins offered at ${OFFERED_RATE}/s for ${SECONDS} s on the local runtime…`);
  const latency = await triggerLatency();
  if (latency.sent === 0) throw new Error('no push reached the outbox');
  const batches = `${ACTIONS} actions in batches of ${BATCH}, ${CONSUMERS} consumers at once`;
  return {
    'dispatch.decisions_per_s': {
      value: inProcess.measured.perSecond,
      unit: 'actions/s',
      better: 'higher',
      target: 5000,
      anchor: { name: 'an idempotency record alone, in process', value: inProcess.anchor.perSecond },
      note: `${batches}, in process on the store's semantics (the memory adapter): claim, guardrails, cap log, send and outcome writes`,
    },
    'dispatch.decisions_per_s_dynalite': {
      value: onDynalite.measured.perSecond,
      unit: 'actions/s',
      better: 'higher',
      anchor: { name: 'an idempotency record alone, on dynalite', value: onDynalite.anchor.perSecond },
      note: `${batches}, against dynalite in a process of its own: bounded by the emulator, as the anchor shows`,
    },
    'dispatch.trigger_latency_p99_ms': {
      value: latency.p99,
      unit: 'ms',
      better: 'lower',
      target: 1000,
      note: `${latency.sent} of ${latency.offered} logins at ${OFFERED_RATE}/s, from the 202 to the outbox line (p50 ${latency.p50} ms)`,
    },
    'dispatch.wcu_per_send': {
      value: onDynalite.measured.wcu,
      unit: 'WCU/send',
      better: 'lower',
      anchor: { name: 'the floor: an idempotency record (put, then update)', value: onDynalite.anchor.wcu },
    },
  };
}
