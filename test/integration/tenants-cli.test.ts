// `growthloop tenants` against a running `growthloop start` (no restart) and against the AWS table
// (moto_server): a tenant added is served at once, a rotated key's predecessor works until its date
// and not after, and `list` never prints a key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { ManualClock } from '../../functions/adapters/clock';
import { createRegistryDirectory } from '../../functions/app/tenants/directory';
import { readEntry } from '../../functions/app/tenants/registry';
import { runTenantsCli } from '../../functions/cli/tenants';
import { sha256, tenantRecords } from '../../functions/core/config/tenants';
import { demoConfig } from '../../functions/runtime/config-file';
import { postEvents, testEvent } from '../helpers/events';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';
import { type CliProcess, killAllClis, runCli, startCli } from '../helpers/runtime-cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'growthloop-tenants-cli-'));
});
afterAll(async () => {
  await killAllClis();
  rmSync(dir, { recursive: true, force: true });
});

const event = (tenantId: string, n: number) =>
  testEvent(tenantId, 'session_started', `c-${n}`, Date.now(), {}, `evt-${n}`);

/** `growthloop tenants ARGS --json` run in this process: its JSON answer. */
async function tenantsInProcess(args: string[]) {
  let out = '';
  let err = '';
  const code = await runTenantsCli([...args, '--json'], { out: (t) => (out += t), err: (t) => (err += t) });
  if (code !== 0) throw new Error(`growthloop tenants ${args.join(' ')}: ${err}`);
  return JSON.parse(out);
}

