// Every example journey, live on the local runtime over a generated 90-day history with a fake
// clock (events at their time, timers when due, the daily run at 00:15), against the backtest
// of the same journeys over the same history: the same actions, at the same times, with the
// same keys.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { backtest } from '../../functions/app/backtest/run';
import type { ActionMessage } from '../../functions/contracts/messages';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { validateJourney } from '../../functions/core/journeys/validate';
import { LoyaltySettings } from '../../functions/core/loyalty/settings';
import { DEFAULT_SCORING_SETTINGS } from '../../functions/core/scoring/settings';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { shopHistory } from '../../scripts/workload';

const DAY = 86_400_000;
const START = Date.parse('2026-06-01T00:00:00Z');
const END = START + 92 * DAY;
const EXAMPLES = join(import.meta.dirname, '../../examples/journeys');
// Points expire after two months here, so the points-expiry journey's reminder and push fall in the history.
const loyalty = LoyaltySettings.parse({ points: { expiryMonths: 2 } });
const demo = demoConfig();
const config = { ...demo, tenants: [{ ...demo.tenants[0]!, loyalty }] };
const tenant = config.tenants[0]!;
const examples = readdirSync(EXAMPLES).map((f) => JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')));
/** Some customers tell their birthday: the birthday journey starts for them. */
const dates = Array.from({ length: 6 }, (_, i) => ({
  type: 'identify',
  eventId: `dates-${i}`,
  customerId: `c-${i}`,
  occurredAt: `2026-06-0${i + 2}T08:00:00.000Z`,
  source: 'api',
  properties: { traits: { birthday: `1990-0${6 + (i % 3)}-1${i}` } },
}));
/** One customer spends enough for the silver tier: the tier-upgrade journey starts for them. */
const bigOrder = {
  type: 'order_placed',
  eventId: 'big-order',
  customerId: 'c-big',
  occurredAt: '2026-07-01T12:00:00.000Z',
  source: 'api',
  properties: { orderId: 'big-1', total: { amount: 150_000, currency: tenant.currency } },
};
const history = [
  ...shopHistory({ customers: 25, events: 500, seed: 21, start: '2026-06-01T00:00:00Z', days: 90 }),
  ...dates,
  bigOrder,
].map((e) => ({ ...e, tenantId: tenant.id }) as CanonicalEvent);

let runtime: LocalRuntime;
const clock = new ManualClock(START - DAY);
beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, clock, daily: false, dispatch: false });
});
afterAll(() => runtime.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function settled() {
  const queues = ['profile-updates', 'loyalty', 'journey-events', 'journey-steps'];
  for (let quiet = 0; quiet < 2; ) {
    quiet = queues.every((q) => runtime.queue.depth(q) === 0) ? quiet + 1 : 0;
    await sleep(5);
  }
}

type Sent = { at: string; customerId: string; activity: string; kind: string; key: string };
const sent: Sent[] = [];
async function drainActions() {
  for (;;) {
    const messages = await runtime.queue.receive('actions', { max: 500 });
    if (messages.length === 0) return;
    for (const m of messages) {
      const action = JSON.parse(m.body) as ActionMessage;
      const at = new Date(clock.now()).toISOString();
      sent.push({
        at,
        customerId: action.customerId,
        activity: action.activity,
        kind: action.action.kind,
        key: action.key,
      });
    }
    await runtime.queue.ack(
      'actions',
      messages.map((m) => m.receipt),
    );
  }
}

/** Moves the clock to `until`, stopping at every timer and daily run on the way, in time order. */
async function advanceTo(until: number, nextRun: { at: number }) {
  for (;;) {
    const timer = await runtime.timers.nextAt();
    const next = Math.min(timer ?? Number.POSITIVE_INFINITY, nextRun.at);
    if (next > until) break;
    clock.set(next);
    if (next === nextRun.at) {
      await runtime.runDaily();
      nextRun.at += DAY;
    } else {
      await runtime.timers.fireDue();
    }
    await settled();
    await drainActions();
  }
  clock.set(until);
}

const inOrder = (list: Sent[]) =>
  [...list].sort(
    (a, b) => a.at.localeCompare(b.at) || a.customerId.localeCompare(b.customerId) || a.key.localeCompare(b.key),
  );

describe('the example journeys over a generated 90-day history', () => {
  it('the live runtime and the backtest send the same actions at the same times', { timeout: 240_000 }, async () => {
    for (const example of examples) {
      const { status: _, ...draft } = example;
      const auth = { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' };
      const created = await fetch(`${runtime.url}/v1/journeys`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify(draft),
      });
      expect(created.status).toBe(201);
      const published = await fetch(`${runtime.url}/v1/journeys/${example.id}/publish`, {
        method: 'POST',
        headers: auth,
      });
      expect(published.status).toBe(200);
    }
    const nextRun = { at: START + 15 * 60_000 };
    const sorted = [...history].sort(
      (a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId),
    );
    for (const event of sorted) {
      await advanceTo(Date.parse(event.occurredAt), nextRun);
      const { tenantId: _t, ...body } = event;
      const res = await fetch(`${runtime.url}/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(202);
      await settled();
      await drainActions();
    }
    await advanceTo(END, nextRun);

    const journeys = examples.map((e) => ({ ...validateJourney(e).journey!, version: 1, status: 'live' as const }));
    const report = await backtest({
      journeys,
      events: history,
      scoring: { settings: DEFAULT_SCORING_SETTINGS, currency: tenant.currency, timeZone: tenant.timezone },
      from: START,
      to: END,
      loyalty,
    });
    const backtested = report.sends.map((s) => ({
      at: s.at,
      customerId: s.customerId,
      activity: s.activity,
      kind: s.kind,
      key: `${tenant.id}:${s.key}`,
    }));
    expect(sent.length).toBeGreaterThan(20);
    expect(new Set(sent.map((s) => s.kind))).toEqual(new Set(['push', 'coupon', 'email', 'points', 'tags']));
    expect(sent.filter((s) => s.activity === 'card')).toHaveLength(6);
    const journeyOf = (key: string) => key.split(':')[1];
    const journeysSent = new Set(sent.map((s) => journeyOf(s.key)));
    expect(journeysSent).toContain('points-expiry-reminder');
    expect(journeysSent).toContain('tier-upgrade-thanks');
    expect(inOrder(sent)).toEqual(inOrder(backtested));
  });
});
