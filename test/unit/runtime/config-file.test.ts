import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig, readOrCreateConfig } from '../../../functions/runtime/config-file';

const dir = mkdtempSync(join(tmpdir(), 'growthloop-config-'));
const write = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('the config file', () => {
  it('is written with fresh keys, readable only by its owner, when missing', () => {
    const path = join(dir, 'new.json');
    const first = readOrCreateConfig(path);
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.config.tenants[0]?.apiKey).toMatch(/^gl_api_.{32}$/);
    const again = readOrCreateConfig(path);
    expect(again).toEqual({ config: first.config, created: false });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(first.config);
  });

  it('names the JSON path of every mistake', () => {
    const path = write(
      'bad.json',
      JSON.stringify({
        tenants: [
          { id: 'Shop!', name: 'x', timezone: 'Mars/Base', currency: 'eur', apiKey: 'short', adminKey: 'a'.repeat(24) },
          { id: 'ok', name: 'y', timezone: 'UTC', currency: 'EUR', apiKey: 'b'.repeat(24), adminKey: 'a'.repeat(24) },
        ],
      }),
    );
    const message = (() => {
      try {
        readConfig(path);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const expected of [
      '$.tenants[0].id',
      '$.tenants[0].timezone: must be an IANA time zone',
      '$.tenants[0].currency',
      '$.tenants[0].apiKey: must be at least 24 characters',
      '$.tenants[1].adminKey: repeats tenants[0].adminKey',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('names the JSON path of a mistake in the scoring settings of a tenant', () => {
    const tenant = {
      id: 'ok',
      name: 'y',
      timezone: 'UTC',
      currency: 'EUR',
      apiKey: 'b'.repeat(24),
      adminKey: 'a'.repeat(24),
    };
    const path = write(
      'scoring.json',
      JSON.stringify({
        tenants: [
          {
            ...tenant,
            scoring: {
              lifecycle: { atRiskAfterDays: 120 },
              value: { lowBelow: -1 },
              rfmScheme: { rules: [{ segment: 'VIP', r: [5, 4] }], default: 'Other' },
            },
          },
        ],
      }),
    );
    expect(() => readConfig(path)).toThrow(
      /\$\.tenants\[0\]\.scoring\.lifecycle\.atRiskAfterDays: must be less than dormantAfterDays/,
    );
    expect(() => readConfig(path)).toThrow(/\$\.tenants\[0\]\.scoring\.value\.lowBelow/);
    expect(() => readConfig(path)).toThrow(
      /\$\.tenants\[0\]\.scoring\.rfmScheme\.rules\[0\]\.r: range must be \[low, high\]/,
    );
  });

  it('reports a file that is not JSON with its name', () => {
    const path = write('broken.json', '{"tenants": [');
    expect(() => readConfig(path)).toThrow(/broken\.json/);
  });
});
