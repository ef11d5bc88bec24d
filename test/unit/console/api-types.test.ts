import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../functions/contracts/openapi';
import { consoleApiTypes } from '../../../scripts/openapi-types';

const ROOT = join(import.meta.dirname, '../../..');

describe('the console’s API types', () => {
  it('are generated from the current OpenAPI document (npx tsx scripts/openapi.ts)', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const expected = await consoleApiTypes(openApiDocument({ version }));
    expect(readFileSync(join(ROOT, 'console/src/api/schema.ts'), 'utf8') === expected).toBe(true);
  });
});
