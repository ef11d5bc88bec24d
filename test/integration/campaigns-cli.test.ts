import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCampaignsCli } from '../../functions/cli/campaigns';

const RECALL = join(import.meta.dirname, '../../examples/campaigns/recall-at-risk.json');
const dir = mkdtempSync(join(tmpdir(), 'growthloop-campaigns-'));

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCampaignsCli(args, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe('growthloop campaigns', () => {
  it('validates the example and tells what its holdout can detect for an expected audience', async () => {
    const { code, stdout } = await run(['validate', RECALL, '--audience', '20000', '--base-rate', '0.04']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${RECALL}: ok\n  ${RECALL}: 18000 treated, 2000 held out: detects a lift of 1.31 pp or more over a base rate of 4.00 % at 80 % power\n`,
    );
    const json = JSON.parse(
      (await run(['validate', RECALL, '--audience', '20000', '--base-rate', '0.04', '--json'])).stdout,
    );
    expect(json).toEqual([
      {
        file: RECALL,
        valid: true,
        problems: [],
        power: { treated: 18_000, holdout: 2_000, baseRate: 0.04, minimumDetectableEffect: expect.closeTo(0.01314, 5) },
      },
    ]);
  });

  it('caps the audience at maxAudience, and says when the holdout is too small to detect anything', async () => {
    const { stdout } = await run(['validate', RECALL, '--audience', '90000', '--base-rate', '0.04', '--json']);
    expect(JSON.parse(stdout)[0].power).toMatchObject({ treated: 45_000, holdout: 5_000 });
    const tiny = join(dir, 'tiny.json');
    writeFileSync(tiny, JSON.stringify({ ...JSON.parse(readFileSync(RECALL, 'utf8')), maxAudience: 4 }));
    expect((await run(['validate', tiny, '--audience', '100', '--base-rate', '0.04'])).stdout).toContain(
      '4 treated, 0 held out: too few members to detect any lift',
    );
  });

  it('exits 1 naming each problem, and reads no file that is not JSON', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ id: 'bad', name: 'Bad', audience: {}, offers: [] }));
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{ nope');
    const { code, stdout } = await run(['validate', bad, notJson, join(dir, 'missing.json')]);
    expect(code).toBe(1);
    expect(stdout).toContain(`${bad}:\n  $.offers: `);
    expect(stdout).toContain(`${notJson}:\n  $: not JSON`);
    expect(stdout).toContain('missing.json:\n  $: no such file');
  });

  it('prints the campaign language as JSON Schema', async () => {
    const { code, stdout } = await run(['schema']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ $id: 'https://growthloop.dev/schemas/campaign.json', type: 'object' });
  });
});
