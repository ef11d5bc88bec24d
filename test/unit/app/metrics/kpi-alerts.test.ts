// The daily run's KPI alerts over memory ports: yesterday's figures against the tenant's targets,
// each KPI below 80 % of its target told on the bus once per day, again if it could not go out.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createDailyRun } from '../../../../functions/app/daily-run/run';
import { createFoldProfiles } from '../../../../functions/app/fold-profiles/run';
import { tenantDirectory } from '../../../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import type { Bus, BusEvent } from '../../../../functions/ports';
import { INGEST_SOURCE, METRICS_SOURCE } from '../../../../functions/routes';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-10T00:15:00Z');
const tenant = {
  id: 'shop',
  timezone: 'Europe/Berlin',
  currency: 'EUR',
  kpiTargets: { newCustomers: 5, revenue: 10_000, aov: 1_000 },
};

function world() {
  const store = createMemoryStore();
  const clock = new ManualClock(T0);
  const told: BusEvent[] = [];
  let failing = false;
  const bus: Bus = {
    async put(events) {
      if (failing && events.some((e) => e.source === METRICS_SOURCE)) throw new Error('the bus is down');
      told.push(...events);
    },
  };
  const deps = { store, bus, clock, tenants: tenantDirectory([tenant]), log: silentLog };
  const fold = createFoldProfiles(deps);
  const daily = createDailyRun(deps);
  const alerts = () => told.filter((e) => e.source === METRICS_SOURCE);
  const fail = (on: boolean) => {
    failing = on;
  };
  return { clock, fold, daily, alerts, fail };
}

const order = (customerId: string, at: number, amount: number): CanonicalEvent => ({
  type: 'order_placed',
  tenantId: tenant.id,
  customerId,
  eventId: `order-${customerId}`,
  occurredAt: new Date(at).toISOString(),
  source: 'test',
  properties: { orderId: `o-${customerId}`, total: { amount, currency: 'EUR' } },
});

const records = (events: CanonicalEvent[]) =>
  events.map((e, i) => ({
    id: `r${i}`,
    body: JSON.stringify({ 'detail-type': e.type, source: INGEST_SOURCE, detail: e }),
  }));

describe('KPI alerts of the daily run', () => {
  it('tells each KPI of yesterday below 80 % of its target once, whatever the number of runs', async () => {
    const w = world();
    // Yesterday (2026-03-09): two new customers, 9,000 in revenue, AOV 4,500.
    const yesterday = T0 - DAY;
    expect(await w.fold({ records: records([order('a', yesterday, 5_000), order('b', yesterday, 4_000)]) })).toEqual({
      failedIds: [],
    });
    const [first] = await w.daily.run();
    // 2 of 5 new customers is 40 %; revenue 9,000 of 10,000 is 90 % and AOV is above its target.
    expect(first?.kpiAlerts?.map((a) => [a.kpi, a.value, a.target])).toEqual([['newCustomers', 2, 5]]);
    expect(w.alerts()).toEqual([
      {
        source: METRICS_SOURCE,
        detailType: 'kpi.alert',
        detail: {
          tenantId: 'shop',
          id: 'newCustomers:2026-03-09',
          kpi: 'newCustomers',
          day: '2026-03-09',
          value: 2,
          target: 5,
          achieved: 0.4,
        },
      },
    ]);
    const [again] = await w.daily.run();
    expect(again?.kpiAlerts).toEqual([]);
    expect(w.alerts()).toHaveLength(1);
  });

  it('raises an alert that could not go out on the next run', async () => {
    const w = world();
    await w.fold({ records: records([order('a', T0 - DAY, 5_000)]) });
    w.fail(true);
    await expect(w.daily.run()).rejects.toThrow('the bus is down');
    w.fail(false);
    const [retry] = await w.daily.run();
    expect(retry?.kpiAlerts?.map((a) => a.id)).toEqual(['newCustomers:2026-03-09', 'revenue:2026-03-09']);
    expect(w.alerts()).toHaveLength(2);
  });
});
