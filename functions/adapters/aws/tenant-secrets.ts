import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { TenantSecrets } from '../../core/config/schema';
import { firstIssue } from '../../core/events/ingest';

const SecretsByTenant = z.record(z.string(), TenantSecrets);
const CACHE_MS = 5 * 60 * 1000;

/**
 * Tenants' platform secrets from one Secrets Manager secret holding
 * {"<tenantId>": {"shopifyWebhookSecret": ..., ...}}, re-read every 5 minutes so a rotation
 * set by the operator takes effect without a deploy. A secret with no value yet means no tenant has any.
 */
export function createTenantSecretsReader(options: {
  client: SecretsManagerClient;
  secretId: string;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  let cached: { at: number; byTenant: Record<string, TenantSecrets> } | undefined;

  async function load(): Promise<Record<string, TenantSecrets>> {
    try {
      const out = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
      const parsed = SecretsByTenant.safeParse(JSON.parse(out.SecretString ?? '{}'));
      if (!parsed.success) {
        const { path, message } = firstIssue(parsed.error, '$');
        throw new Error(`the tenant secrets are not valid at ${path}: ${message}`);
      }
      return parsed.data;
    } catch (e) {
      if (e instanceof ResourceNotFoundException) return {};
      throw e;
    }
  }

  return async (tenantId: string): Promise<TenantSecrets | undefined> => {
    if (!cached || now() - cached.at > CACHE_MS) cached = { at: now(), byTenant: await load() };
    return cached.byTenant[tenantId];
  };
}
