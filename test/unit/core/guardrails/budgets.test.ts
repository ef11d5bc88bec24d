import { describe, expect, it } from 'vitest';
import {
  Budget,
  type BudgetAdd,
  budgetCounters,
  budgetDecision,
  type CounterValues,
  dayCounterId,
  totalCounterId,
  undoAdds,
} from '../../../../functions/core/guardrails/budgets';

const BERLIN = 'Europe/Berlin';
const at = (text: string) => Date.parse(text);
const scope = { kind: 'journey' as const, id: 'winback' };
const EUR = (amount: number) => ({ amount, currency: 'EUR' });

describe('budget counters', () => {
  it('names the day counter by the tenant-local day and the total counter once', () => {
    const late = at('2026-03-28T23:30:00Z'); // 00:30 on 29 March in Berlin
    expect(dayCounterId(scope, late, BERLIN)).toBe('BUDGET#journey#winback#DAY#2026-03-29');
    expect(dayCounterId(scope, late, 'UTC')).toBe('BUDGET#journey#winback#DAY#2026-03-28');
    expect(totalCounterId({ kind: 'campaign', id: 'spring' })).toBe('BUDGET#campaign#spring#TOTAL');
  });

  it('gives each limited period its bounds, the day counter ending at the next local midnight', () => {
    const budget = Budget.parse({ perDay: { count: 100 }, total: { count: 1000, money: EUR(50_000) } });
    expect(budgetCounters(scope, budget, at('2026-03-29T10:00:00Z'), BERLIN)).toEqual([
      {
        id: 'BUDGET#journey#winback#DAY#2026-03-29',
        period: 'day',
        atMost: { count: 100 },
        endsAt: at('2026-03-29T22:00:00Z'),
      },
      { id: 'BUDGET#journey#winback#TOTAL', period: 'total', atMost: { count: 1000, money: 50_000 }, currency: 'EUR' },
    ]);
  });

  it('refuses a period without limits and negative or fractional amounts', () => {
    expect(Budget.safeParse({ perDay: {} }).success).toBe(false);
    expect(Budget.safeParse({ total: { count: -1 } }).success).toBe(false);
    expect(Budget.safeParse({ total: { money: { amount: 1.5, currency: 'EUR' } } }).success).toBe(false);
    expect(Budget.safeParse({}).success).toBe(true);
  });
});

describe('budget decisions', () => {
  const budget = Budget.parse({ perDay: { count: 2 }, total: { count: 10, money: EUR(1000) } });
  const now = at('2026-05-04T10:00:00Z');
  const day = 'BUDGET#journey#winback#DAY#2026-05-04';
  const total = 'BUDGET#journey#winback#TOTAL';
  const decide = (spent: Record<string, CounterValues>, claim = {}) =>
    budgetDecision({ scope, budget, claim, spent, at: now, timeZone: BERLIN });

  it('with no budget allows with nothing to add', () => {
    expect(budgetDecision({ scope, budget: undefined, claim: {}, spent: {}, at: now, timeZone: BERLIN })).toEqual({
      allowed: true,
      rule: 'no_budget',
      adds: [],
    });
    expect(budgetDecision({ scope: undefined, budget, claim: {}, spent: {}, at: now, timeZone: BERLIN }).allowed).toBe(
      true,
    );
  });

  it('allows a claim within every limit and returns one conditional add per counter', () => {
    expect(decide({ [day]: { count: 1 } }, { money: EUR(500) })).toEqual({
      allowed: true,
      rule: 'within_budget',
      adds: [
        {
          id: day,
          add: { count: 1 },
          atMost: { count: 2 },
          rule: 'budget:journey:winback:day',
          nextEligibleAt: at('2026-05-04T22:00:00Z'),
        },
        {
          id: total,
          add: { count: 1, money: 500 },
          atMost: { count: 10, money: 1000 },
          rule: 'budget:journey:winback:total',
        },
      ],
    });
  });

  it('refuses a claim past the day count until the next tenant-local day', () => {
    expect(decide({ [day]: { count: 2 } })).toEqual({
      allowed: false,
      rule: 'budget:journey:winback:day:count',
      nextEligibleAt: at('2026-05-04T22:00:00Z'),
    });
  });

  it('refuses a claim past the total money with no next eligible time', () => {
    expect(decide({ [total]: { count: 3, money: 600 } }, { money: EUR(500) })).toEqual({
      allowed: false,
      rule: 'budget:journey:winback:total:money',
    });
    expect(decide({ [total]: { count: 3, money: 600 } }, { money: EUR(400) }).allowed).toBe(true);
  });

  it('refuses money in another currency than the limit', () => {
    expect(decide({}, { money: { amount: 1, currency: 'USD' } })).toEqual({
      allowed: false,
      rule: 'budget:journey:winback:total:currency',
    });
  });

  it('reads only spent values held under the counter ids themselves', () => {
    expect(decide(Object.create({ [day]: { count: 99 } })).allowed).toBe(true);
  });

  it('undoing adds negates the same counters', () => {
    const decision = decide({}, { money: EUR(5) });
    expect(decision.allowed && undoAdds(decision.adds)).toEqual([
      { id: day, add: { count: -1 } },
      { id: total, add: { count: -1, money: -5 } },
    ]);
  });
});

/** A store's atomic conditional add, as the contract needs it: all or nothing per counter item. */
function counterStore() {
  const values = new Map<string, Record<string, number>>();
  return {
    values,
    add(id: string, add: Record<string, number | undefined>, atMost?: CounterValues): boolean {
      const current = values.get(id) ?? {};
      const next = { ...current };
      for (const [k, v] of Object.entries(add)) next[k] = (next[k] ?? 0) + (v ?? 0);
      for (const [k, bound] of Object.entries(atMost ?? {}))
        if (bound !== undefined && (next[k] ?? 0) > bound) return false;
      values.set(id, next);
      return true;
    },
  };
}

describe('the budget contract under concurrency', () => {
  it('200 concurrent claims on a budget of 100 give exactly 100 sends, and a failed claim gives back what it added', async () => {
    const budget = Budget.parse({ perDay: { count: 150 }, total: { count: 100 } });
    const store = counterStore();
    const now = at('2026-05-04T10:00:00Z');
    // Every claim reads the spent values first (all read 0: the worst race), then adds.
    const stale = {};
    const claims = Array.from({ length: 200 }, async () => {
      await Promise.resolve();
      const decision = budgetDecision({ scope, budget, claim: {}, spent: stale, at: now, timeZone: BERLIN });
      if (!decision.allowed) return false;
      const made: BudgetAdd[] = [];
      for (const add of decision.adds) {
        await Promise.resolve();
        if (!store.add(add.id, add.add, add.atMost)) {
          for (const undo of undoAdds(made)) store.add(undo.id, undo.add);
          return false;
        }
        made.push(add);
      }
      return true;
    });
    const results = await Promise.all(claims);
    expect(results.filter(Boolean)).toHaveLength(100);
    expect(store.values.get('BUDGET#journey#winback#TOTAL')).toEqual({ count: 100 });
    expect(store.values.get('BUDGET#journey#winback#DAY#2026-05-04')).toEqual({ count: 100 });
  });
});
