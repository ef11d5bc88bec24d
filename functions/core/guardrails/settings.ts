/**
 * The tenant's guardrail settings, every part optional with the defaults of its module: quiet
 * hours 21:00–08:00 (null: none), the default caps (2 push a local day, 1 SMS and 3 e-mails a
 * rolling week), a control group of 5 % (nobody in it until a salt generation is added) and no
 * budgets.
 */
import { z } from 'zod';
import { type Budget, type BudgetScope, ScopedBudget } from './budgets';
import { CapRule, DEFAULT_CAPS } from './caps';
import { ControlGroup } from './control-group';
import { DEFAULT_QUIET_HOURS, QuietHours } from './quiet-hours';

/** How a tenant guards its sends (see each module for the rules). */
export const GuardrailSettings = z.strictObject({
  quietHours: QuietHours.nullable().default(DEFAULT_QUIET_HOURS),
  caps: z
    .array(CapRule)
    .max(10)
    .default(() => [...DEFAULT_CAPS]),
  controlGroup: ControlGroup.default(() => ControlGroup.parse({})),
  /** Budgets of journeys and campaigns, at most one per journey or campaign. */
  budgets: z
    .array(ScopedBudget)
    .max(1000)
    .default([])
    .refine(
      (bs) => new Set(bs.map((b) => `${b.scope.kind}#${b.scope.id}`)).size === bs.length,
      'one budget per journey or campaign',
    ),
});
export type GuardrailSettings = z.infer<typeof GuardrailSettings>;
export type GuardrailSettingsInput = z.input<typeof GuardrailSettings>;

/** The settings with every default filled in. */
export const DEFAULT_GUARDRAIL_SETTINGS: GuardrailSettings = GuardrailSettings.parse({});

/** The settings a tenant configured (possibly none), with every default filled in. */
export const guardrailSettings = (input: GuardrailSettingsInput | undefined): GuardrailSettings =>
  input === undefined ? DEFAULT_GUARDRAIL_SETTINGS : GuardrailSettings.parse(input);

/** The budget the settings hold for `scope`, if any. */
export function budgetOf(settings: GuardrailSettings, scope: BudgetScope | undefined): Budget | undefined {
  if (!scope) return undefined;
  return settings.budgets.find((b) => b.scope.kind === scope.kind && b.scope.id === scope.id);
}
