import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDynamoStore, ensureTable } from '../adapters/aws/dynamodb';
import { listOutbox } from '../adapters/channels/outbox';
import type { SmtpOptions } from '../adapters/channels/smtp';
import { systemClock } from '../adapters/clock';
import { openLocalArchive, readLocalArchive } from '../adapters/local/archive';
import { createLocalBus } from '../adapters/local/bus';
import { createLocalDataKeys, MASTER_KEY_FILE, readOrCreateMasterKey } from '../adapters/local/data-keys';
import { createLocalQueue } from '../adapters/local/queue';
import { createLocalTimers } from '../adapters/local/timers';
import { jsonLinesLog } from '../adapters/log';
import { noMetrics } from '../adapters/metrics';
import { createWorkerRenderer } from '../adapters/templates/worker-renderer';
import { createAdvanceJourneys } from '../app/advance-journeys/run';
import { createDailyRun } from '../app/daily-run/run';
import { exportEvents } from '../app/export-events/run';
import { createFoldProfiles } from '../app/fold-profiles/run';
import { createGroupsConsumer } from '../app/groups/run';
import { createLoyaltyConsumer } from '../app/loyalty/run';
import { createTenantErasure } from '../app/privacy/erase-tenant';
import { createRegistryDirectory } from '../app/tenants/directory';
import { seedTenants } from '../app/tenants/registry';
import type { QueueRecord } from '../contracts/messages';
import type { GrowthloopConfig, TenantSecrets } from '../core/config/schema';
import { secretsByTenant, tenantRecords } from '../core/config/tenants';
import { createAdminFunction } from '../handlers/admin';
import { createIngestHandler } from '../handlers/ingest';
import { createSegmentFunction } from '../handlers/segment';
import { createWebhooksFunction } from '../handlers/webhooks';
import { type FunctionName, httpRoutes } from '../http-routes';
import type { Clock, Log, Metrics, Store } from '../ports';
import { consumers, INGEST_SOURCE } from '../routes';
import { createLocalCampaignRuns, startCampaignLoop } from './campaign-runs';
import { consoleFiles } from './console-files';
import { startDailySchedule } from './daily';
import { startLocalDispatch } from './dispatch';
import { compactingAfterErasures, localDynamoClient, startDynalite } from './dynalite';
import { startPoller } from './poller';
import { createHttpServer, type HttpHandler, listen } from './server';
import { startTenantErasures } from './tenant-erasure';

export const TABLE_NAME = 'growthloop';
/** Dispatchers side by side, as several Lambdas take the actions queue: each action may wait on its provider. */
const ACTIONS_POLLERS = 5;
/** Where a running growthloop tells tools (`growthloop tenants`) its embedded DynamoDB endpoint, in the data dir. */
export const ENDPOINT_FILE = 'dynamodb.json';
/** The ingested events' archive (adapters/local/archive.ts), in the data dir. */
export const ARCHIVE_DIR = 'archive';
const DAY_MS = 86_400_000;

export type LocalOptions = {
  config: GrowthloopConfig;
  /** Where the table and queue journals live; ignored with `memory`. */
  dataDir: string;
  memory?: boolean;
  port?: number;
  clock?: Clock;
  /** Messages per profile batch, as the Lambda event source's batch size. */
  batchSize?: number;
  /** Run the daily model fit and lifecycle pass on schedule (default true); tests call `runDaily` instead. */
  daily?: boolean;
  /** Where the functions log (default: JSON lines on stderr). */
  log?: Log;
  /** Where the functions' counters go (default nowhere; `growthloop start` writes them beside the logs). */
  metrics?: Metrics;
  /** Dispatch the actions queue (default true); tests of journeys alone read the queue themselves. */
  dispatch?: boolean;
  /**
   * The table; by default DynamoDB in an embedded dynalite. The simulator passes the in-memory store
   * (functions/adapters/memory/store.ts, held to DynamoDB's semantics by the store contract), which
   * plays months of a shop's history in minutes.
   */
  store?: Store;
  /** E-mail goes out through this SMTP server; to the outbox (`GET /v1/outbox`) without one. */
  smtp?: Omit<SmtpOptions, 'clock'>;
  /** Where the WeChat APIs are: WeChat's own by default (tests point them at a loopback fake). */
  wechat?: { apiBase?: string; wecomBase?: string };
  /** The console's built files served at /console/ (default console/dist; false: none). */
  console?: string | false;
};

const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/**
 * The tenants' secrets on this machine: the config's, and for a tenant whose config gives no unsubscribeSecret
 * (one added with `growthloop tenants add`, which writes no config) one derived from the data dir's master key,
 * so that its unsubscribe links work, and keep working across restarts, out of the box.
 */
