/**
 * The guardrails of one send, applied in order, each decision recorded:
 *
 *   consent → control group (marketing only) → caps (marketing only) → quiet hours
 *   (marketing only; staleness for every purpose) → budget
 *
 * The first guardrail that says no ends the evaluation: `skip` with its reason, rule and, where
 * one exists, the next eligible time; or `defer` until quiet hours end. When all pass, the
 * outcome is `send` with what the caller reserves atomically with its send decision: the cap log
 * entry (in the customer's log item) and the budget adds (one conditional add per counter, see
 * ./budgets). A refused reservation is a skip for that guardrail; a failed send gives both back.
 *
 * Provider rate limits are not here: they are shared state of all dispatchers, applied by the
 * caller after a `send` outcome with ./rate.
 *
 * Times are those of the customer's IANA zone (the tenant's when the profile has none or an
 * unknown one), except budget days, which are the tenant's.
 */
import type { Channel } from '../events/schemas';
import { isIanaTimeZone } from '../time-zone';
import {
  type Budget,
  type BudgetAdd,
  type BudgetClaim,
  type BudgetScope,
  type BudgetSpent,
  budgetDecision,
} from './budgets';
import { capDecision, type SendLog, type SendLogEntry } from './caps';
import { type ConsentRegisters, consentDecision, type Purpose } from './consent';
import { controlMembership } from './control-group';
import { effectiveQuietHours, type QuietHours, quietHoursDecision } from './quiet-hours';
import type { GuardrailSettings } from './settings';
import { budgetOf } from './settings';

/** The guardrails, by the names their decisions carry. */
export type GuardrailName = 'consent' | 'control' | 'cap' | 'quiet_hours' | 'budget';

/** One guardrail's verdict, in the order applied; `until` (epoch ms) on a deferral. */
export type GuardrailDecision = {
  guardrail: GuardrailName;
  verdict: 'pass' | 'skip' | 'defer';
  rule: string;
  until?: number;
};

/** Why the guardrails skipped a send. */
export type GuardrailSkipReason = 'consent' | 'control' | 'cap' | 'budget' | 'stale';

/** What the guardrails decided. */
export type GuardrailOutcome =
  | {
      kind: 'send';
      decisions: GuardrailDecision[];
      /** The entry to add to the customer's send log (marketing sends not yet in it). */
      capReservation?: SendLogEntry;
      budgetAdds: BudgetAdd[];
    }
  | { kind: 'defer'; decisions: GuardrailDecision[]; until: number; rule: string }
  | {
      kind: 'skip';
      decisions: GuardrailDecision[];
      reason: GuardrailSkipReason;
      rule: string;
      nextEligibleAt?: number;
    };

/** Everything the guardrails read, as plain data. */
export type GuardrailInput = {
  settings: GuardrailSettings;
  /** The tenant's IANA zone: budget days, and the customer's clock when the profile has no zone. */
  tenantTimeZone: string;
  customer: { id: string; timeZone?: string | undefined; consent: ConsentRegisters | undefined };
  action: {
    key: string;
    channel: Channel;
    purpose: Purpose;
    /** The last instant the action is worth sending (epoch ms); undefined: never stale. */
    staleAt?: number | undefined;
    /** The journey or campaign whose budget the send spends. */
    budgetScope?: BudgetScope | undefined;
    /** What the send claims from the budget; one message by default. */
    claim?: BudgetClaim | undefined;
  };
  /** The customer's recent marketing sends. */
  sendLog: SendLog;
  /** Spent budget values by counter id, as read (see ./budgets). */
  budgetSpent?: BudgetSpent | undefined;
  now: number;
  /** The journey's or campaign's own settings: a window (null: none) and a budget (null: none). */
  overrides?: { quietHours?: QuietHours | null | undefined; budget?: Budget | null | undefined } | undefined;
};

/** The zone a customer's clock is read in: theirs when it is an IANA zone, else the tenant's. */
export const customerTimeZone = (customerZone: string | undefined, tenantZone: string): string =>
  customerZone !== undefined && isIanaTimeZone(customerZone) ? customerZone : tenantZone;

/** Applies the guardrails to one send (order and outcomes above). */
export function evaluateGuardrails(input: GuardrailInput): GuardrailOutcome {
  const { settings, customer, action, now } = input;
  const marketing = action.purpose === 'marketing';
  const timeZone = customerTimeZone(customer.timeZone, input.tenantTimeZone);
  const decisions: GuardrailDecision[] = [];
  const pass = (guardrail: GuardrailName, rule: string) => decisions.push({ guardrail, verdict: 'pass', rule });
  const skip = (guardrail: GuardrailName, reason: GuardrailSkipReason, rule: string, nextEligibleAt?: number) => {
    decisions.push({ guardrail, verdict: 'skip', rule });
    return {
      kind: 'skip',
      decisions,
      reason,
      rule,
      ...(nextEligibleAt === undefined ? {} : { nextEligibleAt }),
    } as const;
  };

  const consent = consentDecision(customer.consent, action.channel, action.purpose);
  if (!consent.allowed) return skip('consent', 'consent', consent.rule);
  pass('consent', consent.rule);

  if (marketing) {
    const control = controlMembership(settings.controlGroup, customer.id, now);
    if (control.member) return skip('control', 'control', control.rule);
    pass('control', control.rule);
  } else pass('control', 'transactional_exempt');

  const { key, channel, purpose } = action;
  const cap = capDecision({ rules: settings.caps, log: input.sendLog, key, channel, purpose, now, timeZone });
  if (!cap.allowed) return skip('cap', 'cap', cap.ruleName, cap.nextEligibleAt);
  pass('cap', cap.rule);

  const window = marketing ? effectiveQuietHours(settings.quietHours, input.overrides?.quietHours) : null;
  const quiet = quietHoursDecision({ window, now, timeZone, staleAt: action.staleAt });
  if (quiet.kind === 'stale') return skip('quiet_hours', 'stale', window ? `stale:${quiet.rule}` : 'stale');
  if (quiet.kind === 'defer') {
    decisions.push({ guardrail: 'quiet_hours', verdict: 'defer', rule: quiet.rule, until: quiet.until });
    return { kind: 'defer', decisions, until: quiet.until, rule: quiet.rule };
  }
  pass('quiet_hours', marketing ? quiet.rule : 'transactional_exempt');

  const override = input.overrides?.budget;
  const budget = budgetDecision({
    scope: action.budgetScope,
    budget: override === undefined ? budgetOf(settings, action.budgetScope) : (override ?? undefined),
    claim: action.claim ?? {},
    spent: input.budgetSpent ?? {},
    at: now,
    timeZone: input.tenantTimeZone,
  });
  if (!budget.allowed) return skip('budget', 'budget', budget.rule, budget.nextEligibleAt);
  pass('budget', budget.rule);

  const reserve = marketing && cap.rule === 'within_caps';
  return {
    kind: 'send',
    decisions,
    ...(reserve ? { capReservation: { key, channel, at: now } } : {}),
    budgetAdds: budget.adds,
  };
}
