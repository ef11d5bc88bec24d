/**
 * The demo shop that `growthloop start` shows on a first run (and with --demo): a simulated history
 * ending now, played through the whole pipeline for one tenant of the config (functions/runtime/
 * simulation.ts): BG/NBD shoppers over the last `days` days, the bundled examples' templates, coupon
 * pools and recall campaign, journeys with a holdout and a split, the daily run every simulated day
 * and the campaign's runs measured with an injected effect, so that the console has KPIs, journeys
 * with lift and a campaign report to show.
 *
 * It plays on a clock of its own in a runtime that is closed before the caller starts the real one.
 * Into a data directory it plays on the in-memory store (the simulator's, held to DynamoDB's semantics
 * by the store contract; the embedded DynamoDB on disk is several times slower) with the queues,
 * archive and outbox in a directory of its own under the data directory's master key, then copies
 * what it wrote into the data directory: the tenant's items and the timers into the table, the archived
 * events, the queue journals and the outbox after the data directory's own. A marker item, `<tenant>#DEMO` / `SHOP`,
 * written last, tells that the tenant has its shop: seeding it again does nothing.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataKeyKey } from '../adapters/aws/data-keys';
import { createDynamoStore, ensureTable } from '../adapters/aws/dynamodb';
import { OUTBOX_FILE } from '../adapters/channels/outbox';
import { MASTER_KEY_FILE, readOrCreateMasterKey } from '../adapters/local/data-keys';
import { TIMERS_PK_PREFIX } from '../adapters/local/timers';
import { createMemoryStore } from '../adapters/memory/store';
import { CAMPAIGNS_PK_SUFFIX } from '../core/campaigns/runs';
import type { Campaign } from '../core/campaigns/schema';
import { validateCampaign } from '../core/campaigns/validate';
import type { GrowthloopConfig } from '../core/config/schema';
import { poolsPk } from '../core/incentives/items';
import { journeysPk } from '../core/journeys/items';
import { templatesPk } from '../core/templates/items';
import type { Item, Key, Store } from '../ports';
import { localDynamoClient, startDynalite } from './dynalite';
import { ARCHIVE_DIR, TABLE_NAME } from './local';
import { type PipelineSimulationReport, type SimulationSetup, simulatePipeline } from './simulation';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The queue journals in a data directory (functions/runtime/local.ts). */
const QUEUES_DIR = 'queues';
/** Items per batch of the copy into the table (BatchWriteItems of 25, this many at once). */
const COPY_CHUNK = 500;

/** What a demo shop holds by default: 30 to 40 seconds on two cores. */
export const DEMO_SHOP_DEFAULTS = { customers: 1000, days: 120, seed: 1, effectPp: 5 } as const;

/** The item that tells a tenant has its demo shop. */
export const demoMarkerKey = (tenantId: string): Key => ({ pk: `${tenantId}#DEMO`, sk: 'SHOP' });

export interface DemoShopOptions {
  /** The config the runtime runs with; it lists the tenant. */
  config: GrowthloopConfig;
  tenantId: string;
  /**
   * A data directory of `growthloop start` (the table in the embedded DynamoDB on disk in it, its
   * archive, outbox and master key): the shop goes there. Nothing else may use it meanwhile.
   */
  dataDir?: string;
  /**
   * Without dataDir: the store the shop goes into (default a new in-memory one, returned), for a
   * runtime in memory to run on. It plays in memory too, without archive or outbox; the shoppers'
   * data keys are left out (the next runtime makes its own).
   */
  store?: Store;
  /** The end of the simulated history (default now); it starts `days` days before. */
  now?: number;
  customers?: number;
  days?: number;
  seed?: number;
  /** Percentage points the campaign's offers add to a reached member's chance of ordering (default 5). */
  effectPp?: number;
  /** After every simulated day, then once when copying into the data directory. */
  onProgress?: (progress: DemoShopProgress) => void;
}

export type DemoShopProgress =
  | { phase: 'simulating'; day: number; days: number; events: number }
  | { phase: 'copying'; items: number };

export interface DemoShopResult {
  /** False: the tenant had its demo shop already (its marker), and nothing was written. */
  seeded: boolean;
  tenantId: string;
  /** The simulated period, ISO-8601 (of the shop seeded before, when `seeded` is false). */
  from: string;
  to: string;
  customers: number;
  days: number;
  /** The simulation's report (absent when nothing was seeded now). */
  report?: PipelineSimulationReport;
  /** A customer with the most orders of the shop ('' when nothing was seeded now). */
  someBuyer: string;
  /** Items copied into the data directory's table (0 without dataDir). */
  copiedItems: number;
  /** How long the seeding took, in seconds. */
  seconds: number;
}

