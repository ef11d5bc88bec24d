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

/** From HTTP request to stored profile on the local runtime (dynalite on disk), with its write cost. */
export async function benchPipeline(): Promise<Results> {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-bench-'));
  try {
    log('anchor: dynalite single-item updates…');
    const anchor = await dynaliteUpdatesPerSecond(dir, 6000);
    const config = demoConfig();
    const runtime = await startLocal({ config, dataDir: join(dir, 'runtime'), port: 0 });
    const apiKey = config.tenants[0]?.apiKey as string;
    const events = shopHistory({ customers: 2000, events: 30_000, seed: 7 });
    log(`pipeline: ${events.length} events from 2000 customers, batches of 500…`);
    const before = { ...runtime.store.consumed };
    const started = performance.now();
    await postAll(runtime.url, apiKey, events, 500, 4);
    const accepted = performance.now();
    while (runtime.queue.depth('profile-updates') > 0) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - started) / 1000;
    const write = runtime.store.consumed.write - before.write;
    const read = runtime.store.consumed.read - before.read;
    log(`accepted in ${((accepted - started) / 1000).toFixed(2)} s, stored in ${seconds.toFixed(2)} s`);
    await runtime.close();
    return {
      'pipeline.events_per_s': {
        value: events.length / seconds,
        unit: 'events/s',
        better: 'higher',
        target: 1000,
        anchor: { name: 'dynalite single updates', value: anchor, unit: 'updates/s' },
      },
      'dynamodb.wcu_per_event': {
        value: write / events.length,
        unit: 'WCU/event',
        better: 'lower',
        target: 1.5,
        anchor: { name: 'receipt + profile write per event', value: 2 },
      },
      'dynamodb.rcu_per_event': {
        value: read / events.length,
        unit: 'RCU/event',
        better: 'lower',
        anchor: { name: 'receipt + profile read per event', value: 1 },
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
