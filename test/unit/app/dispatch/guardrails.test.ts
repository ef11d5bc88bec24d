// The guardrails as the dispatcher applies them, with the state they share in the store: consent
// read at send time, the customer's caps across journeys, quiet hours deferring to their end,
// budgets that concurrent sends never overspend, and the control group held out.
import { describe, expect, it } from 'vitest';
import { createGuard } from '../../../../functions/app/dispatch/guard';
import type { ActionMessage } from '../../../../functions/contracts/messages';
import { controlSaltKey } from '../../../../functions/core/dispatch/guard-items';
import { DispatchSettings, type DispatchSettingsInput } from '../../../../functions/core/dispatch/settings';
import { ControlGroup, controlMembership } from '../../../../functions/core/guardrails/control-group';
import { testTenants } from '../../../helpers/scoring';
import { deliveryOf, dispatchWorld, pushAction, tenantId } from './world';

const HOUR = 3_600_000;
const granted = (at = '2026-01-01T00:00:00.000Z') => ({ push: { v: true, at }, email: { v: true, at } });

function guarded(dispatch: DispatchSettingsInput = {}, timezone = 'Europe/Berlin') {
  const w = dispatchWorld({
    deps: { tenants: testTenants([tenantId], { timezone, dispatch: DispatchSettings.parse(dispatch) }) },
  });
  w.deps.guard = createGuard(w);
  return w;
}

/** No quiet hours and nobody held out: what a test of another guardrail needs. */
const noQuietHours = { guardrails: { quietHours: null, controlGroup: { percent: 0 } } };

describe('consent at send time', () => {
  it('withdrawn between enqueue and send: not sent, message.skipped with the reason', async () => {
    const w = guarded(noQuietHours);
    await w.customer('ada', (p) => {
      p.consent = { push: { v: false, at: '2026-05-31T12:00:00.000Z' } };
    });
    const action = pushAction(1, 'ada');
    expect(await w.dispatch({ records: [deliveryOf(action)] })).toEqual({ failedIds: [] });
    expect(w.calls).toHaveLength(0);
    expect(w.bus.events.map((e) => [e.detailType, (e.detail as { reason?: string }).reason])).toEqual([
      ['message.skipped', 'consent'],
    ]);
    expect(await w.recordOf(action)).toMatchObject({ state: 'skipped', reason: 'consent' });
  });

  it('skips a customer who never agreed for consent, not for the address they did not leave', async () => {
    const w = guarded(noQuietHours);
    await w.customer('bo', (p) => {
      delete p.traits.pushEndpoint;
    });
    const action = pushAction(2, 'bo');
    await w.dispatch({ records: [deliveryOf(action)] });
    expect(await w.recordOf(action)).toMatchObject({ state: 'skipped', reason: 'consent' });
  });

  it('skips a customer who agreed but left no address for the provider, with the consent decision recorded', async () => {
    const w = guarded(noQuietHours);
    await w.customer('cy', (p) => {
      delete p.traits.pushEndpoint;
      p.consent = granted();
    });
    const action = pushAction(3, 'cy');
    await w.dispatch({ records: [deliveryOf(action)] });
    expect(w.calls).toHaveLength(0);
    const record = await w.recordOf(action);
    expect(record).toMatchObject({ state: 'skipped', reason: 'provider', rule: 'no_push_address' });
    expect(record.decisions.map((d) => d.guardrail)).toContain('consent');
  });
});

describe('frequency caps across journeys', () => {
  it('lets 2 pushes a local day through from 3 journeys and skips the third with its next eligible time', async () => {
    const w = guarded(noQuietHours);
    await w.customer('ada', (p) => {
      p.consent = granted();
    });
    const from = (journeyId: string, n: number): ActionMessage => ({
      ...pushAction(n, 'ada'),
      journeyId,
      key: `${tenantId}:${journeyId}:${n}`,
    });
    for (const [n, journeyId] of ['a', 'b', 'c'].entries()) {
      await w.dispatch({ records: [deliveryOf(from(journeyId, n))] });
      w.clock.advance(HOUR);
    }
    expect(w.calls).toHaveLength(2);
    const skipped = w.bus.events.filter((e) => e.detailType === 'message.skipped').map((e) => e.detail);
    expect(skipped).toEqual([
      expect.objectContaining({
        reason: 'cap',
        rule: 'cap:push:2/1d:calendar_day_local',
        nextEligibleAt: '2026-06-01T22:00:00.000Z',
      }),
    ]);
  });
});