function tenantsCli(args: string[]) {
  const result = runCli(['tenants', ...args, '--json']);
  if (result.status !== 0) throw new Error(`growthloop tenants ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('growthloop tenants on a running growthloop start', () => {
  const config = demoConfig();
  const demo = config.tenants[0] as (typeof config.tenants)[number];
  let cli: CliProcess;
  let dataDir: string;
  let n = 0;
  const post = (apiKey: string, tenantId: string) =>
    postEvents(cli.url, apiKey, event(tenantId, n++)).then((r) => r.status);
  /** 404 with a tenant's admin key (no such customer), 401 without one. */
  const customer = (adminKey: string) =>
    fetch(`${cli.url}/v1/customers/nobody`, { headers: { authorization: `Bearer ${adminKey}` } }).then((r) => r.status);

  beforeAll(async () => {
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    dataDir = join(dir, 'data');
    cli = await startCli({ configPath, dataDir });
  });

  it('a tenant added is served at once, with the keys printed once; list shows it and no key', async () => {
    const { keys } = tenantsCli([
      'add',
      'shop-two',
      '--timezone',
      'Asia/Shanghai',
      '--currency',
      'CNY',
      '--name',
      'Shop Two',
      '--data-dir',
      dataDir,
    ]);
    expect(await post(keys.apiKey, 'shop-two')).toBe(202);
    expect(await customer(keys.adminKey)).toBe(404);
    expect(await customer('gl_admin_not-a-key-of-anyone-at-all')).toBe(401);
    const segment = await fetch(`${cli.url}/v1/track`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${keys.segmentWriteKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        type: 'track',
        messageId: 'm-1',
        userId: 'u-1',
        event: 'Product Viewed',
        properties: { product_id: 'p-1' },
      }),
    });
    expect(segment.status).toBe(200);
    // another tenant's key does not reach it
    expect(await post(demo.apiKey, 'shop-two')).toBe(403);

    const listed = runCli(['tenants', 'list', '--data-dir', dataDir]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/shop-two +Shop Two +Asia\/Shanghai +CNY +cli/);
    expect(listed.stdout).toMatch(/demo +Demo Store +Europe\/Berlin +EUR +config/);
    const json = runCli(['tenants', 'list', '--data-dir', dataDir, '--json']).stdout;
    for (const key of [...Object.values(keys as Record<string, string>), demo.apiKey, demo.adminKey]) {
      expect(listed.stdout).not.toContain(key);
      expect(json).not.toContain(key);
    }
  });

  it('a rotated key: the new one works at once, the old one until its date and not after', async () => {
    // In this process (the same command, without a node start-up) so the date can be close.
    const until = new Date(Date.now() + 2_000);
    const rotated = await tenantsInProcess([
      'rotate-key',
      'demo',
      '--key',
      'api',
      '--previous-valid-until',
      until.toISOString(),
      '--data-dir',
      dataDir,
    ]);
    expect(rotated.previousValidUntil).toBe(until.toISOString());
    expect(await post(rotated.value, 'demo')).toBe(202);
    expect(await post(demo.apiKey, 'demo')).toBe(202);
    expect(Date.now()).toBeLessThan(until.getTime()); // that answer came before the date
    await new Promise((r) => setTimeout(r, Math.max(0, until.getTime() - Date.now()) + 50));
    expect(await post(demo.apiKey, 'demo')).toBe(401);
    expect(await post(rotated.value, 'demo')).toBe(202);
    // the admin key was not touched
    expect(await customer(demo.adminKey)).toBe(404);
  });

  it('once the start stops, the CLI opens the data dir itself, and the rotation is kept (the config did not change)', async () => {
    expect(cli.exited()).toBe(false);
    expect(await cli.stop()).toBe(0);
    const listed = runCli(['tenants', 'list', '--data-dir', dataDir, '--config', join(dir, 'config.json'), '--json']);
    const demoEntry = (JSON.parse(listed.stdout) as { id: string; keys: { api: { rotatedAt?: string } } }[]).find(
      (t) => t.id === 'demo',
    );
    expect(demoEntry?.keys.api.rotatedAt).toBeDefined();
  });

  it('refuses what it cannot do with one line and exit code 2', () => {
    const unknown = runCli([
      'tenants',
      'rotate-key',
      'nobody',
      '--key',
      'api',
      '--previous-valid-until',
      'now',
      '--data-dir',
      dataDir,
    ]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no tenant nobody in the registry');
    const badKey = runCli(['tenants', 'rotate-key', 'demo', '--key', 'root', '--previous-valid-until', 'now']);
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toContain('--key must be api, admin or segment, not root');
    const badDate = runCli(['tenants', 'rotate-key', 'demo', '--key', 'api', '--previous-valid-until', 'tomorrow']);
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toContain('--previous-valid-until "tomorrow"');
    const badZone = runCli([
      'tenants',
      'add',
      'shop-x',
      '--timezone',
      'Mars/Olympus',
      '--currency',
      'EUR',
      '--data-dir',
      dataDir,
    ]);
    expect(badZone.status).toBe(2);
    expect(badZone.stderr).toContain('--timezone "Mars/Olympus"');
  });
});

describeWithEmulator('growthloop tenants --aws (moto_server)', () => {
  let moto: Moto;
  let client: DynamoDBClient;
  const saved = { ...process.env };
  const table = 'growthloop-tenants-test';

  beforeAll(async () => {
    moto = await startMoto();
    client = new DynamoDBClient(awsClientConfig(moto.endpoint));
    await ensureTable(client, table);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterAll(async () => {
    process.env = saved;
    client?.destroy();
    await moto?.stop();
  });

  it('adds a tenant and rotates a key in the table the functions read, with no deploy', async () => {
    const clock = new ManualClock(Date.now());
    const store = createDynamoStore({ client, tableName: table });
    // a function as deployed: config tenants in GROWTHLOOP_TENANTS, seeded by the admin function
    const deployed = tenantRecords(demoConfig());
    const functions = createRegistryDirectory({ store, clock, fallback: deployed, seed: true });
    expect((await functions.all()).map((t) => t.id)).toEqual(['demo']);

    const outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify({ 'growthloop-dev': { TableName: table, ApiUrl: 'https://x' } }));
    const { keys } = tenantsCli([
      'add',
      'shop-aws',
      '--timezone',
      'UTC',
      '--currency',
      'USD',
      '--aws',
      '--outputs',
      outputs,
    ]);
    expect((await functions.byApiKey(keys.apiKey))?.id).toBe('shop-aws');

    const until = new Date(clock.now() + 60_000).toISOString();
    const rotated = tenantsCli([
      'rotate-key',
      'shop-aws',
      '--key',
      'admin',
      '--previous-valid-until',
      until,
      '--aws',
      '--table',
      table,
    ]);
    expect((await functions.byAdminKey(rotated.value))?.id).toBe('shop-aws');
    expect((await functions.byAdminKey(keys.adminKey))?.id).toBe('shop-aws');
    clock.set(Date.parse(until));
    expect(await functions.byAdminKey(keys.adminKey)).toBeUndefined();

    const stored = await readEntry(store, 'shop-aws');
    expect(JSON.stringify(stored)).not.toContain(sha256(keys.apiKey));
    const listed = runCli(['tenants', 'list', '--aws', '--table', table]);
    expect(listed.stdout).toMatch(/demo .* config/);
    expect(listed.stdout).toMatch(/shop-aws .* cli/);
  });
});
