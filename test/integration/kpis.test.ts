// GET /v1/metrics/kpis on the local runtime, over orders posted through the ingest API, against
// figures computed by hand.
import { describe, expect, it } from 'vitest';
import { runReportCli } from '../../functions/cli/report';
import { postEvents } from '../helpers/events';
import { adminApi, pipelineSettled, startTestRuntime } from '../helpers/runtime';

const local = startTestRuntime({ daily: false, dispatch: false });
const admin = adminApi(() => local.runtime, local.tenant.adminKey);

const order = (customerId: string, n: number, day: string, amount: number) => ({
  type: 'order_placed',
  eventId: `order-${customerId}-${n}`,
  customerId,
  occurredAt: `${day}T12:00:00Z`,
  properties: { orderId: `${customerId}-${n}`, total: { amount, currency: 'EUR' } },
});

describe('GET /v1/metrics/kpis', () => {
  it('reports new and active customers, revenue, retention, repurchase and churn from the buyers', async () => {
    const orders = [
      // ada: first order 2026-01-05, again 3 days later and 40 days later.
      order('ada', 1, '2026-01-05', 4_000),
      order('ada', 2, '2026-01-08', 2_000),
      order('ada', 3, '2026-02-14', 3_000),
      // bo: one order on 2026-01-05.
      order('bo', 1, '2026-01-05', 1_000),
      // cy: first order 2026-01-20, nothing since.
      order('cy', 1, '2026-01-20', 5_000),
    ];
    expect((await postEvents(local.runtime.url, local.tenant.apiKey, { batch: orders })).status).toBe(202);
    await pipelineSettled(local.runtime, ['profile-updates']);

    const { status, body } = await admin('GET', '/v1/metrics/kpis?from=2026-01-01&to=2026-06-30');
    expect(status).toBe(200);
    const days = body.days as { day: string; newCustomers: number; activeCustomers: number }[];
    const on = (day: string) => days.find((d) => d.day === day);
    expect(on('2026-01-05')).toMatchObject({ newCustomers: 2, activeCustomers: 2 });
    expect(on('2026-01-08')).toMatchObject({ newCustomers: 0, activeCustomers: 1 });
    expect(on('2026-01-20')).toMatchObject({ newCustomers: 1, activeCustomers: 1 });
    expect(body).toMatchObject({
      customers: 3,
      revenue: { currency: 'EUR', total: { revenue: 15_000, orders: 5, aov: { value: 3_000 } } },
      // Three cohorts with complete windows: ada came back within 7 days, and within 60; bo and cy did not.
      retention: {
        d1: { numerator: 0, denominator: 3 },
        d7: { numerator: 1, denominator: 3 },
        d30: { numerator: 1, denominator: 3 },
        d60: { numerator: 1, denominator: 3 },
      },
      repurchase: { within30: { numerator: 1, denominator: 3 }, within90: { numerator: 1, denominator: 3 } },
    });
    // April starts with all three active (last orders 2026-02-14, 2026-01-05 and 2026-01-20, each less
    // than 90 days before); bo reaches 90 days on 2026-04-05 and cy on 2026-04-20, ada on 2026-05-15.
    const churn = body.churn as { month: string; rate: { numerator: number; denominator: number } }[];
    expect(churn.find((c) => c.month === '2026-04')?.rate).toMatchObject({ numerator: 2, denominator: 3 });
    expect(churn.find((c) => c.month === '2026-05')?.rate).toMatchObject({ numerator: 1, denominator: 1 });
    // No daily run has taken a snapshot: read from the profiles, which live=true asks for anyway.
    expect(body.snapshotAt).toBeNull();
    const live = await admin('GET', '/v1/metrics/kpis?from=2026-01-01&to=2026-06-30&live=true');
    expect(live).toMatchObject({ status: 200, body: { customers: 3, snapshotAt: null } });
    const bad = await admin('GET', '/v1/metrics/kpis?from=2026-01-01&to=2026-06-30&live=yes');
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_request', path: 'query.live' } });
  });

  it('growthloop report prints them as a table, CSV or JSON', async () => {
    const run = async (...extra: string[]) => {
      let out = '';
      const code = await runReportCli(
        [
          '--from',
          '2026-01-01',
          '--to',
          '2026-01-31',
          '--url',
          local.runtime.url,
          '--admin-key',
          local.tenant.adminKey,
          ...extra,
        ],
        {
          out: (t) => {
            out += t;
          },
          err: () => {},
        },
      );
      return { code, out };
    };
    const table = await run();
    expect(table.code).toBe(0);
    expect(table.out).toContain('KPIs 2026-01-01 → 2026-01-31');
    expect(table.out).toContain('new customers            3');
    expect(table.out).toContain('revenue                  120.00 EUR in 4 orders, AOV 30.00 EUR');
    const csv = (await run('--csv')).out.trim().split('\n');
    expect(csv[0]).toBe('day,new_customers,active_customers,monthly_active_customers,revenue_minor_units,orders');
    expect(csv).toHaveLength(32);
    expect(csv).toContain('2026-01-05,2,2,2,5000,2');
    expect(JSON.parse((await run('--json')).out)).toMatchObject({ from: '2026-01-01', to: '2026-01-31', customers: 3 });
  });

  it('refuses a range that is not one', async () => {
    for (const query of ['', '?from=2026-01-01', '?from=2026-02-30&to=2026-03-01', '?from=2026-03-01&to=2026-02-01'])
      expect((await admin('GET', `/v1/metrics/kpis${query}`)).status, query).toBe(400);
  });
});
