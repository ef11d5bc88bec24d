// What the store cannot keep is refused before a 2xx, with its path; what still cannot be folded
// is parked in quarantine, alone, and the customer's other events count. Against the local
// runtime on dynalite, whose SDK marshalling refuses what DynamoDB's does.
import { describe, expect, it } from 'vitest';
import { runQuarantineCli } from '../../functions/cli/quarantine';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { demoConfig } from '../../functions/runtime/config-file';
import { postEvents } from '../helpers/events';
import { startTestRuntime } from '../helpers/runtime';

const [demo] = demoConfig().tenants;
const tenant = { ...demo!, secrets: { segmentWriteKey: 'segment-write-key-poison' } };
const config: GrowthloopConfig = { tenants: [tenant] };
const local = startTestRuntime({ config });
const { settled } = local;

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${local.runtime.url}${path}`, { ...init, headers: { authorization: `Bearer ${tenant.adminKey}` } });
const segment = (body: unknown) =>
  fetch(`${local.runtime.url}/v1/identify`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${tenant.secrets.segmentWriteKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
const order = (customerId: string, id: string, amount: number, minutesAgo: number) => ({
  type: 'order_placed',
  eventId: `order-${id}`,
  customerId,
  occurredAt: at(minutesAgo),
  properties: { orderId: id, total: { amount, currency: 'EUR' } },
});

describe('numbers the store cannot keep', () => {
  it.each([
    [1e20, 'must be at most 9007199254740991 in magnitude'],
    [1e-200, 'must be 0 or at least 1e-130 in magnitude'],
    [-1e300, 'must be at most 9007199254740991 in magnitude'],
  ])('an identify trait of %s is refused with its path', async (value, message) => {
    const event = {
      type: 'identify',
      eventId: `big-${value}`,
      customerId: 'ada',
      occurredAt: at(1),
      properties: { traits: { score: value } },
    };
    const res = await postEvents(local.runtime.url, tenant.apiKey, { batch: [event] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors[0]?.path).toBe('$.batch[0].properties.traits.score');
    expect(body.errors[0]?.message).toContain(message);
  });

  it('a Segment identify trait of 1e-200 is refused with its path', async () => {
    const res = await segment({ type: 'identify', messageId: 'm-1', userId: 'ada', traits: { ratio: 1e-200 } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { path: string }).path).toBe('$.traits.ratio');
  });
});

describe('an event that cannot be folded', () => {
  it('is parked in quarantine alone, the customer’s other events count, and replays on request', async () => {
    const half = 2 ** 52 + 1;
    const batch = [
      order('grace', 'o-1', half, 3),
      { type: 'identify', eventId: 'id-grace', customerId: 'grace', occurredAt: at(2), properties: { traits: {} } },
      order('grace', 'o-2', half, 1),
    ];
    expect((await postEvents(local.runtime.url, tenant.apiKey, { batch })).status).toBe(202);
    await settled();
    const profile = (await (await admin('/v1/customers/grace')).json()) as { orders: number; counts: object };
    expect(profile.orders).toBe(1);
    expect(profile.counts).toMatchObject({ identify: 1, order_placed: 1 });

    const listed = (await (await admin('/v1/quarantine')).json()) as {
      total: number;
      messages: { id: string; queue: string; reason: string; body: string }[];
    };
    expect(listed.total).toBe(1);
    const [parked] = listed.messages;
    expect(parked?.queue).toBe('profile-updates');
    expect(parked?.reason).toMatch(/revenue\.EUR\.gross must be at most 9007199254740991/);
    expect(JSON.parse(parked?.body ?? '{}').detail.eventId).toBe('order-o-2');

    const replay = await admin('/v1/quarantine/replay', {
      method: 'POST',
      body: JSON.stringify({ ids: [parked?.id] }),
    });
    expect(await replay.json()).toEqual({ replayed: [parked?.id], unknown: [] });
    await settled();
    // Still too large: parked again, once.
    const again = (await (await admin('/v1/quarantine')).json()) as { total: number };
    expect(again.total).toBe(1);
  });

  it('is listed and replayed by growthloop quarantine through the admin API', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const api = ['--url', local.runtime.url, '--admin-key', tenant.adminKey];
    expect(await runQuarantineCli(['list', ...api, '--json'], io)).toBe(0);
    const { messages } = JSON.parse(out.join('')) as { messages: { id: string }[] };
    expect(messages).toHaveLength(1);
    out.length = 0;
    expect(await runQuarantineCli(['list', ...api], io)).toBe(0);
    expect(out.join('')).toMatch(new RegExp(`^1 in quarantine[^]*${messages[0]?.id}.*revenue\\.EUR\\.gross`));
    out.length = 0;
    expect(await runQuarantineCli(['replay', 'no-such-id', ...api], io)).toBe(1);
    expect(err.join('')).toContain('not in quarantine: no-such-id');
    expect(await runQuarantineCli(['replay', '--all', ...api], io)).toBe(0);
    expect(out.join('')).toContain('1 replayed');
    expect(await runQuarantineCli(['list', '--url', local.runtime.url, '--admin-key', 'wrong'], io)).toBe(2);
    expect(err.join('')).toContain('answered 401');
  });

  it('refuses a replay body that is not a list of ids', async () => {
    const res = await admin('/v1/quarantine/replay', { method: 'POST', body: JSON.stringify({ ids: 'all' }) });
    expect(res.status).toBe(400);
  });
});

describe('ids the store cannot key', () => {
  it('a customer id over 2 KB in a URL is a 400, not a 500', async () => {
    const res = await admin(`/v1/customers/${'x'.repeat(2100)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_id', path: 'path.customerId' });
  });
});
