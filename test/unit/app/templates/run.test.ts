import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { SimulatedCrash } from '../../../../functions/adapters/memory/faults';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createWorkerRenderer } from '../../../../functions/adapters/templates/worker-renderer';
import {
  createTemplateVersion,
  getTemplate,
  listTemplates,
  previewTemplate,
  renderTemplate,
  type TemplatesDeps,
} from '../../../../functions/app/templates/run';
import { emptyProfile } from '../../../../functions/core/profiles/profile';
import { TemplateError } from '../../../../functions/core/templates/errors';
import { templateHeadKey, templateVersionKey } from '../../../../functions/core/templates/items';
import { templateProfile } from '../../../../functions/core/templates/schema';

const renderer = createWorkerRenderer();
afterAll(() => renderer.close());
const tenant = { id: 'shop-1', currency: 'EUR', timezone: 'Europe/Berlin' };

function world() {
  const store = createMemoryStore();
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const deps: TemplatesDeps = { store, clock, renderer };
  return { store, clock, deps };
}

const reminder = (body = 'Hi {{ profile.traits.first_name }}, {{ profile.cart.itemCount }} items wait') => ({
  id: 'cart-reminder',
  name: 'Cart reminder',
  channels: { push: { title: 'Your cart', body }, sms: { body: '{{ tenant.id }}: your cart waits' } },
  locales: { 'zh-CN': { push: { body: '{{ profile.traits.first_name }}，您的购物车还在等您' } } },
});

describe('creating and versioning a template', () => {
  it('the first write is version 1, the next version 2; both stay readable and the head names the latest', async () => {
    const { deps, clock } = world();
    const first = await createTemplateVersion(deps, { tenant, input: reminder() });
    expect(first).toMatchObject({ ok: true, template: { id: 'cart-reminder', version: 1 } });
    clock.set('2026-03-02T10:00:00.000Z');
    const second = await createTemplateVersion(deps, {
      tenant,
      input: reminder('Come back, {{ profile.traits.first_name }}'),
    });
    expect(second).toMatchObject({
      ok: true,
      template: { version: 2, createdAt: '2026-03-02T10:00:00.000Z' },
      head: {
        templateId: 'cart-reminder',
        latest: 2,
        name: 'Cart reminder',
        channels: ['sms', 'push'],
        locales: ['zh-CN'],
        createdAt: '2026-03-01T10:00:00.000Z',
        updatedAt: '2026-03-02T10:00:00.000Z',
      },
    });
    expect((await getTemplate(deps, { tenantId: 'shop-1', templateId: 'cart-reminder' }))?.version).toBe(2);
    expect(
      (await getTemplate(deps, { tenantId: 'shop-1', templateId: 'cart-reminder', version: 1 }))?.channels.push?.body,
    ).toBe(reminder().channels.push.body);
    expect(await getTemplate(deps, { tenantId: 'shop-1', templateId: 'cart-reminder', version: 3 })).toBeUndefined();
    expect(await getTemplate(deps, { tenantId: 'shop-2', templateId: 'cart-reminder' })).toBeUndefined();
  });

  it('a template that does not validate is refused with every problem and its path, and nothing is stored', async () => {
    const { deps, store } = world();
    const bad = {
      id: 'bad',
      channels: {
        push: { body: '{{ profile.traits.first_name | shout }}' },
        sms: { body: '{% if x %}' },
        email: { subject: '{{ secrets.apiKey }}', text: 'ok' },
      },
    };
    const result = await createTemplateVersion(deps, { tenant, input: bad });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.path, p.code])).toEqual([
      ['$.channels.email.subject', 'parse'],
      ['$.channels.sms.body', 'parse'],
      ['$.channels.push.body', 'parse'],
    ]);
    expect(result.problems[0]?.message).toContain('secrets.apiKey');
    expect(store.items()).toEqual([]);
  });

  it('a part that reads what the sample lacks is refused naming the variable; a sample that has it lets it through', async () => {
    const { deps } = world();
    const input = { id: 'vip', channels: { push: { body: 'Hi {{ profile.traits.nickname }}' } } };
    const refused = await createTemplateVersion(deps, { tenant, input });
    expect(refused).toMatchObject({
      ok: false,
      problems: [{ path: '$.channels.push.body', code: 'variable', variable: 'profile.traits.nickname' }],
    });
    const base = templateProfile(emptyProfile('shop-1', 'sample', '2026-01-01T00:00:00.000Z'));
    const accepted = await createTemplateVersion(deps, {
      tenant,
      input,
      sample: { profile: { ...base, traits: { nickname: 'Ace' } } },
    });
    expect(accepted.ok).toBe(true);
  });

  it('a translation that does not render is refused at its locale', async () => {
    const { deps } = world();
    const input = { ...reminder(), locales: { 'zh-CN': { push: { body: '{{ profile.traits.nickname }}' } } } };
    const result = await createTemplateVersion(deps, { tenant, input });
    expect(result).toMatchObject({ ok: false, problems: [{ path: '$.locales.zh-CN.push.body', code: 'variable' }] });
  });

  it('a shape error names its path', async () => {
    const { deps } = world();
    const result = await createTemplateVersion(deps, { tenant, input: { id: 'Bad Id', channels: { push: {} } } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual(['$.id', '$.channels.push.body']);
  });

  it('concurrent writes of one template each get their own version, and the head names the highest', async () => {
    const { deps } = world();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        createTemplateVersion(deps, { tenant, input: reminder(`v${i} {{ tenant.id }}`) }),
      ),
    );
    const versions = results.map((r) => (r.ok ? r.template.version : 0)).sort((a, b) => a - b);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await listTemplates(deps, 'shop-1'))[0]?.latest).toBe(8);
  });

  it('a crash between the version and the head leaves no gap: the next write goes on after the stored version', async () => {
    const { deps, store } = world();
    await createTemplateVersion(deps, { tenant, input: reminder() });
    store.faults.crashAfterNext('store.put');
    await expect(createTemplateVersion(deps, { tenant, input: reminder('two {{ tenant.id }}') })).rejects.toThrow(
      SimulatedCrash,
    );
    expect(await store.get(templateVersionKey('shop-1', 'cart-reminder', 2))).toBeDefined();
    expect((await getTemplate(deps, { tenantId: 'shop-1', templateId: 'cart-reminder' }))?.version).toBe(1);
    const third = await createTemplateVersion(deps, { tenant, input: reminder('three {{ tenant.id }}') });
    expect(third).toMatchObject({ ok: true, template: { version: 3 }, head: { latest: 3 } });
    expect(await store.get(templateHeadKey('shop-1', 'cart-reminder'))).toMatchObject({ latest: 3, version: 2 });
  });
});