/** The tenant already holds what the demo shop would save over (a definition of its own). */
export class DemoShopRefused extends Error {
  override name = 'DemoShopRefused';
}

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const readExample = (dir: string, name: string): unknown =>
  JSON.parse(readFileSync(join(EXAMPLES, dir, `${name}.json`), 'utf8'));
const examplesIn = (dir: string): unknown[] =>
  readdirSync(join(EXAMPLES, dir))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => readExample(dir, name.slice(0, -'.json'.length)));

/** The bundled journeys with a holdout or a split (so lift is measured), and one to nudge a second order. */
const DEMO_JOURNEYS = ['winback-no-login', 'dual-track', 'second-order-nudge'] as const;

const unsubscribe = '\n\nNot interested? Unsubscribe: {{ unsubscribe_url }}\n';
const hello = "Hi {{ profile.traits.first_name | default: 'there' }},\n\n";
const couponText =
  '{% if coupon.percent %}{{ coupon.percent }}% off{% else %}a gift{% endif %} your next order:\n\n    {{ coupon.code }}\n\n' +
  "{% if coupon.expiresAt %}Valid until {{ coupon.expiresAt | date: '%Y-%m-%d', tenant.timezone }}.{% endif %}";
const email = (id: string, name: string, subject: string, text: string) => ({
  id,
  name,
  description: 'Written for the demo shop (functions/runtime/demo-shop.ts).',
  channels: { email: { subject, text: `${hello}${text}${unsubscribe}` } },
});
const percentPool = (id: string, name: string, percent: number, prefix: string, expiry: string) => ({
  id,
  name,
  kind: 'generated',
  value: { type: 'percent', percent },
  pattern: { prefix, length: 8 },
  count: 10_000,
  expiry: { after: expiry },
});

/** The templates and pools the demo's journeys name that the examples do not bundle. */
const JOURNEY_TEMPLATES = [
  email(
    'we-miss-you',
    'Win-back coupon (e-mail)',
    'We miss you: 20% off',
    `It has been a while. Here is ${couponText}`,
  ),
  {
    id: 'we-miss-you-reminder',
    name: 'Win-back reminder (push)',
    description: 'Written for the demo shop (functions/runtime/demo-shop.ts).',
    channels: { push: { title: 'Your coupon is waiting', body: 'Your win-back coupon expires soon.' } },
  },
  email('deal-of-the-week', 'Deal of the week (e-mail)', 'This week: 10% off for you', `Here is ${couponText}`),
  email('how-its-made', 'How it is made (e-mail)', 'How we make what you bought', 'A look behind the scenes.'),
  email('a-small-thank-you', 'A small thank-you (e-mail)', 'A small thank-you', `Thank you: ${couponText}`),
  email(
    'you-might-also-like',
    'You might also like (e-mail)',
    'Picked for you',
    'A few things that go with your order.',
  ),
  email('second-order-coupon', 'Second-order coupon (e-mail)', '15% off your second order', `Here is ${couponText}`),
];
const JOURNEY_POOLS = [
  percentPool('winback-20', 'Win-back: 20 % off', 20, 'BACK-', '14d'),
  percentPool('deal-10', 'Deal of the week: 10 % off', 10, 'DEAL-', '7d'),
  percentPool('deal-5', 'A small thank-you: 5 % off', 5, 'THANKS-', '7d'),
  percentPool('second-order-15', 'Second order: 15 % off', 15, 'AGAIN-', '14d'),
];

/**
 * Codes per customer of the demo shop in each generated pool: about what its journeys and campaign
 * issue from it (a code per customer for the win-back and the second-order coupon, which nearly every
 * customer reaches), a quarter for the others. The examples' pools are sized for a real shop: tens of
 * thousands of items to generate and copy for nothing.
 */
const CODES_PER_CUSTOMER = new Map([
  ['winback-20', 1],
  ['second-order-15', 1],
  ['deal-5', 0.6],
]);

