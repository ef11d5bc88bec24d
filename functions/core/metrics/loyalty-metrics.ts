// The metrics of the loyalty programme over a range of days, as pure functions of what the report
// read. Definitions:
// - K-factor: invites sent per customer × invite conversion (friends attributed per invite sent);
// - participation rate: customers who sent an invite / customers;
// - new customers per referring customer: friends attributed / inviters with a friend attributed;
// - 30-day repurchase: of the customers whose first order is in the range (and at least 30 days
//   before the report's end), those with a second order within 30 days of it; referred friends
//   against everyone else;
// - reward cost per acquired customer: the value of the referral rewards granted (points and
//   coupon values, as the programme counts them) / friends attributed;
// - points liability: points outstanding (spendable and pending, less debt) at their value;
// - tier distribution: customers per level at each instant asked.
import { type Ratio, ratio } from './kpi-input';

const DAY_MS = 86_400_000;
const REPURCHASE_DAYS = 30;

export type InviteFact = { customerId: string; at: string };
export type ReferralFact = {
  friendId: string;
  inviterId: string;
  acceptedAt: string;
  /** The value of the rewards granted for this referral (friend, inviter and second level). */
  rewardValue: number;
};

export type ReferralMetricsInput = {
  from: string;
  to: string;
  /** Customers as of the end of the range. */
  customers: number;
  invites: readonly InviteFact[];
  referrals: readonly ReferralFact[];
  /** Every customer's order times who ordered, earliest first. */
  orders: ReadonlyMap<string, readonly string[]>;
  /** Milestone bonuses granted in the range, by value. */
  milestoneValue?: number;
};

export type ReferralMetrics = {
  invitesSent: number;
  invitesPerCustomer: Ratio;
  inviteConversion: Ratio;
  kFactor: number | null;
  participationRate: Ratio;
  friendsAttributed: number;
  newCustomersPerReferrer: Ratio;
  repurchase30: { referred: Ratio; others: Ratio };
  rewardCost: number;
  rewardCostPerAcquired: Ratio;
};

const inRange = (at: string, from: string, to: string) => at.slice(0, 10) >= from && at.slice(0, 10) <= to;

export function referralMetrics(input: ReferralMetricsInput): ReferralMetrics {
  const { from, to } = input;
  const invites = input.invites.filter((i) => inRange(i.at, from, to));
  const referrals = input.referrals.filter((r) => inRange(r.acceptedAt, from, to));
  const invitesPerCustomer = ratio(invites.length, input.customers);
  const inviteConversion = ratio(referrals.length, invites.length);
  const kFactor =
    invitesPerCustomer.value === null || inviteConversion.value === null
      ? null
      : invitesPerCustomer.value * inviteConversion.value;
  const referred = new Set(input.referrals.map((r) => r.friendId));
  const end = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  const repurchase = { referred: [0, 0], others: [0, 0] };
  for (const [customerId, times] of input.orders) {
    const first = times[0];
    if (!first || !inRange(first, from, to) || Date.parse(first) + REPURCHASE_DAYS * DAY_MS > end) continue;
    const arm = referred.has(customerId) ? repurchase.referred : repurchase.others;
    arm[1] = (arm[1] as number) + 1;
    const second = times[1];
    if (second && Date.parse(second) - Date.parse(first) <= REPURCHASE_DAYS * DAY_MS) arm[0] = (arm[0] as number) + 1;
  }
  const rewardCost = referrals.reduce((sum, r) => sum + r.rewardValue, 0) + (input.milestoneValue ?? 0);
  return {
    invitesSent: invites.length,
    invitesPerCustomer,
    inviteConversion,
    kFactor,
    participationRate: ratio(new Set(invites.map((i) => i.customerId)).size, input.customers),
    friendsAttributed: referrals.length,
    newCustomersPerReferrer: ratio(referrals.length, new Set(referrals.map((r) => r.inviterId)).size),
    repurchase30: {
      referred: ratio(repurchase.referred[0] as number, repurchase.referred[1] as number),
      others: ratio(repurchase.others[0] as number, repurchase.others[1] as number),
    },
    rewardCost,
    rewardCostPerAcquired: ratio(rewardCost, referrals.length),
  };
}

export type AccountFact = { balance: number; pending: number };

/** Points outstanding (spendable and pending, less debt, never below zero per customer) and their value in minor units. */
export function pointsLiability(accounts: readonly AccountFact[], valuePerPoint: number) {
  const points = accounts.reduce((sum, a) => sum + Math.max(0, a.balance + a.pending), 0);
  return { points, value: Math.round(points * valuePerPoint) };
}

/** Customers per level at each instant: `levelsAt` gives one customer's level at each of them. */
export function tierDistribution(
  instants: readonly string[],
  levels: readonly string[],
  customers: readonly (readonly string[])[],
): { at: string; counts: Record<string, number> }[] {
  return instants.map((at, i) => {
    const counts = Object.fromEntries(levels.map((l) => [l, 0])) as Record<string, number>;
    for (const levelsAt of customers) {
      const level = levelsAt[i];
      if (level !== undefined && Object.hasOwn(counts, level)) counts[level] = (counts[level] as number) + 1;
    }
    return { at, counts };
  });
}
