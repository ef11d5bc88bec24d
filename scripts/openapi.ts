/**
 * Writes docs/openapi.json, the OpenAPI document of the HTTP API (functions/contracts/openapi.ts)
 * for the package.json version. With --check it writes nothing and exits 1 when the checked-in
 * file differs from what it would write.
 *
 *   npx tsx scripts/openapi.ts           regenerate docs/openapi.json
 *   npx tsx scripts/openapi.ts --check   fail if docs/openapi.json is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { openApiDocument } from '../functions/contracts/openapi';

const ROOT = join(import.meta.dirname, '..');
const TARGET = join(ROOT, 'docs', 'openapi.json');
const shown = relative(process.cwd(), TARGET) || TARGET;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npx tsx scripts/openapi.ts [--check]\n\nWrites docs/openapi.json; --check only compares.');
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--check');
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown[0]}; usage: npx tsx scripts/openapi.ts [--check]`);
  process.exit(2);
}

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const text = `${JSON.stringify(openApiDocument({ version }), null, 2)}\n`;

if (args.includes('--check')) {
  let current: string | undefined;
  try {
    current = readFileSync(TARGET, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) {
    console.error(
      `${shown} is ${current === undefined ? 'missing' : 'out of date'}: run \`npx tsx scripts/openapi.ts\` and commit it`,
    );
    process.exit(1);
  }
  console.error(`${shown} is up to date`);
} else {
  writeFileSync(TARGET, text);
  console.error(`wrote ${shown} (version ${version}, ${Buffer.byteLength(text)} bytes)`);
}
