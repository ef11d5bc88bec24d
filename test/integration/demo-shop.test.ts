// The demo shop (functions/runtime/demo-shop.ts) seeded in process into an in-memory store, and a
// runtime started on that store on the system clock: its admin API answers with the KPIs of the
// simulated period, journeys with holdout and split arms, and the recall campaign's measured runs.
// `growthloop start` seeding a data directory once is in test/integration/cli-start-demo.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import { journeysPk } from '../../functions/core/journeys/items';
import type { Store } from '../../functions/ports';
import { demoConfig } from '../../functions/runtime/config-file';
import { DemoShopRefused, type DemoShopResult, demoMarkerKey, seedDemoShop } from '../../functions/runtime/demo-shop';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { postEvents } from '../helpers/events';
import { adminApi, pipelineSettled } from '../helpers/runtime';

const DAY = 86_400_000;
const config = demoConfig();
const tenant = config.tenants[0]!;
const CUSTOMERS = 250;
const DAYS = 70;

let seeded: DemoShopResult & { store: Store };
let runtime: LocalRuntime;
const admin = adminApi(() => runtime, tenant.adminKey);
const progress: { day: number; events: number }[] = [];

beforeAll(async () => {
  seeded = await seedDemoShop({
    config,
    tenantId: tenant.id,
    customers: CUSTOMERS,
    days: DAYS,
    onProgress: (p) => {
      if (p.phase === 'simulating') progress.push({ day: p.day, events: p.events });
    },
  });
  runtime = await startLocal({
    config,
    dataDir: '',
    memory: true,
    store: seeded.store,
    port: 0,
    console: false,
    daily: false,
    log: silentLog,
  });
}, 120_000);
afterAll(() => runtime?.close());

