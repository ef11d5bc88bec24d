import { z } from 'zod';

const PoolId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a coupon pool id');
const Amount = z.int().min(1).max(1_000_000);

/** A reward: points, or a coupon from a pool (its value, in the pool's terms, counts toward the inviter's cap). */
export const ReferralReward = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('points'), points: Amount }),
  z.strictObject({ kind: z.literal('coupon'), pool: PoolId, value: Amount }),
]);
export type ReferralReward = z.infer<typeof ReferralReward>;

export const rewardValue = (reward: ReferralReward): number =>
  reward.kind === 'points' ? reward.points : reward.value;

/**
 * Thresholds of the fraud checks: a referral that trips one is held for review, its rewards with it.
 * Velocity and bursts count within the clock hour.
 */
export const FraudSettings = z.strictObject({
  /** More accepted invites than this from one inviter in an hour. */
  inviterAcceptsPerHour: z.int().min(1).max(100_000).default(10),
  /** More accepted invites than this from one device in an hour. */
  deviceAcceptsPerHour: z.int().min(1).max(100_000).default(3),
  /** More first orders than this from one inviter's friends in an hour. */
  firstOrdersPerHour: z.int().min(1).max(100_000).default(5),
  /** E-mail domains held for review besides the built-in list of disposable-address services. */
  disposableDomains: z.array(z.string().min(3).max(253)).max(1000).default([]),
});
export type FraudSettings = z.infer<typeof FraudSettings>;

/**
 * A tenant's referral programme ("old brings new"): off when absent. Defaults: 50 points to the
 * friend when they accept and 50 to the inviter once the friend's first order is past the refund
 * window, at most 200 to one inviter in all and 5 rewarded invites a day, one level.
 */
export const ReferralSettings = z
  .strictObject({
    /** An invite clicked this many days before the friend signs up still counts; the first such invite wins. */
    windowDays: z.int().min(1).max(365).default(30),
    /** Invite links are this address with `?invite=<code>`. */
    linkBase: z.url({ protocol: /^https?$/ }).optional(),
    friendReward: ReferralReward.default({ kind: 'points', points: 50 }),
    /** When the friend is rewarded: on accepting the invite (signing up), or on their first order. */
    friendRewardOn: z.enum(['accept', 'first_order']).default('accept'),
    inviterReward: ReferralReward.default({ kind: 'points', points: 50 }),
    /** The most one inviter earns in all (in reward value: points, or the coupons' value). */
    inviterCap: Amount.default(200),
    /** At most this many rewarded invites per inviter per local day (of the friend's acceptance). */
    dailyLimit: z.int().min(1).max(1000).default(5),
    /** The inviter is rewarded this many days after the friend's first order, if it is not refunded by then. */
    refundWindowDays: z.int().min(0).max(365).default(7),
    /** A bonus once this many of an inviter's friends have qualified (e.g. 3 friends). */
    milestone: z.strictObject({ friends: z.int().min(2).max(1000), reward: ReferralReward }).optional(),
    /**
     * 1: only the inviter is rewarded. 2: the inviter's own inviter too (`secondLevelReward`). Three or
     * more levels of commission is pyramid selling under China's rules (禁止传销条例), so there is no 3.
     */
    levels: z.union([z.literal(1), z.literal(2)]).default(1),
    secondLevelReward: ReferralReward.optional(),
    fraud: FraudSettings.default(FraudSettings.parse({})),
  })
  .refine((s) => s.levels === 1 || s.secondLevelReward !== undefined, {
    message: 'two levels need secondLevelReward',
    path: ['secondLevelReward'],
  });
export type ReferralSettings = z.infer<typeof ReferralSettings>;
export type ReferralSettingsInput = z.input<typeof ReferralSettings>;
