import type { CanonicalEvent } from '../events/schemas';
import { ownValue } from '../own';
import type { StoredProfile } from '../profiles/items';
import { emptyProfile, foldEvents, type Profile } from '../profiles/profile';
import { eventHash, holds, weekOf } from '../profiles/seen';
import { profileView } from '../profiles/view';
import { evaluateProfile, type LifecycleState, type ScoringContext } from '../scoring/profile-scores';
import { isIanaTimeZone } from '../time-zone';
import type { Customer } from './runtime';

/**
 * The customer as journey conditions see them (`profile.*` facts): the profile view (orders,
 * revenue, counts, traits, tags, consent, ...), `lifecycle` (stage, since), `rfm` (r, f, m,
 * segment), `value` (tier, highQuality, lifetimeValue) and `scores` (churnRisk, pAlive, pBuy90,
 * expectedPurchases, expectedOrderValue, clv) as of `now`; and the time zone waits use.
 */
/** What journeys see of the points account: `profile.points.balance`, `.available`, `.pending`, `.expiringNext`. */
export type PointsFacts = { balance: number; available: number; pending: number; expiringNext: string | null };
export const NO_POINTS: PointsFacts = { balance: 0, available: 0, pending: 0, expiringNext: null };

export const pointsFacts = (account: {
  balance: number;
  available: number;
  pending: number;
  expiring: readonly { at: string }[];
}): PointsFacts => ({
  balance: account.balance,
  available: account.available,
  pending: account.pending,
  expiringNext: account.expiring[0]?.at ?? null,
});

export function journeyCustomer(
  profile: Profile,
  lifecycle: LifecycleState | undefined,
  context: ScoringContext & { timeZone: string },
  now: number,
  /** The customer's points account as last folded (`profile.points.balance`...): zeros without one. */
  points?: PointsFacts,
): Customer {
  const { scores } = evaluateProfile(profile, lifecycle, context, now);
  return {
    profile: {
      ...profileView(profile),
      lifecycle: lifecycle ? { stage: lifecycle.stage, since: lifecycle.since } : null,
      value: scores.value,
      rfm: scores.rfm ?? null,
      scores: scores.model ?? null,
      points: points ?? NO_POINTS,
    },
    // A zone stored under an earlier, looser rule falls back to the tenant's.
    timeZone: isIanaTimeZone(profile.timezone?.v) ? profile.timezone.v : context.timeZone,
  };
}

/**
 * The profile as it is once `event` is folded: the journey function may read a customer's
 * profile before the profile function has folded the event it is handling (the two consume the
 * bus independently), so the event is folded in here, unless the stored profile has seen it.
 */
export function profileWith(
  stored: StoredProfile | undefined,
  event: CanonicalEvent | undefined,
  tenantId: string,
  customerId: string,
  now: number,
): Profile {
  const profile = stored?.profile ?? emptyProfile(tenantId, customerId, new Date(now).toISOString());
  if (!event?.type || !event.properties) return profile;
  const folded = holds(ownValue(stored?.seen, weekOf(event.occurredAt)), eventHash(event.eventId));
  return folded ? profile : (foldEvents(profile, [event]) as Profile);
}
