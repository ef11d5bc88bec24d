// The coupon pools admin API and `growthloop coupons` against a running local runtime.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCouponsCli } from '../../functions/cli/coupons';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';

const acme = { ...demoConfig().tenants[0]!, id: 'acme', name: 'Acme' };
const config = { tenants: [acme] };
const dir = mkdtempSync(join(tmpdir(), 'growthloop-coupons-'));
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, daily: false });
});
afterAll(() => runtime.close());

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${acme.adminKey}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCouponsCli([...args, '--url', runtime.url, '--admin-key', acme.adminKey], {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

const uploaded = (id: string) => ({ id, kind: 'uploaded', value: { type: 'percent', percent: 10 } });
const generated = (id: string) => ({
  id,
  kind: 'generated',
  value: { type: 'amount', amount: { amount: 500, currency: 'EUR' } },
  pattern: { prefix: 'GL-', length: 8 },
  count: 5,
});

describe('the coupon pools admin API', () => {
  it('creates a pool (201), answers the same settings again with 200, and refuses other ones with 409', async () => {
    const created = await call('POST', '/v1/coupon-pools', uploaded('welcome'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ created: true, pool: { id: 'welcome', singleUse: true }, stats: { size: 0 } });
    expect((await call('POST', '/v1/coupon-pools', uploaded('welcome'))).status).toBe(200);
    const other = await call('POST', '/v1/coupon-pools', { ...uploaded('welcome'), name: 'Other' });
    expect(other).toMatchObject({ status: 409, body: { error: 'pool_exists' } });
    const bad = await call('POST', '/v1/coupon-pools', {
      id: 'bad pool',
      kind: 'uploaded',
      value: { type: 'percent', percent: 500 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_pool');
    expect((bad.body.problems as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect((await call('POST', '/v1/coupon-pools', '{')).body.error).toBe('invalid_json');
    expect((await call('POST', '/v1/coupon-pools', 'x', 'text/plain')).status).toBe(415);
  });

  it('uploads codes as JSON or CSV, all or nothing with line numbers, and shows them in the stats', async () => {
    await call('POST', '/v1/coupon-pools', uploaded('upload'));
    expect(await call('POST', '/v1/coupon-pools/upload/codes', { codes: ['A-1', 'A-2'] })).toEqual({
      status: 200,
      body: { added: 2, size: 2 },
    });
    expect(await call('POST', '/v1/coupon-pools/upload/codes', 'code\nB-1\nB-2\nB-3\n', 'text/csv')).toEqual({
      status: 200,
      body: { added: 3, size: 5 },
    });
    const refused = await call('POST', '/v1/coupon-pools/upload/codes', 'code\nC-1\nc-1\nA-1\nbad code\n', 'text/csv');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_codes');
    expect((refused.body.problems as { line: number; problem: string }[]).map((p) => [p.line, p.problem])).toEqual([
      [3, 'duplicate'],
      [5, 'invalid'],
    ]);
    const taken = await call('POST', '/v1/coupon-pools/upload/codes', { codes: ['D-1', 'a-2'] });
    expect(taken).toMatchObject({
      status: 400,
      body: { path: '$.codes[1]', problems: [{ line: 2, problem: 'exists' }] },
    });
    expect((await call('GET', '/v1/coupon-pools/upload')).body.stats).toMatchObject({
      size: 5,
      available: 5,
      issued: 0,
    });
    expect((await call('POST', '/v1/coupon-pools/upload/codes', { codes: 'A' })).status).toBe(400);
    expect((await call('POST', '/v1/coupon-pools/upload/codes', 'x', 'image/png')).status).toBe(415);
    expect((await call('POST', '/v1/coupon-pools/missing/codes', { codes: ['X'] })).status).toBe(404);
  });

  it('generates codes for a generated pool, and refuses the wrong kind and bad counts', async () => {
    await call('POST', '/v1/coupon-pools', generated('gen'));
    expect(await call('POST', '/v1/coupon-pools/gen/generate', '')).toEqual({
      status: 200,
      body: { added: 5, size: 5 },
    });
    expect(await call('POST', '/v1/coupon-pools/gen/generate', { count: 3 })).toEqual({
      status: 200,
      body: { added: 3, size: 8 },
    });
    for (const count of [0, -1, 1.5, 'x', 2_000_000])
      expect((await call('POST', '/v1/coupon-pools/gen/generate', { count })).status, String(count)).toBe(400);
    expect((await call('POST', '/v1/coupon-pools/gen/codes', { codes: ['X'] })).body.error).toBe('wrong_pool_kind');
    expect((await call('POST', '/v1/coupon-pools/upload/generate', {})).body.error).toBe('wrong_pool_kind');
    expect((await call('POST', '/v1/coupon-pools/nope/generate', {})).status).toBe(404);
  });

  it('lists pools with stats, reads one, and answers 404 and 400 for unknown and unusable ids', async () => {
    const list = await call('GET', '/v1/coupon-pools');
    expect(list.status).toBe(200);
    expect((list.body.pools as { pool: { id: string } }[]).map((p) => p.pool.id)).toEqual(
      expect.arrayContaining(['gen', 'upload', 'welcome']),
    );
    expect((await call('GET', '/v1/coupon-pools/gen')).body).toMatchObject({
      pool: { kind: 'generated' },
      stats: { size: 8 },
    });
    expect((await call('GET', '/v1/coupon-pools/missing')).status).toBe(404);
    expect((await call('GET', '/v1/coupon-pools/-bad')).status).toBe(404);
    expect((await call('GET', `/v1/coupon-pools/${'a'.repeat(129)}`)).status).toBe(400);
  });
});

describe('growthloop coupons', () => {
  it('create, upload (CSV and JSON) and stats through the admin API', async () => {
    const settings = join(dir, 'pool.json');
    writeFileSync(settings, JSON.stringify(uploaded('cli-pool')));
    expect(await cli(['create', settings])).toMatchObject({ code: 0, stdout: 'coupon pool cli-pool created\n' });
    const csv = join(dir, 'codes.csv');
    writeFileSync(csv, 'code\nCLI-1\nCLI-2\n');
    expect(await cli(['upload', 'cli-pool', csv])).toMatchObject({
      code: 0,
      stdout: '2 codes added to cli-pool (2 in all)\n',
    });
    const json = join(dir, 'codes.json');
    writeFileSync(json, JSON.stringify(['CLI-3']));
    expect((await cli(['upload', 'cli-pool', json, '--json'])).stdout).toBe('{"added":1,"size":3}\n');
    const stats = await cli(['stats', 'cli-pool']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain('codes 3, issued 0, available 3');
    expect(JSON.parse((await cli(['stats', 'cli-pool', '--json'])).stdout).stats).toMatchObject({ size: 3 });
    expect((await cli(['list'])).stdout).toContain('cli-pool  uploaded  3');
  });

  it('prints every refused line of an upload, and one-line usage errors with exit code 2', async () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'code\nCLI-1\nX-1\nx-1\nbad code\n');
    const refused = await cli(['upload', 'cli-pool', csv]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('answered 400: nothing was added: 2 lines refused');
    expect(refused.stderr).toContain('\n  line 4: "x-1" repeats line 3');
    expect(refused.stderr).toContain('\n  line 5: the code may hold only');
    expect((await cli(['stats'])).code).toBe(2);
    expect((await cli(['generate', 'p', '--count', 'many'])).stderr.split('\n')[0]).toBe(
      'growthloop coupons generate: --count is an integer from 1 to 1000000',
    );
    expect((await cli(['stats', 'missing'])).stderr).toContain('answered 404');
    expect((await cli(['upload', '--help'])).stdout.startsWith('Usage:\n  growthloop coupons upload POOL FILE')).toBe(
      true,
    );
  });
});
