import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, refusedAddress, refusedName } from '../../../../functions/adapters/channels/ssrf';
import {
  createWebhookSender,
  type Resolve,
  signWebhook,
  type WebhookMessage,
  type WebhookSenderOptions,
} from '../../../../functions/adapters/channels/webhook';
import { ManualClock } from '../../../../functions/adapters/clock';
import type { ProviderError } from '../../../../functions/ports';
import { providerFailure } from '../../../helpers/channels';
import { HOOKS_TEST_CERT, HOOKS_TEST_KEY } from './tls-fixture';

const newSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;
const SECRET = newSecret();
const SECOND_SECRET = newSecret();

type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: string };
type Behaviour = (response: ServerResponse) => void;

/** A loopback receiver; the path names what it answers, e.g. /status/503. */
let server: Server;
let base: string;
let port: number;
const received: Received[] = [];
const behaviours = new Map<string, Behaviour>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const behaviour = behaviours.get((request.url ?? '').split('?')[0] ?? '');
      if (behaviour) return behaviour(response);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const status =
  (code: number, headers: Record<string, string> = {}): Behaviour =>
  (response) =>
    response.writeHead(code, headers).end(`status ${code}`);

const clockNow = () => new ManualClock(Date.now());

function message(overrides: Partial<WebhookMessage> = {}): WebhookMessage {
  return {
    channel: 'webhook',
    tenantId: 't1',
    customerId: 'c1',
    key: 't1#act#journey-1#step-2#c1',
    url: `${base}/hook`,
    body: JSON.stringify({
      type: 'coupon.issued',
      timestamp: '2026-03-01T12:00:00Z',
      data: { code: 'WELCOME-7Q4X', 点: '✓' },
    }),
    secrets: [SECRET],
    ...overrides,
  };
}

const local = (options: Partial<WebhookSenderOptions> = {}) =>
  createWebhookSender({ clock: clockNow(), allowLoopbackHttp: true, timeoutMs: 2_000, ...options });

const lastReceived = (): Received => received[received.length - 1]!;

