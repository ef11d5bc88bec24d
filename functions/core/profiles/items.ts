import type { Item, Key } from '../../ports';
import type { LifecycleState } from '../scoring/profile-scores';
import type { Profile } from './profile';
import { dueAttributes, type ProfileChange } from './profile-changes';
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

/**
 * The stored profile: the profile, its write version, the events it has seen by week, its
 * lifecycle stage with the stage changes not yet on the bus, and, once it has been merged into
 * another customer's profile, that customer's id.
 */
export type StoredProfile = {
  profile: Profile;
  version: number;
  seen: Seen;
  lifecycle?: LifecycleState;
  outbox?: ProfileChange[];
  mergedInto?: string;
};

export function toProfileItem(stored: StoredProfile): Item {
  const { profile, version, seen, lifecycle, outbox, mergedInto } = stored;
  const item: Item = { ...profileKey(profile.tenantId, profile.customerId), ...profile, version, seen };
  if (lifecycle) Object.assign(item, { lifecycle }, dueAttributes(stored));
  if (outbox?.length) item.outbox = outbox;
  if (mergedInto) item.mergedInto = mergedInto;
  return item;
}

export function fromProfileItem(item: Item): StoredProfile {
  const {
    pk: _pk,
    sk: _sk,
    dueShard: _shard,
    dueDay: _day,
    version,
    seen,
    lifecycle,
    outbox,
    mergedInto,
    ...profile
  } = item;
  return {
    profile: profile as unknown as Profile,
    version: version as number,
    seen: (seen ?? {}) as Seen,
    ...(lifecycle ? { lifecycle: lifecycle as LifecycleState } : {}),
    ...(outbox ? { outbox: outbox as ProfileChange[] } : {}),
    ...(mergedInto ? { mergedInto: mergedInto as string } : {}),
  };
}

/** The profile item once its stage changes are on the bus: its due day follows the lifecycle again. */
export const withoutProfileOutbox = (item: Item): Item => toProfileItem({ ...fromProfileItem(item), outbox: [] });

/** Where events for a customer id that was merged into another customer now go. */
export const aliasKey = (tenantId: string, customerId: string): Key => ({
  pk: customerPk(tenantId, customerId),
  sk: 'ALIAS',
});

export const ledgerWeek = (item: Item): string => item.sk.slice('SEEN#'.length);
export const ledgerHashes = (item: Item): Set<string> => (item[LEDGER_HASHES] as Set<string> | undefined) ?? new Set();
