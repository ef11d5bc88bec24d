import type { Item, Key } from '../../ports';
import type { CanonicalEvent } from '../events/schemas';
import type { Profile } from './profile';
import type { RecentIds } from './recent';

// The table design (docs/data-model.md): one partition per customer, keys start with the tenant.

export const EVENT_RETENTION_DAYS = 730;

export const customerPk = (tenantId: string, customerId: string): string => `${tenantId}#C#${customerId}`;
export const profileKey = (tenantId: string, customerId: string): Key => ({
  pk: customerPk(tenantId, customerId),
  sk: 'PROFILE',
});
export const eventKey = (e: Pick<CanonicalEvent, 'tenantId' | 'customerId' | 'eventId'>): Key => ({
  pk: customerPk(e.tenantId, e.customerId),
  sk: `EVENT#${e.eventId}`,
});

/** The stored profile: the profile, its write version, and the recently folded event ids. */
export type StoredProfile = { profile: Profile; version: number; recent?: RecentIds };

export function toProfileItem({ profile, version, recent }: StoredProfile): Item {
  const item: Item = { ...profileKey(profile.tenantId, profile.customerId), ...profile, version };
  if (recent) item.recent = recent;
  return item;
}

export function fromProfileItem(item: Item): StoredProfile {
  const { pk: _pk, sk: _sk, version, recent, ...profile } = item;
  return {
    profile: profile as unknown as Profile,
    version: version as number,
    recent: recent as RecentIds | undefined,
  };
}

/** The receipt of a folded event: makes redelivery a no-op, and is the customer's event history. */
export function eventItem(event: CanonicalEvent, now: number): Item {
  const { tenantId: _t, customerId: _c, eventId: _e, ...rest } = event;
  return {
    ...eventKey(event),
    ...rest,
    expiresAt: Math.floor(now / 1000) + EVENT_RETENTION_DAYS * 86_400,
  };
}
