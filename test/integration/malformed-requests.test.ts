// 1,000 malformed requests against the local runtime's HTTP API: each gets a 4xx with a JSON
// {error, message, path} body naming what is wrong, and none of them stores or enqueues anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { customerPk } from '../../functions/core/profiles/items';
import { HASH_LENGTH } from '../../functions/core/profiles/seen';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';

const REQUESTS = 1_000;
const CONCURRENCY = 8;
const QUEUE = 'profile-updates';

const [shopA, shopB] = [demoConfig().tenants[0], demoConfig().tenants[0]].map((t, i) => ({
  ...(t as GrowthloopConfig['tenants'][number]),
  id: i === 0 ? 'shop-a' : 'shop-b',
  name: i === 0 ? 'Shop A' : 'Shop B',
})) as [GrowthloopConfig['tenants'][number], GrowthloopConfig['tenants'][number]];
const config: GrowthloopConfig = { tenants: [shopA, shopB] };

/** One malformed request and the answer it must get. */
type Case = {
  kind: string;
  /** Customer ids the request names: none of them may end up with anything stored. */
  customers: string[];
  method: string;
  route: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
  error: string;
  /** The exact `path` of the error body: a JSON path, a header, or null when none applies. */
  path: string | null;
  /** Paths the per-event `errors` list of a batch must name, by index. */
  itemPaths?: Record<number, string>;
};

type Answer = { status: number; contentType: string; body: unknown; text: string };

const ingestHeaders = (key: string = shopA.apiKey) => ({ 'content-type': 'application/json', 'x-api-key': key });

/** A valid order for customer `bad-<i>`, which every case below breaks in one way. */
function order(i: number, n = 0) {
  return {
    eventId: `bad-evt-${i}-${n}`,
    customerId: `bad-${i}`,
    occurredAt: '2026-03-01T09:30:00Z',
    type: 'order_placed',
    properties: { orderId: `o-${i}-${n}`, total: { amount: 4_200, currency: 'EUR' } },
  } as Record<string, unknown>;
}

const withTotal = (i: number, total: unknown) => ({ ...order(i), properties: { orderId: `o-${i}`, total } });
const without = (event: Record<string, unknown>, field: string) => {
  const copy = { ...event };
  delete copy[field];
  return copy;
};

/** Builds case number `i` of one kind. */
type Kind = (
  i: number,
) => Omit<Case, 'kind' | 'method' | 'route' | 'headers' | 'customers'> &
  Partial<Pick<Case, 'method' | 'route' | 'headers' | 'customers'>>;

const invalidEvent = (body: unknown, path: string): ReturnType<Kind> => ({
  body: JSON.stringify(body),
  status: 400,
  error: 'invalid_event',
  path,
});

