// One-click unsubscribe on the local runtime: a marketing send carries a signed link to the runtime's own
// /u/{token}; GET shows a page and changes nothing; POST (RFC 8058) withdraws the customer's consent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import type { ActionMessage } from '../../functions/contracts/messages';
import { signUnsubscribeToken } from '../../functions/core/dispatch/unsubscribe';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { pipelineSettled, postSettled, storeTemplates } from '../helpers/runtime';

const T0 = Date.parse('2026-03-02T10:00:00Z'); // 11:00 in Berlin, outside quiet hours
const config = demoConfig();
const tenant = config.tenants[0]!;
tenant.dispatch = { guardrails: { controlGroup: { percent: 0 } } } as typeof tenant.dispatch;
const clock = new ManualClock(T0);
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, clock, daily: false });
  await storeTemplates(runtime, clock, tenant, [
    {
      id: 'promo',
      channels: {
        email: { subject: 'New arrivals', text: 'Have a look. Unsubscribe: {{ unsubscribe_url }}' },
        sms: { body: 'New arrivals! Stop: {{ unsubscribe_url }}' },
      },
    },
    { id: 'receipt', channels: { email: { subject: 'Your order', text: 'Thank you for your order.' } } },
  ]);
});
afterAll(() => runtime.close());

const settled = () => pipelineSettled(runtime);

function admin(method: string, path: string) {
  return fetch(`${runtime.url}${path}`, { method, headers: { authorization: `Bearer ${tenant.adminKey}` } });
}

const post = (event: Omit<CanonicalEvent, 'tenantId' | 'source'>) => postSettled(runtime, tenant.apiKey, event);

async function customer(id: string) {
  await post({
    type: 'identify',
    eventId: `identify-${id}`,
    customerId: id,
    occurredAt: new Date(T0 - 60_000).toISOString(),
    properties: { traits: { email: `${id}@example.com`, phone: '+4915112345678' } },
  } as unknown as CanonicalEvent);
  for (const channel of ['email', 'sms'])
    await post({
      type: 'consent_changed',
      eventId: `consent-${id}-${channel}`,
      customerId: id,
      occurredAt: new Date(T0 - 30_000).toISOString(),
      properties: { channel, granted: true },
    } as CanonicalEvent);
}

