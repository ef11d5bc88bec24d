import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerRenderer } from '../../../../functions/adapters/templates/worker-renderer';
import { createTemplateVersion } from '../../../../functions/app/templates/run';
import { sendTemplateTest } from '../../../../functions/app/templates/test-send';
import type { TenantRecord } from '../../../../functions/core/config/tenants';
import { DispatchSettings } from '../../../../functions/core/dispatch/settings';
import { testTenants } from '../../../helpers/scoring';
import { dispatchWorld, tenantId } from '../dispatch/world';

const renderer = createWorkerRenderer();
afterAll(() => renderer.close());

const dispatch = DispatchSettings.parse({ testRecipients: ['qa@shop.example', '+4915100000000'] });

async function world() {
  const tenants = testTenants([tenantId], { dispatch });
  const w = dispatchWorld({ deps: { tenants } });
  const tenant = (await tenants.byId(tenantId)) as TenantRecord;
  await createTemplateVersion(
    { store: w.store, clock: w.clock, renderer },
    {
      tenant,
      input: { id: 'cart', channels: { email: { subject: 'Your cart', text: 'Come back' } } },
    },
  );
  // Ada gave no e-mail consent: a test send is transactional and goes anyway, to the test recipient.
  await w.customer('ada');
  return { ...w, tenant };
}

describe("a template's test send", () => {
  it('goes through the dispatcher to the listed test recipient, never to the customer', async () => {
    const w = await world();
    const sent = await sendTemplateTest(w, {
      tenant: w.tenant,
      templateId: 'cart',
      channel: 'email',
      customerId: 'ada',
      to: 'qa@shop.example',
      sendId: 's1',
    });
    expect(sent).toEqual({ ok: true, key: `${tenantId}:test:cart:s1` });
    await w.drain();
    expect(w.calls.map((c) => (c.channel === 'email' ? c.to : undefined))).toEqual(['qa@shop.example']);
    expect(w.bus.events.map((e) => e.detailType)).toEqual(['message.sent']);
  });

  it('refuses an address the tenant does not list, a missing template, channel or customer; queues nothing', async () => {
    const w = await world();
    const base = { tenant: w.tenant, templateId: 'cart', channel: 'email' as const, customerId: 'ada', sendId: 's' };
    expect(await sendTemplateTest(w, { ...base, to: 'someone@else.example' })).toMatchObject({
      reason: 'not_a_test_recipient',
    });
    expect(await sendTemplateTest(w, { ...base, to: 'qa@shop.example', templateId: 'nope' })).toMatchObject({
      reason: 'no_template',
    });
    expect(await sendTemplateTest(w, { ...base, to: '+4915100000000', channel: 'sms' })).toMatchObject({
      reason: 'no_channel',
    });
    expect(await sendTemplateTest(w, { ...base, to: 'qa@shop.example', customerId: 'bob' })).toMatchObject({
      reason: 'no_customer',
    });
    await w.drain();
    expect(w.calls).toHaveLength(0);
  });

  it('is checked again at send time: a queued test send to an address no longer listed is skipped', async () => {
    const w = await world();
    await sendTemplateTest(w, {
      tenant: w.tenant,
      templateId: 'cart',
      channel: 'email',
      customerId: 'ada',
      to: 'qa@shop.example',
      sendId: 's2',
    });
    w.deps.tenants = testTenants([tenantId], { dispatch: DispatchSettings.parse({ testRecipients: [] }) });
    await w.drain();
    expect(w.calls).toHaveLength(0);
    expect(w.bus.events[0]?.detail).toMatchObject({ reason: 'provider', rule: 'not_a_test_recipient' });
  });
});