export function localSecrets(
  configured: ReadonlyMap<string, TenantSecrets>,
  masterKey: Uint8Array,
): (tenantId: string) => TenantSecrets {
  return (tenantId) => {
    const own = configured.get(tenantId) ?? {};
    if (own.unsubscribeSecret) return own;
    const derived = createHmac('sha256', masterKey).update(`growthloop/local-unsubscribe-secret/${tenantId}`);
    return { ...own, unsubscribeSecret: derived.digest('base64url') };
  };
}

/** The table in an embedded dynalite of its own process (on disk in the data dir, or in memory). */
async function openTable(options: LocalOptions, log: Log) {
  const dynamo = await startDynalite({
    path: options.memory ? undefined : join(options.dataDir, 'table'),
    ownProcess: true,
  });
  const client = localDynamoClient(dynamo.endpoint);
  await ensureTable(client, TABLE_NAME);
  // After an erasure the table's files are compacted, so no erased value stays on disk.
  const store = compactingAfterErasures(createDynamoStore({ client, tableName: TABLE_NAME }), dynamo.compact, (e) =>
    log.error('the table files could not be compacted after an erasure', { reason: (e as Error).message }),
  );
  return {
    store,
    endpoint: dynamo.endpoint,
    async close() {
      await store.settled();
      client.destroy();
      await dynamo.close();
    },
  };
}

