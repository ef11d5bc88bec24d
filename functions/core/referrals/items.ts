// Where referrals are kept. In the customer's partition (erased with the customer):
//   <tenant>#C#<customer> / REFERRAL#CODE          their invite code
//   <tenant>#C#<friend>   / REFERRAL#BY            the referral that brought them, in the due index while a reward will fall due
//   <tenant>#C#<inviter>  / REFERRAL#TO#<friend>   the friends they brought
//   <tenant>#C#<customer> / REFERRAL#CLICKS        invites they opened (`<at>|<code>`, the first 20)
//   <tenant>#C#<customer> / REFERRAL#ORDERS        their first orders and refunds (`<at>|<order id>`), whichever comes first
//   <tenant>#C#<customer> / REFERRAL#SIGNALS       device ids, payment fingerprints, address hashes seen
//   <tenant>#C#<inviter>  / REFERRAL#QUOTA         the friends whose reward counted toward the inviter's cap
//   <tenant>#C#<inviter>  / REFERRAL#DAY#<day>     the day's rewarded invites
//   <tenant>#C#<inviter>  / REFERRAL#RATE#<hour>   accepts and first orders in the hour (expiring)
// And by tenant: the code's owner (<tenant>#REFCODE#<code>), a device's accepts in an hour
// (<tenant>#REFDEVICE#<device>), referrals held for review and the decisions made (<tenant>#REFREVIEW),
// and invites sent and referrals attributed, by time (<tenant>#REFSTATS: ids only).
import type { Item, Key } from '../../ports';
import type { CanonicalEvent } from '../events/schemas';
import { dueDay, dueShardOf } from '../profiles/profile-changes';
import type { Referral } from './referral';

const partition = (tenantId: string, customerId: string) => `${tenantId}#C#${customerId}`;

/** The event types referrals read: invites, and the orders, refunds and devices of friends. */
export const REFERRAL_EVENT_TYPES = [
  'invite_sent',
  'invite_clicked',
  'invite_accepted',
  'order_placed',
  'order_paid',
  'order_cancelled',
  'refund',
] as const satisfies readonly CanonicalEvent['type'][];

export const REFERRAL_SK = 'REFERRAL#BY';
export const FRIEND_PREFIX = 'REFERRAL#TO#';
export const MAX_CLICKS = 20;
export const MAX_SIGNALS = 100;
export const MAX_ORDERS = 10;

export const codeKey = (tenantId: string, code: string): Key => ({ pk: `${tenantId}#REFCODE#${code}`, sk: 'CODE' });
export const ownCodeKey = (tenantId: string, customerId: string): Key => ({
  pk: partition(tenantId, customerId),
  sk: 'REFERRAL#CODE',
});
export const referralKey = (tenantId: string, friendId: string): Key => ({
  pk: partition(tenantId, friendId),
  sk: REFERRAL_SK,
});
export const friendKey = (tenantId: string, inviterId: string, friendId: string): Key => ({
  pk: partition(tenantId, inviterId),
  sk: `${FRIEND_PREFIX}${friendId}`,
});
export const clicksKey = (tenantId: string, customerId: string): Key => ({
  pk: partition(tenantId, customerId),
  sk: 'REFERRAL#CLICKS',
});
export const ordersKey = (tenantId: string, customerId: string): Key => ({
  pk: partition(tenantId, customerId),
  sk: 'REFERRAL#ORDERS',
});
export const signalsKey = (tenantId: string, customerId: string): Key => ({
  pk: partition(tenantId, customerId),
  sk: 'REFERRAL#SIGNALS',
});
export const quotaKey = (tenantId: string, inviterId: string): Key => ({
  pk: partition(tenantId, inviterId),
  sk: 'REFERRAL#QUOTA',
});
export const dayKey = (tenantId: string, inviterId: string, day: string): Key => ({
  pk: partition(tenantId, inviterId),
  sk: `REFERRAL#DAY#${day}`,
});
export const rateKey = (tenantId: string, inviterId: string, hour: string): Key => ({
  pk: partition(tenantId, inviterId),
  sk: `REFERRAL#RATE#${hour}`,
});
export const deviceRateKey = (tenantId: string, deviceId: string, hour: string): Key => ({
  pk: `${tenantId}#REFDEVICE#${deviceId}`,
  sk: `RATE#${hour}`,
});
export const reviewPartition = (tenantId: string) => `${tenantId}#REFREVIEW`;
/** Invites sent and referrals attributed, by time, for the programme's metrics. */
export const statsPartition = (tenantId: string) => `${tenantId}#REFSTATS`;
export const INVITE_PREFIX = 'INVITE#';
export const ATTRIBUTED_PREFIX = 'REF#';
export const inviteStatKey = (tenantId: string, at: string, eventId: string): Key => ({
  pk: statsPartition(tenantId),
  sk: `${INVITE_PREFIX}${at}#${eventId}`,
});
export const attributedStatKey = (tenantId: string, r: Pick<Referral, 'acceptedAt' | 'friendId'>): Key => ({
  pk: statsPartition(tenantId),
  sk: `${ATTRIBUTED_PREFIX}${r.acceptedAt}#${r.friendId}`,
});
export const openReviewKey = (tenantId: string, r: Pick<Referral, 'acceptedAt' | 'friendId'>): Key => ({
  pk: reviewPartition(tenantId),
  sk: `OPEN#${r.acceptedAt}#${r.friendId}`,
});
export const decidedReviewKey = (tenantId: string, at: string, friendId: string): Key => ({
  pk: reviewPartition(tenantId),
  sk: `DONE#${at}#${friendId}`,
});

