/**
 * Writes docs/openapi.json, the OpenAPI document of the HTTP API (functions/contracts/openapi.ts)
 * for the package.json version, and console/src/api/schema.ts, the console's types of it
 * (openapi-typescript). With --check it writes nothing and exits 1 when a checked-in file
 * differs from what it would write.
 *
 *   npx tsx scripts/openapi.ts           regenerate both
 *   npx tsx scripts/openapi.ts --check   fail if either is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { openApiDocument } from '../functions/contracts/openapi';
import { consoleApiTypes } from './openapi-types';

const ROOT = join(import.meta.dirname, '..');
const DOCUMENT = join(ROOT, 'docs', 'openapi.json');
const TYPES = join(ROOT, 'console', 'src', 'api', 'schema.ts');
const shown = (file: string) => relative(process.cwd(), file) || file;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    'usage: npx tsx scripts/openapi.ts [--check]\n\nWrites docs/openapi.json and console/src/api/schema.ts; --check only compares.',
  );
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--check');
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown[0]}; usage: npx tsx scripts/openapi.ts [--check]`);
  process.exit(2);
}

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const document = openApiDocument({ version });
const files = [
  { file: DOCUMENT, text: `${JSON.stringify(document, null, 2)}\n` },
  { file: TYPES, text: await consoleApiTypes(document) },
];

if (args.includes('--check')) {
  let stale = false;
  for (const { file, text } of files) {
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    stale = true;
    console.error(`${shown(file)} is ${current === undefined ? 'missing' : 'out of date'}`);
  }
  if (stale) {
    console.error('run `npx tsx scripts/openapi.ts` and commit the result');
    process.exit(1);
  }
  console.error('docs/openapi.json and console/src/api/schema.ts are up to date');
} else {
  for (const { file, text } of files) {
    writeFileSync(file, text);
    console.error(`wrote ${shown(file)} (version ${version}, ${Buffer.byteLength(text)} bytes)`);
  }
}
