import { parseArgs } from 'node:util';
import { benchCampaigns } from './campaigns';
import { benchConditions } from './conditions';
import { benchConsoleOverview, benchConsoleSize } from './console';
import { benchDispatch } from './dispatch';
import { benchDuePass } from './due-pass';
import { benchFitReads } from './fit-reads';
import { benchFold } from './fold';
import { benchHeavyCustomer } from './heavy-customer';
import { benchHotCustomer } from './hot-customer';
import { benchJourneys } from './journeys';
import { benchLoyalty } from './loyalty';
import { benchModels } from './models';
import { benchPipeline } from './pipeline';
import { benchPlatforms } from './platforms';
import { printTable, type Results, writeResults } from './results';
import { benchSimulate } from './simulate';
import { benchStoredDecode } from './stored-decode';

/**
 * Each suite, with the prefixes of the measurements it produces (for --only). The in-process
 * micro-benchmarks run first, before the suites that fill the heap with servers and 100,000
 * stored profiles, whose garbage would otherwise be collected during their timings.
 */
const suites: { name: string; produces: string[]; run: () => Promise<Results> }[] = [
  { name: 'profile fold', produces: ['profile.fold_us'], run: benchFold },
  {
    name: 'stored items',
    produces: ['profile.fold_item', 'profile.decode', 'journeys.decode', 'journeys.catalog_load'],
    run: benchStoredDecode,
  },
  {
    name: 'models',
    produces: ['models.fit_cdnow', 'models.bgnbd', 'models.fit_speedup', 'models.score'],
    run: benchModels,
  },
  { name: 'conditions', produces: ['conditions.'], run: benchConditions },
  { name: 'journeys', produces: ['journeys.'], run: benchJourneys },
  { name: 'platforms', produces: ['platforms.'], run: benchPlatforms },
  { name: 'pipeline', produces: ['pipeline.', 'dynamodb.'], run: benchPipeline },
  { name: 'simulate', produces: ['simulate.', 'import.'], run: benchSimulate },
  { name: 'hot customer', produces: ['pipeline.hot_customer'], run: benchHotCustomer },
  { name: 'heavy customer', produces: ['dynamodb.wcu_per_event_heavy'], run: benchHeavyCustomer },
  { name: 'lifecycle', produces: ['lifecycle.'], run: benchDuePass },
  { name: 'model fit reads', produces: ['models.fit_reads'], run: benchFitReads },
  { name: 'campaign audience reads', produces: ['campaigns.reads_per_audience_member'], run: benchCampaigns },
  { name: 'dispatch', produces: ['dispatch.'], run: benchDispatch },
  { name: 'loyalty', produces: ['points.', 'referrals.'], run: benchLoyalty },
  { name: 'console size', produces: ['console.js_kb_gzip'], run: benchConsoleSize },
  { name: 'console overview', produces: ['console.overview_ms'], run: benchConsoleOverview },
];

export async function runBench(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { only: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const only = values.only;
  const results: Results = {};
  for (const suite of suites) {
    if (only && !suite.produces.some((p) => p.startsWith(only) || only.startsWith(p))) continue;
    process.stderr.write(`${suite.name}\n`);
    const measured = await suite.run();
    // A suite chosen reports everything it measured (the pipeline suite's dynamodb.* too).
    Object.assign(results, measured);
  }
  if (Object.keys(results).length === 0) throw new Error(`no bench suite measures "${only}"`);
  writeResults('bench/results.json', results);
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else printTable(results, process.stdout);
}
