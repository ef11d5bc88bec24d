import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialOf, routeLines, runStartCli, type StartDeps } from '../../../functions/cli/start';
import { httpRoutes } from '../../../functions/http-routes';
import { demoConfig } from '../../../functions/runtime/config-file';
import { LOCK_FILE } from '../../../functions/runtime/data-dir-lock';
import { DemoShopRefused } from '../../../functions/runtime/demo-shop';

const dir = mkdtempSync(join(tmpdir(), 'growthloop-start-'));
const configPath = join(dir, 'config.json');
writeFileSync(configPath, JSON.stringify(demoConfig()));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

describe('the start banner', () => {
  it('has one line per route of the route table, with method, URL and credential', () => {
    const lines = routeLines('http://127.0.0.1:3000');
    expect(lines).toHaveLength(httpRoutes.length);
    httpRoutes.forEach((route, i) => {
      expect(lines[i]).toMatch(
        new RegExp(`^ {2}${route.method} +http://127\\.0\\.0\\.1:3000${route.path.replace(/[{}]/g, '\\$&')} +`),
      );
      expect(lines[i]?.endsWith(credentialOf(route))).toBe(true);
    });
  });

  it('names the credential of each kind of route', () => {
    const route = (method: 'GET' | 'POST', path: string, fn: (typeof httpRoutes)[number]['fn']) => ({
      method,
      path,
      fn,
    });
    expect(credentialOf(route('POST', '/v1/events', 'ingest'))).toBe('x-api-key: <tenant apiKey>');
    expect(credentialOf(route('GET', '/v1/model', 'admin'))).toBe('authorization: Bearer <tenant adminKey>');
    expect(credentialOf(route('POST', '/v1/webhooks/shopify/{tenantId}', 'webhooks'))).toMatch(
      /^x-shopify-hmac-sha256: .*shopifyWebhookSecret/,
    );
    expect(credentialOf(route('POST', '/v1/webhooks/woocommerce/{tenantId}', 'webhooks'))).toMatch(
      /^x-wc-webhook-signature: .*woocommerceWebhookSecret/,
    );
    expect(credentialOf(route('POST', '/v1/webhooks/bigcommerce/{tenantId}', 'webhooks'))).toBe(
      'the bigcommerce webhook signature',
    );
    expect(credentialOf(route('POST', '/v1/segment/{tenantId}/track', 'segment'))).toMatch(/^authorization: Basic /);
    expect(credentialOf(route('GET', '/health', 'admin'))).toBe('no credential');
  });
});