describe('listing', () => {
  it('lists the tenant templates by id, without their texts and without other tenants', async () => {
    const { deps } = world();
    await createTemplateVersion(deps, { tenant, input: reminder() });
    await createTemplateVersion(deps, { tenant, input: { id: 'a-first', channels: { sms: { body: 'x' } } } });
    await createTemplateVersion(deps, {
      tenant: { ...tenant, id: 'shop-2' },
      input: { id: 'other', channels: { sms: { body: 'x' } } },
    });
    const list = await listTemplates(deps, 'shop-1');
    expect(list.map((t) => t.templateId)).toEqual(['a-first', 'cart-reminder']);
    expect(JSON.stringify(list)).not.toContain('items wait');
  });
});

describe('previewing for a customer', () => {
  const customer = () => {
    const profile = emptyProfile('shop-1', 'c-1', '2026-01-01T00:00:00.000Z');
    profile.traits = { first_name: { v: '李雷', at: 'x' }, locale: { v: 'zh-CN', at: 'x' } };
    profile.cart = { v: { value: { amount: 12_800, currency: 'CNY' }, itemCount: 3 }, at: 'x' };
    return templateProfile(profile);
  };

  it('renders every channel of the latest version in the customer language', async () => {
    const { deps } = world();
    await createTemplateVersion(deps, { tenant, input: reminder() });
    const preview = await previewTemplate(deps, {
      tenantId: 'shop-1',
      templateId: 'cart-reminder',
      tenant,
      profile: customer(),
    });
    expect(preview).toEqual({
      ok: true,
      template: { id: 'cart-reminder', version: 1 },
      channels: [
        { channel: 'sms', rendered: { channel: 'sms', body: 'shop-1: your cart waits' } },
        { channel: 'push', rendered: { channel: 'push', body: '李雷，您的购物车还在等您' } },
      ],
    });
    const english = await previewTemplate(deps, {
      tenantId: 'shop-1',
      templateId: 'cart-reminder',
      tenant,
      profile: customer(),
      channels: ['push'],
      locale: 'en',
    });
    expect(english).toMatchObject({ channels: [{ rendered: { title: 'Your cart', body: 'Hi 李雷, 3 items wait' } }] });
  });

  it('shows the error a send would be skipped with, naming the missing variable', async () => {
    const { deps } = world();
    await createTemplateVersion(deps, {
      tenant,
      input: { id: 'coupon', channels: { sms: { body: 'Code {{ coupon.code }}' } } },
    });
    const preview = await previewTemplate(deps, {
      tenantId: 'shop-1',
      templateId: 'coupon',
      tenant,
      profile: customer(),
    });
    expect(preview).toMatchObject({
      ok: true,
      channels: [{ channel: 'sms', error: { code: 'variable', variable: 'coupon' } }],
    });
    const withCoupon = await previewTemplate(deps, {
      tenantId: 'shop-1',
      templateId: 'coupon',
      tenant,
      profile: customer(),
      variables: { coupon: { code: 'WELCOME-9' } },
    });
    expect(withCoupon).toMatchObject({ channels: [{ rendered: { body: 'Code WELCOME-9' } }] });
  });

  it('a template that does not exist is not_found', async () => {
    const { deps } = world();
    expect(
      await previewTemplate(deps, { tenantId: 'shop-1', templateId: 'nope', tenant, profile: customer() }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });
});

describe('rendering for a send', () => {
  it('renders the channel asked for, and fails as not_found for a template or channel that does not exist', async () => {
    const { deps } = world();
    await createTemplateVersion(deps, { tenant, input: reminder() });
    const context = { tenant, profile: templateProfile(emptyProfile('shop-1', 'c', '2026-01-01T00:00:00.000Z')) };
    expect(
      await renderTemplate(deps, { tenantId: 'shop-1', templateId: 'cart-reminder', channel: 'sms', context }),
    ).toEqual({
      template: { id: 'cart-reminder', version: 1 },
      rendered: { channel: 'sms', body: 'shop-1: your cart waits' },
    });
    for (const command of [
      { templateId: 'nope', channel: 'sms' as const },
      { templateId: 'cart-reminder', channel: 'email' as const },
      { templateId: 'cart-reminder', channel: 'sms' as const, version: 9 },
    ]) {
      const error = await renderTemplate(deps, { tenantId: 'shop-1', context, ...command }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TemplateError);
      expect((error as TemplateError).code).toBe('not_found');
    }
  });
});
