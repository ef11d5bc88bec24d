import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDynamoStore, ensureTable } from '../adapters/aws/dynamodb';
import { systemClock } from '../adapters/clock';
import { createLocalBus } from '../adapters/local/bus';
import { createLocalQueue } from '../adapters/local/queue';
import { createLocalTimers } from '../adapters/local/timers';
import { jsonLinesLog } from '../adapters/log';
import { noMetrics } from '../adapters/metrics';
import { createAdvanceJourneys } from '../app/advance-journeys/run';
import { createDailyRun } from '../app/daily-run/run';
import { createFoldProfiles } from '../app/fold-profiles/run';
import type { QueueRecord } from '../contracts/messages';
import type { GrowthloopConfig } from '../core/config/schema';
import { secretsByTenant, tenantDirectory, tenantRecords } from '../core/config/tenants';
import { createAdminFunction } from '../handlers/admin';
import { createIngestHandler } from '../handlers/ingest';
import { createSegmentFunction } from '../handlers/segment';
import { createWebhooksFunction } from '../handlers/webhooks';
import { type FunctionName, httpRoutes } from '../http-routes';
import type { Clock, Log, Metrics } from '../ports';
import { consumers } from '../routes';
import { startDailySchedule } from './daily';
import { localDynamoClient, startDynalite } from './dynalite';
import { startPoller } from './poller';
import { createHttpServer, type HttpHandler, listen } from './server';

export const TABLE_NAME = 'growthloop';

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
};

/** The whole system on one machine: the same handlers as in AWS, with local adapters. */
export async function startLocal(options: LocalOptions) {
  const clock = options.clock ?? systemClock;
  if (!options.memory) mkdirSync(options.dataDir, { recursive: true });
  const dynamo = await startDynalite({
    path: options.memory ? undefined : join(options.dataDir, 'table'),
    ownProcess: true,
  });
  const client = localDynamoClient(dynamo.endpoint);
  await ensureTable(client, TABLE_NAME);
  const store = createDynamoStore({ client, tableName: TABLE_NAME });
  const queue = createLocalQueue({ dir: options.memory ? undefined : join(options.dataDir, 'queues'), clock });
  const bus = createLocalBus({ queue, clock });
  const tenants = tenantDirectory(tenantRecords(options.config));
  const secrets = secretsByTenant(options.config);

  const log = options.log ?? jsonLinesLog();
  const metrics = options.metrics ?? noMetrics;
  const functions: Record<FunctionName, HttpHandler> = {
    ingest: createIngestHandler({ bus, clock, tenants, log, metrics }),
    admin: createAdminFunction({ store, tenants, clock, log }),
    webhooks: createWebhooksFunction({ bus, store, clock, log, metrics, secretsOf: async (id) => secrets.get(id) }),
    segment: createSegmentFunction({ bus, clock, tenants, log, metrics }),
  };
  const server = createHttpServer(httpRoutes.map((route) => ({ ...route, handler: functions[route.fn] })));
  let url: string;
  try {
    url = await listen(server, options.port ?? 3000);
  } catch (e) {
    // A busy port: what was started so far stops, so the caller is left with nothing running.
    await queue.close();
    client.destroy();
    await dynamo.close();
    throw e;
  }
  const timers = createLocalTimers({ store, queue, clock });
  const advance = createAdvanceJourneys({ store, queue, timers, clock, tenants, log, metrics });
  const journeys = (records: QueueRecord[]) => advance({ records });
  const fold = createFoldProfiles({ store, bus, clock, tenants, log, metrics });
  const pollers = [
    startPoller({
      queue,
      name: 'profile-updates',
      handle: (records) => fold({ records }),
      batchSize: options.batchSize ?? consumers['profile-updates'].batchSize,
    }),
    startPoller({ queue, name: 'journey-events', handle: journeys, batchSize: consumers['journey-events'].batchSize }),
    startPoller({ queue, name: 'journey-steps', handle: journeys, batchSize: consumers['journey-steps'].batchSize }),
  ];
  timers.start();
  const dailyRun = createDailyRun({ store, bus, clock, tenants, log, metrics });
  const tenantIds = options.config.tenants.map((t) => t.id);
  const daily = options.daily === false ? undefined : startDailySchedule({ store, dailyRun, tenantIds, clock });

  return {
    url,
    store,
    queue,
    /** The embedded DynamoDB endpoint, for tools and tests that read the table directly. */
    dynamoEndpoint: dynamo.endpoint,
    /** Journey timers: `fireDue()` delivers those due by the runtime's clock (tests move a ManualClock). */
    timers,
    /** The daily model fit and lifecycle pass, now, for every tenant (or those named). */
    runDaily: (ids: readonly string[] = tenantIds) => dailyRun.run({ tenantIds: [...ids] }),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await daily?.stop();
      await timers.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await queue.close();
      client.destroy();
      await dynamo.close();
    },
  };
}
export type LocalRuntime = Awaited<ReturnType<typeof startLocal>>;
