import { fnv1a32 } from '../hash';
import type { StoredProfile } from './items';

// The sparse buyer index (docs/data-model.md): a tenant's model fit reads its buyers' keys from
// the index and their profiles by key, so it never reads other tenants' items nor the profiles of
// customers who never ordered.

/** Buyer-index shards per tenant: the fit reads them in parallel, and no shard takes every new buyer. */
export const BUYER_SHARDS = 8;

export const buyerShard = (tenantId: string, shard: number): string => `${tenantId}#BUY#${shard}`;

/** The buyer-index shards of a tenant. */
export const buyerShards = (tenantId: string): string[] =>
  Array.from({ length: BUYER_SHARDS }, (_, shard) => buyerShard(tenantId, shard));

/**
 * The buyer-index attribute of a profile item: present once the customer has ordered, while the
 * profile is the customer's own (a profile merged into another is not). Its value depends only on
 * the tenant and the customer, so it is written once and the index entry never changes after.
 */
export function buyerIndexAttributes(stored: StoredProfile): { buyerShard: string } | Record<string, never> {
  const { profile } = stored;
  if (stored.mergedInto !== undefined || !(profile.orders > 0)) return {};
  return { buyerShard: buyerShard(profile.tenantId, fnv1a32(profile.customerId) % BUYER_SHARDS) };
}
