// The campaigns admin API on the local runtime: the example recall campaign saved, listed and read;
// a run started through the API goes through the state machine under aws-local-stepfunctions, its
// offers through the dispatcher to the outbox (the holdout gets none), and its report is read back.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/adapters/clock';
import { runCampaignsCli } from '../../functions/cli/campaigns';
import { isHeldOut } from '../../functions/core/campaigns/audience';
import { Campaign } from '../../functions/core/campaigns/schema';
import { DispatchSettings } from '../../functions/core/dispatch/settings';
import { demoConfig } from '../../functions/runtime/config-file';
import { postEvents } from '../helpers/events';
import { adminApi, pipelineSettled, startTestRuntime, storeTemplates } from '../helpers/runtime';

const DAY = 86_400_000;
const examples = join(import.meta.dirname, '../../examples');
const recallJson = JSON.parse(readFileSync(join(examples, 'campaigns/recall-at-risk.json'), 'utf8'));
const recall = Campaign.parse(recallJson);
const templates = ['recall-push', 'recall-gift'].map((name) =>
  JSON.parse(readFileSync(join(examples, `templates/${name}.json`), 'utf8')),
);

const config = demoConfig();
// Every push may go out, at any hour the test runs, to anyone not in the campaign's holdout.
(config.tenants[0] as { dispatch?: unknown }).dispatch = DispatchSettings.parse({
  guardrails: { quietHours: null, controlGroup: { percent: 0 } },
});
const local = startTestRuntime({ config, daily: false });
const admin = adminApi(() => local.runtime, local.tenant.adminKey);

/** Repeat buyers whose last order was 25 days ago, with push consent: due to become at_risk within the week. */
async function customers(count: number) {
  const now = Date.now();
  const events = Array.from({ length: count }, (_, i) => {
    const customerId = `recall-${i}`;
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
    return [
      {
        type: 'identify',
        eventId: `${customerId}-id`,
        customerId,
        occurredAt: at(130),
        properties: { traits: { pushEndpoint: `device-${i}`, first_name: `Kunde ${i}` } },
      },
      {
        type: 'consent_changed',
        eventId: `${customerId}-consent`,
        customerId,
        occurredAt: at(130),
        properties: { channel: 'push', granted: true },
      },
      ...[120, 60, 25].map((daysAgo) => ({
        type: 'order_placed',
        eventId: `${customerId}-order-${daysAgo}`,
        customerId,
        occurredAt: at(daysAgo),
        properties: { orderId: `${customerId}-${daysAgo}`, total: { amount: 2_000, currency: 'EUR' } },
      })),
    ];
  }).flat();
  for (let i = 0; i < events.length; i += 100)
    expect((await postEvents(local.runtime.url, local.tenant.apiKey, { batch: events.slice(i, i + 100) })).status).toBe(
      202,
    );
  await pipelineSettled(local.runtime);
}

