import { z } from 'zod';
import { RfmScheme, STANDARD_RFM_SEGMENTS } from './rfm';
import { LifecycleConfig } from './stages';
import { ValueConfig } from './value';

/** How a tenant scores its customers: every part optional, defaults as documented in each module. */
export const ScoringSettings = z.strictObject({
  lifecycle: LifecycleConfig.default(LifecycleConfig.parse({})),
  value: ValueConfig.default(ValueConfig.parse({})),
  /** Ordered segment rules over R, F, M and FM scores; the standard segment grid by default. */
  rfmScheme: RfmScheme.default(STANDARD_RFM_SEGMENTS),
  /** The churn risk is the probability of no purchase within this many days. */
  churnHorizonDays: z.number().int().min(7).max(730).default(90),
  clv: z
    .strictObject({
      months: z.number().int().min(1).max(120).default(12),
      monthlyDiscountRate: z.number().min(0).max(1).default(0.01),
    })
    .default({ months: 12, monthlyDiscountRate: 0.01 }),
});
export type ScoringSettings = z.infer<typeof ScoringSettings>;
export type ScoringSettingsInput = z.input<typeof ScoringSettings>;

export const DEFAULT_SCORING_SETTINGS: ScoringSettings = ScoringSettings.parse({});

/** The settings a tenant configured (possibly none), with every default filled in. */
export const scoringSettings = (input: ScoringSettingsInput | undefined): ScoringSettings =>
  input === undefined ? DEFAULT_SCORING_SETTINGS : ScoringSettings.parse(input);
