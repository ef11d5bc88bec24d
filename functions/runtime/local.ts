import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDynamoStore, ensureTable } from '../adapters/aws/dynamodb';
import { systemClock } from '../adapters/clock';
import { createLocalBus } from '../adapters/local/bus';
import { createLocalQueue } from '../adapters/local/queue';
import { createLocalTimers } from '../adapters/local/timers';
import type { GrowthloopConfig } from '../core/config/schema';
import { secretsByTenant, tenantDirectory, tenantRecords } from '../core/config/tenants';
import { createAdminFunction } from '../handlers/admin';
import { createIngestHandler } from '../handlers/ingest';
import { createJourneyProcessor } from '../handlers/journeys';
import { createLifecycleJobs } from '../handlers/lifecycle';
import { createProfileUpdater } from '../handlers/profiles';
import { createSegmentFunction } from '../handlers/segment';
import { createWebhooksFunction } from '../handlers/webhooks';
import { type FunctionName, httpRoutes } from '../http-routes';
import type { Clock } from '../ports';
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

  const functions: Record<FunctionName, HttpHandler> = {
    ingest: createIngestHandler({ bus, tenants }),
    admin: createAdminFunction({ store, tenants, clock }),
    webhooks: createWebhooksFunction({ bus, store, clock, secretsOf: async (id) => secrets.get(id) }),
    segment: createSegmentFunction({ bus, clock, tenants }),
  };
  const server = createHttpServer(httpRoutes.map((route) => ({ ...route, handler: functions[route.fn] })));
  const url = await listen(server, options.port ?? 3000);
  const timers = createLocalTimers({ store, queue, clock });
  const journeys = createJourneyProcessor({ store, queue, timers, clock, tenants });
  const pollers = [
    startPoller({
      queue,
      name: 'profile-updates',
      handle: createProfileUpdater({ store, bus, clock, tenants }),
      batchSize: options.batchSize ?? consumers['profile-updates'].batchSize,
    }),
    startPoller({ queue, name: 'journey-events', handle: journeys, batchSize: consumers['journey-events'].batchSize }),
    startPoller({ queue, name: 'journey-steps', handle: journeys, batchSize: consumers['journey-steps'].batchSize }),
  ];
  timers.start();
  const lifecycle = createLifecycleJobs({ store, bus, clock, tenants });
  const tenantIds = options.config.tenants.map((t) => t.id);
  const daily = options.daily === false ? undefined : startDailySchedule({ store, jobs: lifecycle, tenantIds, clock });

  return {
    url,
    store,
    queue,
    /** The embedded DynamoDB endpoint, for tools and tests that read the table directly. */
    dynamoEndpoint: dynamo.endpoint,
    /** Journey timers: `fireDue()` delivers those due by the runtime's clock (tests move a ManualClock). */
    timers,
    /** The daily model fit and lifecycle pass, now, for every tenant (or those named). */
    runDaily: (ids: readonly string[] = tenantIds) => lifecycle.runDaily(ids),
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