describe('webhook-out signatures (Standard Webhooks v1)', () => {
  it('signs so that the standardwebhooks library verifies the body it received', async () => {
    const sent = message();
    const receipt = await local().send(sent);
    expect(receipt).toEqual({ provider: 'webhook', providerMessageId: sent.key });
    const got = lastReceived();
    expect(got.method).toBe('POST');
    expect(got.body).toBe(sent.body);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-id']).toBe(sent.key);
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(new Webhook(SECRET).verify(got.body, headers)).toEqual(JSON.parse(sent.body));
    expect(() => new Webhook(newSecret()).verify(got.body, headers)).toThrow();
    expect(() => new Webhook(SECRET).verify(`${got.body} `, headers)).toThrow();
  });

  it('signs with every secret during a rotation: each verifies on its own', async () => {
    await local().send(message({ secrets: [SECRET, SECOND_SECRET] }));
    const got = lastReceived();
    const signature = String(got.headers['webhook-signature']);
    expect(signature.split(' ')).toHaveLength(2);
    for (const secret of [SECRET, SECOND_SECRET]) {
      const headers = {
        'webhook-id': String(got.headers['webhook-id']),
        'webhook-timestamp': String(got.headers['webhook-timestamp']),
        'webhook-signature': signature,
      };
      expect(() => new Webhook(secret).verify(got.body, headers)).not.toThrow();
    }
  });

  it('keeps webhook-id across retries and stamps each attempt with the injected clock', async () => {
    const clock = clockNow();
    const sender = local({ clock });
    const sent = message();
    await sender.send(sent);
    const first = lastReceived();
    clock.advance(90_000);
    await sender.send(sent);
    const second = lastReceived();
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(Number(second.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp'])).toBe(90);
    expect(Number(first.headers['webhook-timestamp'])).toBe(Math.floor((clock.now() - 90_000) / 1000));
  });

  it('matches the library signature byte for byte', () => {
    const at = new Date('2026-03-01T12:00:00Z');
    const body = '{"type":"x","timestamp":"2026-03-01T12:00:00Z","data":{}}';
    expect(signWebhook('msg_1', at.getTime() / 1000, body, [SECRET])).toBe(new Webhook(SECRET).sign('msg_1', at, body));
  });

  it('refuses a secret that is not whsec_ + base64, and a webhook with none, before sending', async () => {
    const before = received.length;
    for (const secrets of [['not-a-secret'], ['whsec_'], ['whsec_!!!!'], []]) {
      const error = await providerFailure(local().send(message({ secrets })));
      expect(error.failure).toBe('permanent');
    }
    expect(received.length).toBe(before);
  });
});

describe('webhook-out answers', () => {
  const dateIn90s = () => new Date(Math.ceil(Date.now() / 1000) * 1000 + 90_000).toUTCString();
  const cases: [string, Behaviour, 'ok' | ProviderError['failure'], number | 'date' | undefined][] = [
    ['200', status(200), 'ok', undefined],
    ['204', (response) => response.writeHead(204).end(), 'ok', undefined],
    ['301', status(301, { location: 'https://example.com/elsewhere' }), 'permanent', undefined],
    ['400', status(400), 'permanent', undefined],
    ['404', status(404), 'permanent', undefined],
    ['410', status(410), 'gone', undefined],
    ['429 with Retry-After seconds', status(429, { 'retry-after': '120' }), 'throttled', 120_000],
    [
      '429 with a Retry-After date',
      (response) => status(429, { 'retry-after': dateIn90s() })(response),
      'throttled',
      'date',
    ],
    ['500', status(500), 'transient', undefined],
    ['502', status(502), 'throttled', undefined],
    ['503 with Retry-After', status(503, { 'retry-after': '30' }), 'throttled', 30_000],
    ['504', status(504), 'throttled', undefined],
  ];

  for (const [name, behaviour, expected, retryAfter] of cases) {
    it(`maps ${name} to ${expected}`, async () => {
      const path = `/answer-${name.replace(/\W+/g, '-')}`;
      behaviours.set(path, behaviour);
      const before = received.length;
      const sending = local().send(message({ url: `${base}${path}` }));
      if (expected === 'ok') {
        expect((await sending).provider).toBe('webhook');
      } else {
        const error = await providerFailure(sending);
        expect(error.failure).toBe(expected);
        expect(error.message).not.toContain(path);
        if (retryAfter === 'date') {
          expect(error.retryAfterMs).toBeGreaterThan(80_000);
          expect(error.retryAfterMs).toBeLessThanOrEqual(91_000);
        } else expect(error.retryAfterMs).toBe(retryAfter);
      }
      expect(received.length - before).toBe(1); // no redirect followed, no retry inside the adapter
    });
  }

  it('reads a large response body only up to the cap and still succeeds', async () => {
    behaviours.set('/large', (response) => {
      response.writeHead(200);
      response.end(Buffer.alloc(4 * 1024 * 1024, 'x'));
    });
    const started = Date.now();
    await expect(local({ maxResponseBytes: 1024 }).send(message({ url: `${base}/large` }))).resolves.toMatchObject({
      provider: 'webhook',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("is 'unknown' when the receiver read the request and never answered within the timeout", async () => {
    behaviours.set('/hang', () => {});
    const error = await providerFailure(local({ timeoutMs: 150 }).send(message({ url: `${base}/hang` })));
    expect(error.failure).toBe('unknown');
    expect(error.message).toContain('after the request was sent');
  });

  it("is 'unknown' when the receiver drops the connection after reading the request", async () => {
    behaviours.set('/drop', (response) => response.socket?.destroy());
    const error = await providerFailure(local().send(message({ url: `${base}/drop` })));
    expect(error.failure).toBe('unknown');
  });

  it("is 'transient' when nothing listens on the port", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await providerFailure(local().send(message({ url: `http://127.0.0.1:${closedPort}/hook` })));
    expect(error.failure).toBe('transient');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it("is 'transient' when the name cannot be resolved in time, or at all", async () => {
    const never: Resolve = () => new Promise(() => {});
    expect(
      (
        await providerFailure(
          local({ resolve: never, timeoutMs: 100 }).send(message({ url: 'https://slow.example/h' })),
        )
      ).failure,
    ).toBe('transient');
    const nxdomain: Resolve = () => Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    expect(
      (await providerFailure(local({ resolve: nxdomain }).send(message({ url: 'https://gone.example/h' })))).failure,
    ).toBe('transient');
  });
});

describe('webhook-out SSRF guard', () => {
  const strict = (resolve?: Resolve) =>
    createWebhookSender({ clock: clockNow(), timeoutMs: 500, ...(resolve ? { resolve } : {}) });
  const resolvesTo =
    (...addresses: string[]): Resolve =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as const);

  const refusedUrls = [
    'https://10.0.0.1/hook',
    'https://127.0.0.1/hook',
    'https://[::]/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    'https://[::ffff:169.254.169.254]/hook',
    'https://[fe80::1]/hook',
    'https://[fd00:ec2::254]/hook',
    'https://100.64.0.1/hook',
    'https://0.0.0.0/hook',
    'https://224.0.0.1/hook',
    'https://192.168.1.1/hook',
    'https://172.16.5.4/hook',
    'https://2130706433/hook', // 127.0.0.1 as one number
    'https://0x7f.1/hook',
    'https://[64:ff9b::a9fe:a9fe]/hook', // NAT64 of 169.254.169.254
    'https://[2002:0a00:0001::1]/hook', // 6to4 of 10.0.0.1
    'https://metadata.google.internal/computeMetadata/v1/',
  ];

  for (const url of refusedUrls) {
    it(`refuses ${url} as permanent, without a request`, async () => {
      const before = received.length;
      const error = await providerFailure(strict(resolvesTo('93.184.216.34')).send(message({ url })));
      expect(error.failure).toBe('permanent');
      expect(error.message).toMatch(/refused/);
      expect(error.message).not.toContain('meta-data');
      expect(received.length).toBe(before);
    });
  }

  it('refuses a host name that resolves to a private address, or to any private one among public ones', async () => {
    for (const resolve of [resolvesTo('10.1.2.3'), resolvesTo('93.184.216.34', '192.168.0.7'), resolvesTo('fd12::1')]) {
      const error = await providerFailure(strict(resolve).send(message({ url: 'https://hooks.example.com/x' })));
      expect(error.failure).toBe('permanent');
      expect(error.message).toContain('hooks.example.com →');
    }
  });

  it('refuses plain http, even to a public address, and loopback unless allowLoopbackHttp', async () => {
    expect(
      (await providerFailure(strict(resolvesTo('93.184.216.34')).send(message({ url: 'http://example.com/' }))))
        .message,
    ).toContain('not https');
    const allowed = local({ resolve: resolvesTo('93.184.216.34') });
    expect((await providerFailure(allowed.send(message({ url: 'http://example.com/' })))).message).toContain(
      'not https',
    );
    expect((await providerFailure(strict().send(message({ url: `${base}/hook` })))).failure).toBe('permanent');
    expect((await providerFailure(allowed.send(message({ url: 'http://10.0.0.1/hook' })))).failure).toBe('permanent');
  });

  it('connects to the address it checked, never resolving the name again (no DNS rebinding)', async () => {
    let lookups = 0;
    const rebinding: Resolve = async () => {
      lookups += 1;
      return lookups === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }];
    };
    const before = received.length;
    await local({ resolve: rebinding }).send(message({ url: `http://hooks.rebind.test:${port}/pinned` }));
    expect(lookups).toBe(1);
    expect(received.length - before).toBe(1);
    expect(lastReceived().headers.host).toBe(`hooks.rebind.test:${port}`);
    expect(lastReceived().url).toBe('/pinned');
  });

  it('classifies addresses: public unicast passes, special-purpose ranges do not', () => {
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '100.63.255.255',
      '172.32.0.1',
    ])
      expect(refusedAddress(address)).toBe(undefined);
    for (const address of [
      '10.0.0.1',
      '127.0.0.1',
      '127.255.255.254',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.255',
      '0.1.2.3',
      '239.255.255.250',
      '255.255.255.255',
      '::',
      '::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      '::ffff:0:a00:1',
      'fe80::1%eth0',
      'febf::1',
      'fc00::1',
      'fdff:ffff::1',
      'ff02::1',
      '2001:db8::1',
    ])
      expect(refusedAddress(address), address).not.toBe(undefined);
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(refusedName('METADATA.google.internal.')).not.toBe(undefined);
    expect(refusedName('hooks.example.com')).toBe(undefined);
  });
});

describe('webhook-out over https', () => {
  let tlsServer: HttpsServer;
  let tlsPort: number;
  beforeAll(async () => {
    tlsServer = createHttpsServer({ key: HOOKS_TEST_KEY, cert: HOOKS_TEST_CERT }, (request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(202).end());
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    tlsServer.closeAllConnections();
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  });
  const toLoopback: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];

  it("verifies the certificate against the URL's host name while connecting to the pinned address", async () => {
    const sender = local({ resolve: toLoopback, ca: HOOKS_TEST_CERT });
    await expect(sender.send(message({ url: `https://hooks.test:${tlsPort}/x` }))).resolves.toMatchObject({
      provider: 'webhook',
    });
    const wrongName = await providerFailure(sender.send(message({ url: `https://other.test:${tlsPort}/x` })));
    expect(wrongName).toMatchObject({ failure: 'transient' });
    expect(wrongName.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    const untrusted = await providerFailure(
      local({ resolve: toLoopback }).send(message({ url: `https://hooks.test:${tlsPort}/x` })),
    );
    expect(untrusted.failure).toBe('transient');
  });
});
