// What the Lambda entry points wire alike and no adapter may build: the tenant directory is a use
// case's (functions/app/tenants/directory.ts) over the AWS store, so it is composed here, above
// both, and not in functions/adapters/aws/environment.ts (adapters import no app code).
import { awsStore } from '../../adapters/aws/environment';
import { systemClock } from '../../adapters/clock';
import { createRegistryDirectory } from '../../app/tenants/directory';
import type { TenantRecord } from '../../core/config/tenants';

/**
 * The tenants: the registry in the table (TABLE_NAME), re-read every few seconds, so tenants added and keys
 * rotated with `growthloop tenants --aws` count without a deploy. The config's tenants deployed in
 * GROWTHLOOP_TENANTS (key SHA-256s) count while the registry has no tenant of their id; a function that
 * may write the table (`seed`) copies them into the registry on its first read.
 */
export const awsTenants = (options: { seed?: boolean } = {}) =>
  createRegistryDirectory({
    store: awsStore(),
    clock: systemClock,
    fallback: JSON.parse(process.env.GROWTHLOOP_TENANTS ?? '[]') as TenantRecord[],
    seed: options.seed ?? false,
  });