async function runEnded(runId: string) {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const run = await admin('GET', `/v1/campaigns/recall-at-risk/runs/${runId}`);
    if (run.status === 200 && ['reported', 'failed'].includes(run.body.status as string)) return run.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not end within 30 s`);
}

describe('the campaigns admin API', () => {
  it('saves the example campaign (defaults filled in), lists it and reads it', async () => {
    const saved = await admin('PUT', '/v1/campaigns/recall-at-risk', recallJson);
    expect(saved.status).toBe(200);
    expect(saved.body.campaign).toEqual(recall);
    expect(await admin('GET', '/v1/campaigns')).toEqual({
      status: 200,
      body: {
        campaigns: [
          { id: 'recall-at-risk', name: recall.name, schedule: recall.schedule, updatedAt: saved.body.updatedAt },
        ],
      },
    });
    expect(await admin('GET', '/v1/campaigns/recall-at-risk')).toMatchObject({
      status: 200,
      body: { campaign: recall, runs: [] },
    });
  });

  it('refuses a campaign with problems, each at its path, and one whose id is not the path', async () => {
    const bad = await admin('PUT', '/v1/campaigns/bad', { ...recallJson, id: 'bad', holdout: { percent: 90 } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_campaign', path: '$.holdout.percent' } });
    const other = await admin('PUT', '/v1/campaigns/other', recallJson);
    expect(other).toMatchObject({ status: 400, body: { error: 'invalid_campaign', path: '$.id' } });
    expect((await admin('GET', '/v1/campaigns/bad')).status).toBe(404);
  });

  it('refuses runs it cannot start: an unknown campaign, a bad run id', async () => {
    expect(await admin('POST', '/v1/campaigns/nope/runs', {})).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
    expect(await admin('POST', '/v1/campaigns/recall-at-risk/runs', { runId: 'a b' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', path: '$.runId' },
    });
    expect(await admin('GET', '/v1/campaigns/recall-at-risk/runs/never')).toMatchObject({
      status: 404,
      body: { path: 'path.runId' },
    });
  });

  it('runs the campaign through the state machine and the dispatcher: offers to the treated, none to the holdout, a report', async () => {
    await storeTemplates(local.runtime, systemClock, local.tenant, templates);
    await customers(40);
    const started = await admin('POST', '/v1/campaigns/recall-at-risk/runs', { runId: 'week-49', now: true });
    expect(started).toEqual({ status: 202, body: { campaignId: 'recall-at-risk', runId: 'week-49' } });
    const run = await runEnded('week-49');
    await pipelineSettled(local.runtime);
    expect(run).toMatchObject({ status: 'reported', audience: 40, pages: 1 });
    const heldOut = Array.from({ length: 40 }, (_, i) => `recall-${i}`).filter((id) => isHeldOut(recall, id));
    expect(run.offered).toMatchObject({ heldOut: heldOut.length, treated: 40 - heldOut.length });
    expect(run.report).toMatchObject({
      early: true,
      offersToHoldout: 0,
      lift: { status: 'insufficient_data', treated: { n: 40 - heldOut.length }, holdout: { n: heldOut.length } },
    });

    const outbox = await admin('GET', '/v1/outbox?limit=1000');
    const pushed = (outbox.body.items as { customerId: string; channel: string }[]).filter((m) => m.channel === 'push');
    expect(pushed.length).toBe(40 - heldOut.length);
    expect(pushed.some((m) => heldOut.includes(m.customerId))).toBe(false);

    // Started again, the reported run ends at once and nothing more goes out.
    expect((await admin('POST', '/v1/campaigns/recall-at-risk/runs', { runId: 'week-49' })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    await pipelineSettled(local.runtime);
    const again = await admin('GET', '/v1/outbox?limit=1000');
    expect((again.body.items as unknown[]).length).toBe((outbox.body.items as unknown[]).length);
    expect((await admin('GET', '/v1/campaigns/recall-at-risk')).body.runs).toMatchObject([{ runId: 'week-49' }]);
  });

  it('growthloop campaigns save, list, run --now and report: the same run through the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'campaigns-cli-'));
    const file = join(dir, 'recall.json');
    writeFileSync(file, JSON.stringify({ ...recallJson, id: 'recall-cli', name: 'Recall via the CLI' }));
    const saved = await cli(['save', file]);
    expect(saved).toMatchObject({ code: 0, stdout: expect.stringMatching(/^saved recall-cli \(/) });
    expect((await cli(['list'])).stdout).toMatch(
      /^recall-at-risk {2}cron\(.*\n(.*\n)?recall-cli {2}cron\(.*Recall via the CLI\n/m,
    );

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...recallJson, id: 'bad', holdout: { percent: 90 } }));
    expect(await cli(['save', bad])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('bad.json: http://127.0.0.1'),
    });

    const run = await cli(['run', 'recall-cli', '--run', 'cli-1', '--now']);
    expect(run.stderr).toMatch(/started recall-cli run cli-1\n(.|\n)*reported\n/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^recall-cli run cli-1: reported\n {2}audience 40 of 40 candidates, 1 pages\n/);
    expect(run.stdout).toMatch(/ {2}lift -?\d+\.\d\d pp \(95 % CI -?\d+\.\d\d pp to -?\d+\.\d\d pp\)/);
    expect(run.stdout).toContain('insufficient data');

    const report = await cli(['report', 'recall-cli', 'cli-1', '--json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({
      status: 'reported',
      runId: 'cli-1',
      report: { offersToHoldout: 0 },
    });
    expect(await cli(['report', 'recall-cli', 'never'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('404'),
    });
    expect(await cli(['run'])).toMatchObject({ code: 2, stderr: expect.stringContaining('name one campaign id') });
  });
});

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCampaignsCli([...args, '--url', local.runtime.url, '--admin-key', local.tenant.adminKey], {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}
