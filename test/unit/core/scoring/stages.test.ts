import { describe, expect, it } from 'vitest';
import {
  LifecycleConfig,
  type LifecycleFacts,
  type LifecycleInput,
  nextStage,
  type Stage,
} from '../../../../functions/core/scoring/stages';
import { customerStory } from '../../../helpers/scoring';

const DAY = 86_400_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const at = (day: number) => T0 + day * DAY;
const iso = (day: number) => new Date(at(day)).toISOString();

type Event = { kind: 'order' | 'login' | 'session' | 'recall' };

/** A customer whose events happen on given days; the stage is evaluated with a fake clock. */
function simulate(events: Readonly<Record<number, readonly Event['kind'][]>>, days: number, mode: 'daily' | 'due') {
  const facts: LifecycleFacts = { orders: 0 };
  let state: LifecycleInput = { facts };
  let due: number | undefined;
  const transitions: { day: number; from: Stage | undefined; to: Stage; reason: string }[] = [];
  for (let day = 0; day <= days; day++) {
    const todays = events[day] ?? [];
    for (const kind of todays) {
      if (kind === 'order') {
        facts.orders += 1;
        facts.lastOrderAt = iso(day);
      } else if (kind === 'login') facts.lastLoginAt = iso(day);
      else if (kind === 'session') facts.lastSessionAt = iso(day);
      else state = { ...state, lastRecallAt: iso(day) };
    }
    // The 'due' pass evaluates only on event days and once the stored nextDueAt has come.
    if (mode === 'due' && todays.length === 0 && (due === undefined || at(day) < due)) continue;
    const result = nextStage({ ...state, facts: { ...facts } }, at(day));
    if (result.changed) transitions.push({ day, ...result.changed });
    state = { ...state, stage: result.stage, since: result.since };
    due = result.nextDueAt ? Date.parse(result.nextDueAt) : undefined;
  }
  return transitions;
}

const journey = customerStory;

describe('nextStage over 400 days with a fake clock', () => {
  it('takes a customer new → activated → repeat → at_risk → dormant → recalled → repeat → loyal → at_risk → dormant → churned', () => {
    const transitions = simulate(journey, 400, 'daily');
    expect(transitions.map((t) => [t.day, t.from, t.to])).toEqual([
      [0, undefined, 'new'],
      [5, 'new', 'activated'],
      [20, 'activated', 'repeat'],
      [50, 'repeat', 'at_risk'],
      [110, 'at_risk', 'dormant'],
      [130, 'dormant', 'recalled'],
      [160, 'recalled', 'repeat'],
      [200, 'repeat', 'loyal'],
      [230, 'loyal', 'at_risk'],
      [290, 'at_risk', 'dormant'],
      [380, 'dormant', 'churned'],
    ]);
    const reasons = Object.fromEntries(transitions.map((t) => [t.day, t.reason]));
    expect(reasons[50]).toBe('no order, login or session for 30 days');
    expect(reasons[110]).toBe('no order, login or session for 90 days');
    expect(reasons[130]).toBe('ordered 10 days after a recall action, within the 30-day window');
    expect(reasons[200]).toBe('5 orders');
    expect(reasons[380]).toBe('no order, login or session for 180 days');
  });

  it('gives the same transitions when a daily pass reads only the customers due', () => {
    expect(simulate(journey, 400, 'due')).toEqual(simulate(journey, 400, 'daily'));
  });

  it('does not recall a lapsed customer who orders after the attribution window', () => {
    const transitions = simulate({ 0: ['order'], 40: ['recall'], 75: ['order'] }, 80, 'daily');
    expect(transitions.map((t) => [t.day, t.to])).toEqual([
      [0, 'activated'],
      [30, 'at_risk'],
      [75, 'repeat'],
    ]);
    expect(transitions[2]?.reason).toBe('active again: second order');
  });

  it('does not recall a customer ordered without a recall action', () => {
    const transitions = simulate({ 0: ['order'], 45: ['order'] }, 50, 'daily');
    expect(transitions.map((t) => t.to)).toEqual(['activated', 'at_risk', 'repeat']);
  });
});

