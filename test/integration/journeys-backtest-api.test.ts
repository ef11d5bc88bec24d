// POST /v1/journeys/backtest on the local runtime: the abandoned-checkout example replayed over the
// tenant's own archived events (a simulator history, imported), giving the report the backtester
// (what `growthloop journeys backtest` runs) gives over the same events, within the days asked for.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../functions/adapters/log';
import { backtest } from '../../functions/app/backtest/run';
import { runImportCli } from '../../functions/cli/import';
import { runSimulateCli } from '../../functions/cli/simulate';
import { BacktestReport } from '../../functions/contracts/http-api';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import type { Journey } from '../../functions/core/journeys/schema';
import { validateJourney } from '../../functions/core/journeys/validate';
import { DEFAULT_SCORING_SETTINGS } from '../../functions/core/scoring/settings';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { adminApi, pipelineSettled } from '../helpers/runtime';

const config = demoConfig();
const tenant = config.tenants[0]!;
const dir = mkdtempSync(join(tmpdir(), 'growthloop-backtest-api-'));
const dataDir = join(dir, 'data');
const simulated = join(dir, 'simulated.jsonl');
const history = join(dir, 'history.jsonl');
const quiet = { out: () => {}, err: () => {} };
const example = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../examples/journeys/abandoned-checkout.json'), 'utf8'),
) as Record<string, unknown>;

let runtime: LocalRuntime | undefined;
const admin = adminApi(() => runtime as LocalRuntime, tenant.adminKey);
let events: CanonicalEvent[] = [];

/**
 * The simulator's shoppers start sessions and order; they never start a checkout, which is what
 * the journey enters on. Here each order is preceded by its checkout, and every third session
 * without one starts a checkout that no order follows.
 */
function withCheckouts(lines: CanonicalEvent[]): CanonicalEvent[] {
  const out: CanonicalEvent[] = [];
  let sessions = 0;
  for (const e of lines) {
    const at = Date.parse(e.occurredAt);
    if (e.type === 'order_placed') {
      out.push({
        ...e,
        type: 'checkout_started',
        eventId: `checkout-${e.eventId}`,
        occurredAt: new Date(at - 20 * 60_000).toISOString(),
        properties: { checkoutId: `c-${e.properties.orderId}`, value: e.properties.total },
      } as CanonicalEvent);
    } else if (e.type === 'session_started' && sessions++ % 3 === 0) {
      out.push({
        ...e,
        type: 'checkout_started',
        eventId: `abandoned-${e.eventId}`,
        occurredAt: new Date(at + 5 * 60_000).toISOString(),
        properties: { checkoutId: `a-${e.eventId}`, value: { amount: 2_500, currency: tenant.currency } },
      } as CanonicalEvent);
    }
    out.push(e);
  }
  return out;
}

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir, port: 0, daily: false, dispatch: false, log: silentLog });
  const args = ['--history-only', '--customers', '40', '--days', '30', '--seed', '5', '--start', '2026-09-01'];
  expect(await runSimulateCli([...args, '--out', simulated], quiet)).toBe(0);
  const lines = readFileSync(simulated, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CanonicalEvent);
  const augmented = withCheckouts(lines);
  writeFileSync(history, `${augmented.map((e) => JSON.stringify(e)).join('\n')}\n`);
  expect(await runImportCli([history, '--url', runtime.url, '--api-key', tenant.apiKey], quiet)).toBe(0);
  await pipelineSettled(runtime, ['profile-updates', 'journey-events', 'journey-steps', 'loyalty', 'groups']);
  events = augmented.map((e) => ({ ...e, tenantId: tenant.id, source: e.source ?? 'api' }) as CanonicalEvent);
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

const journey = (): Journey => ({ ...(validateJourney(example).journey as Journey), status: 'live' });
const scoring = { settings: DEFAULT_SCORING_SETTINGS, currency: tenant.currency, timeZone: tenant.timezone };

describe('backtesting a journey in the console (POST /v1/journeys/backtest)', () => {
  it('replays the archived history: the report the backtester gives over the same events', async () => {
    const { status: _status, ...draft } = example;
    const answer = await admin('POST', '/v1/journeys/backtest', { journey: draft });
    expect(answer.status).toBe(200);
    const report = BacktestReport.parse(answer.body);
    const expected = await backtest({ journeys: [journey()], events, scoring });
    expect(report).toEqual({ ...expected, sends: [] });
    expect(report.events).toBe(events.length);
    const totals = report.journeys['abandoned-checkout'];
    // Checkouts enter; an order within a week converts; the abandoned ones get the push, then the coupon.
    expect(totals?.entered).toBeGreaterThan(20);
    expect(totals?.converted).toBeGreaterThan(5);
    expect(totals?.actions.push).toBeGreaterThan(0);
    expect(totals?.coupons['cart-10']).toBeGreaterThan(0);
  }, 120_000);

  it('replays only the days asked for, `to` included', async () => {
    const answer = await admin('POST', '/v1/journeys/backtest', {
      journey: example,
      from: '2026-09-05',
      to: '2026-09-14',
    });
    expect(answer.status).toBe(200);
    const from = Date.parse('2026-09-05T00:00:00Z');
    const to = Date.parse('2026-09-15T00:00:00Z');
    const inDays = events.filter((e) => Date.parse(e.occurredAt) >= from && Date.parse(e.occurredAt) < to);
    const expected = await backtest({ journeys: [journey()], events: inDays, scoring, from, to });
    expect(answer.body).toEqual({ ...expected, sends: [] });
    expect(answer.body).toMatchObject({ from: '2026-09-05T00:00:00.000Z', to: '2026-09-15T00:00:00.000Z' });
    expect((answer.body.events as number) < events.length).toBe(true);
  }, 120_000);

  it('refuses a journey with problems at their paths under $.journey, before reading any history', async () => {
    const broken = {
      ...example,
      activities: { ...(example.activities as object), 'wait-1h': { type: 'wait', next: 'push-reminder' } },
    };
    const answer = await admin('POST', '/v1/journeys/backtest', { journey: broken });
    expect(answer).toMatchObject({
      status: 400,
      body: { error: 'invalid_journey', path: '$.journey.activities.wait-1h' },
    });
  });
});