/** What the demo shop saves before its first event: the bundled examples and what its journeys need. */
export function demoShopSetup(customers: number = DEMO_SHOP_DEFAULTS.customers): SimulationSetup {
  const sized = (pool: unknown) => {
    const { id, count } = pool as { id?: unknown; count?: unknown };
    const share = CODES_PER_CUSTOMER.get(String(id)) ?? 0.25;
    const wanted = Math.max(50, Math.ceil(customers * share));
    return typeof count === 'number' ? { ...(pool as object), count: Math.min(count, wanted) } : pool;
  };
  const campaigns = examplesIn('campaigns').map((json) => {
    const { campaign, problems } = validateCampaign(json);
    if (!campaign) throw new Error(`a bundled campaign is not valid: ${problems[0]?.path}: ${problems[0]?.message}`);
    return campaign as Campaign;
  });
  return {
    templates: [...examplesIn('templates'), ...JOURNEY_TEMPLATES],
    pools: [...examplesIn('coupon-pools'), ...JOURNEY_POOLS].map(sized),
    journeys: DEMO_JOURNEYS.map((id) => readExample('journeys', id)),
    campaigns,
  };
}

/** What of the tenant the shop would save over: its definitions (templates, pools, journeys, campaigns). */
async function definitionsOf(store: Store, tenantId: string): Promise<string[]> {
  const partitions = [
    ['templates', templatesPk(tenantId)],
    ['coupon pools', poolsPk(tenantId)],
    ['journeys', journeysPk(tenantId)],
    ['campaigns', `${tenantId}${CAMPAIGNS_PK_SUFFIX}`],
  ] as const;
  const held: string[] = [];
  for (const [what, pk] of partitions)
    if ((await store.query(pk, { limit: 1, consistent: true })).length > 0) held.push(what);
  return held;
}

type Marker = { from: string; to: string; customers: number; days: number };
const markerOf = (item: Item | undefined): Marker | undefined =>
  item && {
    from: String(item.from),
    to: String(item.to),
    customers: Number(item.customers),
    days: Number(item.days),
  };

