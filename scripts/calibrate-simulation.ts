/**
 * Calibration of the whole pipeline's lift: `growthloop simulate` for many seeds (two at a time,
 * one a core), and how often each campaign's 95 % interval contains the true effect and 0.
 *
 *   npx tsx scripts/calibrate-simulation.ts --seeds 20 [--from 1] [--customers 20000] [--days 180]
 *       [--effect 0] [--opt-in 1] [--parallel 2]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { PipelineSimulationReport } from '../functions/runtime/simulation';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    from: { type: 'string', default: '1' },
    customers: { type: 'string', default: '20000' },
    days: { type: 'string', default: '180' },
    effect: { type: 'string', default: '0' },
    'opt-in': { type: 'string', default: '1' },
    parallel: { type: 'string', default: '2' },
  },
});

function run(seed: number): Promise<PipelineSimulationReport> {
  const args = ['tsx', 'bin/growthloop.ts', 'simulate', '--json', '--seed', String(seed)];
  for (const flag of ['customers', 'days', 'effect', 'opt-in'] as const) args.push(`--${flag}`, values[flag]);
  return new Promise((resolve, reject) => {
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`seed ${seed}: simulate exited ${code}`)),
    );
  });
}

const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => Number(values.from) + i);
const reports: PipelineSimulationReport[] = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(values.parallel) }, async () => {
    while (next < seeds.length) {
      const seed = seeds[next++] as number;
      const report = await run(seed);
      reports.push(report);
      for (const [id, c] of Object.entries(report.campaigns))
        process.stdout.write(
          `seed ${seed} ${id}: lift ${c.lift?.absolutePp} pp [${c.lift?.ci95.join(', ')}], true ${c.trueEffectPp} pp, ` +
            `${c.treated} treated / ${c.holdout} held out (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
        );
    }
  }),
);
const outcomes = reports.flatMap((r) => Object.values(r.campaigns)).filter((c) => c.lift);
const contains = (x: number) => outcomes.filter((c) => c.lift && c.lift.ci95[0] <= x && x <= c.lift.ci95[1]).length;
process.stdout.write(
  `${outcomes.length} intervals: ${contains(0)} contain 0, ` +
    `${outcomes.filter((c) => c.lift && c.lift.ci95[0] <= c.trueEffectPp && c.trueEffectPp <= c.lift.ci95[1]).length} contain the true effect\n`,
);
