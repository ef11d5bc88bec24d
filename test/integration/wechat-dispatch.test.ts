// WeChat through the dispatcher under `npm start`, against the loopback WeChat fake: a journey's mini-program
// subscribe message reaches WeChat for the customer's openid, rendered in their language; an expired token is
// refreshed on the way; a refused subscription (43101) revokes the channel's consent through the bus, and
// the customer's later sends are skipped for consent without WeChat being called.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { postSettled, storeTemplates } from '../helpers/runtime';
import { startWeChatFake, type WeChatFake } from '../helpers/wechat-fake';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINI = { appId: 'wx0123456789abcdef', appSecret: '0123456789abcdef0123456789abcdef' };
const TEMPLATE = 'tmplBackInStock-0123456789';
const OPENID = 'oMeiMeiOpenId0123456789abcd';
const config = demoConfig();
const tenant = config.tenants[0]!;
tenant.dispatch = {
  guardrails: { controlGroup: { percent: 0 }, caps: [] },
  wechat: { miniProgramState: 'trial' },
} as unknown as typeof tenant.dispatch;
tenant.secrets = { ...tenant.secrets, wechat: { miniProgram: MINI } };
const clock = new ManualClock(T0);
let runtime: LocalRuntime;
let fake: WeChatFake;

const journey = {
  id: 'back-in-stock',
  name: 'Back in stock',
  entry: { type: 'event', event: 'login' },
  startActivity: 'notify',
  activities: { notify: { type: 'action', action: { kind: 'wechat_miniprogram', template: 'restock' } } },
};

beforeAll(async () => {
  fake = await startWeChatFake();
  fake.app(MINI.appId, MINI.appSecret);
  fake.templates(TEMPLATE);
  runtime = await startLocal({
    config,
    dataDir: '',
    memory: true,
    port: 0,
    clock,
    daily: false,
    wechat: { apiBase: fake.endpoint },
  });
  await storeTemplates(runtime, clock, tenant, [
    {
      id: 'restock',
      channels: {
        wechat_miniprogram: {
          templateId: TEMPLATE,
          page: 'pages/product/detail?id=42',
          data: { thing1: 'Back in stock for you, {{ profile.traits.first_name }}', thing2: 'Tap to buy' },
        },
      },
      locales: {
        'zh-CN': {
          wechat_miniprogram: {
            templateId: TEMPLATE,
            page: 'pages/product/detail?id=42',
            data: { thing1: '{{ profile.traits.first_name }}，您关注的商品到货了', thing2: '点击购买' },
          },
        },
      },
    },
  ]);
  expect((await admin('POST', '/v1/journeys', journey)).status).toBe(201);
  expect((await admin('POST', '/v1/journeys/back-in-stock/publish')).status).toBe(200);
});
afterAll(async () => {
  await runtime.close();
  await fake.stop();
});

function admin(method: string, path: string, body?: unknown) {
  return fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const post = (event: Omit<CanonicalEvent, 'tenantId' | 'source'>) => postSettled(runtime, tenant.apiKey, event);
let logins = 0;
const login = (id: string) =>
  post({
    type: 'login',
    eventId: `login-${id}-${++logins}`,
    customerId: id,
    occurredAt: new Date(clock.now()).toISOString(),
    properties: {},
  } as CanonicalEvent);

async function timeline(id: string) {
  const res = await admin('GET', `/v1/customers/${id}/timeline`);
  const { entries } = (await res.json()) as { entries: { state: string; reason?: string; rule?: string }[] };
  return entries.map((e) => [e.state, e.reason, e.rule]);
}

describe('WeChat channels through the dispatcher', () => {
  it('sends the mini-program message to the customer’s openid, in zh-CN, refreshing an expired token once', async () => {
    await post({
      type: 'identify',
      eventId: 'identify-meimei',
      customerId: 'meimei',
      occurredAt: new Date(T0 - 60_000).toISOString(),
      properties: { traits: { first_name: '美美', locale: 'zh-CN', wechat_miniprogram_openid: OPENID } },
    } as unknown as CanonicalEvent);
    await post({
      type: 'consent_changed',
      eventId: 'consent-meimei-mini',
      customerId: 'meimei',
      occurredAt: new Date(T0 - 30_000).toISOString(),
      properties: { channel: 'wechat_miniprogram', granted: true },
    } as CanonicalEvent);
    fake.subscribe(OPENID, TEMPLATE, 1); // a one-time subscription: one message
    await login('meimei');
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]?.body).toEqual({
      touser: OPENID,
      template_id: TEMPLATE,
      page: 'pages/product/detail?id=42',
      data: { thing1: { value: '美美，您关注的商品到货了' }, thing2: { value: '点击购买' } },
      miniprogram_state: 'trial',
    });

    // The token expires; the next send refreshes it once and goes.
    fake.subscribe(OPENID, TEMPLATE, 1);
    const tokens = fake.tokenRequests();
    fake.expireTokens();
    clock.advance(60_000);
    await login('meimei');
    expect(fake.tokenRequests()).toBe(tokens + 1);
    expect(fake.sent).toHaveLength(2);
    expect(await timeline('meimei')).toEqual([
      ['sent', undefined, undefined],
      ['sent', undefined, undefined],
    ]);
  });

  it('revokes the channel’s consent on a refused subscription (43101) and skips later sends for that reason', async () => {
    // The subscription is used up: WeChat refuses the next message.
    clock.advance(60_000);
    await login('meimei');
    expect(fake.sent).toHaveLength(2);
    const refused = fake.requests.filter((r) => r.method === 'POST').at(-1);
    expect(refused?.answer).toMatchObject({ errcode: 43101 });
    expect((await timeline('meimei'))[0]).toEqual(['skipped', 'consent', 'provider_refused']);

    // The revocation went through the profile: the next send is skipped by the consent guard, WeChat is not called.
    const calls = fake.requests.length;
    clock.advance(60_000);
    await login('meimei');
    expect(fake.requests).toHaveLength(calls);
    expect((await timeline('meimei'))[0]).toEqual(['skipped', 'consent', 'wechat_subscription_revoked']);
    const customer = (await (await admin('GET', '/v1/customers/meimei')).json()) as Record<string, unknown>;
    expect(JSON.stringify(customer)).toContain('wechat_miniprogram');
  });

  it('sends again once the customer subscribes again (the store reports consent granted)', async () => {
    fake.subscribe(OPENID, TEMPLATE, 1);
    clock.advance(60_000);
    await post({
      type: 'consent_changed',
      eventId: 'consent-meimei-mini-again',
      customerId: 'meimei',
      occurredAt: new Date(clock.now()).toISOString(),
      properties: { channel: 'wechat_miniprogram', granted: true },
    } as CanonicalEvent);
    clock.advance(60_000);
    await login('meimei');
    expect(fake.sent).toHaveLength(3);
  });
});
