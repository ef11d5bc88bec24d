import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { localDynamoClient } from '../../functions/runtime/dynalite';
import { startTestRuntime } from '../helpers/runtime';

const CUSTOMER = 'cust-erase-me';
const EMAIL = 'erase.me@example.com';
const PHONE = '+4915112345678';
let held = 0;

const clock = new ManualClock(Date.now());
const local = startTestRuntime({ clock, daily: false });
const { tenant } = local;

const admin = (path: string, method = 'GET') =>
  fetch(`${local.runtime.url}${path}`, { method, headers: { authorization: `Bearer ${tenant.adminKey}` } });
const history = [
  {
    type: 'identify',
    eventId: 'id-1',
    customerId: CUSTOMER,
    occurredAt: '2026-11-20T09:00:00Z',
    properties: { traits: { email: EMAIL, phone: PHONE, first_name: 'Erin' }, timezone: 'Europe/Berlin' },
  },
  {
    type: 'order_placed',
    eventId: 'order-1',
    customerId: CUSTOMER,
    occurredAt: '2026-01-20T09:05:00Z',
    properties: { orderId: 'o-1', total: { amount: 2500, currency: 'EUR' } },
  },
];
async function post(batch: unknown[]) {
  const res = await fetch(`${local.runtime.url}/v1/events`, {
    method: 'POST',
    headers: { 'x-api-key': tenant.apiKey },
    body: JSON.stringify({ batch }),
  });
  expect(res.status).toBe(202);
  await local.settled();
}
async function everyItem(): Promise<string[]> {
  const client = localDynamoClient(String(local.runtime.dynamoEndpoint));
  const out = await client.send(new ScanCommand({ TableName: 'growthloop' }));
  client.destroy();
  return (out.Items ?? []).map((item) => JSON.stringify(item));
}

describe('erasing a customer', () => {
  it('exports everything held about the customer before erasure', async () => {
    await post(history);
    const res = await admin(`/v1/customers/${CUSTOMER}/export`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { sk: string; traits?: Record<string, { v: unknown }> }[] };
    expect(body.items.map((i) => i.sk)).toContain('PROFILE');
    expect(body.items.find((i) => i.sk === 'PROFILE')?.traits?.email?.v).toBe(EMAIL);
    held = body.items.length;
  });

  it('leaves no item holding the e-mail or phone, the id only in its erased marker, and an empty export', async () => {
    const res = await admin(`/v1/customers/${CUSTOMER}`, 'DELETE');
    expect(res.status).toBe(200);
    // What the export shows, and the customer's data key, which it does not.
    expect(await res.json()).toEqual({ erasedItems: held + 1 });
    const items = await everyItem();
    for (const item of items) for (const secret of [EMAIL, PHONE]) expect(item).not.toContain(secret);
    // The marker keeps writes begun before the erasure from landing; it holds nothing but when.
    const holding = items.filter((item) => item.includes(CUSTOMER)).map((item) => JSON.parse(item));
    expect(holding).toHaveLength(1);
    expect(Object.keys(holding[0]).sort()).toEqual(['dueDay', 'dueShard', 'erasedAt', 'pk', 'sk', 'version']);
    expect((await admin(`/v1/customers/${CUSTOMER}`)).status).toBe(404);
    const exported = (await (await admin(`/v1/customers/${CUSTOMER}/export`)).json()) as { items: unknown[] };
    expect(exported.items).toEqual([]);
  });

  it('does not bring the customer back when the old events are delivered again', async () => {
    await post(history);
    expect((await admin(`/v1/customers/${CUSTOMER}`)).status).toBe(404);
  });

  it('leaves no item holding the id once a daily pass has removed the marker', async () => {
    clock.advance(2 * 86_400_000);
    await local.runtime.runDaily();
    expect((await everyItem()).filter((item) => item.includes(CUSTOMER))).toEqual([]);
    expect((await admin(`/v1/customers/${CUSTOMER}`)).status).toBe(404);
  });

  it('writes every erasure and export to the audit log, naming the customer by hash only', async () => {
    const audit = (await everyItem()).filter((item) => item.includes('#AUDIT'));
    expect(audit.filter((i) => i.includes('"erase"'))).toHaveLength(1);
    expect(audit.filter((i) => i.includes('"export"'))).toHaveLength(2);
  });
});
