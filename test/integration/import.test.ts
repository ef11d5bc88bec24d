// growthloop import into the local runtime: a simulated history through the ingest API, folded
// once by event id (a second import changes no profile), with refused lines named.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runImportCli } from '../../functions/cli/import';
import { runSimulateCli } from '../../functions/cli/simulate';
import { adminApi, pipelineSettled, startTestRuntime } from '../helpers/runtime';

const local = startTestRuntime({ daily: false, dispatch: false });
const admin = adminApi(() => local.runtime, local.tenant.adminKey);
const dir = mkdtempSync(join(tmpdir(), 'growthloop-import-'));
const history = join(dir, 'history.jsonl');
const quiet = { out: () => {}, err: () => {} };

async function run(args: string[]) {
  let out = '';
  const code = await runImportCli([...args, '--url', local.runtime.url, '--api-key', local.tenant.apiKey], {
    out: (t) => {
      out += t;
    },
    err: () => {},
  });
  return { code, out };
}

async function profiles(ids: readonly string[]) {
  const all = await Promise.all(ids.map((id) => admin('GET', `/v1/customers/${encodeURIComponent(id)}`)));
  return all.map((p) => p.body);
}

describe('growthloop import', () => {
  it('folds a history once: importing it twice gives the same profiles as once', async () => {
    expect(
      await runSimulateCli(
        ['--history-only', '--customers', '200', '--days', '60', '--seed', '5', '--out', history],
        quiet,
      ),
    ).toBe(0);
    const lines = readFileSync(history, 'utf8').trim().split('\n');
    const ids = [...new Set(lines.map((l) => (JSON.parse(l) as { customerId: string }).customerId))].slice(0, 25);

    const first = await run([history]);
    expect(first).toMatchObject({ code: 0, out: `${history}: ${lines.length} events accepted, 0 refused\n` });
    await pipelineSettled(local.runtime, ['profile-updates']);
    const once = await profiles(ids);
    expect(once.every((p) => (p as { orders?: number }).orders !== undefined)).toBe(true);

    expect((await run([history])).code).toBe(0);
    await pipelineSettled(local.runtime, ['profile-updates']);
    expect(await profiles(ids)).toEqual(once);
  });

  it('names each line it could not take, sends the others, and exits 1', async () => {
    const file = join(dir, 'mixed.jsonl');
    const good = readFileSync(history, 'utf8').split('\n')[0];
    writeFileSync(file, [good, '{ not json', '[1, 2]', JSON.stringify({ type: 'login', eventId: 'x' }), ''].join('\n'));
    const { code, out } = await run([file, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(out) as {
      accepted: number;
      rejected: number;
      problems: { line: number; message: string }[];
    };
    expect(report).toMatchObject({ lines: 4, accepted: 1, rejected: 3 });
    expect(report.problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(report.problems[0]?.message).toMatch(/^not JSON/);
    expect(report.problems[1]?.message).toBe('not a JSON object');
  });

  it("imports Shopify's orders export: twice gives the same profiles as once", async () => {
    const exports = join(import.meta.dirname, '../fixtures/exports');
    const args = [
      join(exports, 'shopify-orders-export.csv'),
      '--customers',
      join(exports, 'shopify-customers-export.csv'),
    ];
    const first = await run([...args, '--json']);
    expect(first.code).toBe(1);
    const report = JSON.parse(first.out) as { accepted: number; rejected: number; skipped: unknown[] };
    expect(report).toMatchObject({ accepted: 9, rejected: 1 });
    expect(report.skipped).toHaveLength(1);
    await pipelineSettled(local.runtime, ['profile-updates']);
    const ids = ['email:anna.schmidt@example.com', '7254678093903', 'email:li.wei@example.cn'];
    const once = await profiles(ids);
    expect(once[0]).toMatchObject({ orders: 1, consent: { email: false } });
    expect(once[1]).toMatchObject({ orders: 1 });
    expect(once[2]).toMatchObject({ orders: 1, consent: { email: true } });

    expect((await run(args)).code).toBe(1);
    await pipelineSettled(local.runtime, ['profile-updates']);
    expect(await profiles(ids)).toEqual(once);
  });

  it("imports WooCommerce's order export in the store's time zone: twice gives the same profiles as once", async () => {
    const file = join(import.meta.dirname, '../fixtures/exports/woocommerce-orders-export.csv');
    const missing = await run([file]);
    expect(missing.code).toBe(2);
    const first = await run([file, '--time-zone', 'Europe/Berlin', '--json']);
    expect(first.code).toBe(1);
    const report = JSON.parse(first.out) as { accepted: number; rejected: number; skipped: unknown[] };
    expect(report).toMatchObject({ accepted: 6, rejected: 1 });
    expect(report.skipped).toHaveLength(2);
    await pipelineSettled(local.runtime, ['profile-updates']);
    const ids = ['17', 'email:li.wei@example.cn', '31'];
    const once = await profiles(ids);
    expect(once[0]).toMatchObject({ orders: 2, lastOrderAt: '2025-10-26T00:30:00.000Z' });
    // A guest, by billing e-mail (the Shopify export's Li Wei too).
    expect(once[1]).toMatchObject({ customerId: 'email:li.wei@example.cn' });
    expect(once[2]).toMatchObject({ orders: 1 });

    expect((await run([file, '--time-zone', 'Europe/Berlin'])).code).toBe(1);
    await pipelineSettled(local.runtime, ['profile-updates']);
    expect(await profiles(ids)).toEqual(once);
  });
});