/** The table of a data directory, in the embedded DynamoDB on disk, for as long as the seeding needs it. */
async function openDataDirTable(dataDir: string) {
  const dynamo = await startDynalite({ path: join(dataDir, 'table'), ownProcess: true });
  const client = localDynamoClient(dynamo.endpoint);
  try {
    await ensureTable(client, TABLE_NAME);
  } catch (e) {
    client.destroy();
    await dynamo.close();
    throw e;
  }
  return {
    store: createDynamoStore({ client, tableName: TABLE_NAME }),
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}

/** Appends the file at `from` to the one at `to` (created if need be). */
function appendFile(from: string, to: string) {
  if (existsSync(from)) appendFileSync(to, readFileSync(from), { mode: 0o600 });
}

/**
 * Seeds the demo shop into the tenant: into the data directory's table (and archive and outbox), or
 * into the store given, or into a new in-memory store (returned), unless the tenant has one already.
 * Throws DemoShopRefused, writing nothing, when the tenant has templates, coupon pools, journeys or
 * campaigns of its own (the shop would save over them).
 */
export async function seedDemoShop(options: DemoShopOptions & { dataDir: string }): Promise<DemoShopResult>;
export async function seedDemoShop(
  options: DemoShopOptions & { dataDir?: undefined },
): Promise<DemoShopResult & { store: Store }>;
export async function seedDemoShop(options: DemoShopOptions): Promise<DemoShopResult & { store?: Store }>;
export async function seedDemoShop(options: DemoShopOptions): Promise<DemoShopResult & { store?: Store }> {
  const started = performance.now();
  const { config, tenantId } = options;
  const tenant = config.tenants.find((t) => t.id === tenantId);
  if (!tenant) throw new Error(`the config has no tenant ${tenantId}`);
  const customers = options.customers ?? DEMO_SHOP_DEFAULTS.customers;
  const days = options.days ?? DEMO_SHOP_DEFAULTS.days;
  const end = Math.floor((options.now ?? Date.now()) / MINUTE) * MINUTE;
  const start = new Date(end - days * DAY).toISOString();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;

  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const table = options.dataDir === undefined ? undefined : await openDataDirTable(options.dataDir);
  const target = table?.store ?? options.store ?? createMemoryStore();
  const returned = table ? {} : { store: target };
  let work: string | undefined;
  try {
    const before = markerOf(await target.get(demoMarkerKey(tenantId), { consistent: true }));
    if (before)
      return { seeded: false, tenantId, ...before, someBuyer: '', copiedItems: 0, seconds: seconds(), ...returned };
    const held = await definitionsOf(target, tenantId);
    if (held.length > 0)
      throw new DemoShopRefused(
        `tenant ${tenantId} has ${held.join(', ')} of its own: the demo shop is seeded only into a tenant without any`,
      );

    // Into a data directory: played on the in-memory store, with queues, archive and outbox of its own
    // under the data directory's master key (so that what it seals opens in the real runtime).
    const played = table ? createMemoryStore() : target;
    let runtime: Parameters<typeof simulatePipeline>[0]['runtime'] = { dataDir: '', memory: true, store: played };
    if (options.dataDir !== undefined) {
      const masterKey = readOrCreateMasterKey(join(options.dataDir, MASTER_KEY_FILE));
      work = mkdtempSync(join(tmpdir(), 'growthloop-demo-shop-'));
      writeFileSync(join(work, MASTER_KEY_FILE), `${Buffer.from(masterKey).toString('base64')}\n`, { mode: 0o600 });
      runtime = { dataDir: work, store: played };
    }
    const orders = new Map<string, number>();
    const shoppers = new Set<string>();
    const report = await simulatePipeline({
      customers,
      days,
      seed: options.seed ?? DEMO_SHOP_DEFAULTS.seed,
      start,
      // New shoppers all through the period (the simulator's default is its first third): a shop
      // that still grows, with new customers and cohorts up to the last day.
      joinDays: days,
      effectPp: options.effectPp ?? DEMO_SHOP_DEFAULTS.effectPp,
      // Most shoppers reachable, so that the campaign's offers reach most of its treated arm.
      optIn: { email: 0.9, push: 0.6 },
      setup: demoShopSetup(customers),
      tenant,
      config,
      runtime,
      onEvent: (event) => {
        shoppers.add(event.customerId);
        if (event.type === 'order_placed') orders.set(event.customerId, (orders.get(event.customerId) ?? 0) + 1);
      },
      onDay: (day, events) => options.onProgress?.({ phase: 'simulating', day, days, events }),
    });

    let copiedItems = 0;
    if (table && options.dataDir !== undefined && work !== undefined) {
      // The tenant's partitions and the local timers (the registry is the table's own).
      const items = (await played.scan('')).filter(
        (item) => item.pk.startsWith(`${tenantId}#`) || item.pk.startsWith(TIMERS_PK_PREFIX),
      );
      options.onProgress?.({ phase: 'copying', items: items.length });
      for (let i = 0; i < items.length; i += COPY_CHUNK) await table.store.putMany(items.slice(i, i + COPY_CHUNK));
      copiedItems = items.length;
      // JSON lines all: the archive's days, and the queue journals, replayed line by line (whatever the
      // seeding left on a queue, such as a dead letter, is there on the next start).
      for (const dir of [ARCHIVE_DIR, QUEUES_DIR]) {
        if (!existsSync(join(work, dir))) continue;
        mkdirSync(join(options.dataDir, dir), { recursive: true });
        for (const name of readdirSync(join(work, dir)).sort())
          if (name.endsWith('.jsonl')) appendFile(join(work, dir, name), join(options.dataDir, dir, name));
      }
      appendFile(join(work, OUTBOX_FILE), join(options.dataDir, OUTBOX_FILE));
    }
    if (!table) {
      // In memory the runtime that played had a master key of its own, which no later runtime has:
      // the shoppers' data keys it wrapped would never open again. Nothing sealed with them is kept
      // (no archive, no outbox, empty queues), so they go, and a later runtime makes new ones on first use.
      const keys = [...shoppers].map((customerId) => dataKeyKey(tenantId, customerId));
      for (let i = 0; i < keys.length; i += COPY_CHUNK)
        await Promise.all(keys.slice(i, i + COPY_CHUNK).map((key) => target.delete(key)));
    }
    let someBuyer = '';
    for (const [customerId, count] of orders) if (count > (orders.get(someBuyer) ?? 0)) someBuyer = customerId;
    // Last: a seeding cut short leaves no marker.
    await target.put({
      ...demoMarkerKey(tenantId),
      from: report.start,
      to: report.end,
      customers,
      days,
      seed: report.seed,
      effectPp: report.effectPp,
      events: report.events,
      seededAt: new Date().toISOString(),
    });
    return {
      seeded: true,
      tenantId,
      from: report.start,
      to: report.end,
      customers,
      days,
      report,
      someBuyer,
      copiedItems,
      seconds: seconds(),
      ...returned,
    };
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
    await table?.close();
  }
}
