/**
 * Budgets per journey and per campaign: how many messages (count) and how much offered value
 * (money: integer minor units in one currency) it may spend per day, the tenant's local calendar
 * day, and in total.
 *
 * Each limited period is one counter item with a `count` and a `money` attribute: the day counter
 * `BUDGET#journey#<id>#DAY#2026-03-29` and the total counter `BUDGET#journey#<id>#TOTAL` (the
 * caller puts the tenant in front). The contract with the store, which does the atomic part:
 *
 * 1. `budgetDecision` reads the spent values the caller has and refuses a claim that would pass
 *    a limit (cheap, and it names the rule); when it allows, it returns one `BudgetAdd` per counter.
 * 2. The caller makes each add as ONE conditional add (`store.increment(key, add, { atMost })`):
 *    it writes nothing when any bounded attribute would end above its bound, so concurrent
 *    claims never overspend, whatever the spent values read in step 1 were.
 * 3. When an add is refused, the caller undoes the adds already made (`undoAdds`, plain atomic
 *    adds of the negated amounts: decrements need no bound, and an atomic add loses no
 *    concurrent update) and skips with that add's `rule` and `nextEligibleAt`. A send that fails
 *    later gives its claim back the same way.
 *
 * A claim in another currency than a money limit's is refused: it cannot be counted against it.
 * Day counters are only read on their day; the store may let them expire a few days later.
 */
import { z } from 'zod';
import { Money, type Money as MoneyType } from '../events/schemas';
import { ownValue } from '../own';
import { addDays, localDate, localDayKey, startOfLocalDay } from './local-clock';

/** The limits of one period: at most `count` messages and at most `money` of offered value. */
export const BudgetLimits = z
  .strictObject({ count: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(), money: Money.optional() })
  .refine((l) => l.count !== undefined || l.money !== undefined, 'set a count, a money limit or both');
export type BudgetLimits = z.infer<typeof BudgetLimits>;

/** A journey's or campaign's budget: limits per tenant-local day and in total, each optional. */
export const Budget = z.strictObject({ perDay: BudgetLimits.optional(), total: BudgetLimits.optional() });
export type Budget = z.infer<typeof Budget>;

/** What a budget belongs to. */
export const BudgetScope = z.strictObject({
  kind: z.enum(['journey', 'campaign']),
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a journey or campaign id'),
});
export type BudgetScope = z.infer<typeof BudgetScope>;

/** A budget with the journey or campaign it belongs to, as tenant settings list them. */
export const ScopedBudget = Budget.extend({ scope: BudgetScope });
export type ScopedBudget = z.infer<typeof ScopedBudget>;

/** What one send claims: one message (by default) and the money value of its offer, if any. */
export type BudgetClaim = { count?: number; money?: MoneyType };

/** A counter's values: messages counted and money spent in the limit's minor units. */
export type CounterValues = { count?: number; money?: number };

/** Spent values by counter id, as the caller read them (absent: nothing spent). */
export type BudgetSpent = Readonly<Record<string, CounterValues>>;

/** One limited period of a budget: its counter id and bounds. */
export type BudgetCounter = {
  id: string;
  period: 'day' | 'total';
  /** The bounds of its attributes; money in `currency`'s minor units. */
  atMost: CounterValues;
  currency?: string;
  /** When the counter's period ends (day counters): the start of the next tenant-local day. */
  endsAt?: number;
};

/**
 * The conditional add to make on one counter; when the store refuses it, the send is skipped with
 * `rule` ("budget:journey:<id>:day" or ":total") and, for a day counter, `nextEligibleAt`.
 */
export type BudgetAdd = {
  id: string;
  add: { count: number; money?: number };
  atMost: CounterValues;
  rule: string;
  nextEligibleAt?: number;
};

/** What the budget says about a claim. */
export type BudgetDecision =
  | { allowed: true; rule: 'no_budget' | 'within_budget'; adds: BudgetAdd[] }
  | { allowed: false; rule: string; nextEligibleAt?: number };

const scopeId = (scope: BudgetScope) => `BUDGET#${scope.kind}#${scope.id}`;

/** The counter id of `scope`'s day budget on the tenant-local day of `at`. */
export const dayCounterId = (scope: BudgetScope, at: number, timeZone: string): string =>
  `${scopeId(scope)}#DAY#${localDayKey(at, timeZone)}`;

