import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type TenantRecord, tenantRecords } from '../functions/core/config/tenants';
import { readConfig } from '../functions/runtime/config-file';

export const DEFAULT_CONFIG_PATH = 'growthloop.config.json';

/**
 * Reads the tenant config named by the CDK context `config` (default growthloop.config.json, relative to the
 * working directory) and returns what the functions may know: tenant ids and key hashes, never the keys.
 * A missing file synthesizes with no tenant (and a warning); an invalid file fails synth.
 */
export function loadTenantRecords(scope: Construct): TenantRecord[] {
  const configured: unknown = scope.node.tryGetContext('config');
  const path = resolve(typeof configured === 'string' && configured !== '' ? configured : DEFAULT_CONFIG_PATH);
  if (!existsSync(path)) {
    Validations.of(scope).addWarning(
      'growthloop:no-tenant-config',
      `No tenant config at ${path}: the deployed API will accept no tenant until a config exists (see growthloop.config.json, or pass -c config=<path>).`,
    );
    return [];
  }
  return tenantRecords(readConfig(path));
}
