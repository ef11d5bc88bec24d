// growthloop simulate through the whole local runtime: 20,000 simulated shoppers over 180 days, the
// bundled weekly recall campaign (examples/campaigns/recall-at-risk.json) run on its schedule, and a
// known effect of its offers that the measured lift must recover. Over 20 seeds without an effect,
// scripts/calibrate-simulation.ts counts how often the interval contains 0 (README, Simulator).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulateCli } from '../../functions/cli/simulate';
import type { PipelineSimulationReport } from '../../functions/runtime/simulation';

const dir = mkdtempSync(join(tmpdir(), 'growthloop-simulate-pipeline-'));
const SCALE = ['--customers', '20000', '--days', '180', '--opt-in', '1', '--json'];

async function simulate(args: string[]) {
  const io = { stdout: '', stderr: '' };
  const code = await runSimulateCli(args, {
    out: (t) => {
      io.stdout += t;
    },
    err: (t) => {
      io.stderr += t;
    },
  });
  return { code, ...io };
}

const recallOf = (stdout: string) => {
  const report = JSON.parse(stdout) as PipelineSimulationReport;
  return { report, recall: report.campaigns['recall-at-risk'] };
};

describe('growthloop simulate through the pipeline', () => {
  it('recovers +5 pp injected into the weekly recall campaign: its interval contains +5 and excludes 0', async () => {
    const out = join(dir, 'history.jsonl');
    const { code, stdout, stderr } = await simulate([...SCALE, '--seed', '1', '--effect', '5', '--out', out]);
    expect(code).toBe(0);
    const { report, recall } = recallOf(stdout);
    expect(recall).toBeDefined();
    if (!recall?.lift) throw new Error('the recall campaign has no lift');
    expect(recall.runs).toBeGreaterThanOrEqual(20);
    expect(recall.holdout).toBeGreaterThanOrEqual(1000);
    expect(recall.offersToHoldout).toBe(0);
    const [lower, upper] = recall.lift.ci95;
    expect(lower).toBeGreaterThan(0);
    expect(lower).toBeLessThanOrEqual(5);
    expect(upper).toBeGreaterThanOrEqual(5);
    // Every shopper opted in: the offers reach the treated arm but for the 5 % control group.
    expect(recall.reached / recall.treated).toBeGreaterThan(0.9);
    expect(recall.trueEffectPp).toBeGreaterThan(4.5);
    expect(recall.trueEffectPp).toBeLessThanOrEqual(5);
    expect(recall.lift.ci95[0]).toBeLessThanOrEqual(recall.trueEffectPp);
    expect(recall.lift.ci95[1]).toBeGreaterThanOrEqual(recall.trueEffectPp);
    expect(recall.roi).not.toBeNull();

    // --out has every event posted, the orders the offers caused among them.
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(report.events);
    const caused = lines.filter((l) => l.includes('-offer-scheduled-')).length;
    expect(caused).toBe(report.injectedOrders);
    expect(caused).toBeGreaterThan(0);
    const progress = stderr.split('\n').filter((l) => l.startsWith('simulate: ['));
    expect(progress).toHaveLength(10);
    expect(progress.at(-1)).toMatch(/^simulate: \[#{10}\] day 180 of 180, \d+ events, \d+ s$/);
  }, 900_000);

  it('with no effect, the interval contains 0', async () => {
    const { code, stdout } = await simulate([...SCALE, '--seed', '2']);
    expect(code).toBe(0);
    const { report, recall } = recallOf(stdout);
    expect(report.injectedOrders).toBe(0);
    expect(recall?.trueEffectPp).toBe(0);
    if (!recall?.lift) throw new Error('the recall campaign has no lift');
    expect(recall.lift.ci95[0]).toBeLessThanOrEqual(0);
    expect(recall.lift.ci95[1]).toBeGreaterThanOrEqual(0);
  }, 900_000);

  it.each([
    [['--effect', '101'], '--effect must be a number from 0 to 100, not "101"'],
    [['--effect', ''], '--effect must be a number from 0 to 100'],
    [['--opt-in', '1.5'], '--opt-in must be a number from 0 to 1, not "1.5"'],
    [['--campaign', join(dir, 'missing.json')], `cannot read ${join(dir, 'missing.json')}: no such file`],
    [['--campaign', 'BAD'], 'is not a valid campaign: $'],
    [['--journey', 'BAD'], 'journey x was refused (400): the journey has'],
  ])('%j exits 2 with one line before the simulation starts', async (extra, message) => {
    const bad = join(dir, 'bad-definition.json');
    writeFileSync(bad, JSON.stringify({ id: 'x' }));
    const args = extra.map((a) => (a === 'BAD' ? bad : a));
    const { code, stdout, stderr } = await simulate(['--customers', '10', '--days', '10', '--seed', '1', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toContain(`growthloop simulate: `);
    expect(stderr.split('\n')[0]).toContain(message);
  });
});