const kinds: Record<string, Kind> = {
  'truncated JSON': (i) => ({
    body: JSON.stringify(order(i)).slice(0, -7),
    status: 400,
    error: 'invalid_json',
    path: '$',
  }),
  'JSON with a trailing comma': (i) => ({
    body: `${JSON.stringify(order(i)).slice(0, -1)},}`,
    status: 400,
    error: 'invalid_json',
    path: '$',
  }),
  'an empty body': () => ({ body: '', status: 400, error: 'invalid_json', path: '$' }),
  'a bare JSON string': () => ({ body: '"order_placed"', status: 400, error: 'invalid_body', path: '$' }),
  'a bare number': () => ({ body: '42', status: 400, error: 'invalid_body', path: '$' }),
  'JSON null': () => ({ body: 'null', status: 400, error: 'invalid_body', path: '$' }),
  'an array instead of an object': (i) => ({
    body: JSON.stringify([order(i)]),
    status: 400,
    error: 'invalid_body',
    path: '$',
  }),
  'no eventId': (i) => invalidEvent(without(order(i), 'eventId'), '$.eventId'),
  'no customerId': (i) => invalidEvent(without(order(i), 'customerId'), '$.customerId'),
  'no occurredAt': (i) => invalidEvent(without(order(i), 'occurredAt'), '$.occurredAt'),
  'no type': (i) => invalidEvent(without(order(i), 'type'), '$.type'),
  'no properties': (i) => invalidEvent(without(order(i), 'properties'), '$.properties'),
  'an amount as a string': (i) =>
    invalidEvent(withTotal(i, { amount: '42.00', currency: 'EUR' }), '$.properties.total.amount'),
  'a fractional amount': (i) =>
    invalidEvent(withTotal(i, { amount: 42.5, currency: 'EUR' }), '$.properties.total.amount'),
  'a negative amount': (i) =>
    invalidEvent(withTotal(i, { amount: -100, currency: 'EUR' }), '$.properties.total.amount'),
  'a lower-case currency': (i) =>
    invalidEvent(withTotal(i, { amount: 100, currency: 'eur' }), '$.properties.total.currency'),
  'an occurredAt with an offset instead of UTC': (i) =>
    invalidEvent({ ...order(i), occurredAt: '2026-03-01T10:30:00+01:00' }, '$.occurredAt'),
  'an occurredAt that is not a date': (i) => invalidEvent({ ...order(i), occurredAt: 'last tuesday' }, '$.occurredAt'),
  'an occurredAt on February 30th': (i) =>
    invalidEvent({ ...order(i), occurredAt: '2026-02-30T09:30:00Z' }, '$.occurredAt'),
  'an empty customerId': (i) => ({
    ...invalidEvent({ ...order(i), customerId: '' }, '$.customerId'),
    customers: [''],
  }),
  'a 200-character customerId': (i) => {
    const customerId = `bad-${i}-`.padEnd(200, 'x');
    return { ...invalidEvent({ ...order(i), customerId }, '$.customerId'), customers: [customerId] };
  },
  'an unknown event type': (i) => invalidEvent({ ...order(i), type: 'order_shipped' }, '$.type'),
  'a numeric event type': (i) => invalidEvent({ ...order(i), type: 7 }, '$.type'),
  'an unknown envelope field': (i) => invalidEvent({ ...order(i), email: 'someone@example.com' }, '$'),
  'an unknown property': (i) =>
    invalidEvent(
      { ...order(i), properties: { orderId: 'o', total: { amount: 1, currency: 'EUR' }, coupon: 'X' } },
      '$.properties',
    ),
  'properties as an array': (i) => invalidEvent({ ...order(i), properties: [] }, '$.properties'),
  'a numeric tenantId': (i) => invalidEvent({ ...order(i), tenantId: 42 }, '$.tenantId'),
  'an empty batch': () => ({ body: '{"batch":[]}', status: 400, error: 'invalid_body', path: '$.batch' }),
  'a batch of 501 valid events': (i) => ({
    body: JSON.stringify({ batch: Array.from({ length: 501 }, (_, n) => order(i, n)) }),
    status: 413,
    error: 'batch_too_large',
    path: '$.batch',
  }),
  'a batch that is an object': (i) => ({
    body: JSON.stringify({ batch: order(i) }),
    status: 400,
    error: 'invalid_body',
    path: '$.batch',
  }),
  'a batch with a field beside it': (i) => ({
    body: JSON.stringify({ batch: [order(i)], source: 'api' }),
    status: 400,
    error: 'invalid_body',
    path: '$',
  }),
  'a batch holding null': () => ({
    body: '{"batch":[null]}',
    status: 400,
    error: 'invalid_event',
    path: '$.batch[0]',
  }),
  'a batch whose every event is broken differently': (i) => ({
    body: JSON.stringify({
      batch: [
        withTotal(i, { amount: '1', currency: 'EUR' }),
        without(order(i, 1), 'eventId'),
        { ...order(i, 2), type: 'nope' },
        { ...order(i, 3), occurredAt: '2026-03-01 09:30' },
      ],
    }),
    status: 400,
    error: 'invalid_event',
    path: '$.batch[0].properties.total.amount',
    itemPaths: {
      0: '$.batch[0].properties.total.amount',
      1: '$.batch[1].eventId',
      2: '$.batch[2].type',
      3: '$.batch[3].occurredAt',
    },
  }),
  'a 2 MB body': (i) => ({
    body: JSON.stringify({ ...order(i), padding: 'x'.repeat(2 * 1024 * 1024) }),
    status: 413,
    error: 'payload_too_large',
    path: '$',
  }),
  'no x-api-key': (i) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(order(i)),
    status: 401,
    error: 'unauthorized',
    path: 'headers.x-api-key',
  }),
  'a wrong x-api-key': (i) => ({
    headers: ingestHeaders(`gl_api_${'0'.repeat(32)}`),
    body: JSON.stringify(order(i)),
    status: 401,
    error: 'unauthorized',
    path: 'headers.x-api-key',
  }),
  'the admin key as x-api-key': (i) => ({
    headers: ingestHeaders(shopA.adminKey),
    body: JSON.stringify(order(i)),
    status: 401,
    error: 'unauthorized',
    path: 'headers.x-api-key',
  }),
  "an event naming another tenant than the key's": (i) => ({
    body: JSON.stringify({ ...order(i), tenantId: shopB.id }),
    status: 403,
    error: 'wrong_tenant',
    path: '$.tenantId',
  }),
  "shop B's key posting an event for shop A": (i) => ({
    headers: ingestHeaders(shopB.apiKey),
    body: JSON.stringify({ ...order(i), tenantId: shopA.id }),
    status: 403,
    error: 'wrong_tenant',
    path: '$.tenantId',
  }),
  'a batch whose second event names another tenant': (i) => ({
    body: JSON.stringify({ batch: [order(i, 0), { ...order(i, 1), tenantId: shopB.id }] }),
    status: 403,
    error: 'wrong_tenant',
    path: '$.batch[1].tenantId',
  }),
  'an unknown route': (i) => ({
    route: '/v1/event',
    body: JSON.stringify(order(i)),
    status: 404,
    error: 'not_found',
    path: null,
  }),
  'GET on the events route': () => ({ method: 'GET', status: 405, error: 'method_not_allowed', path: null }),
  'PUT on a customer': (i) => ({
    method: 'PUT',
    route: `/v1/customers/bad-${i}`,
    body: JSON.stringify({ orders: 1 }),
    status: 405,
    error: 'method_not_allowed',
    path: null,
  }),
  'a profile read with the API key instead of the admin key': (i) => ({
    method: 'GET',
    route: `/v1/customers/bad-${i}`,
    headers: { authorization: `Bearer ${shopA.apiKey}` },
    status: 401,
    error: 'unauthorized',
    path: 'headers.authorization',
  }),
  'a customer id with broken percent-encoding': () => ({
    method: 'GET',
    route: '/v1/customers/%E0%A4%A',
    headers: { authorization: `Bearer ${shopA.adminKey}` },
    status: 400,
    error: 'invalid_request',
    path: 'path.customerId',
  }),
  'a profile read without authorization': (i) => ({
    method: 'GET',
    route: `/v1/customers/bad-${i}`,
    headers: {},
    status: 401,
    error: 'unauthorized',
    path: 'headers.authorization',
  }),
  "a profile read with another tenant's admin key": () => ({
    method: 'GET',
    route: '/v1/customers/good-1',
    headers: { authorization: `Bearer ${shopB.adminKey}` },
    status: 404,
    error: 'not_found',
    path: 'path.customerId',
  }),
};

