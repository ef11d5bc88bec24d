// A provider that fails for now is tried again on a backoff schedule, then the action is
// dead-lettered (parked in the quarantine with the provider's reason); one that refuses for good
// is not tried again; a redrive sends the parked action once.
import { describe, expect, it } from 'vitest';
import { reopenFailedSend } from '../../../../functions/app/dispatch/dead-letters';
import { createQuarantine } from '../../../../functions/app/quarantine/run';
import type { ActionMessage } from '../../../../functions/contracts/messages';
import { PROVIDER_RETRY_SCHEDULE } from '../../../../functions/core/channels/retry-schedule';
import { ProviderError } from '../../../../functions/ports';
import { testTenants } from '../../../helpers/scoring';
import { dispatchWorld, pushAction, tenantId } from './world';

const HOUR = 3_600_000;

/** Runs the queue and every timer that comes due over the next `hours`, an hour at a time. */
async function runFor(w: ReturnType<typeof dispatchWorld>, hours: number) {
  for (let h = 0; h < hours; h++) {
    await w.drain();
    w.clock.advance(HOUR);
  }
  await w.drain();
}

describe('a provider that answers 500', () => {
  it('is tried again with growing waits, then the action is dead-lettered; a redrive sends it once', async () => {
    let failing = true;
    const w = dispatchWorld({
      provider: async (_, n) => {
        if (failing) throw new ProviderError('transient', 'the provider answered 500');
        return { provider: 'recorder', providerMessageId: `m-${n}` };
      },
    });
    await w.customer('ada');
    const action = pushAction(1, 'ada');
    await w.queue.send('actions', [JSON.stringify(action)]);
    const callTimes: number[] = [];
    const send = w.deps.channels.send;
    w.deps.channels.send = (m) => {
      callTimes.push(w.clock.now());
      return send(m);
    };
    await runFor(w, 12);

    const attempts = PROVIDER_RETRY_SCHEDULE.delaysMs.length + 1;
    expect(w.calls).toHaveLength(attempts);
    const waits = callTimes.slice(1).map((t, i) => t - (callTimes[i] as number));
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1] as number);
    const record = await w.recordOf(action);
    expect(record).toMatchObject({ state: 'failed', reason: 'provider', attempts });
    const quarantine = createQuarantine({ ...w, beforeReplay: reopenFailedSend(w) });
    const parked = await quarantine.list(tenantId);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ queue: 'actions', reason: 'transient: the provider answered 500' });
    const skipped = w.bus.events.filter((e) => e.detailType === 'message.skipped');
    expect(skipped.map((e) => e.detail)).toEqual([expect.objectContaining({ key: action.key, reason: 'provider' })]);

    failing = false;
    await quarantine.replay(tenantId);
    await quarantine.replay(tenantId);
    await runFor(w, 1);
    expect(w.calls).toHaveLength(attempts + 1);
    expect(await w.recordOf(action)).toMatchObject({ state: 'sent' });
    expect(w.bus.events.filter((e) => e.detailType === 'message.sent')).toHaveLength(1);
    expect(await quarantine.list(tenantId)).toEqual([]);
  });
});

describe('a provider that answers 400', () => {
  it('is not tried again: the action fails at once and is dead-lettered', async () => {
    const w = dispatchWorld({
      provider: async () => {
        throw new ProviderError('permanent', 'the provider answered 400: invalid endpoint');
      },
    });
    await w.customer('bob');
    const action = pushAction(2, 'bob');
    await w.queue.send('actions', [JSON.stringify(action)]);
    await runFor(w, 24);
    expect(w.calls).toHaveLength(1);
    expect(await w.recordOf(action)).toMatchObject({ state: 'failed', attempts: 1 });
  });
});

describe('a provider that says the recipient refused the channel', () => {
  const refusing = async (): Promise<never> => {
    throw new ProviderError('permanent', 'wechat-miniprogram: errcode 43101 (user refuse to accept the msg)', {
      revokesConsent: true,
    });
  };
  const miniAction = (n: number, customerId: string): ActionMessage => ({
    ...pushAction(n, customerId),
    action: { kind: 'wechat_miniprogram', template: 'restock' },
  });

  it('revokes that channel’s consent through the bus once, and skips the send for consent without parking it', async () => {
    const w = dispatchWorld({
      provider: refusing,
      deps: {
        render: async () => ({ templateId: 'tmpl', data: { thing1: 'Hi' } }),
      },
    });
    await w.customer('mei', (p) => {
      p.traits.wechat_miniprogram_openid = { v: 'oMeiOpenId0123456789abcdefg', at: p.firstSeenAt };
    });
    const action = miniAction(3, 'mei');
    await w.queue.send('actions', [JSON.stringify(action), JSON.stringify(action)]);
    await runFor(w, 2);
    expect(w.calls).toHaveLength(1);
    expect(w.calls[0]).toMatchObject({ channel: 'wechat_miniprogram', to: 'oMeiOpenId0123456789abcdefg' });
    expect(await w.recordOf(action)).toMatchObject({ state: 'skipped', reason: 'consent', rule: 'provider_refused' });
    const revocations = w.bus.events.filter((e) => e.detailType === 'consent_changed');
    expect(revocations.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        customerId: 'mei',
        eventId: `wechat_miniprogram:refused:${action.key}`,
        properties: { channel: 'wechat_miniprogram', granted: false },
      }),
    ]);
    expect(await createQuarantine(w).list(tenantId)).toEqual([]);
  });

  it('revokes nothing for a test send, which went to a team member rather than the customer', async () => {
    const w = dispatchWorld({
      provider: refusing,
      deps: {
        tenants: testTenants([tenantId], { dispatch: { testRecipients: ['oTeamOpenId0123456789abcdefg'] } }),
        render: async () => ({ templateId: 'tmpl', data: { thing1: 'Hi' } }),
      },
    });
    await w.customer('mei');
    const action = {
      ...miniAction(4, 'mei'),
      purpose: 'transactional' as const,
      testTo: 'oTeamOpenId0123456789abcdefg',
    };
    await w.queue.send('actions', [JSON.stringify(action)]);
    await runFor(w, 1);
    expect(w.calls).toHaveLength(1);
    expect(w.bus.events.filter((e) => e.detailType === 'consent_changed')).toEqual([]);
    expect(await w.recordOf(action)).toMatchObject({ state: 'failed' });
  });
});
