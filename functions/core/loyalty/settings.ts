import { z } from 'zod';

const Points = z.int().min(0).max(1_000_000);
const DailyReward = z.strictObject({
  points: Points,
  /** Rewarded at most this many times a day (the tenant's local day). */
  dailyLimit: z.int().min(0).max(100),
});

/**
 * A tenant's points programme. Every field has a default: 1 point per unit of the order's
 * currency, pending for the return window, expiring 12 months after they were earned.
 */
export const PointsSettings = z.strictObject({
  /**
   * Which report of an order earns its points: `order_placed` (the default; a cancellation or refund
   * within the return window takes them back before they can be spent) or `order_paid`.
   */
  earnOn: z.enum(['order_placed', 'order_paid']).default('order_placed'),
  /** Points per major unit of an order's total (1 yuan = 1 point), rounded down. */
  perCurrencyUnit: z.number().min(0).max(1000).default(1),
  /** Order points stay pending this long, until returns can no longer take them back. */
  returnWindowDays: z.int().min(0).max(365).default(7),
  /** Points expire at the start of the tenant's local day this many months after the day they were earned. */
  expiryMonths: z.int().min(1).max(120).default(12),
  /** `points.expiring` is told this many days before points expire. */
  reminderDays: z.int().min(1).max(365).default(30),
  signIn: z
    .strictObject({
      /** Points for each day the customer signs in. */
      points: Points.default(1),
      /** Extra points on the nth day of an unbroken streak of sign-ins, e.g. {"7": 20}. */
      streakBonuses: z.record(z.string().regex(/^[1-9]\d{0,2}$/, 'must be a day of a streak, 1-999'), Points).default({
        '7': 10,
      }),
      /** After a streak of this many days, its count starts again at 1 (the bonuses come round again). */
      cycleDays: z.int().min(1).max(999).optional(),
    })
    .default({ points: 1, streakBonuses: { '7': 10 } }),
  share: DailyReward.default({ points: 5, dailyLimit: 3 }),
  review: DailyReward.default({ points: 10, dailyLimit: 3 }),
  /**
   * When a refund takes back points the customer already spent: `negative` lets the balance go below
   * zero, to be paid from the points they earn next; `forgive` takes what is there and writes off the rest.
   */
  spentClawback: z.enum(['negative', 'forgive']).default('negative'),
  /** What a point is worth when spent, in minor units of the tenant's currency (1: 100 points = 1 yuan): the liability's value. */
  valuePerPoint: z.number().min(0).max(1_000_000).default(1),
});
export type PointsSettings = z.infer<typeof PointsSettings>;
export type PointsSettingsInput = z.input<typeof PointsSettings>;

const PoolId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a coupon pool id');

export const TierLevel = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be 1-32 lower-case letters, digits, - or _'),
  name: z.string().min(1).max(64).optional(),
  /** What qualifies: 12-month spend in major units of the tenant's currency, or 12-month points earned. */
  threshold: z.number().min(0).max(1e12),
  benefits: z
    .strictObject({
      /** Order points are multiplied by this (rounded down). */
      pointsMultiplier: z.number().min(0).max(100).default(1),
      freeShipping: z.boolean().default(false),
      /** The coupon pool of the birthday gift. */
      birthdayGift: PoolId.optional(),
      /** Coupon pools only this level may draw from. */
      exclusiveCoupons: z.array(PoolId).max(20).default([]),
    })
    .default({ pointsMultiplier: 1, freeShipping: false, exclusiveCoupons: [] }),
});
export type TierLevel = z.infer<typeof TierLevel>;

/**
 * Membership tiers: a customer moves up as soon as the 12 months behind them qualify, and down
 * only at the yearly review (12 months after they reached their tier), to what those 12 months
 * qualify for then. A paid tier holds until its membership ends, whatever the customer qualifies for.
 */
export const TierSettings = z
  .strictObject({
    basis: z.enum(['spend', 'points']).default('spend'),
    /** Lowest first; the first is where everyone starts (its threshold is 0). */
    levels: z
      .array(TierLevel)
      .min(1)
      .max(10)
      .default([
        { id: 'member', threshold: 0, benefits: { pointsMultiplier: 1, freeShipping: false, exclusiveCoupons: [] } },
        {
          id: 'silver',
          threshold: 1000,
          benefits: { pointsMultiplier: 1.2, freeShipping: true, exclusiveCoupons: [] },
        },
        { id: 'gold', threshold: 5000, benefits: { pointsMultiplier: 1.5, freeShipping: true, exclusiveCoupons: [] } },
      ]),
    /** A level customers may buy (POST /v1/customers/{id}/tier/memberships), for this many months at a time. */
    paid: z.strictObject({ level: z.string(), months: z.int().min(1).max(120).default(12) }).optional(),
  })
  .superRefine((tiers, ctx) => {
    tiers.levels.forEach((level, n) => {
      if (n === 0 && level.threshold !== 0)
        ctx.addIssue({ code: 'custom', path: ['levels', 0, 'threshold'], message: 'the first level starts at 0' });
      const before = tiers.levels[n - 1];
      if (before && level.threshold <= before.threshold)
        ctx.addIssue({ code: 'custom', path: ['levels', n, 'threshold'], message: 'must be above the level before' });
      if (tiers.levels.findIndex((l) => l.id === level.id) !== n)
        ctx.addIssue({ code: 'custom', path: ['levels', n, 'id'], message: `repeats the level ${level.id}` });
    });
    if (tiers.paid && !tiers.levels.some((l) => l.id === tiers.paid?.level))
      ctx.addIssue({ code: 'custom', path: ['paid', 'level'], message: 'must name one of the levels' });
  });
export type TierSettings = z.infer<typeof TierSettings>;

export const LoyaltySettings = z.strictObject({
  points: PointsSettings.default(PointsSettings.parse({})),
  tiers: TierSettings.default(TierSettings.parse({})),
});
export type LoyaltySettings = z.infer<typeof LoyaltySettings>;

export const defaultPointsSettings = (): PointsSettings => PointsSettings.parse({});
export const defaultTierSettings = (): TierSettings => TierSettings.parse({});
