import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../functions/adapters/aws/dynamodb';
import { demoConfig } from '../../functions/runtime/config-file';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import { startLocal } from '../../functions/runtime/local';
import { shopHistory } from '../workload';
import type { Results } from './results';

const SUSTAINED_RATE = 1200;
const log = (message: string) => process.stderr.write(`  ${message}\n`);

async function postAll(url: string, apiKey: string, events: unknown[], batch: number, concurrency: number) {
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const slice = events.slice(next, next + batch);
      next += batch;
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ batch: slice }),
      });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The embedded server's own rate for single-item updates: what one write per event would allow. */
async function dynaliteUpdatesPerSecond(dir: string, count: number): Promise<number> {
  const server = await startDynalite({ path: join(dir, 'anchor') });
  const client = localDynamoClient(server.endpoint);
  await ensureTable(client, 'anchor');
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await client.send(
        new UpdateItemCommand({
          TableName: 'anchor',
          Key: { pk: { S: `c-${i % 1000}` }, sk: { S: 'PROFILE' } },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const rate = count / ((performance.now() - started) / 1000);
  client.destroy();
  await server.close();
  return rate;
}

/** Posts `events` at `perSecond` in batches of 100 (as a busy store would), then waits until all are folded. */
async function postAtRate(url: string, apiKey: string, events: unknown[], perSecond: number) {
  const batch = 100;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < events.length; i += batch) {
    const due = started + (i / perSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(postAll(url, apiKey, events.slice(i, i + batch), batch, 1));
  }
  await Promise.all(inFlight);
}

/** From HTTP request to stored profile on the local runtime (dynalite on disk), with its write cost. */
export async function benchPipeline(): Promise<Results> {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-bench-'));
  try {
    log('anchor: dynalite single-item updates…');
    const anchor = await dynaliteUpdatesPerSecond(dir, 6000);
    const config = demoConfig();
    const runtime = await startLocal({ config, dataDir: join(dir, 'runtime'), port: 0 });
    const apiKey = config.tenants[0]?.apiKey as string;
    const folded = async () => {
      while (runtime.queue.depth('profile-updates') > 0) await new Promise((r) => setTimeout(r, 5));
    };
    const measure = async (label: string, events: unknown[], post: () => Promise<void>) => {
      const before = { ...runtime.store.consumed };
      const started = performance.now();
      await post();
      await folded();
      const seconds = (performance.now() - started) / 1000;
      log(`${label}: ${events.length} events folded in ${seconds.toFixed(2)} s`);
      return {
        perSecond: events.length / seconds,
        wcu: (runtime.store.consumed.write - before.write) / events.length,
        rcu: (runtime.store.consumed.read - before.read) / events.length,
      };
    };

    const steady = shopHistory({ customers: 5000, events: SUSTAINED_RATE * 20, seed: 8, prefix: 'steady' });
    log(`sustained: ${steady.length} events from 5000 customers offered at ${SUSTAINED_RATE}/s…`);
    const sustained = await measure('sustained', steady, () => postAtRate(runtime.url, apiKey, steady, SUSTAINED_RATE));
    const burst = shopHistory({ customers: 5000, events: 30_000, seed: 7, prefix: 'burst' });
    log(`capacity: ${burst.length} events from 5000 customers posted as fast as they are taken…`);
    const capacity = await measure('capacity', burst, () => postAll(runtime.url, apiKey, burst, 500, 4));
    await runtime.close();
    return {
      'pipeline.events_per_s': {
        value: capacity.perSecond,
        unit: 'events/s',
        better: 'higher',
        target: 1000,
        anchor: { name: 'dynalite single updates', value: anchor, unit: 'updates/s' },
        note: 'a backlog of 30,000 events posted in batches of 500, until every profile is stored',
      },
      'pipeline.sustained_events_per_s': {
        value: sustained.perSecond,
        unit: 'events/s',
        better: 'higher',
        target: 1000,
        anchor: { name: 'offered rate', value: SUSTAINED_RATE },
        note: `${SUSTAINED_RATE} events/s offered for 20 s in requests of 100, until every profile is stored`,
      },
      'dynamodb.wcu_per_event': {
        value: sustained.wcu,
        unit: 'WCU/event',
        better: 'lower',
        target: 1.5,
        anchor: { name: 'receipt + profile write per event', value: 2 },
        note: 'under the sustained load; idempotency (receipts) included',
      },
      'dynamodb.rcu_per_event': {
        value: sustained.rcu,
        unit: 'RCU/event',
        better: 'lower',
        anchor: { name: 'receipt + profile read per event', value: 1 },
        note: 'under the sustained load',
      },
      'dynamodb.wcu_per_event_backlog': {
        value: capacity.wcu,
        unit: 'WCU/event',
        better: 'lower',
        anchor: { name: 'receipt + profile write per event', value: 2 },
        note: 'while draining the backlog: fuller batches, more events per profile write',
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
