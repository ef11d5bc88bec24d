// `growthloop start` seeds the demo shop into the data directory on the first run (the demo config
// just written), and never again: a restart, even with --demo, finds the shop's marker and starts
// on what is there. In process (runStartCli with the real runtime on the embedded DynamoDB on disk),
// with a small shop.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStartCli, type StartDeps } from '../../functions/cli/start';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { type DemoShopResult, seedDemoShop } from '../../functions/runtime/demo-shop';
import { postEvents } from '../helpers/events';

const dir = mkdtempSync(join(tmpdir(), 'growthloop-start-demo-'));
const configPath = join(dir, 'growthloop.config.json');
const dataDir = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seedings: DemoShopResult[] = [];
const smallShop: StartDeps['seedDemoShop'] = async (options) => {
  const result = await seedDemoShop({ ...options, customers: 80, days: 30 });
  seedings.push(result);
  return result;
};

/** Starts, reads the admin API with the config's key, and stops with SIGINT; the output and what was read. */
async function startAndRead(args: string[]) {
  let out = '';
  const handlers = new Map<string, () => void>();
  let exited: (code: number) => void = () => {};
  const exit = new Promise<number>((resolve) => {
    exited = resolve;
  });
  const code = await runStartCli(
    ['--config', configPath, '--data-dir', dataDir, '--port', '0', ...args],
    {
      out: (t) => {
        out += t;
      },
      err: () => {},
    },
    { seedDemoShop: smallShop, onSignal: (signal, handler) => handlers.set(signal, handler), exit: (c) => exited(c) },
  );
  expect(code, out).toBe(0);
  const url = /growthloop listening on (http:\/\/[\d.]+:\d+) /.exec(out)?.[1];
  const { adminKey, apiKey } = (JSON.parse(readFileSync(configPath, 'utf8')) as GrowthloopConfig).tenants[0]!;
  const get = async (path: string) =>
    (await (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as Record<
      string,
      unknown
    >;
  const journeys = (await get('/v1/journeys')).journeys as { id: string; stats: { entered: number } }[];
  const campaigns = (await get('/v1/campaigns')).campaigns as { id: string }[];
  // The shop's buyers and orders (what the runtime does on its own clock meanwhile changes neither).
  const shop = seedings.find((s) => s.seeded);
  const range = `from=${shop?.from.slice(0, 10)}&to=${shop?.to.slice(0, 10)}`;
  // live: every buyer, those of the last simulated day too (its daily run took the snapshot before them).
  const kpis = (await get(`/v1/metrics/kpis?${range}&live=true`)) as {
    customers: number;
    revenue: { total: { orders: number } };
  };
  // A customer of the shop: its data key, wrapped under the data directory's master key, opens here.
  const posted = await postEvents(url ?? '', apiKey, {
    type: 'identify',
    eventId: `identify-${args.join('') || 'plain'}-${seedings.length}`,
    customerId: shop?.someBuyer,
    occurredAt: new Date().toISOString(),
    properties: { traits: { nickname: 'regular' } },
  });
  expect(posted.status).toBe(202);
  handlers.get('SIGINT')?.();
  expect(await exit).toBe(0);
  return { out, journeys, campaigns, buyers: kpis.customers, orders: kpis.revenue.total.orders };
}

describe('growthloop start with the demo shop', () => {
  it('seeds the demo tenant on the first run, and a restart (even with --demo) does not seed it twice', async () => {
    const first = await startAndRead([]);
    expect(first.out).toContain('No config found: wrote a demo config');
    expect(first.out).toContain('Seeding tenant "demo" with a simulated shop');
    const progress = first.out.split('\n').filter((l) => l.startsWith('demo shop: ['));
    expect(progress).toHaveLength(10);
    expect(progress.at(-1)).toMatch(/^demo shop: \[#{10}\] day 30 of 30, \d+ events, \d+ s$/);
    expect(first.out).toMatch(/\ndemo shop: copying \d+ items into the table, \d+ s\n/);
    expect(first.out).toMatch(
      /\ndemo shop: 80 customers over 30 days \(\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d\), \d+ events; .*seeded in \d+ s\n/,
    );
    // The seeded definitions and what the journeys did are in the table the real runtime runs on.
    expect(first.campaigns.map((c) => c.id)).toEqual(['recall-at-risk']);
    expect(first.journeys.map((j) => j.id).sort()).toEqual(['dual-track', 'second-order-nudge', 'winback-no-login']);
    expect(first.journeys.find((j) => j.id === 'dual-track')?.stats.entered).toBeGreaterThan(0);
    expect(first.buyers).toBe(80);
    expect(first.orders).toBeGreaterThan(80);
    expect(seedings.map((s) => s.seeded)).toEqual([true]);
    expect(seedings[0]?.copiedItems).toBeGreaterThan(80 * 5);

    const again = await startAndRead(['--demo']);
    expect(again.out).not.toContain('No config found');
    expect(again.out).not.toContain('Seeding');
    expect(again.out).toMatch(/demo shop: tenant "demo" has its simulated shop already \(.*\); not seeded again\n/);
    expect(seedings.map((s) => s.seeded)).toEqual([true, false]);
    expect(again.journeys.map((j) => j.id)).toEqual(first.journeys.map((j) => j.id));
    expect(again.campaigns).toEqual(first.campaigns);
    expect([again.buyers, again.orders]).toEqual([first.buyers, first.orders]);

    // Without --demo, a later start does not look.
    const plain = await startAndRead([]);
    expect(plain.out).not.toContain('demo shop');
    expect(seedings).toHaveLength(2);
    expect([plain.buyers, plain.orders]).toEqual([first.buyers, first.orders]);
  }, 120_000);
});
