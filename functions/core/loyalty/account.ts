// The stored account after a fold: its figures and tier, which notices are now due (a reminder
// before points expire, a notice when they did, a tier change), and when to look at it again.
import { expiringOf, type LoyaltyNotice, type StoredAccount } from './items';
import { nextChange, type PointsAccount } from './ledger';
import type { TierState } from './tiers';

/** Expired points are told at most this long after they expired (a ledger folded late tells no old news). */
const TELL_EXPIRED_WITHIN_MS = 7 * 86_400_000;

/** The tier notice, if the level changed; an account folded for the first time was at the lowest level. */
function tierChange(previous: TierState | undefined, next: TierState, levels: readonly string[], now: string) {
  const from = previous?.level ?? levels[0];
  if (from === undefined || from === next.level) return undefined;
  const up = levels.indexOf(next.level) > levels.indexOf(from);
  const bought = next.paidUntil !== undefined && next.paidUntil > now && next.level !== next.qualified;
  const reason = up
    ? bought
      ? 'bought'
      : 'qualified'
    : previous?.paidUntil && previous.paidUntil <= now
      ? 'membership_ended'
      : 'review';
  const notice: LoyaltyNotice = {
    type: 'tier.changed',
    eventId: `tier.changed:${next.level}:${next.since}`,
    occurredAt: up ? next.since : now,
    properties: { from, to: next.level, reason, reviewAt: next.reviewAt ?? null },
  };
  return notice;
}

export function nextStoredAccount(
  previous: StoredAccount | undefined,
  fold: PointsAccount,
  tier: TierState,
  now: number,
  /** When the reminder of points expiring at an instant is due (the tenant's settings and time zone). */
  reminderOf: (expiresAt: number) => number,
  /** The ids of the tenant's tier levels, lowest first. */
  levels: readonly string[],
): StoredAccount {
  const nowIso = new Date(now).toISOString();
  const expiring = expiringOf(fold);
  const notices: LoyaltyNotice[] = [];
  const reminded = new Set((previous?.reminded ?? []).filter((at) => at > nowIso));
  let nextReminder: number | undefined;
  for (const { at, points } of expiring) {
    if (reminded.has(at)) continue;
    const due = reminderOf(Date.parse(at));
    if (due <= now) {
      notices.push({
        type: 'points.expiring',
        eventId: `points.expiring:${at}`,
        occurredAt: nowIso,
        properties: { points, expiresAt: at, balance: fold.balance },
      });
      reminded.add(at);
    } else if (nextReminder === undefined || due < nextReminder) nextReminder = due;
  }
  const toldUntil = previous?.expiredToldUntil ?? new Date(now - TELL_EXPIRED_WITHIN_MS).toISOString();
  const expired = new Map<string, number>();
  for (const lot of fold.expiredLots)
    if (lot.expiresAt > toldUntil && lot.expiresAt <= nowIso)
      expired.set(lot.expiresAt, (expired.get(lot.expiresAt) ?? 0) + lot.points);
  for (const [expiresAt, points] of [...expired].sort(([a], [b]) => (a < b ? -1 : 1)))
    notices.push({
      type: 'points.expired',
      eventId: `points.expired:${expiresAt}`,
      occurredAt: expiresAt,
      properties: { points, expiresAt, balance: fold.balance },
    });
  const changed = tierChange(previous?.tier, tier, levels, nowIso);
  if (changed) notices.push(changed);
  const latestExpired = [...expired.keys()].sort().at(-1);
  const reminder = nextReminder === undefined ? undefined : new Date(nextReminder).toISOString();
  const later = (t: string | undefined) => (t !== undefined && t > nowIso ? t : undefined);
  const nextChangeAt = [nextChange(fold, nowIso), reminder, later(tier.reviewAt), later(tier.paidUntil)]
    .filter((t): t is string => t !== undefined)
    .sort()[0];
  const expiredToldUntil = latestExpired ?? previous?.expiredToldUntil;
  return {
    version: (previous?.version ?? 0) + 1,
    balance: fold.balance,
    available: fold.available,
    pending: fold.pending,
    debt: fold.debt,
    earned: fold.earned,
    redeemed: fold.redeemed,
    expired: fold.expired,
    clawedBack: fold.clawedBack,
    forgiven: fold.forgiven,
    ...(fold.streak ? { streak: fold.streak } : {}),
    tier,
    expiring,
    ...(nextChangeAt ? { nextChangeAt } : {}),
    reminded: [...reminded].sort(),
    ...(expiredToldUntil ? { expiredToldUntil } : {}),
    unsent: [...(previous?.unsent ?? []), ...notices],
    updatedAt: nowIso,
  };
}
