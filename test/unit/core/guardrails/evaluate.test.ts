import { describe, expect, it } from 'vitest';
import type { SendLog } from '../../../../functions/core/guardrails/caps';
import { controlMembership } from '../../../../functions/core/guardrails/control-group';
import {
  customerTimeZone,
  evaluateGuardrails,
  type GuardrailInput,
} from '../../../../functions/core/guardrails/evaluate';
import {
  budgetOf,
  DEFAULT_GUARDRAIL_SETTINGS,
  GuardrailSettings,
  guardrailSettings,
} from '../../../../functions/core/guardrails/settings';

const at = (text: string) => Date.parse(text);
const granted = { v: true, at: '2026-01-01T00:00:00.000Z' };
const NOON_BERLIN = at('2026-05-04T10:00:00Z');
const settings = GuardrailSettings.parse({
  controlGroup: { generations: [{ from: '2026-01-01', salt: 'evaluate-test-salt-01' }] },
  budgets: [{ scope: { kind: 'journey', id: 'winback' }, perDay: { count: 1 } }],
});
const isMember = (id: string) => controlMembership(settings.controlGroup, id, NOON_BERLIN).member;
const outsider = Array.from({ length: 100 }, (_, i) => `c${i}`).find((id) => !isMember(id))!;
const insider = Array.from({ length: 1000 }, (_, i) => `c${i}`).find(isMember)!;

type Over = Partial<Omit<GuardrailInput, 'action'>> & { action?: Partial<GuardrailInput['action']> };
const input = (over: Over = {}): GuardrailInput => ({
  settings,
  tenantTimeZone: 'Europe/Berlin',
  customer: { id: outsider, timeZone: 'Europe/Berlin', consent: { push: granted, email: granted } },
  sendLog: [],
  budgetSpent: {},
  now: NOON_BERLIN,
  ...over,
  action: {
    key: 'a1',
    channel: 'push',
    purpose: 'marketing',
    budgetScope: { kind: 'journey', id: 'winback' },
    ...over.action,
  },
});

describe('guardrail settings', () => {
  it('default to quiet hours 21:00–08:00, the default caps, a 5 % control group and no budgets', () => {
    expect(DEFAULT_GUARDRAIL_SETTINGS).toEqual({
      quietHours: { start: '21:00', end: '08:00' },
      caps: [
        { channel: 'push', limit: 2, days: 1, semantics: 'calendar_day_local' },
        { channel: 'sms', limit: 1, days: 7, semantics: 'rolling' },
        { channel: 'email', limit: 3, days: 7, semantics: 'rolling' },
      ],
      controlGroup: { percent: 5, generations: [] },
      budgets: [],
    });
    expect(guardrailSettings(undefined)).toBe(DEFAULT_GUARDRAIL_SETTINGS);
    expect(guardrailSettings({ quietHours: null }).quietHours).toBeNull();
  });

  it('refuses two budgets for one journey, more than 10 caps and a quiet window without length', () => {
    const b = { scope: { kind: 'journey', id: 'x' }, total: { count: 1 } } as const;
    expect(GuardrailSettings.safeParse({ budgets: [b, b] }).success).toBe(false);
    expect(GuardrailSettings.safeParse({ caps: Array(11).fill(settings.caps[0]) }).success).toBe(false);
    expect(GuardrailSettings.safeParse({ quietHours: { start: '08:00', end: '08:00' } }).success).toBe(false);
    expect(budgetOf(settings, { kind: 'journey', id: 'winback' })?.perDay).toEqual({ count: 1 });
    expect(budgetOf(settings, { kind: 'campaign', id: 'winback' })).toBeUndefined();
  });
});

