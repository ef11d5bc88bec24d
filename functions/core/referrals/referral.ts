// One referral: a friend attributed to the inviter whose invite they accepted, and where each of
// its rewards stands. The friend's reward comes on acceptance or on their first order; the
// inviter's once that order is past the refund window. A refund of the first order before then
// cancels the inviter's reward, after it claws it back. A flagged referral holds both rewards
// until a reviewer approves it; a rejected one pays neither.
import type { ReferralFlag } from './fraud';
import type { ReferralReward, ReferralSettings } from './settings';

const DAY_MS = 86_400_000;

/**
 * - waiting: not yet due (or held for review);
 * - granted: sent to the dispatcher, once by its key;
 * - cancelled: the first order was refunded before the inviter's reward was due;
 * - clawed_back: refunded after the reward was granted, and taken back;
 * - capped: the inviter had earned the programme's most; daily_limit: the day's rewarded invites were taken;
 * - rejected: a reviewer rejected the referral.
 */
export type RewardStatus = 'waiting' | 'granted' | 'cancelled' | 'clawed_back' | 'capped' | 'daily_limit' | 'rejected';

export type ReviewDecision = { decision: 'approve' | 'reject'; reviewer: string; note?: string; at: string };

export type Referral = {
  friendId: string;
  inviterId: string;
  code: string;
  acceptedAt: string;
  /** The tenant's local day of the acceptance: the day whose rewarded invites it counts toward. */
  acceptDay: string;
  /** The rules as they were at acceptance, so a change of programme never rewrites a referral. */
  terms: Pick<
    ReferralSettings,
    'friendReward' | 'friendRewardOn' | 'inviterReward' | 'refundWindowDays' | 'secondLevelReward'
  >;
  flags: ReferralFlag[];
  review: 'none' | 'pending' | 'approved' | 'rejected';
  reviews: ReviewDecision[];
  firstOrder?: { orderId: string; at: string; refundedAt?: string };
  friend: RewardStatus;
  inviter: RewardStatus;
  /** The inviter's own inviter, rewarded too in a two-level programme. */
  secondInviterId?: string;
  second?: RewardStatus;
};

export type NewReferral = {
  friendId: string;
  inviterId: string;
  code: string;
  acceptedAt: string;
  acceptDay: string;
  flags: readonly ReferralFlag[];
  /** Whether the acceptance got one of the inviter's rewarded invites of its day. */
  dailySlot: boolean;
  secondInviterId?: string;
};

export function newReferral(input: NewReferral, settings: ReferralSettings): Referral {
  const { friendReward, friendRewardOn, inviterReward, refundWindowDays, secondLevelReward, levels } = settings;
  const referral: Referral = {
    friendId: input.friendId,
    inviterId: input.inviterId,
    code: input.code,
    acceptedAt: input.acceptedAt,
    acceptDay: input.acceptDay,
    terms: {
      friendReward,
      friendRewardOn,
      inviterReward,
      refundWindowDays,
      ...(levels === 2 && secondLevelReward ? { secondLevelReward } : {}),
    },
    flags: [...new Set(input.flags)],
    review: input.flags.length > 0 ? 'pending' : 'none',
    reviews: [],
    friend: 'waiting',
    inviter: input.dailySlot ? 'waiting' : 'daily_limit',
  };
  if (input.secondInviterId && referral.terms.secondLevelReward) {
    referral.secondInviterId = input.secondInviterId;
    referral.second = input.dailySlot ? 'waiting' : 'daily_limit';
  }
  return referral;
}

export const isHeld = (r: Referral): boolean => r.review === 'pending' || r.review === 'rejected';

/** Flags found later (at the first order): new ones hold the referral for review again. */
export function withFlags(r: Referral, flags: readonly ReferralFlag[]): Referral {
  const added = flags.filter((f) => !r.flags.includes(f));
  if (added.length === 0) return r;
  return { ...r, flags: [...r.flags, ...added], review: r.review === 'rejected' ? 'rejected' : 'pending' };
}

/** The friend's first order after acceptance; later orders change nothing. */
export function withFirstOrder(r: Referral, order: { orderId: string; at: string }): Referral {
  if (r.firstOrder || order.at < r.acceptedAt) return r;
  return { ...r, firstOrder: { orderId: order.orderId, at: order.at } };
}

export type Clawback = { who: 'inviter' | 'second'; customerId: string; reward: ReferralReward };

/** A refund or cancellation of the first order: the inviters' rewards are cancelled, or clawed back if granted. */
export function withRefund(r: Referral, orderId: string, at: string): { referral: Referral; clawbacks: Clawback[] } {
  if (!r.firstOrder || r.firstOrder.orderId !== orderId || r.firstOrder.refundedAt)
    return { referral: r, clawbacks: [] };
  const next: Referral = { ...r, firstOrder: { ...r.firstOrder, refundedAt: at } };
  const clawbacks: Clawback[] = [];
  if (r.inviter === 'waiting') next.inviter = 'cancelled';
  else if (r.inviter === 'granted') {
    next.inviter = 'clawed_back';
    clawbacks.push({ who: 'inviter', customerId: r.inviterId, reward: r.terms.inviterReward });
  }
  if (r.second === 'waiting') next.second = 'cancelled';
  else if (r.second === 'granted' && r.secondInviterId && r.terms.secondLevelReward) {
    next.second = 'clawed_back';
    clawbacks.push({ who: 'second', customerId: r.secondInviterId, reward: r.terms.secondLevelReward });
  }
  return { referral: next, clawbacks };
}

export function reviewed(r: Referral, decision: ReviewDecision): Referral {
  const review = decision.decision === 'approve' ? 'approved' : 'rejected';
  const next: Referral = { ...r, review, reviews: [...r.reviews, decision] };
  if (review === 'rejected') {
    for (const who of ['friend', 'inviter', 'second'] as const) if (next[who] === 'waiting') next[who] = 'rejected';
  }
  return next;
}

/** When the inviter's reward falls due: the first order's time plus the refund window. */
export const qualifiesAt = (r: Referral): string | undefined =>
  r.firstOrder && new Date(Date.parse(r.firstOrder.at) + r.terms.refundWindowDays * DAY_MS).toISOString();

/** Which rewards are due at `now`; none while the referral is held. */
export function dueRewards(r: Referral, now: string): { friend: boolean; inviter: boolean; second: boolean } {
  if (isHeld(r)) return { friend: false, inviter: false, second: false };
  const friend = r.friend === 'waiting' && (r.terms.friendRewardOn === 'accept' || r.firstOrder !== undefined);
  const at = qualifiesAt(r);
  const qualified = at !== undefined && !r.firstOrder?.refundedAt && at <= now;
  return { friend, inviter: qualified && r.inviter === 'waiting', second: qualified && r.second === 'waiting' };
}

/** The instant the referral next changes by itself (the inviter's reward falling due), if it will. */
export function nextChangeAt(r: Referral, now: string): string | undefined {
  if (isHeld(r) || r.firstOrder?.refundedAt) return undefined;
  if (r.inviter !== 'waiting' && r.second !== 'waiting') return undefined;
  const at = qualifiesAt(r);
  return at !== undefined && at > now ? at : undefined;
}
