// The stored account after a fold: its figures, which notices are now due (a reminder before
// points expire, a notice when they did), and when it must be looked at again.

import { expiringOf, type PointsNotice, type StoredAccount } from './items';
import { nextChange, type PointsAccount } from './ledger';

/** Expired points are told at most this long after they expired (a ledger folded late tells no old news). */
const TELL_EXPIRED_WITHIN_MS = 7 * 86_400_000;

export function nextStoredAccount(
  previous: StoredAccount | undefined,
  fold: PointsAccount,
  now: number,
  /** When the reminder of points expiring at an instant is due (the tenant's settings and time zone). */
  reminderOf: (expiresAt: number) => number,
): StoredAccount {
  const nowIso = new Date(now).toISOString();
  const expiring = expiringOf(fold);
  const notices: PointsNotice[] = [];
  const reminded = new Set((previous?.reminded ?? []).filter((at) => at > nowIso));
  let nextReminder: number | undefined;
  for (const { at, points } of expiring) {
    if (reminded.has(at)) continue;
    const due = reminderOf(Date.parse(at));
    if (due <= now) {
      notices.push({ type: 'points.expiring', points, expiresAt: at });
      reminded.add(at);
    } else if (nextReminder === undefined || due < nextReminder) nextReminder = due;
  }
  const toldUntil = previous?.expiredToldUntil ?? new Date(now - TELL_EXPIRED_WITHIN_MS).toISOString();
  const expired = new Map<string, number>();
  for (const lot of fold.expiredLots)
    if (lot.expiresAt > toldUntil && lot.expiresAt <= nowIso)
      expired.set(lot.expiresAt, (expired.get(lot.expiresAt) ?? 0) + lot.points);
  for (const [expiresAt, points] of [...expired].sort(([a], [b]) => (a < b ? -1 : 1)))
    notices.push({ type: 'points.expired', points, expiresAt });
  const latestExpired = [...expired.keys()].sort().at(-1);
  const change = nextChange(fold, nowIso);
  const reminder = nextReminder === undefined ? undefined : new Date(nextReminder).toISOString();
  const nextChangeAt = [change, reminder].filter((t): t is string => t !== undefined).sort()[0];
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
    expiring,
    ...(nextChangeAt ? { nextChangeAt } : {}),
    reminded: [...reminded].sort(),
    ...(expiredToldUntil ? { expiredToldUntil } : {}),
    unsent: [...(previous?.unsent ?? []), ...notices],
    updatedAt: nowIso,
  };
}
