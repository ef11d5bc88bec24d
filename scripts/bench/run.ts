import { parseArgs } from 'node:util';
import { benchPipeline } from './pipeline';
import { printTable, type Results, writeResults } from './results';

const suites: Record<string, () => Promise<Results>> = {
  pipeline: benchPipeline,
};

export async function runBench(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { only: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const results: Results = {};
  for (const [name, run] of Object.entries(suites)) {
    process.stderr.write(`${name}\n`);
    const measured = await run();
    for (const [key, m] of Object.entries(measured)) if (!values.only || key.startsWith(values.only)) results[key] = m;
  }
  writeResults('bench/results.json', results);
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else printTable(results, process.stdout);
}