export const isReferralKey = (key: Key): boolean => key.sk === REFERRAL_SK;

/**
 * The items outside the customer's partition that one of its referral items names, for erasure:
 * the owner of their code, and, of the referral that brought them, its place in the metrics, the
 * review queue and the inviter's list.
 */
export function referralIndexKeys(tenantId: string, item: Item): Key[] {
  if (item.sk === 'REFERRAL#CODE' && typeof item.code === 'string') return [codeKey(tenantId, item.code)];
  const referral = item.sk === REFERRAL_SK ? storedReferralOf(item)?.referral : undefined;
  if (!referral) return [];
  return [
    attributedStatKey(tenantId, referral),
    openReviewKey(tenantId, referral),
    friendKey(tenantId, referral.inviterId, referral.friendId),
  ];
}

/** The clock hour of an instant, `YYYY-MM-DDTHH`: the bucket of the velocity counts. */
export const hourOf = (at: string): string => at.slice(0, 13);

export type StoredReferral = { version: number; referral: Referral; updatedAt: string };

/** The referral item; in the due index on the day its inviter's reward falls due. */
export function referralItem(tenantId: string, stored: StoredReferral, nextChangeAt: string | undefined): Item {
  return {
    ...referralKey(tenantId, stored.referral.friendId),
    ...stored,
    ...(nextChangeAt ? { dueShard: dueShardOf(tenantId, stored.referral.friendId), dueDay: dueDay(nextChangeAt) } : {}),
  };
}

export function storedReferralOf(item: Item | undefined): StoredReferral | undefined {
  const referral = item?.referral as Referral | undefined;
  if (!item || typeof item.version !== 'number' || typeof referral?.friendId !== 'string') return undefined;
  return { version: item.version, referral, updatedAt: String(item.updatedAt) };
}

/** A timed member of a set (a click of a code, an order, a refund): `<at>|<id>`, sorting by time. */
export const member = (at: string, id: string) => `${at}|${id}`;

/** The timed members of a set attribute, earliest first; an id seen twice counts at its earliest. */
export function membersOf(item: Item | undefined, attribute: string): { at: string; id: string }[] {
  const seen = new Set<string>();
  return setOf(item, attribute)
    .filter((m) => m.includes('|'))
    .map((m) => ({ at: m.slice(0, m.indexOf('|')), id: m.slice(m.indexOf('|') + 1) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .filter((m) => !seen.has(m.id) && seen.add(m.id) !== undefined);
}

export const setOf = (item: Item | undefined, attribute: string): string[] => {
  const value = item?.[attribute];
  return value instanceof Set ? [...value].map(String) : Array.isArray(value) ? value.map(String) : [];
};