describe('the demo shop', () => {
  it('is a simulated history of the days up to now, reported day by day', () => {
    expect(seeded.seeded).toBe(true);
    const to = Date.parse(seeded.to);
    expect(Date.now() - to).toBeGreaterThanOrEqual(0);
    expect(Date.now() - to).toBeLessThan(5 * 60_000);
    expect(to - Date.parse(seeded.from)).toBe(DAYS * DAY);
    expect(seeded.report?.customers).toBe(CUSTOMERS);
    expect(seeded.report?.events).toBeGreaterThan(CUSTOMERS * 4);
    expect(seeded.someBuyer).toMatch(/^sim1-c\d+$/);
    expect(progress.at(-1)).toEqual({ day: DAYS, events: seeded.report?.events });
    expect(progress.map((p) => p.day)).toEqual([...progress.map((p) => p.day)].sort((a, b) => a - b));
  });

  it('answers the KPIs of every day of the period', async () => {
    const [from, to] = [seeded.from.slice(0, 10), seeded.to.slice(0, 10)];
    // live: every buyer, those of the last simulated day too (its daily run took the snapshot before them).
    const { status, body } = await admin('GET', `/v1/metrics/kpis?from=${from}&to=${to}&live=true`);
    expect(status).toBe(200);
    const snapshot = await admin('GET', `/v1/metrics/kpis?from=${from}&to=${to}`);
    expect(Date.parse(seeded.to) - Date.parse(String(snapshot.body.snapshotAt))).toBeLessThanOrEqual(DAY);
    const kpis = body as {
      customers: number;
      days: { day: string; newCustomers: number; activeCustomers: number }[];
      revenue: { currency: string; total: { revenue: number; orders: number } };
    };
    expect(kpis.customers).toBe(CUSTOMERS); // every shopper orders when joining
    expect(kpis.days).toHaveLength(DAYS + 1);
    expect(kpis.days[0]?.day).toBe(from);
    expect(kpis.days.reduce((n, d) => n + d.newCustomers, 0)).toBe(CUSTOMERS);
    expect(kpis.days.filter((d) => d.activeCustomers > 0).length).toBeGreaterThan(DAYS / 2);
    expect(kpis.revenue.currency).toBe('EUR');
    expect(kpis.revenue.total.orders).toBeGreaterThan(CUSTOMERS);
    expect(kpis.revenue.total.revenue).toBeGreaterThan(0);
  });

  it('has the model the daily run fitted on the last simulated day', async () => {
    const { status, body } = await admin('GET', '/v1/model');
    expect(status).toBe(200);
    const fittedAt = Date.parse((body as { latest: { fittedAt: string } }).latest.fittedAt);
    expect(Date.parse(seeded.to) - fittedAt).toBeLessThanOrEqual(DAY);
  });

  it('runs journeys with a holdout and a split, their arms counted', async () => {
    const list = await admin('GET', '/v1/journeys');
    expect(list.status).toBe(200);
    const journeys = (list.body as { journeys: { id: string; status: string }[] }).journeys;
    expect(journeys.map((j) => [j.id, j.status]).sort()).toEqual([
      ['dual-track', 'live'],
      ['second-order-nudge', 'live'],
      ['winback-no-login', 'live'],
    ]);

    const winback = (await admin('GET', '/v1/journeys/winback-no-login')).body as {
      stats: { entered: number; treated: number; heldOut: number; sent: number };
      lift: { treated: { n: number }; holdout: { n: number } } | null;
    };
    expect(winback.stats.heldOut).toBeGreaterThan(0);
    expect(winback.stats.treated + winback.stats.heldOut).toBe(winback.stats.entered);
    expect(winback.stats.sent).toBeGreaterThan(0);
    expect(winback.lift).toMatchObject({
      treated: { n: winback.stats.treated },
      holdout: { n: winback.stats.heldOut },
    });

    const dualTrack = (await admin('GET', '/v1/journeys/dual-track')).body as {
      stats: { arms: Record<string, Record<string, { n: number; conversions: number }>> };
    };
    const split = dualTrack.stats.arms['test-offer'] ?? {};
    expect(Object.keys(split).sort()).toEqual(['story and offer', 'story only']);
    for (const arm of Object.values(split)) expect(arm.n).toBeGreaterThan(10);
  });

  it('has the recall campaign with runs measured within the period, with their reports', async () => {
    const { status, body } = await admin('GET', '/v1/campaigns/recall-at-risk');
    expect(status).toBe(200);
    type Report = { measuredAt: string; recallRate: number; lift: { absoluteLift: { estimate: number } } | null };
    const runs = (body as { runs: { status: string; report?: Report }[] }).runs;
    const reported = runs.filter((r) => r.status === 'reported');
    for (const run of reported) {
      expect(Date.parse(run.report?.measuredAt ?? '')).toBeLessThanOrEqual(Date.parse(seeded.to));
      expect(run.report?.recallRate).toBeGreaterThanOrEqual(0);
    }
    // The simulation's report pools the runs with both arms, as the API reports them.
    const withLift = reported.filter((r) => r.report?.lift);
    expect(withLift.length).toBeGreaterThanOrEqual(1);
    expect(seeded.report?.campaigns['recall-at-risk']?.runs).toBe(withLift.length);
    for (const run of withLift) expect(run.report?.lift?.absoluteLift.estimate).toEqual(expect.any(Number));
    // Templates and pools the journeys and the campaign name are all there.
    const templates = (await admin('GET', '/v1/templates')).body as { templates: { templateId: string }[] };
    expect(templates.templates.map((t) => t.templateId)).toEqual(
      expect.arrayContaining(['recall-gift', 'recall-push', 'we-miss-you', 'how-its-made', 'second-order-coupon']),
    );
  });

  it("takes new events of the shop's customers (a runtime in memory makes their data keys anew)", async () => {
    const at = new Date().toISOString();
    const event = {
      type: 'login',
      eventId: 'demo-test-login',
      customerId: seeded.someBuyer,
      occurredAt: at,
      properties: {},
    };
    expect((await postEvents(runtime.url, tenant.apiKey, event)).status).toBe(202);
    await pipelineSettled(runtime);
    const { status, body } = await admin('GET', `/v1/customers/${seeded.someBuyer}`);
    expect(status).toBe(200);
    expect(body.lastSeenAt).toBe(at);
  });

  it('is seeded once: seeding the same store again writes nothing', async () => {
    const before = await seeded.store.scan(`${tenant.id}#`);
    const again = await seedDemoShop({ config, tenantId: tenant.id, store: seeded.store, customers: 10, days: 5 });
    expect(again).toMatchObject({ seeded: false, from: seeded.from, to: seeded.to, customers: CUSTOMERS, days: DAYS });
    expect(await seeded.store.scan(`${tenant.id}#`)).toEqual(before);
    expect(await seeded.store.get(demoMarkerKey(tenant.id))).toMatchObject({ customers: CUSTOMERS, days: DAYS });
  });

  it('is not seeded over a tenant that has definitions of its own', async () => {
    const store = createMemoryStore();
    await store.put({ pk: journeysPk(tenant.id), sk: 'mine#DRAFT' });
    const seeding = seedDemoShop({ config, tenantId: tenant.id, store, customers: 10, days: 5 });
    await expect(seeding).rejects.toBeInstanceOf(DemoShopRefused);
    await expect(seeding).rejects.toThrow(`tenant ${tenant.id} has journeys of its own`);
    expect(await store.scan('')).toHaveLength(1);
  });
});
