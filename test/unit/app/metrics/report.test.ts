// The KPI report the console's overview reads (GET /v1/metrics/kpis) over memory ports: besides the
// series, the values against the tenant's targets, the alerts the daily run raised in the range,
// the retention heatmap of the range's cohorts, repurchase by cohort month and the recall trend.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createDailyRun } from '../../../../functions/app/daily-run/run';
import { createFoldProfiles } from '../../../../functions/app/fold-profiles/run';
import { readKpiSnapshot } from '../../../../functions/app/metrics/kpi-snapshot';
import { kpiReport } from '../../../../functions/app/metrics/report';
import { createPrivacy } from '../../../../functions/app/privacy/run';
import { KpiReport } from '../../../../functions/contracts/http-api';
import { campaignRunKey } from '../../../../functions/core/campaigns/runs';
import { tenantDirectory } from '../../../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { snapshotChunkKey } from '../../../../functions/core/metrics/kpi-snapshot';
import { INGEST_SOURCE } from '../../../../functions/routes';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-10T00:15:00Z');
const tenant = {
  id: 'shop',
  timezone: 'Europe/Berlin',
  currency: 'EUR',
  kpiTargets: { newCustomers: 5, revenue: 10_000 },
};

let n = 0;
const order = (customerId: string, at: number, amount: number): CanonicalEvent => ({
  type: 'order_placed',
  tenantId: tenant.id,
  customerId,
  eventId: `order-${n}`,
  occurredAt: new Date(at).toISOString(),
  source: 'test',
  properties: { orderId: `o-${n++}`, total: { amount, currency: 'EUR' } },
});

async function world(events: CanonicalEvent[]) {
  const store = createMemoryStore();
  const clock = new ManualClock(T0);
  const deps = { store, bus: { put: async () => {} }, clock, tenants: tenantDirectory([tenant]), log: silentLog };
  const fold = async (more: CanonicalEvent[]) => {
    const records = more.map((e, i) => ({
      id: `r${i}`,
      body: JSON.stringify({ 'detail-type': e.type, source: INGEST_SOURCE, detail: e }),
    }));
    expect(await createFoldProfiles(deps)({ records })).toEqual({ failedIds: [] });
  };
  await fold(events);
  return { store, clock, fold, daily: createDailyRun(deps) };
}

const report = (w: Awaited<ReturnType<typeof world>>, from: string, to: string, live = false) =>
  kpiReport({ store: w.store, now: w.clock.now() }, tenant, { from, to }, { live });

describe('the KPI report of the overview', () => {
  it('lists the alerts raised for days of the range, with value, target and how much was achieved', async () => {
    const w = await world([order('a', T0 - DAY, 5_000), order('b', T0 - DAY, 4_000)]);
    await w.daily.run();
    const inRange = await report(w, '2026-03-01', '2026-03-09');
    expect(inRange.targets).toEqual({ newCustomers: 5, revenue: 10_000 });
    expect(inRange.values).toMatchObject({ newCustomers: 2, revenue: 9_000 });
    expect(inRange.alerts).toEqual([
      {
        id: 'newCustomers:2026-03-09',
        kpi: 'newCustomers',
        day: '2026-03-09',
        value: 2,
        target: 5,
        achieved: 0.4,
        raisedAt: new Date(T0).toISOString(),
      },
    ]);
    expect((await report(w, '2026-03-01', '2026-03-08')).alerts).toEqual([]);
    // What the console is typed from parses it.
    expect(KpiReport.parse(JSON.parse(JSON.stringify(inRange)))).toBeDefined();
  });

  it('gives each first-order cohort of the range its D1/D7/D30/D60 and repurchase by cohort month', async () => {
    const jan5 = Date.parse('2026-01-05T12:00:00Z');
    const w = await world([
      order('ada', jan5, 4_000),
      order('ada', jan5 + 3 * DAY, 2_000),
      order('bo', jan5, 1_000),
      order('cy', Date.parse('2026-02-02T12:00:00Z'), 5_000),
      order('old', Date.parse('2025-11-02T12:00:00Z'), 5_000),
    ]);
    const r = await report(w, '2026-01-01', '2026-02-28');
    // The cohort of 2025-11-02 is outside the range: not a row of the heatmap.
    expect(r.cohorts.map((c) => [c.day, c.customers])).toEqual([
      ['2026-01-05', 2],
      ['2026-02-02', 1],
    ]);
    expect(r.cohorts[0]?.retention).toMatchObject({
      d1: { numerator: 0, denominator: 2 },
      d7: { numerator: 1, denominator: 2 },
      d30: { numerator: 1, denominator: 2 },
      // As of the end of the range, 60 days after 2026-01-05 are not over: nobody in the denominator yet.
      d60: { numerator: 0, denominator: 0 },
    });
    expect(r.cohorts[1]?.retention.d60).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(r.repurchaseByMonth.map((m) => [m.month, m.customers, m.repurchase.within30.numerator])).toEqual([
      ['2026-01', 2, 1],
      ['2026-02', 1, 0],
    ]);
  });

  it('gives the recall rate of every campaign run measured in the range, oldest first', async () => {
    const w = await world([order('a', T0 - DAY, 5_000)]);
    const run = (runId: string, measuredAt: string, recallRate: number) =>
      w.store.put({
        ...campaignRunKey(tenant.id, 'recall', runId),
        campaignId: 'recall',
        runId,
        status: 'reported',
        candidates: 100,
        audience: 100,
        pages: 1,
        report: {
          measuredAt,
          recallRate,
          offered: { treated: 90, heldOut: 10, offers: 90, byRung: {} },
          lift: {
            holdout: { n: 10, conversions: 1, rate: 0.1 },
            absoluteLift: { estimate: 0.05, lower: -0.1, upper: 0.2 },
          },
        },
      });
    await run('r2', '2026-02-20T10:00:00.000Z', 0.2);
    await run('r1', '2026-02-06T10:00:00.000Z', 0.15);
    await run('r0', '2026-01-06T10:00:00.000Z', 0.3);
    await w.store.put({
      ...campaignRunKey(tenant.id, 'recall', 'waiting'),
      campaignId: 'recall',
      runId: 'waiting',
      status: 'offered',
    });
    const r = await report(w, '2026-02-01', '2026-02-28');
    expect(r.recall).toEqual([
      {
        campaignId: 'recall',
        runId: 'r1',
        measuredAt: '2026-02-06T10:00:00.000Z',
        treated: 90,
        heldOut: 10,
        recallRate: 0.15,
        holdoutRate: 0.1,
        absoluteLift: { estimate: 0.05, lower: -0.1, upper: 0.2 },
      },
      expect.objectContaining({ runId: 'r2', recallRate: 0.2 }),
    ]);
  });
});

