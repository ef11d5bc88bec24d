/**
 * The campaign language: a scheduled recall of an audience chosen from the profiles, with an offer
 * ladder (the first rung a member matches gives their actions), a holdout that is never sent
 * anything, a budget, and the attribution window and success event its lift is measured by.
 *
 * An audience is a conjunction: every criterion given must hold. `dueToBecome` is the early warning:
 * customers the lifecycle pass has due to move into a stage (at_risk by default) within a window
 * (7 days by default), read from the due index, before they get there.
 */
import { z } from 'zod';
import { Channel, EVENT_TYPES, Money } from '../events/schemas';
import { Action, Duration, Id } from '../journeys/schema';
import { STAGES } from '../scoring/stages';
import { IanaTimeZone } from '../time-zone';
import { parseCron } from './cron';

const ValueTier = z.enum(['high', 'mid', 'low']);
const Tag = z.string().min(1).max(64);
const Share = z.number().min(0).max(1);

/** What a member of the audience, or of one rung of the ladder, must be. */
export const Criteria = z.strictObject({
  stages: z.array(z.enum(STAGES)).min(1).max(STAGES.length).optional(),
  /** Due to enter `stage` (default at_risk) within `within` (default 7d), by the lifecycle's due index. */
  dueToBecome: z.strictObject({ stage: z.enum(STAGES).default('at_risk'), within: Duration.default('7d') }).optional(),
  churnRiskAtLeast: Share.optional(),
  churnRiskBelow: Share.optional(),
  valueTiers: z.array(ValueTier).min(1).max(3).optional(),
  rfmSegments: z.array(z.string().min(1).max(64)).min(1).max(32).optional(),
  daysSinceLastOrder: z
    .strictObject({ atLeast: z.int().min(0).max(3660).optional(), atMost: z.int().min(0).max(3660).optional() })
    .optional(),
  tags: z.strictObject({ all: z.array(Tag).max(20).optional(), none: z.array(Tag).max(20).optional() }).optional(),
  /** Consented to at least one of these channels. */
  consent: z.array(Channel).min(1).max(4).optional(),
});
export type Criteria = z.infer<typeof Criteria>;

export const Rung = z.strictObject({
  name: Id,
  /** None: every member the rungs above did not take. */
  when: Criteria.optional(),
  actions: z.array(Action).min(1).max(5),
});
export type Rung = z.infer<typeof Rung>;

/**
 * EventBridge Scheduler's cron: minutes, hours, day of month, month, day of week, year; one of day of
 * month and day of week is `?`. Read in `timezone` (the tenant's by default).
 */
const CRON = /^cron\((\S+ ){5}\S+\)$/;
export const Cron = z
  .string()
  .max(128)
  .regex(CRON, 'must be an EventBridge Scheduler cron expression such as cron(0 10 ? * MON *)')
  .superRefine((text, ctx) => {
    if (!CRON.test(text)) return;
    try {
      parseCron(text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  });

export const CampaignBudget = z.strictObject({
  /** Offers sent per run and in total. */
  perRun: z.strictObject({ count: z.int().min(1).optional(), money: Money.optional() }).optional(),
  total: z.strictObject({ count: z.int().min(1).optional(), money: Money.optional() }).optional(),
});

export const Campaign = z.strictObject({
  id: Id,
  name: z.string().min(1).max(128),
  description: z.string().max(1000).optional(),
  audience: Criteria,
  offers: z.array(Rung).min(1).max(10),
  /** Share of the audience kept from every offer and measured against (default 10 %). */
  holdout: z.strictObject({ percent: z.number().min(0).max(50).default(10) }).default({ percent: 10 }),
  schedule: z.strictObject({ cron: Cron, timezone: IanaTimeZone.optional() }).optional(),
  maxAudience: z.int().min(1).max(10_000_000).optional(),
  budget: CampaignBudget.optional(),
  attributionWindow: Duration.default('14d'),
  successEvent: z.enum(EVENT_TYPES).default('order_placed'),
  /** Salts the holdout hash; a new salt reshuffles who is held out. Default: the campaign id. */
  salt: z.string().min(1).max(64).optional(),
});
export type Campaign = z.infer<typeof Campaign>;
export type CampaignInput = z.input<typeof Campaign>;
