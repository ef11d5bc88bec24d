import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialOf, routeLines, runStartCli, type StartDeps } from '../../../functions/cli/start';
import { httpRoutes } from '../../../functions/http-routes';
import { demoConfig } from '../../../functions/runtime/config-file';
import { LOCK_FILE } from '../../../functions/runtime/data-dir-lock';

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
