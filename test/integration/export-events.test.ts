// growthloop export --events from the local archive: a shop's history, imported twice, comes out
// once per event with personal fields opened and an erased customer's events left out; imported
// into a fresh growthloop it gives the same profiles; and it reads the same with growthloop stopped.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../functions/adapters/log';
import { runExportCli } from '../../functions/cli/export';
import { runImportCli } from '../../functions/cli/import';
import { runSimulateCli } from '../../functions/cli/simulate';
import { demoConfig } from '../../functions/runtime/config-file';
import { ARCHIVE_DIR, type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { adminApi, pipelineSettled } from '../helpers/runtime';

const config = demoConfig();
const tenant = config.tenants[0]!;
const dir = mkdtempSync(join(tmpdir(), 'growthloop-export-'));
const dataDir = join(dir, 'data');
const history = join(dir, 'history.jsonl');
const exported = join(dir, 'exported.jsonl');
const quiet = { out: () => {}, err: () => {} };
const EMAIL = 'grace.export@example.org';

let shop: LocalRuntime | undefined;
let fresh: LocalRuntime | undefined;
const shopAdmin = adminApi(() => shop as LocalRuntime, tenant.adminKey);
const freshAdmin = adminApi(() => fresh as LocalRuntime, tenant.adminKey);

async function importInto(runtime: LocalRuntime, file: string) {
  const code = await runImportCli([file, '--url', runtime.url, '--api-key', tenant.apiKey], quiet);
  expect(code).toBe(0);
  await pipelineSettled(runtime, ['profile-updates']);
}

async function exportEvents(args: string[]) {
  let err = '';
  let out = '';
  const code = await runExportCli(['--events', '--tenant', tenant.id, '--data-dir', dataDir, ...args], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, err, out };
}

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { eventId: string; customerId: string; type: string; properties: { traits?: unknown } },
    );

beforeAll(async () => {
  shop = await startLocal({ config, dataDir, port: 0, daily: false, dispatch: false, log: silentLog });
  fresh = await startLocal({
    config,
    dataDir: '',
    memory: true,
    port: 0,
    daily: false,
    dispatch: false,
    log: silentLog,
  });
}, 60_000);

afterAll(async () => {
  await shop?.close();
  await fresh?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('growthloop export --events', () => {
  it('writes each ingested event once, opened, without the erased customer, and imports back to the same profiles', async () => {
    const runtime = shop as LocalRuntime;
    expect(
      await runSimulateCli(
        ['--history-only', '--customers', '60', '--days', '45', '--seed', '9', '--out', history],
        quiet,
      ),
    ).toBe(0);
    const simulated = lines(readFileSync(history, 'utf8'));
    await importInto(runtime, history);
    await importInto(runtime, history); // the archive now holds every event twice
    const [kept, erased] = [...new Set(simulated.map((e) => e.customerId))];
    const identify = {
      type: 'identify',
      eventId: 'export-identify-1',
      customerId: kept,
      occurredAt: new Date().toISOString(),
      properties: { traits: { email: EMAIL, firstName: 'Grace' } },
    };
    const posted = await fetch(`${runtime.url}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [identify] }),
    });
    expect(posted.status).toBe(202);
    await pipelineSettled(runtime, ['profile-updates']);
    expect((await shopAdmin('DELETE', `/v1/customers/${encodeURIComponent(erased as string)}`)).status).toBe(200);

    // The archive holds the identify sealed, like the bus: the e-mail is nowhere in it in clear.
    const archiveDir = join(dataDir, ARCHIVE_DIR);
    const archived = readdirSync(archiveDir).map((f) => readFileSync(join(archiveDir, f), 'utf8'));
    expect(archived.join('')).not.toContain(EMAIL);

    const result = await exportEvents(['--out', exported]);
    expect(result.code).toBe(0);
    const events = lines(readFileSync(exported, 'utf8'));
    const expected = simulated.filter((e) => e.customerId !== erased);
    expect(events).toHaveLength(expected.length + 1);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    expect(events.some((e) => e.customerId === erased)).toBe(false);
    expect(events.find((e) => e.eventId === 'export-identify-1')?.properties.traits).toEqual(
      identify.properties.traits,
    );
    const erasedCount = simulated.length - expected.length;
    expect(result.err).toContain(
      `exported ${expected.length + 1} events to ${exported} (left out: ${simulated.length} duplicates, ${erasedCount} of erased customers)`,
    );

    await importInto(fresh as LocalRuntime, exported);
    const ids = [...new Set(expected.map((e) => e.customerId))].slice(0, 20);
    for (const id of [kept as string, ...ids]) {
      const path = `/v1/customers/${encodeURIComponent(id)}`;
      const [a, b] = [(await shopAdmin('GET', path)).body, (await freshAdmin('GET', path)).body];
      // A lifecycle stage is dated when it was folded, not by the events.
      const folded = (p: Record<string, unknown>) => ({
        id,
        ...p,
        lifecycle: { ...(p.lifecycle as object), since: 0 },
      });
      expect(folded(b)).toEqual(folded(a));
    }
  }, 120_000);

  it('reads the same with growthloop stopped, bounded by --from and --to', async () => {
    const running = readFileSync(exported, 'utf8');
    await shop?.close();
    shop = undefined;
    const stopped = await exportEvents([]);
    expect(stopped.code).toBe(0);
    expect(stopped.out).toBe(running);

    const all = lines(running).map((e) => (e as unknown as { occurredAt: string }).occurredAt.slice(0, 10));
    const days = [...new Set(all)].sort();
    const [from, to] = [days[1] as string, days[days.length - 2] as string];
    const bounded = await exportEvents(['--from', from, '--to', to]);
    expect(bounded.code).toBe(0);
    expect(lines(bounded.out)).toHaveLength(all.filter((d) => d >= from && d <= to).length);
  }, 60_000);

  it('refuses a command line it cannot carry out', async () => {
    const cases: [string[], RegExp][] = [
      [['--tenant', tenant.id], /name what to export: --events/],
      [['--events'], /--tenant ID is required/],
      [['--events', '--tenant', tenant.id, '--from', '2026-13-01'], /--from takes YYYY-MM-DD/],
      [['--events', '--tenant', tenant.id, '--from', '2026-03-02', '--to', '2026-03-01'], /--to must come after/],
      [['--events', '--tenant', tenant.id, '--aws'], /--aws needs --outputs FILE/],
      [['--events', '--tenant', tenant.id, '--data-dir', join(dir, 'nowhere')], /holds no growthloop data/],
    ];
    for (const [args, message] of cases) {
      let err = '';
      const code = await runExportCli(args, { out: () => {}, err: (t) => (err += t) });
      expect({ args, code, err }).toMatchObject({ code: 2, err: expect.stringMatching(message) });
    }
  });
});
