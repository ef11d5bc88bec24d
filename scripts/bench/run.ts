import { parseArgs } from 'node:util';
import { benchConditions } from './conditions';
import { benchDuePass } from './due-pass';
import { benchFold } from './fold';
import { benchHotCustomer } from './hot-customer';
import { benchJourneys } from './journeys';
import { benchModels } from './models';
import { benchPipeline } from './pipeline';
import { benchPlatforms } from './platforms';
import { printTable, type Results, writeResults } from './results';

/**
 * Each suite, with the prefixes of the measurements it produces (for --only). The in-process
 * micro-benchmarks run first, before the suites that fill the heap with servers and 100,000
 * stored profiles, whose garbage would otherwise be collected during their timings.
 */
const suites: { name: string; produces: string[]; run: () => Promise<Results> }[] = [
  { name: 'profile fold', produces: ['profile.'], run: benchFold },
  { name: 'models', produces: ['models.'], run: benchModels },
  { name: 'conditions', produces: ['conditions.'], run: benchConditions },
  { name: 'journeys', produces: ['journeys.'], run: benchJourneys },
  { name: 'platforms', produces: ['platforms.'], run: benchPlatforms },
  { name: 'pipeline', produces: ['pipeline.', 'dynamodb.'], run: benchPipeline },
  { name: 'hot customer', produces: ['pipeline.hot_customer'], run: benchHotCustomer },
  { name: 'lifecycle', produces: ['lifecycle.'], run: benchDuePass },
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
    // A suite chosen by a prefix it produces reports everything it measured (the pipeline suite's dynamodb.* too).
    const whole = !only || suite.produces.some((p) => p.startsWith(only) || only.startsWith(p));
    for (const [key, m] of Object.entries(measured)) if (whole || key.startsWith(only)) results[key] = m;
  }
  if (Object.keys(results).length === 0) throw new Error(`no measurement starts with "${only}"`);
  writeResults('bench/results.json', results);
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else printTable(results, process.stdout);
}
