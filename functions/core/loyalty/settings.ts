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
});
export type PointsSettings = z.infer<typeof PointsSettings>;
export type PointsSettingsInput = z.input<typeof PointsSettings>;

export const LoyaltySettings = z.strictObject({
  points: PointsSettings.default(PointsSettings.parse({})),
});
export type LoyaltySettings = z.infer<typeof LoyaltySettings>;

export const defaultPointsSettings = (): PointsSettings => PointsSettings.parse({});
