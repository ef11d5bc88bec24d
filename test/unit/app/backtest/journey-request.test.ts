// The use case behind POST /v1/journeys/backtest, on a history given as a function: the days it
// reads, the bound on the events it holds, and the answers without a history.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BACKTEST_NOT_AVAILABLE,
  createJourneyBacktests,
  type EventHistory,
} from '../../../../functions/app/backtest/journey-request';
import type { TenantRecord } from '../../../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';

const example = readFileSync(
  join(import.meta.dirname, '../../../../examples/journeys/abandoned-checkout.json'),
  'utf8',
);
const tenant: TenantRecord = { id: 'shop', timezone: 'Europe/Berlin', currency: 'EUR' };
const T0 = Date.parse('2026-03-01T10:00:00Z');

const checkout = (i: number): CanonicalEvent => ({
  type: 'checkout_started',
  tenantId: tenant.id,
  eventId: `checkout-${i}`,
  customerId: `c-${i % 7}`,
  occurredAt: new Date(T0 + i * 3_600_000).toISOString(),
  source: 'api',
  properties: { checkoutId: `k-${i}`, value: { amount: 1_000, currency: 'EUR' } },
});

/** A history of `count` checkouts that records the ranges it was asked for and how many events were taken. */
function history(count: number) {
  const asked: { tenantId: string; from?: number; to?: number }[] = [];
  let taken = 0;
  const read: EventHistory = async function* (tenantId, range) {
    asked.push({ tenantId, ...range });
    for (let i = 0; i < count; i++) {
      taken++;
      yield checkout(i);
    }
  };
  return { read, asked, taken: () => taken };
}

const body = (extra: object = {}) => JSON.stringify({ journey: JSON.parse(example), ...extra });

describe('a journey backtest asked for over the admin API', () => {
  it('reads the tenant’s history over the days asked for, `to` included, and reports the journey', async () => {
    const h = history(30);
    const run = createJourneyBacktests({ history: h.read });
    const answer = await run({ tenant, body: body({ from: '2026-03-01', to: '2026-03-02' }) });
    expect(answer.status).toBe(200);
    expect(h.asked).toEqual([
      { tenantId: 'shop', from: Date.parse('2026-03-01T00:00:00Z'), to: Date.parse('2026-03-03T00:00:00Z') },
    ]);
    expect(answer.body).toMatchObject({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-03T00:00:00.000Z',
      events: 30,
      customers: 7,
      journeys: { 'abandoned-checkout': { entered: expect.any(Number) } },
      sends: [],
    });
    expect(
      (answer.body as { journeys: Record<string, { entered: number }> }).journeys['abandoned-checkout']?.entered,
    ).toBeGreaterThan(0);
  });

  it('refuses a history over the bound with 422, having read one event past it and replayed none', async () => {
    const h = history(1_000);
    const run = createJourneyBacktests({ history: h.read, maxEvents: 100 });
    const answer = await run({ tenant, body: body({ to: '2026-04-01' }) });
    expect(answer).toMatchObject({ status: 422, body: { error: 'too_many_events', path: '$.from' } });
    expect((answer.body as { message: string }).message).toMatch(/more than 100/);
    expect(h.taken()).toBe(101);
  });

  it('answers 501 without a history, and 4xx for what is not a backtest request, never a 5xx', async () => {
    const run = createJourneyBacktests({});
    expect(await run({ tenant, body: body() })).toEqual({
      status: 501,
      body: { error: 'not_available', message: BACKTEST_NOT_AVAILABLE, path: 'path' },
    });
    const h = history(3);
    const withHistory = createJourneyBacktests({ history: h.read });
    for (const [text, status, path] of [
      ['{', 400, '$'],
      ['[]', 400, '$'],
      [JSON.stringify({ from: '2026-03-01' }), 400, '$.journey'],
      [JSON.stringify({ journey: {} }), 400, '$.journey.activities'],
      [body({ from: 'yesterday' }), 400, '$.from'],
      [body({ unknown: true }), 400, '$'],
    ] as const) {
      const answer = await withHistory({ tenant, body: text });
      expect({ text, status: answer.status, path: (answer.body as { path: string }).path }).toMatchObject({
        text,
        status,
        path: expect.stringContaining(path),
      });
    }
    expect(await withHistory({ tenant, contentType: 'text/plain', body: body() })).toMatchObject({ status: 415 });
    expect(h.asked).toEqual([]);
  });
});