const kindNames = Object.keys(kinds);
const cases: Case[] = Array.from({ length: REQUESTS }, (_, i) => {
  const kind = kindNames[i % kindNames.length] as string;
  const built = (kinds[kind] as Kind)(i);
  return {
    kind,
    method: 'POST',
    route: '/v1/events',
    headers: ingestHeaders(),
    customers: [`bad-${i}`],
    ...built,
  };
});

let dir: string;
let runtime: LocalRuntime;
let answers: Answer[];
let writesBefore: number;
let writesAfter: number;
let depthAfter: number;

async function send(url: string, c: Case): Promise<Answer> {
  const response = await fetch(`${url}${c.route}`, { method: c.method, headers: c.headers, body: c.body });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body, text };
}

/** Everything wrong with one answer, as readable lines. */
function problems(c: Case, a: Answer, index: number): string[] {
  const out: string[] = [];
  const where = `#${index} (${c.kind})`;
  if (a.status !== c.status) out.push(`${where}: status ${a.status}, expected ${c.status}: ${a.text.slice(0, 300)}`);
  if (a.status < 400 || a.status > 499) out.push(`${where}: status ${a.status} is not a 4xx`);
  if (!/^application\/json\b/.test(a.contentType)) out.push(`${where}: content-type "${a.contentType}"`);
  const body = a.body as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null)
    return [...out, `${where}: body is not a JSON object: ${a.text.slice(0, 200)}`];
  if (body.error !== c.error) out.push(`${where}: error ${JSON.stringify(body.error)}, expected "${c.error}"`);
  if (typeof body.message !== 'string' || body.message.length === 0)
    out.push(`${where}: message ${JSON.stringify(body.message)}`);
  if (!('path' in body)) out.push(`${where}: no path`);
  else if (body.path !== c.path)
    out.push(`${where}: path ${JSON.stringify(body.path)}, expected ${JSON.stringify(c.path)}`);
  if (typeof body.path === 'string' && !/^(\$|headers\.|path\.)/.test(body.path))
    out.push(`${where}: path "${body.path}"`);
  for (const [k, path] of Object.entries(c.itemPaths ?? {})) {
    const item = (body.errors as { index: number; path: unknown }[] | undefined)?.find((e) => e.index === Number(k));
    if (item?.path !== path) out.push(`${where}: errors[${k}].path ${JSON.stringify(item?.path)}, expected "${path}"`);
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'growthloop-malformed-'));
  // No daily run: the table must show only what the requests wrote.
  runtime = await startLocal({ config, dataDir: dir, memory: true, port: 0, daily: false });
  writesBefore = runtime.store.consumed.write;
  answers = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      answers[index] = await send(runtime.url, cases[index] as Case);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  writesAfter = runtime.store.consumed.write;
  depthAfter = runtime.queue.depth(QUEUE);
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the HTTP API, sent 1,000 malformed requests', () => {
  it('covers every kind of malformed request many times', () => {
    expect(kindNames.length).toBeGreaterThanOrEqual(40);
    for (const kind of kindNames) expect(cases.filter((c) => c.kind === kind).length).toBeGreaterThanOrEqual(20);
    expect(answers.filter(Boolean)).toHaveLength(REQUESTS);
  });

  it('answers each with a 4xx JSON error whose error, message and path name what is wrong', () => {
    const found = cases.flatMap((c, i) => problems(c, answers[i] as Answer, i));
    expect(found).toEqual([]);
  });

  it('stays up when a client disconnects halfway through its body', async () => {
    const { port } = new URL(runtime.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /v1/events HTTP/1.1\r\nhost: x\r\nx-api-key: ${shopA.apiKey}\r\ncontent-length: 1000\r\n\r\n{"type":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    const response = await fetch(`${runtime.url}/v1/customers/nobody`, {
      headers: { authorization: `Bearer ${shopA.adminKey}` },
    });
    expect(response.status).toBe(404);
  });

  it('stores nothing and enqueues nothing for them', async () => {
    expect(writesAfter - writesBefore, 'table writes during the malformed requests').toBe(0);
    expect(depthAfter, `messages on ${QUEUE}`).toBe(0);
    expect(await runtime.queue.deadLetters(QUEUE)).toEqual([]);
    const customers = [...new Set(cases.flatMap((c) => c.customers))].filter((id) => id.length > 0);
    const partitions = [shopA, shopB].flatMap((tenant) => customers.map((id) => customerPk(tenant.id, id)));
    const stored = await Promise.all(partitions.map((pk) => runtime.store.query(pk, { consistent: true })));
    expect(stored.flat()).toEqual([]);
  });

  it('still accepts a valid batch with 202 afterwards and folds exactly those events', async () => {
    const batch = [
      {
        eventId: 'good-evt-1',
        customerId: 'good-1',
        occurredAt: '2026-03-02T08:00:00Z',
        type: 'session_started',
        properties: {},
      },
      { ...order(0), eventId: 'good-evt-2', customerId: 'good-1' },
      {
        eventId: 'good-evt-3',
        customerId: 'good-1',
        occurredAt: '2026-03-02T08:05:00Z',
        type: 'login',
        properties: {},
      },
    ];
    const response = await fetch(`${runtime.url}/v1/events`, {
      method: 'POST',
      headers: ingestHeaders(),
      body: JSON.stringify({ batch }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 3, rejected: 0, errors: [] });

    const deadline = Date.now() + 15_000;
    let profile: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      const read = await fetch(`${runtime.url}/v1/customers/good-1`, {
        headers: { authorization: `Bearer ${shopA.adminKey}` },
      });
      profile = read.status === 200 ? ((await read.json()) as Record<string, unknown>) : undefined;
      if (profile && runtime.queue.depth(QUEUE) === 0 && runtime.queue.depth('loyalty') === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(profile).toMatchObject({
      tenantId: shopA.id,
      customerId: 'good-1',
      orders: 1,
      sessions: 1,
      logins: 1,
      counts: { session_started: 1, order_placed: 1, login: 1 },
      revenue: { EUR: { orders: 1, gross: 4_200, refunded: 0 } },
    });
    expect(runtime.queue.depth(QUEUE)).toBe(0);
    const otherTenant = await fetch(`${runtime.url}/v1/customers/good-1`, {
      headers: { authorization: `Bearer ${shopB.adminKey}` },
    });
    expect(otherTenant.status, "shop B's admin key reads shop A's customer").toBe(404);
    // Only good-1's partition holds anything: its profile, which also records the three events as
    // seen, and the points its order earns.
    const items = await runtime.store.query(customerPk(shopA.id, 'good-1'), { consistent: true });
    expect(items.map((i) => i.sk)).toEqual(['POINTS', 'POINTS#E#order:o-0-0', 'PROFILE']);
    const stored = items.find((i) => i.sk === 'PROFILE');
    expect(Object.values(stored?.seen as Record<string, string>).join('')).toHaveLength(3 * HASH_LENGTH);
    expect(await runtime.store.query(customerPk(shopB.id, 'good-1'), { consistent: true })).toEqual([]);
    for (const id of ['bad-0', 'bad-1']) expect(await runtime.store.query(customerPk(shopA.id, id))).toEqual([]);
  });
});