describe("the daily run's KPI snapshot", () => {
  const jan = (day: number, hour = 12) => Date.UTC(2026, 0, day, hour);
  const history = [
    order('ada', jan(5), 4_000),
    order('ada', jan(8), 2_000),
    order('bo', jan(5), 1_000),
    order('cy', jan(20), 5_000),
  ];
  // Everything but when and from what the figures were read (and the alerts the daily run raised in between).
  const figures = ({ asOf: _a, snapshotAt: _s, alerts: _r, ...rest }: Awaited<ReturnType<typeof report>>) => rest;

  it('gives the figures the profiles give, as of when it was taken', async () => {
    const w = await world(history);
    const live = await report(w, '2026-01-01', '2026-03-10');
    await w.daily.run();
    w.clock.advance(3_600_000);
    const fromSnapshot = await report(w, '2026-01-01', '2026-03-10');
    expect(fromSnapshot.snapshotAt).toBe(new Date(T0).toISOString());
    expect(fromSnapshot.asOf).toBe(new Date(T0).toISOString());
    expect(live.snapshotAt).toBeNull();
    expect(figures(fromSnapshot)).toEqual(figures(live));
    expect(fromSnapshot.customers).toBe(3);
  });

  it('misses orders folded after it, which live=true reads, and is not used after 26 hours', async () => {
    const w = await world(history);
    await w.daily.run();
    w.clock.advance(3_600_000);
    await w.fold([order('dee', w.clock.now() - 60_000, 7_000)]);
    expect((await report(w, '2026-03-01', '2026-03-10')).customers).toBe(3);
    const live = await report(w, '2026-03-01', '2026-03-10', true);
    expect(live).toMatchObject({ customers: 4, snapshotAt: null, asOf: new Date(w.clock.now()).toISOString() });
    w.clock.advance(25 * 3_600_000 + 1);
    expect(await report(w, '2026-03-01', '2026-03-11')).toMatchObject({ customers: 4, snapshotAt: null });
  });

  it('replaces the last one, deleting its chunks; one with a chunk missing is not used', async () => {
    const w = await world(history);
    await w.daily.run();
    const first = String(T0);
    expect(await w.store.get(snapshotChunkKey(tenant.id, first, 0))).toBeDefined();
    w.clock.advance(86_400_000);
    await w.fold([order('dee', w.clock.now() - 60_000, 7_000)]);
    await w.daily.run();
    expect(await w.store.get(snapshotChunkKey(tenant.id, first, 0))).toBeUndefined();
    expect((await readKpiSnapshot(w.store, tenant.id, w.clock.now()))?.histories).toHaveLength(4);
    await w.store.delete(snapshotChunkKey(tenant.id, String(w.clock.now()), 0));
    expect(await readKpiSnapshot(w.store, tenant.id, w.clock.now())).toBeUndefined();
    expect((await report(w, '2026-01-01', '2026-03-11')).customers).toBe(4);
  });

  it('is dropped when a customer is erased: the erased orders are gone from the next report', async () => {
    const w = await world(history);
    await w.daily.run();
    await createPrivacy(w).erase(tenant.id, 'cy', 'admin_api');
    expect(await readKpiSnapshot(w.store, tenant.id, w.clock.now())).toBeUndefined();
    expect(await report(w, '2026-01-01', '2026-03-09')).toMatchObject({ customers: 2, snapshotAt: null });
  });
});