/** The counter id of `scope`'s total budget. */
export const totalCounterId = (scope: BudgetScope): string => `${scopeId(scope)}#TOTAL`;

function bounds(limits: BudgetLimits): Pick<BudgetCounter, 'atMost' | 'currency'> {
  return {
    atMost: {
      ...(limits.count === undefined ? {} : { count: limits.count }),
      ...(limits.money === undefined ? {} : { money: limits.money.amount }),
    },
    ...(limits.money ? { currency: limits.money.currency } : {}),
  };
}

/** The counters a claim at `at` touches: the day counter (tenant-local day) and the total one, as limited. */
export function budgetCounters(scope: BudgetScope, budget: Budget, at: number, timeZone: string): BudgetCounter[] {
  const counters: BudgetCounter[] = [];
  if (budget.perDay) {
    const endsAt = startOfLocalDay(addDays(localDate(at, timeZone), 1), timeZone);
    counters.push({ id: dayCounterId(scope, at, timeZone), period: 'day', ...bounds(budget.perDay), endsAt });
  }
  if (budget.total) counters.push({ id: totalCounterId(scope), period: 'total', ...bounds(budget.total) });
  return counters;
}

const ruleOf = (scope: BudgetScope, period: 'day' | 'total', what: 'count' | 'money' | 'currency') =>
  `budget:${scope.kind}:${scope.id}:${period}:${what}`;

/** The add a claim makes on `counter`, or the rule that refuses it given what is spent. */
function addFor(
  scope: BudgetScope,
  counter: BudgetCounter,
  claim: BudgetClaim,
  spent: CounterValues | undefined,
): BudgetAdd | { refused: string } {
  const count = claim.count ?? 1;
  const add: BudgetAdd['add'] = { count };
  if (counter.atMost.money !== undefined && claim.money) {
    if (claim.money.currency !== counter.currency) return { refused: ruleOf(scope, counter.period, 'currency') };
    add.money = claim.money.amount;
  }
  const over = (what: 'count' | 'money') => {
    const bound = counter.atMost[what];
    return bound !== undefined && (spent?.[what] ?? 0) + (add[what] ?? 0) > bound;
  };
  if (over('count')) return { refused: ruleOf(scope, counter.period, 'count') };
  if (over('money')) return { refused: ruleOf(scope, counter.period, 'money') };
  const rule = `budget:${scope.kind}:${scope.id}:${counter.period}`;
  return {
    id: counter.id,
    add,
    atMost: counter.atMost,
    rule,
    ...(counter.endsAt ? { nextEligibleAt: counter.endsAt } : {}),
  };
}

/**
 * Whether `claim` fits `scope`'s budget at `at` (day counters by the tenant's zone) given the
 * spent values read, and the conditional adds to make when it does (contract above). No budget:
 * allowed with no adds.
 */
export function budgetDecision(q: {
  scope: BudgetScope | undefined;
  budget: Budget | undefined;
  claim: BudgetClaim;
  spent: BudgetSpent;
  at: number;
  timeZone: string;
}): BudgetDecision {
  if (!q.scope || !q.budget) return { allowed: true, rule: 'no_budget', adds: [] };
  const count = q.claim.count ?? 1;
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`a budget claim counts a whole number, got ${count}`);
  const adds: BudgetAdd[] = [];
  for (const counter of budgetCounters(q.scope, q.budget, q.at, q.timeZone)) {
    const made = addFor(q.scope, counter, q.claim, ownValue(q.spent, counter.id));
    if ('refused' in made) {
      const untilTomorrow = counter.endsAt !== undefined && !made.refused.endsWith(':currency');
      return { allowed: false, rule: made.refused, ...(untilTomorrow ? { nextEligibleAt: counter.endsAt } : {}) };
    }
    adds.push(made);
  }
  return { allowed: true, rule: adds.length ? 'within_budget' : 'no_budget', adds };
}

/** The plain (unbounded) adds that give `adds` back: the same counters, negated amounts. */
export function undoAdds(adds: readonly BudgetAdd[]): { id: string; add: { count: number; money?: number } }[] {
  return adds.map(({ id, add }) => ({
    id,
    add: { count: -add.count, ...(add.money === undefined ? {} : { money: -add.money }) },
  }));
}
