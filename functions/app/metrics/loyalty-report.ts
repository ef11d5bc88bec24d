// The loyalty programme's metrics over a range of days (core/metrics/loyalty-metrics.ts): referrals
// from the invites and attributions kept by time (a query of one partition), repurchase from the
// buyers' order histories (the buyer index), and points liability and tiers from the buyers'
// ledgers, folded as of each month end in the range and the range's end. Customers who never
// ordered are not read: their points (sign-ins, shares) are outside the liability shown.
import type { TenantRecord } from '../../core/config/tenants';
import {
  pointsLiability,
  type ReferralFact,
  referralMetrics,
  tierDistribution,
} from '../../core/metrics/loyalty-metrics';
import {
  ATTRIBUTED_PREFIX,
  INVITE_PREFIX,
  referralKey,
  statsPartition,
  storedReferralOf,
} from '../../core/referrals/items';
import type { Referral } from '../../core/referrals/referral';
import { rewardValue } from '../../core/referrals/settings';
import type { Store } from '../../ports';
import { readBuyers } from '../daily-run/buyers';
import { foldAccount, ledgerEntries, pointsSettingsOf, tierSettingsOf } from '../loyalty/points';
import { historyOf } from './report';

const DAY = 86_400_000;

/** What the referral paid out, as the programme counts value; rewards clawed back cost nothing. */
function paid(r: Referral): number {
  const { friendReward, inviterReward, secondLevelReward } = r.terms;
  return (
    (r.friend === 'granted' ? rewardValue(friendReward) : 0) +
    (r.inviter === 'granted' ? rewardValue(inviterReward) : 0) +
    (r.second === 'granted' && secondLevelReward ? rewardValue(secondLevelReward) : 0)
  );
}

/** The instants of the tier distribution: the end of each month the range touches, and the range's end. */
function instantsOf(from: string, asOf: number): string[] {
  const instants: string[] = [];
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  for (;;) {
    const monthEnd = Date.UTC(y, m, 1);
    if (monthEnd >= asOf) break;
    instants.push(new Date(monthEnd).toISOString());
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  instants.push(new Date(asOf).toISOString());
  return instants;
}

export async function loyaltyReport(
  deps: { store: Store; now: number },
  tenant: TenantRecord,
  range: { from: string; to: string },
) {
  const { store } = deps;
  const asOf = Math.min(deps.now, Date.parse(`${range.to}T00:00:00Z`) + DAY);
  const stats = statsPartition(tenant.id);
  const [buyers, inviteItems, attributedItems] = await Promise.all([
    readBuyers(store, tenant.id),
    store.query(stats, { skPrefix: INVITE_PREFIX }),
    store.query(stats, { skPrefix: ATTRIBUTED_PREFIX }),
  ]);
  const invites = inviteItems.map((i) => ({
    customerId: String(i.sender),
    at: String(i.at),
  }));
  const attributed = attributedItems.filter((i) => {
    const day = String(i.acceptedAt).slice(0, 10);
    return day >= range.from && day <= range.to;
  });
  const referralItems = await store.getMany(attributed.map((i) => referralKey(tenant.id, String(i.friendId))));
  const referrals: ReferralFact[] = referralItems.flatMap((item) => {
    const r = storedReferralOf(item)?.referral;
    return r ? [{ friendId: r.friendId, inviterId: r.inviterId, acceptedAt: r.acceptedAt, rewardValue: paid(r) }] : [];
  });

  const orders = new Map<string, string[]>();
  const tiers = tierSettingsOf(tenant);
  const instants = instantsOf(range.from, asOf);
  const levelsAt: string[][] = [];
  const accounts: { balance: number; pending: number }[] = [];
  for (const { profile } of buyers) {
    const history = await historyOf(store, profile);
    orders.set(profile.customerId, history.orders.map((o) => o.at).sort());
    const entries = await ledgerEntries(store, tenant.id, profile.customerId);
    if (entries.length === 0) {
      levelsAt.push(instants.map(() => tiers.levels[0]?.id ?? ''));
      continue;
    }
    levelsAt.push(instants.map((at) => foldAccount(entries, at, tiers).tier.level));
    const { points } = foldAccount(entries, new Date(asOf).toISOString(), tiers);
    accounts.push({ balance: points.balance, pending: points.pending });
  }
  const liability = pointsLiability(accounts, pointsSettingsOf(tenant).valuePerPoint);
  return {
    tenantId: tenant.id,
    from: range.from,
    to: range.to,
    asOf: new Date(asOf).toISOString(),
    customers: buyers.length,
    referrals: referralMetrics({ ...range, customers: buyers.length, invites, referrals, orders }),
    points: { outstanding: liability.points, liability: { amount: liability.value, currency: tenant.currency } },
    tiers: tierDistribution(
      instants,
      tiers.levels.map((l) => l.id),
      levelsAt,
    ),
  };
}
export type LoyaltyReport = Awaited<ReturnType<typeof loyaltyReport>>;
