import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { GrowthloopConfig } from '../functions/core/config/schema';
import { type TenantRecord, tenantRecords } from '../functions/core/config/tenants';
import { readConfig } from '../functions/runtime/config-file';

export const DEFAULT_CONFIG_PATH = 'growthloop.config.json';

/** The partition keys of the tenant registry's items (functions/core/config/registry.ts). */
export const REGISTRY_LEADING_KEYS = ['TENANTS', 'TENANTKEY#*'];

/**
 * Lets a function read (and, for the functions that copy the config's tenants into it, write) the tenant
 * registry in the table, and only the registry's items: the condition on the partition key keeps a
 * function that otherwise has no table access (ingest, Segment) away from every customer's data.
 */
export function grantTenantRegistry(
  fn: lambda.Function,
  table: dynamodb.ITable,
  options: { write?: boolean } = {},
): void {
  fn.addEnvironment('TABLE_NAME', table.tableName);
  const actions = ['dynamodb:GetItem', 'dynamodb:Query'];
  if (options.write) actions.push('dynamodb:PutItem', 'dynamodb:DeleteItem');
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions,
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': REGISTRY_LEADING_KEYS } },
    }),
  );
}

/** What the stack takes from the config: the tenants the functions may know, and where alerts go. */
export type DeployConfig = {
  /** Tenant ids and key hashes, never the keys. */
  tenants: TenantRecord[];
  /** The address subscribed to the alerts topic, if any. */
  alertsEmail: string | undefined;
};

// The same rule as the config file's alerts.email.
const AlertsEmail = GrowthloopConfig.shape.alerts.unwrap().shape.email;

/**
 * Reads the config named by the CDK context `config` (default growthloop.config.json, relative to the working
 * directory): the tenants, and `alerts.email`, which the context `alertsEmail` overrides.
 * A missing file synthesizes with no tenant (and a warning); an invalid file or address fails synth.
 */
export function loadDeployConfig(scope: Construct): DeployConfig {
  const configured: unknown = scope.node.tryGetContext('config');
  const path = resolve(typeof configured === 'string' && configured !== '' ? configured : DEFAULT_CONFIG_PATH);
  let config: GrowthloopConfig | undefined;
  if (existsSync(path)) {
    config = readConfig(path);
  } else {
    Validations.of(scope).addWarning(
      'growthloop:no-tenant-config',
      `No tenant config at ${path}: the deployed API will accept no tenant until a config exists (see growthloop.config.json, or pass -c config=<path>).`,
    );
  }
  return { tenants: config ? tenantRecords(config) : [], alertsEmail: alertsEmail(scope) ?? config?.alerts?.email };
}

/** The context `alertsEmail` (`-c alertsEmail=ops@example.com`), validated; empty or absent is none. */
function alertsEmail(scope: Construct): string | undefined {
  const value: unknown = scope.node.tryGetContext('alertsEmail');
  if (value === undefined || value === '') return undefined;
  const parsed = AlertsEmail.safeParse(value);
  if (!parsed.success)
    throw new Error(`invalid alertsEmail ${JSON.stringify(value)} (-c alertsEmail=...): not an e-mail address`);
  return parsed.data;
}
