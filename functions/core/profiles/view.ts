import type { Profile } from './profile';

/** The profile as the admin API shows it: registers unwrapped, net revenue and AOV derived. */
export function profileView(profile: Profile) {
  const revenue = Object.fromEntries(
    Object.entries(profile.revenue).map(([currency, t]) => [
      currency,
      { ...t, net: t.gross - t.refunded, aov: t.orders === 0 ? 0 : Math.round(t.gross / t.orders) },
    ]),
  );
  return {
    tenantId: profile.tenantId,
    customerId: profile.customerId,
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    orders: profile.orders,
    firstOrderAt: profile.firstOrderAt ?? null,
    lastOrderAt: profile.lastOrderAt ?? null,
    revenue,
    sessions: profile.sessions,
    lastSessionAt: profile.lastSessionAt ?? null,
    logins: profile.logins,
    lastLoginAt: profile.lastLoginAt ?? null,
    lastRecallAt: profile.lastRecallAt ?? null,
    counts: profile.counts,
    cart: profile.cart?.v ?? null,
    consent: Object.fromEntries(Object.entries(profile.consent).map(([c, r]) => [c, r.v])),
    timezone: profile.timezone?.v ?? null,
    traits: Object.fromEntries(Object.entries(profile.traits).map(([k, r]) => [k, r.v])),
    tags: Object.entries(profile.tags ?? {})
      .filter(([, r]) => r.v)
      .map(([tag]) => tag)
      .sort(),
  };
}
export type ProfileView = ReturnType<typeof profileView>;
