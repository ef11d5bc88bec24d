// An event dated in the future would pin the customer's lastSeenAt: they could never become at_risk,
// dormant or churned, and no win-back would reach them. The local runtime, with a fake clock, refuses
// such events before the 2xx and stores nothing of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { postEvents } from '../helpers/events';

const NOW = '2026-12-01T10:00:00Z';
const LIMIT = 'must not be later than the time of receipt plus 5 minutes (2026-12-01T10:05:00Z)';
const [demo] = demoConfig().tenants;
const tenant = { ...demo!, id: 'shop-t', secrets: { segmentWriteKey: 'segment-write-key-shop-t' } };
const config: GrowthloopConfig = { tenants: [tenant] };
const clock = new ManualClock(NOW);
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, clock, daily: false });
});
afterAll(() => runtime.close());

const post = (body: unknown) => postEvents(runtime.url, tenant.apiKey, body);
const segment = (call: 'track' | 'batch', body: unknown) =>
  fetch(`${runtime.url}/v1/${call}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${tenant.secrets.segmentWriteKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
const login = (customerId: string, occurredAt: string) => ({
  type: 'login',
  eventId: `login-${customerId}-${occurredAt}`,
  customerId,
  occurredAt,
  properties: {},
});
const track = (messageId: string, userId: string, timestamp: string) => ({
  type: 'track',
  messageId,
  userId,
  event: 'Signed In',
  timestamp,
});

async function settled() {
  const queues = ['profile-updates', 'journey-events', 'journey-steps'];
  for (let quiet = 0; quiet < 3; ) {
    quiet = queues.every((q) => runtime.queue.depth(q) === 0) ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 20));
  }
}
const stored = async () => (await runtime.store.scan(tenant.id)).map((i) => `${i.pk} ${i.sk}`).sort();
const customer = (id: string) =>
  fetch(`${runtime.url}/v1/customers/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${tenant.adminKey}` },
  });

describe('event times on the local runtime', () => {
  it('answers 400 to an event dated 9999-12-31 and stores nothing', async () => {
    const before = await stored();
    const res = await post(login('far@example.com', '9999-12-31T00:00:00Z'));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_event',
      message: `$.occurredAt: ${LIMIT}`,
      path: '$.occurredAt',
      errors: [{ index: 0, error: 'invalid_event', message: `$.occurredAt: ${LIMIT}`, path: '$.occurredAt' }],
    });
    await settled();
    expect(await stored()).toEqual(before);
    expect((await customer('far@example.com')).status).toBe(404);
  });

  it('answers 400 to an event dated before 2000', async () => {
    const res = await post(login('old@example.com', '1999-12-31T23:59:59Z'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_event', path: '$.occurredAt' });
  });

  it('in a batch, refuses the future-dated event on its own and folds the rest, up to 5 minutes ahead', async () => {
    const batch = [
      login('ada@example.com', '2026-12-01T09:00:00Z'),
      login('far@example.com', '9999-12-31T00:00:00Z'),
      login('skewed@example.com', '2026-12-01T10:05:00Z'),
      login('history@example.com', '2000-01-01T00:00:00Z'),
    ];
    const res = await post({ batch });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: 3,
      rejected: 1,
      errors: [
        { index: 1, error: 'invalid_event', message: `$.batch[1].occurredAt: ${LIMIT}`, path: '$.batch[1].occurredAt' },
      ],
    });
    await settled();
    for (const id of ['ada@example.com', 'skewed@example.com', 'history@example.com']) {
      expect((await customer(id)).status).toBe(200);
    }
    expect((await customer('far@example.com')).status).toBe(404);
  });

  it('judges the future by the runtime clock: the same event is accepted once the clock has caught up', async () => {
    const event = login('later@example.com', '2026-12-01T12:00:00Z');
    expect((await post(event)).status).toBe(400);
    clock.set('2026-12-01T11:55:00Z');
    expect((await post(event)).status).toBe(202);
    await settled();
    expect((await customer('later@example.com')).status).toBe(200);
    clock.set(NOW);
  });

  it('refuses a Segment call dated in the future with 400, and that call alone in a batch', async () => {
    const before = await stored();
    const one = await segment('track', track('seg-far', 'seg-far', '9999-12-31T00:00:00Z'));
    expect(one.status).toBe(400);
    expect(await one.json()).toEqual({ error: 'invalid_event', message: `$.timestamp: ${LIMIT}`, path: '$.timestamp' });
    await settled();
    expect(await stored()).toEqual(before);

    const batch = [
      track('seg-ok', 'seg-ok', '2026-12-01T09:59:00Z'),
      track('seg-far-2', 'seg-far', '9999-12-31T00:00:00Z'),
    ];
    const res = await segment('batch', { batch });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: 1,
      errors: [{ index: 1, error: 'invalid_event', path: '$.batch[1].timestamp' }],
    });
    await settled();
    expect((await customer('seg-ok')).status).toBe(200);
    expect((await customer('seg-far')).status).toBe(404);
  });
});