/** The whole system on one machine: the same handlers as in AWS, with local adapters. */
export async function startLocal(options: LocalOptions) {
  const clock = options.clock ?? systemClock;
  if (!options.memory) mkdirSync(options.dataDir, { recursive: true });
  const log = options.log ?? jsonLinesLog();
  const table = options.store
    ? { store: options.store, endpoint: undefined, close: async () => {} }
    : await openTable(options, log);
  const { store } = table;
  const masterKey = options.memory ? undefined : readOrCreateMasterKey(join(options.dataDir, MASTER_KEY_FILE));
  const dataKeys = createLocalDataKeys({ store, clock, masterKey });
  const queue = createLocalQueue({ dir: options.memory ? undefined : join(options.dataDir, 'queues'), clock });
  // The ingested events are archived (sealed, as on the bus) for `growthloop export --events`.
  const archiveDir = join(options.dataDir, ARCHIVE_DIR);
  const archive = options.memory ? undefined : openLocalArchive({ dir: archiveDir, clock });
  const bus = createLocalBus({
    queue,
    clock,
    ...(archive ? { archive: (envelopes) => archive.record(envelopes.filter((e) => e.source === INGEST_SOURCE)) } : {}),
  });
  // The config's tenants into the registry in the table, which the functions read (and re-read):
  // tenants added and keys rotated by `growthloop tenants` count without a restart.
  const names = new Map(options.config.tenants.map((t) => [t.id, t.name]));
  await seedTenants(
    store,
    tenantRecords(options.config).map((r) => ({ ...r, name: names.get(r.id) })),
    clock,
  );
  const tenants = createRegistryDirectory({ store, clock });
  const secrets = localSecrets(secretsByTenant(options.config), masterKey ?? randomBytes(32));

  const metrics = options.metrics ?? noMetrics;
  // The outbox of a run in memory is a temporary directory, gone when it stops.
  const outboxDir = options.memory ? mkdtempSync(join(tmpdir(), 'growthloop-outbox-')) : options.dataDir;
  const adminRenderer = createWorkerRenderer();
  const campaignRuns = createLocalCampaignRuns({ store, queue, bus, clock, tenants, log });
  const functions: Record<FunctionName, HttpHandler> = {
    ingest: createIngestHandler({ bus, dataKeys, clock, tenants, log, metrics }),
    admin: createAdminFunction({
      store,
      queue,
      tenants,
      clock,
      log,
      outbox: (tenantId, query) => listOutbox(outboxDir, { tenantId, ...query }, dataKeys),
      renderer: adminRenderer,
      random: (count) => randomBytes(count),
      campaignRuns: {
        // The run goes on in this process; its record tells how far it is (GET /v1/campaigns/{id}/runs/{run}).
        start: async (ref, { now }) => void campaignRuns.start(ref, { now }),
        measuresNow: true,
      },
      // Backtests in the console replay the archived events, as `growthloop export --events` reads them.
      ...(archive
        ? {
            history: (tenantId, range) =>
              exportEvents(
                { store, dataKeys },
                // Events are received after they occur: days before `from` hold none of them.
                readLocalArchive(archiveDir, range.from === undefined ? undefined : range.from - DAY_MS),
                { tenantId, ...range },
              ),
          }
        : {}),
    }),
    webhooks: createWebhooksFunction({
      bus,
      dataKeys,
      store,
      clock,
      log,
      metrics,
      tenants,
      secretsOf: async (id) => secrets(id),
    }),
    segment: createSegmentFunction({ bus, dataKeys, clock, tenants, log, metrics }),
  };
  const server = createHttpServer(
    httpRoutes.map((route) => ({ ...route, handler: functions[route.fn] })),
    options.console === false ? {} : { consoleFiles: consoleFiles(options.console ?? CONSOLE_DIST) },
  );
  let url: string;
  try {
    url = await listen(server, options.port ?? 3000);
  } catch (e) {
    // A busy port: what was started so far stops, so the caller is left with nothing running.
    await queue.close();
    await table.close();
    throw e;
  }
  const endpointFile = options.memory || !table.endpoint ? undefined : join(options.dataDir, ENDPOINT_FILE);
  if (endpointFile) writeFileSync(endpointFile, `${JSON.stringify({ endpoint: table.endpoint, pid: process.pid })}\n`);
  const timers = createLocalTimers({ store, queue, clock });
  const advance = createAdvanceJourneys({ store, queue, timers, clock, tenants, log, metrics, dataKeys });
  const journeys = (records: QueueRecord[]) => advance({ records });
  const fold = createFoldProfiles({ store, bus, clock, tenants, log, metrics, dataKeys });
  const loyalty = createLoyaltyConsumer({ store, bus, queue, clock, tenants, log, metrics });
  const groups = createGroupsConsumer({ store, bus, queue, timers, clock, tenants, log, metrics });
  const dispatcher = startLocalDispatch({
    store,
    bus,
    timers,
    clock,
    tenants,
    log,
    metrics,
    outboxDir,
    dataKeys,
    ...(options.smtp ? { smtp: options.smtp } : {}),
    ...(options.wechat ? { wechat: options.wechat } : {}),
    secretsOf: secrets,
    publicUrl: url,
  });
  const pollers = [
    startPoller({
      queue,
      name: 'profile-updates',
      handle: (records) => fold({ records }),
      batchSize: options.batchSize ?? consumers['profile-updates'].batchSize,
    }),
    startPoller({ queue, name: 'journey-events', handle: journeys, batchSize: consumers['journey-events'].batchSize }),
    startPoller({ queue, name: 'journey-steps', handle: journeys, batchSize: consumers['journey-steps'].batchSize }),
    startPoller({
      queue,
      name: 'loyalty',
      handle: (records) => loyalty({ records }),
      batchSize: consumers.loyalty.batchSize,
    }),
    startPoller({
      queue,
      name: 'groups',
      handle: (records) => groups({ records }),
      batchSize: consumers.groups.batchSize,
    }),
  ];
  if (options.dispatch !== false)
    for (let n = 0; n < ACTIONS_POLLERS; n++)
      pollers.push(
        startPoller({
          queue,
          name: 'actions',
          handle: (records) => dispatcher.dispatch({ records }),
          batchSize: consumers.actions.batchSize,
        }),
      );
  timers.start();
  const dailyRun = createDailyRun({ store, bus, queue, clock, tenants, log, metrics });
  // The tenants of the registry as each run finds them: one added while this runs has its pass at the next run.
  const daily = options.daily === false ? undefined : startDailySchedule({ store, dailyRun, tenants, clock });
  const erasures = startTenantErasures({ worker: createTenantErasure({ store, clock, log }) });
  const campaignLoop = startCampaignLoop({ runs: campaignRuns, tenants, clock, log });

  return {
    url,
    store,
    queue,
    /** The embedded DynamoDB endpoint, for tools and tests that read the table directly (none with `store`). */
    dynamoEndpoint: table.endpoint,
    /** Journey timers: `fireDue()` delivers those due by the runtime's clock (tests move a ManualClock). */
    timers,
    /** The daily model fit and lifecycle pass, now, for every tenant of the registry (or those named). */
    runDaily: (ids?: readonly string[]) => dailyRun.run(ids ? { tenantIds: [...ids] } : {}),
    /** Shopify shop/redact erasures recorded and not finished, worked on now (the worker also polls). */
    runTenantErasures: () => erasures.runNow(),
    /** Campaign runs started here: `resumeDue()` measures those whose window is over (the loop also does, each minute). */
    campaignRuns,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await daily?.stop();
      await erasures.stop();
      await campaignLoop.stop();
      await timers.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await dispatcher.close();
      await adminRenderer.close();
      if (options.memory) rmSync(outboxDir, { recursive: true, force: true });
      await queue.close();
      if (endpointFile) rmSync(endpointFile, { force: true });
      await table.close();
    },
  };
}
export type LocalRuntime = Awaited<ReturnType<typeof startLocal>>;
