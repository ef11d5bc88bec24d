import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../functions/adapters/aws/dynamodb';
import { demoConfig } from '../../functions/runtime/config-file';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import type { LocalRuntime } from '../../functions/runtime/local';
import { shopHistory } from '../workload';
import type { Results } from './results';
import { startBenchRuntime } from './runtime';

const OFFERED_RATE = 1200;
const SECONDS = 20;
const log = (message: string) => process.stderr.write(`  ${message}\n`);
type Stream = ReturnType<typeof shopHistory>;

/**
 * A day of shoppers' events, each session sent together, as the Segment, RudderStack and mobile
 * SDKs flush a user's queued events: one customer's events often share a batch.
 */
const sessionStream = (seed: number, prefix: string, events: number): Stream =>
  shopHistory({
    customers: 5000,
    events,
    seed,
    prefix,
    // The day before the last hour: events later than their receipt are refused.
    start: new Date(Date.now() - 86_400_000 - 3_600_000).toISOString(),
    days: 1,
  });

/**
 * The same events with sessions interleaved: thousands of shoppers at once, each customer's
 * next event seconds later, so batching saves no profile write (the worst case).
 */
function interleaved(stream: Stream): Stream {
  const byCustomer = new Map<string, Stream>();
  for (const event of stream) byCustomer.set(event.customerId, [...(byCustomer.get(event.customerId) ?? []), event]);
  const out: Stream = [];
  for (let i = 0; out.length < stream.length; i++) {
    for (const events of byCustomer.values()) if (events[i]) out.push(events[i] as Stream[number]);
  }
  return out;
}

async function post(url: string, apiKey: string, events: unknown[]) {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ batch: events }),
  });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

/** Requests of 100 events at `perSecond`, as a busy store sends them. */
async function postAtRate(url: string, apiKey: string, events: unknown[], perSecond: number) {
  const started = performance.now();
  const requests: Promise<void>[] = [];
  for (let i = 0; i < events.length; i += 100) {
    const wait = started + (i / perSecond) * 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    requests.push(post(url, apiKey, events.slice(i, i + 100)));
  }
  await Promise.all(requests);
}

/** Batches of 500 from 4 clients, as fast as they are accepted: a backlog. */
export async function postBacklog(url: string, apiKey: string, events: readonly unknown[]) {
  let next = 0;
  const client = async () => {
    while (next < events.length) {
      const slice = events.slice(next, next + 500);
      next += 500;
      await post(url, apiKey, slice);
    }
  };
  await Promise.all(Array.from({ length: 4 }, client));
}

/** The embedded server's own rate for single-item updates, in its own process as the runtime runs it. */
async function dynaliteUpdatesPerSecond(dir: string, count: number): Promise<number> {
  const server = await startDynalite({ path: join(dir, 'anchor'), ownProcess: true });
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

/** Posts, waits until every profile is stored, and reports the rate and the capacity consumed per event. */
async function measure(runtime: LocalRuntime, label: string, events: Stream, send: () => Promise<void>) {
  const before = { ...runtime.store.consumed };
  const started = performance.now();
  await send();
  while (runtime.queue.depth('profile-updates') > 0) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  log(`${label}: ${events.length} events stored in ${seconds.toFixed(2)} s`);
  return {
    perSecond: events.length / seconds,
    wcu: (runtime.store.consumed.write - before.write) / events.length,
    rcu: (runtime.store.consumed.read - before.read) / events.length,
  };
}

/** From HTTP request to stored profile on the local runtime (dynalite on disk), with its DynamoDB cost. */
export async function benchPipeline(): Promise<Results> {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-bench-'));
  try {
    log('anchor: dynalite single-item updates…');
    const anchor = await dynaliteUpdatesPerSecond(dir, 8000);
    const config = demoConfig();
    const runtime = await startBenchRuntime(dir, config);
    const apiKey = config.tenants[0]?.apiKey as string;
    const { url } = runtime;

    const steady = sessionStream(8, 'steady', OFFERED_RATE * SECONDS);
    log(`${steady.length} events from 5,000 shoppers offered at ${OFFERED_RATE}/s…`);
    const sustained = await measure(runtime, 'sustained', steady, () => postAtRate(url, apiKey, steady, OFFERED_RATE));
    const backlog = sessionStream(9, 'backlog', 30_000);
    const capacity = await measure(runtime, 'backlog', backlog, () => postBacklog(url, apiKey, backlog));
    const mixed = interleaved(sessionStream(10, 'mixed', 30_000));
    const worst = await measure(runtime, 'interleaved backlog', mixed, () => postBacklog(url, apiKey, mixed));
    await runtime.close();

    const twoWrites = { name: 'a receipt and a profile write per event', value: 2 };
    return {
      'pipeline.events_per_s': {
        value: sustained.perSecond,
        unit: 'events/s',
        better: 'higher',
        target: 1000,
        anchor: { name: 'offered rate', value: OFFERED_RATE },
        note: `${OFFERED_RATE} events/s offered for ${SECONDS} s in requests of 100, sessions sent together, until every profile is stored`,
      },
      'pipeline.capacity_events_per_s': {
        value: capacity.perSecond,
        unit: 'events/s',
        better: 'higher',
        anchor: { name: 'dynalite single updates', value: anchor, unit: 'updates/s' },
        note: 'a backlog of 30,000 events in batches of 500, sessions sent together',
      },
      'pipeline.interleaved_events_per_s': {
        value: worst.perSecond,
        unit: 'events/s',
        better: 'higher',
        anchor: { name: 'dynalite single updates', value: anchor, unit: 'updates/s' },
        note: 'a backlog of 30,000 events with sessions interleaved: no customer twice in a batch, one profile write per event',
      },
      'dynamodb.wcu_per_event': {
        value: sustained.wcu,
        unit: 'WCU/event',
        better: 'lower',
        target: 1.5,
        anchor: twoWrites,
        note: 'under the sustained load, idempotency included (seen-event hashes ride in the profile write)',
      },
      'dynamodb.rcu_per_event': {
        value: sustained.rcu,
        unit: 'RCU/event',
        better: 'lower',
        anchor: { name: 'a receipt and a profile read per event', value: 1 },
        note: 'under the sustained load',
      },
      'dynamodb.wcu_per_event_interleaved': {
        value: worst.wcu,
        unit: 'WCU/event',
        better: 'lower',
        target: 1.5,
        anchor: twoWrites,
        note: 'sessions interleaved: one profile write per event',
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