describe('evaluating the guardrails', () => {
  it('sends when all pass, recording every decision in order, with the cap entry and budget adds to reserve', () => {
    const outcome = evaluateGuardrails(input());
    expect(outcome).toEqual({
      kind: 'send',
      decisions: [
        { guardrail: 'consent', verdict: 'pass', rule: 'marketing_opt_in' },
        { guardrail: 'control', verdict: 'pass', rule: 'control_group:2026-01-01' },
        { guardrail: 'cap', verdict: 'pass', rule: 'within_caps' },
        { guardrail: 'quiet_hours', verdict: 'pass', rule: 'quiet_hours:21:00-08:00' },
        { guardrail: 'budget', verdict: 'pass', rule: 'within_budget' },
      ],
      capReservation: { key: 'a1', channel: 'push', at: NOON_BERLIN },
      budgetAdds: [
        {
          id: 'BUDGET#journey#winback#DAY#2026-05-04',
          add: { count: 1 },
          atMost: { count: 1 },
          rule: 'budget:journey:winback:day',
          nextEligibleAt: at('2026-05-04T22:00:00Z'),
        },
      ],
    });
  });

  it('skips for consent first: a revocation between enqueue and send', () => {
    const outcome = evaluateGuardrails(
      input({ customer: { id: insider, consent: { push: { v: false, at: '2026-05-04T09:59:00.000Z' } } } }),
    );
    expect(outcome).toEqual({
      kind: 'skip',
      reason: 'consent',
      rule: 'marketing_opted_out',
      decisions: [{ guardrail: 'consent', verdict: 'skip', rule: 'marketing_opted_out' }],
    });
  });

  it('skips members of the control group for marketing, but not for transactional messages', () => {
    const customer = { id: insider, consent: { push: granted } };
    expect(evaluateGuardrails(input({ customer }))).toMatchObject({
      kind: 'skip',
      reason: 'control',
      rule: 'control_group:2026-01-01',
    });
    const transactional = evaluateGuardrails(input({ customer, action: { purpose: 'transactional' } }));
    expect(transactional.kind).toBe('send');
    expect(transactional.decisions.map((d) => d.rule)).toEqual([
      'transactional',
      'transactional_exempt',
      'transactional_exempt',
      'transactional_exempt',
      'within_budget',
    ]);
    expect(transactional.kind === 'send' && transactional.capReservation).toBeUndefined();
  });

  it('skips for a cap with its rule and next eligible time', () => {
    const sendLog: SendLog = [
      { key: 'p1', channel: 'push', at: at('2026-05-04T06:00:00Z') },
      { key: 'p2', channel: 'push', at: at('2026-05-04T07:00:00Z') },
    ];
    expect(evaluateGuardrails(input({ sendLog }))).toMatchObject({
      kind: 'skip',
      reason: 'cap',
      rule: 'cap:push:2/1d:calendar_day_local',
      nextEligibleAt: at('2026-05-04T22:00:00Z'),
    });
    // The action's own entry (a retry after its reservation) does not count against it, nor is it reserved twice.
    const retry = evaluateGuardrails(input({ sendLog, action: { key: 'p2' } }));
    expect(retry.kind).toBe('send');
    expect(retry.kind === 'send' && retry.capReservation).toBeUndefined();
  });

  it("defers in the customer's quiet hours, and drops a stale action", () => {
    const night = at('2026-03-29T00:30:00Z'); // 01:30 CET, the spring-forward night
    expect(evaluateGuardrails(input({ now: night }))).toMatchObject({
      kind: 'defer',
      until: at('2026-03-29T06:00:00Z'),
      rule: 'quiet_hours:21:00-08:00',
    });
    const stale = evaluateGuardrails(input({ now: night, action: { staleAt: night + 3_600_000 } }));
    expect(stale).toMatchObject({ kind: 'skip', reason: 'stale', rule: 'stale:quiet_hours:21:00-08:00' });
    expect(stale.decisions.at(-1)).toEqual({
      guardrail: 'quiet_hours',
      verdict: 'skip',
      rule: 'stale:quiet_hours:21:00-08:00',
    });
  });

  it("reads the customer's own zone, falling back to the tenant's", () => {
    const noonUtc = at('2026-05-04T12:00:00Z'); // 20:00 in Shanghai, 14:00 in Berlin
    const shanghai = { id: outsider, timeZone: 'Asia/Shanghai', consent: { push: granted } };
    expect(evaluateGuardrails(input({ now: at('2026-05-04T13:30:00Z'), customer: shanghai })).kind).toBe('defer');
    expect(evaluateGuardrails(input({ now: noonUtc, customer: { ...shanghai, timeZone: 'Mars/Base' } })).kind).toBe(
      'send',
    );
    expect(customerTimeZone(undefined, 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(customerTimeZone('+08:00', 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(customerTimeZone('Asia/Shanghai', 'Europe/Berlin')).toBe('Asia/Shanghai');
  });

  it("a journey's own quiet hours win: null sends at night", () => {
    const night = at('2026-05-04T22:00:00Z');
    expect(evaluateGuardrails(input({ now: night, overrides: { quietHours: null } })).kind).toBe('send');
    expect(
      evaluateGuardrails(input({ now: night, overrides: { quietHours: { start: '01:00', end: '06:00' } } })).kind,
    ).toBe('send');
  });

  it('skips for the budget last, with the next tenant-local day', () => {
    const outcome = evaluateGuardrails(
      input({ budgetSpent: { 'BUDGET#journey#winback#DAY#2026-05-04': { count: 1 } } }),
    );
    expect(outcome).toMatchObject({
      kind: 'skip',
      reason: 'budget',
      rule: 'budget:journey:winback:day:count',
      nextEligibleAt: at('2026-05-04T22:00:00Z'),
    });
    expect(outcome.decisions.map((d) => d.guardrail)).toEqual(['consent', 'control', 'cap', 'quiet_hours', 'budget']);
    expect(evaluateGuardrails(input({ overrides: { budget: null }, budgetSpent: { x: {} } })).kind).toBe('send');
  });
});
