import type { Item, Key } from '../../ports';
import type { Profile } from './profile';
import type { Seen } from './seen';

// The table design (docs/data-model.md): one partition per customer, keys start with the tenant.

export const customerPk = (tenantId: string, customerId: string): string => `${tenantId}#C#${customerId}`;

export const profileKey = (tenantId: string, customerId: string): Key => ({
  pk: customerPk(tenantId, customerId),
  sk: 'PROFILE',
});

/** Which customer an order belongs to, for reports that name only the order (Shopify refunds). */
export const orderIndexKey = (tenantId: string, orderId: string): Key => ({
  pk: `${tenantId}#ORDER#${orderId}`,
  sk: 'CUSTOMER',
});

/** The hashes of a customer's folded events that occurred in one old week. */
export const ledgerKey = (profile: Key, week: string): Key => ({ pk: profile.pk, sk: `SEEN#${week}` });
export const LEDGER_HASHES = 'hashes';

/** The stored profile: the profile, its write version, and the events it has seen by week. */
export type StoredProfile = { profile: Profile; version: number; seen: Seen };

export function toProfileItem({ profile, version, seen }: StoredProfile): Item {
  return { ...profileKey(profile.tenantId, profile.customerId), ...profile, version, seen };
}

export function fromProfileItem(item: Item): StoredProfile {
  const { pk: _pk, sk: _sk, version, seen, ...profile } = item;
  return { profile: profile as unknown as Profile, version: version as number, seen: (seen ?? {}) as Seen };
}

export const ledgerWeek = (item: Item): string => item.sk.slice('SEEN#'.length);
export const ledgerHashes = (item: Item): Set<string> => (item[LEDGER_HASHES] as Set<string> | undefined) ?? new Set();