describe('runStartCli', () => {
  it('a busy port: one line, exit code 2, and the data directory lock released', async () => {
    const dataDir = join(dir, 'busy');
    const { err, out, io: streams } = io();
    const deps: Partial<StartDeps> = {
      startLocal: async () => {
        expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true); // taken before the runtime starts
        throw Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4321'), {
          code: 'EADDRINUSE',
        });
      },
    };
    const code = await runStartCli(['--config', configPath, '--data-dir', dataDir, '--port', '4321'], streams, deps);
    expect(code).toBe(2);
    expect(err.join('')).toBe('growthloop: port 4321 is in use; pass --port N\n');
    expect(out).toEqual([]);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('a stop signal closes the runtime, then releases the lock, then exits 0', async () => {
    const dataDir = join(dir, 'stop');
    const { out, io: streams } = io();
    const handlers = new Map<string, () => void>();
    const events: string[] = [];
    let exited: (code: number) => void = () => {};
    const exit = new Promise<number>((resolve) => {
      exited = resolve;
    });
    const code = await runStartCli(['--config', configPath, '--data-dir', dataDir], streams, {
      startLocal: async () => ({
        url: 'http://127.0.0.1:3000',
        close: async () => {
          events.push(`close, lock held: ${existsSync(join(dataDir, LOCK_FILE))}`);
        },
      }),
      onSignal: (signal, handler) => handlers.set(signal, handler),
      exit: (c) => exited(c),
    });
    expect(code).toBe(0);
    expect(out.join('')).toContain('growthloop listening on http://127.0.0.1:3000');
    expect([...handlers.keys()].sort()).toEqual(['SIGINT', 'SIGTERM']);
    handlers.get('SIGTERM')?.();
    expect(await exit).toBe(0);
    expect(events).toEqual(['close, lock held: true']);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('seeds the demo shop only when the config was just written or with --demo, into tenant "demo"', async () => {
    const calls: { tenantId: string; dataDir?: string }[] = [];
    const deps = (started: object[]): Partial<StartDeps> => ({
      startLocal: async (options) => {
        started.push(options);
        return { url: 'http://127.0.0.1:1', close: async () => {} };
      },
      seedDemoShop: async ({ tenantId, dataDir }) => {
        calls.push({ tenantId, ...(dataDir ? { dataDir } : {}) });
        return {
          seeded: true,
          tenantId,
          from: '2026-01-01T00:00:00.000Z',
          to: '2026-05-01T00:00:00.000Z',
          customers: 3,
          days: 120,
          someBuyer: 'c',
          copiedItems: 9,
          seconds: 1,
        };
      },
      onSignal: () => {},
      exit: () => {},
    });
    const fresh = join(dir, 'fresh.json');
    const dataDir = join(dir, 'seeded');
    const first = io();
    expect(await runStartCli(['--config', fresh, '--data-dir', dataDir], first.io, deps([]))).toBe(0);
    expect(calls).toEqual([{ tenantId: 'demo', dataDir }]);
    expect(first.out.join('')).toContain('demo shop: 3 customers over 120 days (2026-01-01 to 2026-05-01)');
    // (each on a directory of its own: the mocked runtimes are never stopped, so their locks stay held)
    expect(await runStartCli(['--config', fresh, '--data-dir', `${dataDir}-2`], io().io, deps([]))).toBe(0);
    expect(calls).toHaveLength(1);
    const started: { store?: unknown }[] = [];
    const later = `${dataDir}-3`;
    expect(await runStartCli(['--config', fresh, '--data-dir', later, '--demo'], io().io, deps(started))).toBe(0);
    expect(calls).toEqual([
      { tenantId: 'demo', dataDir },
      { tenantId: 'demo', dataDir: later },
    ]);
    expect(started[0]?.store).toBeUndefined(); // on disk, the runtime opens the seeded table itself
  });

  it('with --memory, the runtime runs on the seeded in-memory store', async () => {
    const store = { seeded: 'store' };
    let given: unknown;
    const { io: streams } = io();
    const code = await runStartCli(['--config', configPath, '--memory', '--demo'], streams, {
      startLocal: async (options) => {
        given = options.store;
        return { url: 'http://127.0.0.1:1', close: async () => {} };
      },
      seedDemoShop: async (options) => {
        expect(options.dataDir).toBeUndefined();
        return {
          seeded: true,
          tenantId: 'demo',
          from: '',
          to: '',
          customers: 1,
          days: 1,
          someBuyer: '',
          copiedItems: 0,
          seconds: 0,
          store: store as never,
        };
      },
      onSignal: () => {},
      exit: () => {},
    });
    expect(code).toBe(0);
    expect(given).toBe(store);
  });

  it('a tenant with definitions of its own is not seeded: it says so and starts', async () => {
    const { out, io: streams } = io();
    let started = false;
    const code = await runStartCli(['--config', configPath, '--data-dir', join(dir, 'refused'), '--demo'], streams, {
      startLocal: async () => {
        started = true;
        return { url: 'http://127.0.0.1:1', close: async () => {} };
      },
      seedDemoShop: async () => {
        throw new DemoShopRefused(
          'tenant demo has journeys of its own: the demo shop is seeded only into a tenant without any',
        );
      },
      onSignal: () => {},
      exit: () => {},
    });
    expect(code).toBe(0);
    expect(started).toBe(true);
    expect(out.join('')).toContain('demo shop not seeded: tenant demo has journeys of its own');
  });

  it('--memory takes no lock', async () => {
    const dataDir = join(dir, 'memory');
    const { io: streams } = io();
    const code = await runStartCli(['--config', configPath, '--data-dir', dataDir, '--memory'], streams, {
      startLocal: async (options) => {
        expect(options.memory).toBe(true);
        return { url: 'http://127.0.0.1:1', close: async () => {} };
      },
      onSignal: () => {},
      exit: () => {},
    });
    expect(code).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  });
});
