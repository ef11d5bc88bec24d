// pipeline.hot_customer_s: 200 events of one customer sent at once through the profile-updates
// queue, folded by 10 concurrent pollers, each with a function instance of its own (as 10 Lambdas
// would be), from the first send to the last fold. Locally (journaled queue semantics in memory,
// dynalite), and the same on moto_server's SQS and DynamoDB when it is on PATH.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { createSqsQueue } from '../../functions/adapters/aws/sqs';
import { systemClock } from '../../functions/adapters/clock';
import { createLocalQueue } from '../../functions/adapters/local/queue';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryBus } from '../../functions/adapters/memory/bus';
import { createFoldProfiles } from '../../functions/app/fold-profiles/run';
import { tenantDirectory, tenantRecords } from '../../functions/core/config/tenants';
import { fromProfileItem, profileKey } from '../../functions/core/profiles/items';
import type { Queue, Store } from '../../functions/ports';
import { INGEST_SOURCE } from '../../functions/routes';
import { demoConfig } from '../../functions/runtime/config-file';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import { startPoller } from '../../functions/runtime/poller';
import { awsClientConfig, emulatorAvailable, startMoto } from '../../test/helpers/moto';
import { shopHistory } from '../workload';
import type { Results } from './results';

const EVENTS = 200;
const POLLERS = 10;
const log = (message: string) => process.stderr.write(`  ${message}\n`);

async function foldBurst(store: Store, queue: Queue, customer: string): Promise<number> {
  const config = demoConfig();
  const tenants = tenantDirectory(tenantRecords(config));
  const tenantId = config.tenants[0]?.id as string;
  const events = shopHistory({ customers: 1, events: EVENTS, seed: 15, prefix: customer }).map((e) => ({
    ...e,
    tenantId,
  }));
  const bodies = events.map((detail) => JSON.stringify({ source: INGEST_SOURCE, 'detail-type': detail.type, detail }));
  const started = performance.now();
  await Promise.all(bodies.map((body) => queue.send('profile-updates', [body])));
  const pollers = Array.from({ length: POLLERS }, () => {
    const fold = createFoldProfiles({ store, bus: createMemoryBus(), clock: systemClock, tenants, log: silentLog });
    return startPoller({ queue, name: 'profile-updates', handle: (records) => fold({ records }), batchSize: 10 });
  });
  const key = profileKey(tenantId, `${customer}-0`);
  const folded = async () => {
    const item = await store.get(key, { consistent: true });
    return item ? Object.values(fromProfileItem(item).profile.counts).reduce((a, b) => a + b, 0) : 0;
  };
  while ((await folded()) < EVENTS) {
    if (performance.now() - started > 120_000) throw new Error('the hot customer was not folded within 120 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(pollers.map((p) => p.stop()));
  return seconds;
}

async function local(): Promise<number> {
  const dynalite = await startDynalite({ ownProcess: true });
  const client = localDynamoClient(dynalite.endpoint);
  await ensureTable(client, 'bench-hot');
  const queue = createLocalQueue({ clock: systemClock });
  try {
    return await foldBurst(createDynamoStore({ client, tableName: 'bench-hot' }), queue, 'hot-local');
  } finally {
    await queue.close();
    client.destroy();
    await dynalite.close();
  }
}

async function moto(): Promise<number | undefined> {
  if (!emulatorAvailable()) return undefined;
  const server = await startMoto();
  const config = awsClientConfig(server.endpoint);
  const dynamo = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  try {
    await ensureTable(dynamo, 'bench-hot');
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'profile-updates-dlq' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const main = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'profile-updates',
        Attributes: {
          VisibilityTimeout: '120',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 5 }),
        },
      }),
    );
    const urls = { 'profile-updates': { url: main.QueueUrl as string, deadLetterUrl: dlq.QueueUrl as string } };
    const queue = createSqsQueue({ client: sqs, urls });
    return await foldBurst(createDynamoStore({ client: dynamo, tableName: 'bench-hot' }), queue, 'hot-moto');
  } finally {
    dynamo.destroy();
    sqs.destroy();
    await server.stop();
  }
}

export async function benchHotCustomer(): Promise<Results> {
  const seconds = await local();
  log(`hot customer, local: ${seconds.toFixed(2)} s`);
  const onMoto = await moto();
  if (onMoto !== undefined) log(`hot customer, moto_server: ${onMoto.toFixed(2)} s`);
  return {
    'pipeline.hot_customer_s': {
      value: seconds,
      unit: 's',
      better: 'lower',
      target: 5,
      ...(onMoto === undefined ? {} : { anchor: { name: 'the same on moto_server (SQS + DynamoDB)', value: onMoto } }),
      note: `${EVENTS} events of one customer at once, ${POLLERS} pollers with a function instance each`,
    },
  };
}
