import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { GrowthloopConfig } from '../core/config/schema';
import { jsonPath } from '../core/json-path';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates growthloop.config.json; every problem is reported with its JSON path. */
export function readConfig(path: string): GrowthloopConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message}`);
  }
  const parsed = GrowthloopConfig.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${jsonPath('$', i.path)}: ${i.message}`);
    throw new ConfigError(`${path} is not a valid growthloop config:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

const newKey = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;

export function demoConfig(): GrowthloopConfig {
  return {
    tenants: [
      {
        id: 'demo',
        name: 'Demo Store',
        timezone: 'Europe/Berlin',
        currency: 'EUR',
        apiKey: newKey('gl_api'),
        adminKey: newKey('gl_admin'),
        // Signs the demo store's one-click unsubscribe links (functions/core/dispatch/unsubscribe.ts).
        secrets: { unsubscribeSecret: randomBytes(32).toString('base64url') },
      },
    ],
  };
}

/** Returns the config at `path`, writing a demo config there first if none exists. */
export function readOrCreateConfig(path: string): { config: GrowthloopConfig; created: boolean } {
  if (existsSync(path)) return { config: readConfig(path), created: false };
  const config = demoConfig();
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return { config, created: true };
}
