import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataKeyKey } from '../../../../functions/adapters/aws/data-keys';
import {
  createOutbox,
  listOutbox,
  OUTBOX_FILE,
  OutboxCursorError,
} from '../../../../functions/adapters/channels/outbox';
import { ManualClock } from '../../../../functions/adapters/clock';
import { createLocalDataKeys } from '../../../../functions/adapters/local/data-keys';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import type { OutgoingMessage } from '../../../../functions/ports';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'growthloop-outbox-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const email = (tenantId: string, n: number): OutgoingMessage => ({
  channel: 'email',
  tenantId,
  customerId: `c${n}`,
  key: `${tenantId}#k${n}`,
  to: `c${n}@example.com`,
  from: 'Shop <shop@example.com>',
  subject: `Hello ${n}`,
  text: 'Your cart misses you',
  html: '<p>Your cart misses you</p>',
  unsubscribeUrl: 'https://shop.example.com/u/1',
});

describe('outbox channel', () => {
  it('appends one JSON line per send, with when, what and where, and answers provider outbox', async () => {
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    const outbox = createOutbox({ dataDir: join(dataDir, 'nested'), clock });
    const receipt = await outbox.send(email('t1', 1));
    clock.advance(1_000);
    await outbox.send({
      channel: 'push',
      tenantId: 't1',
      customerId: 'c2',
      key: 't1#k2',
      endpoint: 'arn:x',
      body: 'Hi',
      title: 'T',
    });
    await outbox.send({
      channel: 'sms',
      tenantId: 't1',
      customerId: 'c3',
      key: 't1#k3',
      to: '+4915100000000',
      body: 'Code 1234',
    });
    await outbox.send({
      channel: 'webhook',
      tenantId: 't1',
      customerId: 'c4',
      key: 't1#k4',
      url: 'https://hooks.example.com/x?token=1',
      body: '{"type":"t","timestamp":"2026-03-01T12:00:00Z","data":{}}',
      secrets: ['whsec_c2VjcmV0c2VjcmV0c2VjcmV0'],
    });
    expect(receipt.provider).toBe('outbox');
    const lines = (await readFile(join(dataDir, 'nested', OUTBOX_FILE), 'utf8')).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({
      id: receipt.providerMessageId,
      sentAt: '2026-03-01T12:00:00.000Z',
      channel: 'email',
      tenantId: 't1',
      key: 't1#k1',
      to: 'c1@example.com',
      subject: 'Hello 1',
      unsubscribeUrl: 'https://shop.example.com/u/1',
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({
      channel: 'push',
      endpoint: 'arn:x',
      sentAt: '2026-03-01T12:00:01.000Z',
    });
    expect(JSON.parse(lines[2]!)).toMatchObject({ channel: 'sms', to: '+4915100000000', body: 'Code 1234' });
    const hook = JSON.parse(lines[3]!);
    expect(hook).toMatchObject({ channel: 'webhook', url: 'https://hooks.example.com/x?token=1', signatures: 1 });
    expect(lines[3]).not.toContain('whsec_');
  });

  it('keeps every line whole under concurrent sends', async () => {
    const outbox = createOutbox({ dataDir, clock: new ManualClock(0) });
    await Promise.all(Array.from({ length: 200 }, (_, n) => outbox.send(email('t1', n))));
    const { items } = await listOutbox(dataDir, { tenantId: 't1', limit: 1000 });
    expect(items).toHaveLength(200);
    expect(new Set(items.map((item) => item.key)).size).toBe(200);
  });

  it("lists one tenant's entries oldest first, a page at a time", async () => {
    const outbox = createOutbox({ dataDir, clock: new ManualClock(0) });
    for (let n = 0; n < 7; n += 1) await outbox.send(email(n % 2 === 0 ? 't1' : 't2', n));
    const first = await listOutbox(dataDir, { tenantId: 't1', limit: 3 });
    expect(first.items.map((item) => item.key)).toEqual(['t1#k0', 't1#k2', 't1#k4']);
    expect(first.next).toBeDefined();
    const second = await listOutbox(dataDir, { tenantId: 't1', limit: 3, after: first.next! });
    expect(second.items.map((item) => item.key)).toEqual(['t1#k6']);
    expect(second.next).toBe(undefined);
    expect((await listOutbox(dataDir, { tenantId: 't2' })).items.map((item) => item.key)).toEqual([
      't2#k1',
      't2#k3',
      't2#k5',
    ]);
    expect((await listOutbox(dataDir, { tenantId: 't3' })).items).toEqual([]);
  });

  it('lists nothing before the first send, and refuses a cursor or limit it did not make', async () => {
    expect(await listOutbox(dataDir, { tenantId: 't1' })).toEqual({ items: [] });
    await expect(listOutbox(dataDir, { tenantId: 't1', after: 'abc' })).rejects.toBeInstanceOf(OutboxCursorError);
    await expect(listOutbox(dataDir, { tenantId: 't1', limit: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(listOutbox(dataDir, { tenantId: 't1', limit: 1001 })).rejects.toBeInstanceOf(RangeError);
  });

  it('skips a line torn by a crash, and the next send starts on a line of its own', async () => {
    const outbox = createOutbox({ dataDir, clock: new ManualClock(0) });
    await outbox.send(email('t1', 1));
    await appendFile(join(dataDir, OUTBOX_FILE), '{"id":"torn","sentAt":"2026');
    expect((await listOutbox(dataDir, { tenantId: 't1' })).items.map((item) => item.key)).toEqual(['t1#k1']);
    await outbox.send(email('t1', 2));
    expect((await listOutbox(dataDir, { tenantId: 't1' })).items.map((item) => item.key)).toEqual(['t1#k1', 't1#k2']);
  });
});

describe('outbox channel with data keys', () => {
  it('seals every field but the ids under the customer’s key; erasing the key leaves only the ids', async () => {
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    const store = createMemoryStore();
    const dataKeys = createLocalDataKeys({ store, clock });
    const outbox = createOutbox({ dataDir, clock, dataKeys });
    await outbox.send(email('t1', 1));
    const bytes = await readFile(join(dataDir, OUTBOX_FILE), 'utf8');
    expect(bytes).not.toContain('c1@example.com');
    expect(bytes).not.toContain('Hello 1');
    const [open] = (await listOutbox(dataDir, { tenantId: 't1' }, dataKeys)).items;
    expect(open).toMatchObject({ to: 'c1@example.com', subject: 'Hello 1', html: '<p>Your cart misses you</p>' });

    await store.delete(dataKeyKey('t1', 'c1'));
    const [shredded] = (await listOutbox(dataDir, { tenantId: 't1' }, createLocalDataKeys({ store, clock }))).items;
    expect(Object.keys(shredded ?? {}).sort()).toEqual(['channel', 'customerId', 'id', 'key', 'sentAt', 'tenantId']);
  });
});
