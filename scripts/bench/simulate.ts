import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importHistory } from '../../functions/cli/import';
import { simulationSetup } from '../../functions/cli/simulation-setup';
import { type ShopperEvent, simulateShoppers } from '../../functions/core/simulate/shoppers';
import { demoConfig } from '../../functions/runtime/config-file';
import type { LocalRuntime } from '../../functions/runtime/local';
import { simulatePipeline } from '../../functions/runtime/simulation';
import { postBacklog } from './pipeline';
import type { Results } from './results';
import { startBenchRuntime } from './runtime';

const log = (message: string) => process.stderr.write(`  ${message}\n`);
const seconds = (since: number) => (performance.now() - since) / 1000;

/** Generating the same history alone: what the pipeline adds to it is the simulation's cost. */
function historySeconds(customers: number, days: number, seed: number): number {
  const started = performance.now();
  let events = 0;
  for (const _ of simulateShoppers({ customers, days, seed }).events()) events++;
  log(`history alone: ${events} events in ${seconds(started).toFixed(1)} s`);
  return seconds(started);
}

async function settled(runtime: LocalRuntime) {
  while (runtime.queue.depth('profile-updates') > 0) await new Promise((r) => setTimeout(r, 5));
}

const history = (seed: number, prefix: string): ShopperEvent[] => [
  ...simulateShoppers({ customers: 2000, days: 180, seed, idPrefix: prefix }).events(),
];

/** `growthloop import` of a history file against the same events posted as a backlog, on one runtime (dynalite on disk). */
async function importRates(dir: string) {
  const config = demoConfig();
  const apiKey = config.tenants[0]?.apiKey as string;
  const runtime = await startBenchRuntime(dir, config);
  try {
    const posted = history(21, 'posted');
    let started = performance.now();
    // The pipeline's own rate: batches of 500 from 4 clients at once, as fast as they are accepted.
    await postBacklog(runtime.url, apiKey, posted);
    await settled(runtime);
    const pipeline = posted.length / seconds(started);
    log(`pipeline backlog: ${posted.length} events stored in ${seconds(started).toFixed(1)} s`);

    const imported = history(22, 'imported');
    const file = join(dir, 'history.jsonl');
    writeFileSync(file, `${imported.map((e) => JSON.stringify(e)).join('\n')}\n`);
    started = performance.now();
    const report = await importHistory(file, { url: runtime.url, apiKey, io: { out: () => {}, err: () => {} } });
    await settled(runtime);
    if (report.accepted !== imported.length)
      throw new Error(`import accepted ${report.accepted} of ${imported.length}`);
    log(`import: ${imported.length} events stored in ${seconds(started).toFixed(1)} s`);
    return { imported: imported.length / seconds(started), pipeline };
  } finally {
    await runtime.close();
  }
}

/** The simulator end to end (20,000 shoppers, 180 days, the recall campaign) and `growthloop import`. */
export async function benchSimulate(): Promise<Results> {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-bench-simulate-'));
  try {
    const rates = await importRates(dir);
    const alone = historySeconds(20_000, 180, 1);
    log('simulate: 20,000 customers over 180 days through the pipeline…');
    const started = performance.now();
    const report = await simulatePipeline({
      customers: 20_000,
      days: 180,
      seed: 1,
      effectPp: 5,
      optIn: { email: 1, push: 1 },
      setup: simulationSetup({}),
    });
    const took = seconds(started);
    log(`simulate: ${report.events} events, ${Object.keys(report.campaigns).length} campaign in ${took.toFixed(1)} s`);
    return {
      'simulate.seconds_20k_180d': {
        value: took,
        unit: 's',
        better: 'lower',
        target: 300,
        anchor: { name: 'the history alone', value: alone },
        note: `${report.events} events through ingest, fold, journeys, the daily run, the weekly recall campaign and the dispatcher, on an hourly fast clock`,
      },
      'import.events_per_s': {
        value: rates.imported,
        unit: 'events/s',
        better: 'higher',
        anchor: { name: 'pipeline backlog', value: rates.pipeline },
        note: 'a 180-day history of 2,000 shoppers from a file, until every profile is stored, beside the same number of events posted by 4 clients at once',
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
