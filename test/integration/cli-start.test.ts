// `growthloop start` through the real CLI: the banner lists the whole route table, one
// growthloop per data directory (a clear error for the second, a dead owner's lock taken over),
// and a busy port ends with a clear error, leaving neither the lock nor the embedded DynamoDB behind.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialOf } from '../../functions/cli/start';
import { httpRoutes } from '../../functions/http-routes';
import { demoConfig } from '../../functions/runtime/config-file';
import { LOCK_FILE } from '../../functions/runtime/data-dir-lock';
import { killAllClis, runCli, startCli } from '../helpers/runtime-cli';

let dir: string;
let configPath: string;
let n = 0;
const freshDataDir = () => join(dir, `data-${n++}`);
const startArgs = (dataDir: string, port = '0') => [
  'start',
  '--config',
  configPath,
  '--data-dir',
  dataDir,
  '--port',
  port,
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'growthloop-cli-start-'));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, `${JSON.stringify(demoConfig(), null, 2)}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await killAllClis();
  rmSync(dir, { recursive: true, force: true });
});

/** Pids of the embedded DynamoDB processes serving `dataDir` (Linux /proc; empty elsewhere). */
function dynaliteProcesses(dataDir: string): number[] {
  if (!existsSync('/proc')) return [];
  const needle = `DYNALITE_PATH=${join(dataDir, 'table')}\0`;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return `${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`.includes(needle);
      } catch {
        return false; // gone, or not ours
      }
    })
    .map(Number);
}

async function eventually(check: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('growthloop start', () => {
  it('lists every route of the route table with the credential it takes, and stops cleanly on SIGTERM', async () => {
    const dataDir = freshDataDir();
    const cli = await startCli({ configPath, dataDir });
    // the banner is one write, but a pipe may hand it over in pieces
    const routeCount = () =>
      cli
        .output()
        .split('\n')
        .filter((l) => l.includes(` ${cli.url}/`)).length;
    await eventually(() => routeCount() >= httpRoutes.length);
    const lines = cli.output().split('\n');
    for (const route of httpRoutes) {
      const line = lines.find((l) => new RegExp(`^ {2}${route.method} +${cli.url}${route.path} `).test(l));
      expect(line, `${route.method} ${route.path}`).toBeDefined();
      expect(line?.endsWith(` ${credentialOf(route)}`)).toBe(true);
    }
    const routeLines = lines.filter((l) => l.includes(` ${cli.url}/`));
    expect(routeLines).toHaveLength(httpRoutes.length);
    expect(cli.output()).toContain(`${cli.url}/v1/events`);
    expect(cli.output()).toMatch(/POST +\S+\/v1\/events +x-api-key: <tenant apiKey>/);
    expect(cli.output()).toMatch(/GET +\S+\/v1\/model +authorization: Bearer <tenant adminKey>/);
    expect(cli.output()).toMatch(/POST +\S+\/v1\/webhooks\/shopify\/\{tenantId\} +x-shopify-hmac-sha256: /);
    expect(cli.output()).toMatch(/POST +\S+\/v1\/track +authorization: Basic /);

    // An accepted event is counted, in the metric lines Lambda would write, beside the logs.
    const { apiKey } = JSON.parse(readFileSync(configPath, 'utf8')).tenants[0] as { apiKey: string };
    const posted = await fetch(`${cli.url}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'login',
        eventId: 'cli-login',
        customerId: 'ada',
        occurredAt: '2026-11-30T10:00:00Z',
        properties: {},
      }),
    });
    expect(posted.status).toBe(202);
    expect(await eventually(() => /"EventsAccepted":1\b/.test(cli.output()))).toBe(true);

    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(cli.pid);
    expect(await cli.stop()).toBe(0);
    expect(cli.output()).toContain('SIGTERM: stopping');
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false); // released on stop
  });

  it('a second start on the same data directory ends with one line naming the first, exit code 2', async () => {
    const dataDir = freshDataDir();
    const first = await startCli({ configPath, dataDir });
    const second = runCli(startArgs(dataDir));
    expect(second.status).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(
      `growthloop: ${dataDir} is in use by another growthloop (pid ${first.pid}); stop it or pass --data-dir\n`,
    );
    // the first one is unharmed and still holds the directory
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(first.pid);
    await first.kill();
  });

  it('takes over the lock of a growthloop that was killed', async () => {
    const dataDir = freshDataDir();
    const killed = await startCli({ configPath, dataDir });
    await killed.kill(); // SIGKILL: no chance to release the lock
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    const next = await startCli({ configPath, dataDir });
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(next.pid);
    expect(await next.stop()).toBe(0);
  });

  describe('on a busy port', () => {
    let blocker: Server;
    let port: number;
    beforeAll(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      port = (blocker.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

    it('ends with one line and exit code 2, releasing the lock and stopping the embedded DynamoDB', async () => {
      const dataDir = freshDataDir();
      const result = runCli(startArgs(dataDir, String(port)));
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`growthloop: port ${port} is in use; pass --port N\n`);
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
      expect(await eventually(() => dynaliteProcesses(dataDir).length === 0)).toBe(true);
      // nothing left holding the directory: the next start on it works
      const next = await startCli({ configPath, dataDir });
      if (existsSync('/proc')) expect(dynaliteProcesses(dataDir)).toHaveLength(1);
      expect(await next.stop()).toBe(0);
      expect(await eventually(() => dynaliteProcesses(dataDir).length === 0)).toBe(true);
    });
  });
});