type Profile = { consent: Record<string, boolean>; counts: Record<string, number> };
async function profile(id: string): Promise<Profile> {
  const res = await admin('GET', `/v1/customers/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Profile;
}

async function outbox() {
  const res = await admin('GET', '/v1/outbox');
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Record<string, unknown>[] }).items;
}

/** Puts an action on the actions queue, as a journey step would, and returns its outbox entry (if sent). */
async function dispatch(
  key: string,
  customerId: string,
  action: ActionMessage['action'],
  purpose?: 'marketing' | 'transactional',
) {
  const message: ActionMessage = {
    key,
    tenantId: tenant.id,
    customerId,
    journeyId: 'spring-sale',
    version: 1,
    instanceId: `instance-${key}`,
    activity: 'send',
    action,
    ...(purpose ? { purpose } : {}),
  };
  await runtime.queue.send('actions', [JSON.stringify(message)]);
  await settled();
  return (await outbox()).find((item) => item.key === key);
}

const unsubscribe = (url: string, init: RequestInit = {}) => fetch(url, { redirect: 'manual', ...init });
const oneClick = (url: string) =>
  unsubscribe(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });

function expectPageHeaders(res: Response) {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('content-security-policy')).toBe(
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  );
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('one-click unsubscribe under npm start', () => {
  let link: string;

  it('gives a marketing e-mail an unsubscribe link to this runtime, in the outbox entry and the template', async () => {
    await customer('mia');
    const sent = await dispatch('promo-mia-1', 'mia', { kind: 'email', template: 'promo' });
    expect(sent, 'the marketing e-mail was not sent').toBeDefined();
    link = String(sent?.unsubscribeUrl);
    expect(link).toMatch(new RegExp(`^${runtime.url}/u/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}$`));
    expect(sent?.text).toBe(`Have a look. Unsubscribe: ${link}`);
  });

  it('gives a marketing SMS the same variable, for its own channel', async () => {
    const sent = await dispatch('promo-mia-sms', 'mia', { kind: 'sms', template: 'promo' });
    const body = String(sent?.body);
    const smsLink = body.slice(body.indexOf('http'));
    expect(smsLink).toMatch(/\/u\//);
    expect(smsLink).not.toBe(link);
  });

  it('answers GET with a confirmation page in English and changes nothing', async () => {
    const before = await profile('mia');
    const res = await unsubscribe(link);
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const page = await res.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('stop receiving marketing e-mails');
    expect(page).toMatch(/<form method="post">/);
    await settled();
    const after = await profile('mia');
    expect(after.consent.email).toBe(true);
    expect(after.counts).toEqual(before.counts);
  });

  it('answers GET in Chinese to Accept-Language: zh-CN, still changing nothing', async () => {
    const res = await unsubscribe(link, { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('您要停止接收本店的营销邮件吗？');
    expect(page).toContain('确认退订');
    expect(page).not.toMatch(/>Unsubscribe<|stop receiving|marketing/);
    await settled();
    expect((await profile('mia')).consent.email).toBe(true);
  });

  it('withdraws the e-mail consent on POST List-Unsubscribe=One-Click, once however often it is posted', async () => {
    const before = (await profile('mia')).counts.consent_changed ?? 0;
    const res = await oneClick(link);
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    expect(await res.text()).toContain('You are unsubscribed');
    await settled();
    const after = await profile('mia');
    expect(after.consent.email).toBe(false);
    expect(after.consent.sms).toBe(true);
    expect(after.counts.consent_changed).toBe(before + 1);

    // The page's own form (an empty body here) and a mailbox provider's repeat: the same event, folded once.
    expect((await unsubscribe(link, { method: 'POST' })).status).toBe(200);
    expect((await oneClick(link)).status).toBe(200);
    await settled();
    expect((await profile('mia')).counts.consent_changed).toBe(before + 1);
  });

  it('sends the customer no more marketing e-mail once unsubscribed', async () => {
    expect(await dispatch('promo-mia-2', 'mia', { kind: 'email', template: 'promo' })).toBeUndefined();
  });

  it('refuses a tampered token with a 400 page, and changes nothing', async () => {
    await customer('noah');
    const sent = await dispatch('promo-noah-1', 'noah', { kind: 'email', template: 'promo' });
    const noahLink = String(sent?.unsubscribeUrl);
    const [payload, mac] = noahLink.slice(noahLink.lastIndexOf('/') + 1).split('.') as [string, string];
    const tampered = `${runtime.url}/u/${payload}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    for (const res of [await oneClick(tampered), await unsubscribe(tampered)]) {
      expect(res.status).toBe(400);
      expectPageHeaders(res);
      const page = await res.text();
      expect(page).toContain('This link does not work');
      expect(page).not.toMatch(/at \w+ \(|Error:/);
    }
    // Another customer's payload under Noah's signature.
    const otherPayload = link.slice(link.lastIndexOf('/') + 1).split('.')[0];
    expect((await oneClick(`${runtime.url}/u/${otherPayload}.${mac}`)).status).toBe(400);
    const garbage = await unsubscribe(`${runtime.url}/u/${'%3Cscript%3E'.repeat(3)}`);
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).not.toContain('<script>');
    await settled();
    expect((await profile('noah')).consent.email).toBe(true);
  });

  it('answers 404 for a tenant that is not here', async () => {
    const secret = tenant.secrets.unsubscribeSecret as string;
    const token = signUnsubscribeToken({ tenantId: 'nobody', customerId: 'mia', channel: 'email' }, secret);
    const res = await unsubscribe(`${runtime.url}/u/${token}`, { headers: { 'accept-language': 'zh' } });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('找不到商店');
  });

  it('gives a transactional send no unsubscribe link', async () => {
    const sent = await dispatch('receipt-noah-1', 'noah', { kind: 'email', template: 'receipt' }, 'transactional');
    expect(sent, 'the transactional e-mail was not sent').toBeDefined();
    expect(sent?.text).toBe('Thank you for your order.');
    expect(sent).not.toHaveProperty('unsubscribeUrl');
  });

  it('does not bring an erased customer back', async () => {
    await customer('ivy');
    const sent = await dispatch('promo-ivy-1', 'ivy', { kind: 'email', template: 'promo' });
    const ivyLink = String(sent?.unsubscribeUrl);
    expect((await admin('DELETE', '/v1/customers/ivy')).status).toBe(200);
    // A click well after the erasure: an event then would start a new profile of the id.
    clock.set(T0 + 3_600_000);
    try {
      expect((await oneClick(ivyLink)).status).toBe(200);
      await settled();
      expect((await admin('GET', '/v1/customers/ivy')).status).toBe(404);
    } finally {
      clock.set(T0);
    }
  });
});