describe('nextStage rules', () => {
  const now = at(100);

  it('makes a customer loyal at 5 orders, or in the top tier', () => {
    const facts = { lastOrderAt: iso(99) };
    expect(nextStage({ stage: 'repeat', facts: { ...facts, orders: 4 } }, now).stage).toBe('repeat');
    const loyal = nextStage({ stage: 'repeat', facts: { ...facts, orders: 5 } }, now);
    expect(loyal.changed).toEqual({ from: 'repeat', to: 'loyal', reason: '5 orders' });
    const top = nextStage({ stage: 'repeat', facts: { ...facts, orders: 2, topTier: true } }, now);
    expect(top.changed?.reason).toBe('top value tier');
  });

  it('leaves a visitor without orders new whatever the time', () => {
    const r = nextStage({ stage: 'new', since: iso(0), facts: { orders: 0, lastSeenAt: iso(0) } }, at(400));
    expect(r.stage).toBe('new');
    expect(r.changed).toBeUndefined();
    expect(r.nextDueAt).toBeUndefined();
  });

  it('moves an active customer to at_risk when the churn risk reaches 0.6', () => {
    const facts = { orders: 3, lastOrderAt: iso(95) };
    expect(nextStage({ stage: 'repeat', facts: { ...facts, churnRisk: 0.59 } }, now).stage).toBe('repeat');
    const r = nextStage({ stage: 'repeat', facts: { ...facts, churnRisk: 0.6 } }, now);
    expect(r.changed).toEqual({ from: 'repeat', to: 'at_risk', reason: 'churn risk 0.6 ≥ 0.6' });
    // Still due: at 90 idle days the customer becomes dormant.
    expect(r.nextDueAt).toBe(iso(185));
  });

  it('churns a customer when P(buy in 90 days) falls below 0.05', () => {
    const facts = { orders: 3, lastOrderAt: iso(95) };
    expect(nextStage({ stage: 'repeat', facts: { ...facts, pBuy90: 0.05 } }, now).stage).toBe('repeat');
    const r = nextStage({ stage: 'repeat', facts: { ...facts, pBuy90: 0.049 } }, now);
    expect(r.changed).toEqual({ from: 'repeat', to: 'churned', reason: 'P(buy in 90 days) 0.049 < 0.05' });
    // No time-driven change can follow with the same facts.
    expect(r.nextDueAt).toBeUndefined();
  });

  it('counts logins, sessions and lastSeenAt as activity', () => {
    const base = { orders: 1, lastOrderAt: iso(0) };
    expect(nextStage({ facts: { ...base, lastLoginAt: iso(80) } }, now).stage).toBe('activated');
    expect(nextStage({ facts: { ...base, lastSessionAt: iso(80) } }, now).stage).toBe('activated');
    expect(nextStage({ facts: { ...base, lastSeenAt: iso(80) } }, now).stage).toBe('activated');
    expect(nextStage({ facts: base }, now).stage).toBe('dormant');
  });

  it('keeps since when the stage does not change and sets it to now when it does', () => {
    const facts = { orders: 2, lastOrderAt: iso(90) };
    expect(nextStage({ stage: 'repeat', since: iso(90), facts }, now).since).toBe(iso(90));
    expect(nextStage({ stage: 'activated', since: iso(10), facts }, now).since).toBe(iso(100));
  });

  it('reads its thresholds from a per-tenant config', () => {
    const config = LifecycleConfig.parse({ atRiskAfterDays: 14, loyalOrders: 3 });
    const r = nextStage({ stage: 'repeat', facts: { orders: 3, lastOrderAt: iso(90) } }, now, config);
    expect(r.stage).toBe('loyal');
    expect(r.nextDueAt).toBe(iso(104));
    const idle = nextStage({ stage: 'loyal', facts: { orders: 3, lastOrderAt: iso(85) } }, now, config);
    expect(idle.changed?.reason).toBe('no order, login or session for 14 days');
  });

  it('rejects a config whose thresholds are out of order, with the path', () => {
    const result = LifecycleConfig.safeParse({ atRiskAfterDays: 100 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path)).toEqual([['atRiskAfterDays']]);
  });
});

describe('nextDueAt', () => {
  const cases: [string, LifecycleInput, number][] = [
    ['activated → at_risk', { stage: 'activated', facts: { orders: 1, lastOrderAt: iso(10) } }, at(12)],
    [
      'at_risk → dormant',
      { stage: 'at_risk', facts: { orders: 2, lastOrderAt: iso(10), lastLoginAt: iso(20) } },
      at(60),
    ],
    ['dormant → churned', { stage: 'dormant', facts: { orders: 2, lastOrderAt: iso(10) } }, at(150)],
    [
      'recalled → by the rules after its hold',
      { stage: 'recalled', since: iso(130), lastRecallAt: iso(120), facts: { orders: 3, lastOrderAt: iso(130) } },
      at(131),
    ],
  ];

  it.each(cases)('is the first time the stage changes (%s)', (_name, input, now) => {
    const first = nextStage(input, now);
    expect(first.changed).toBeUndefined();
    const due = Date.parse(first.nextDueAt as string);
    expect(due).toBeGreaterThan(now);
    const state = { ...input, since: first.since };
    for (const t of [now + 1, (now + due) / 2, due - 1]) {
      expect(nextStage(state, t).changed).toBeUndefined();
    }
    expect(nextStage(state, due).changed).toBeDefined();
  });

  it('is the end of the recalled hold, then the customer moves on by the normal rules', () => {
    const input: LifecycleInput = {
      stage: 'recalled',
      since: iso(130),
      lastRecallAt: iso(120),
      facts: { orders: 3, lastOrderAt: iso(130) },
    };
    const r = nextStage(input, at(131));
    expect(r.nextDueAt).toBe(iso(160));
    // 30 idle days by then as well: straight to at_risk.
    expect(nextStage(input, at(160)).changed).toEqual({
      from: 'recalled',
      to: 'at_risk',
      reason: 'no order, login or session for 30 days',
    });
  });
});