describe('quiet hours', () => {
  it('defers an action in the customer’s night to 08:00 local, and sends it then', async () => {
    const w = guarded({ guardrails: { controlGroup: { percent: 0 } } }, 'Asia/Shanghai');
    await w.customer('li', (p) => {
      p.consent = granted();
    });
    w.clock.set(Date.parse('2026-06-01T15:30:00Z')); // 23:30 in Shanghai
    const action = pushAction(7, 'li');
    await w.queue.send('actions', [JSON.stringify(action)]);
    await w.drain();
    expect(w.calls).toHaveLength(0);
    expect(await w.recordOf(action)).toMatchObject({ state: 'deferred', deferredUntil: '2026-06-02T00:00:00.000Z' });
    w.clock.set(Date.parse('2026-06-02T00:00:00Z'));
    await w.drain();
    expect(w.calls).toHaveLength(1);
    expect(await w.recordOf(action)).toMatchObject({ state: 'sent', sentAt: '2026-06-02T00:00:00.000Z' });
  });
});

describe('budgets', () => {
  it('200 concurrent sends on a budget of 100: exactly 100 sent, 100 skipped as budget', async () => {
    const w = guarded({
      guardrails: {
        quietHours: null,
        caps: [],
        controlGroup: { percent: 0 },
        budgets: [{ scope: { kind: 'journey', id: 'cart' }, total: { count: 100 } }],
      },
    });
    for (let c = 0; c < 100; c++)
      await w.customer(`c${c}`, (p) => {
        p.consent = granted();
      });
    const actions = Array.from({ length: 200 }, (_, n) => pushAction(n));
    expect(await w.dispatch({ records: actions.map((a) => deliveryOf(a)) })).toEqual({ failedIds: [] });
    expect(w.calls).toHaveLength(100);
    const reasons = w.bus.events
      .filter((e) => e.detailType === 'message.skipped')
      .map((e) => (e.detail as { reason: string }).reason);
    expect(reasons).toEqual(Array.from({ length: 100 }, () => 'budget'));
  });

  it("holds a campaign's offers to the campaign's budget, and names the campaign on their outcomes", async () => {
    const w = guarded({
      guardrails: {
        quietHours: null,
        caps: [],
        controlGroup: { percent: 0 },
        budgets: [{ scope: { kind: 'campaign', id: 'recall' }, total: { count: 3 } }],
      },
    });
    for (let c = 0; c < 5; c++)
      await w.customer(`c${c}`, (p) => {
        p.consent = granted();
      });
    const offers = Array.from({ length: 5 }, (_, n): ActionMessage => {
      const { journeyId: _journey, ...action } = pushAction(n);
      return { ...action, campaignId: 'recall', key: `${tenantId}:campaign:recall:run-1:c${n}:0` };
    });
    expect(await w.dispatch({ records: offers.map((a) => deliveryOf(a)) })).toEqual({ failedIds: [] });
    expect(w.calls).toHaveLength(3);
    const outcomes = w.bus.events.map((e) => [e.detailType, (e.detail as { campaignId?: string }).campaignId]);
    expect(outcomes.filter(([type]) => type === 'message.sent')).toEqual(Array(3).fill(['message.sent', 'recall']));
    expect(outcomes.filter(([type]) => type === 'message.skipped')).toEqual(
      Array(2).fill(['message.skipped', 'recall']),
    );
    expect(await w.recordOf(offers[0]!)).toMatchObject({ campaignId: 'recall' });
  });
});

describe('the global control group', () => {
  it('holds its members out of marketing, counted as skipped for control', async () => {
    const controlGroup = {
      percent: 5,
      generations: [{ from: '2000-01-01T00:00:00Z', salt: 'a fixed salt for this test' }],
    };
    const w = guarded({ guardrails: { quietHours: null, caps: [], controlGroup } });
    const customers = Array.from({ length: 400 }, (_, c) => `c${c}`);
    for (const id of customers)
      await w.customer(id, (p) => {
        p.consent = granted();
      });
    const members = customers.filter(
      (id) => controlMembership(ControlGroup.parse(controlGroup), id, w.clock.now()).member,
    );
    expect(members.length).toBeGreaterThan(5);
    await w.dispatch({ records: customers.map((id, n) => deliveryOf(pushAction(n, id))) });
    const held = w.bus.events.filter((e) => (e.detail as { reason?: string }).reason === 'control');
    expect(held.map((e) => (e.detail as { customerId: string }).customerId).sort()).toEqual([...members].sort());
    expect(w.calls).toHaveLength(customers.length - members.length);
  });

  it('without a configured salt, draws one per tenant once and keeps it', async () => {
    const w = guarded(noQuietHours);
    await w.customer('ada', (p) => {
      p.consent = granted();
    });
    await w.dispatch({ records: [deliveryOf(pushAction(1, 'ada'))] });
    const salt = await w.store.get(controlSaltKey(tenantId));
    expect(salt?.salt).toMatch(/^[A-Za-z0-9+/=]{32}$/);
    // Another dispatcher (a fresh cache) finds the same salt.
    w.deps.guard = createGuard(w);
    await w.dispatch({ records: [deliveryOf(pushAction(2, 'ada'))] });
    expect((await w.store.get(controlSaltKey(tenantId)))?.salt).toBe(salt?.salt);
  });
});
