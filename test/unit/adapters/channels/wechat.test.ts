// The WeChat senders against a loopback fake of the documented APIs (test/helpers/wechat-fake.ts): tokens
// fetched once and shared, refreshed once on a token error, and each errcode read as the dispatcher acts on it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { untilBeijingMidnight } from '../../../../functions/adapters/channels/wechat/http';
import { createWeChatSenders, type WeChatSenders } from '../../../../functions/adapters/channels/wechat/senders';
import { ManualClock } from '../../../../functions/adapters/clock';
import type { WeChatSecrets } from '../../../../functions/core/config/schema';
import type { OutgoingMessage } from '../../../../functions/ports';
import { providerFailure } from '../../../helpers/channels';
import { startWeChatFake, type WeChatFake } from '../../../helpers/wechat-fake';

const MINI = { appId: 'wx0123456789abcdef', appSecret: 'a'.repeat(32) };
const OA = { appId: 'wxfedcba9876543210', appSecret: 'b'.repeat(32) };
const CORP = { corpId: 'ww0123456789', corpSecret: 'corp-contact-secret-0123456789' };
const OPENID = 'oABCDEFGHIJKLMNOPQRSTUVWXYZ0';
const OA_OPENID = 'oZYXWVUTSRQPONMLKJIHGFEDCBA9';
const EXTERNAL = 'wmABCDEFGHIJ0123456789';
const TEMPLATE = 'tmplOrderShipped-0123456789';
const credentials: WeChatSecrets = { miniProgram: MINI, officialAccount: OA, wecom: CORP };

let fake: WeChatFake;
let clock: ManualClock;
let senders: WeChatSenders;

beforeAll(async () => {
  fake = await startWeChatFake();
  fake.app(MINI.appId, MINI.appSecret);
  fake.app(OA.appId, OA.appSecret);
  fake.corp(CORP.corpId, CORP.corpSecret);
  fake.templates(TEMPLATE);
  fake.follow(OA_OPENID);
  fake.contact(EXTERNAL);
});
afterAll(() => fake.stop());
beforeEach(() => {
  clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  senders = createWeChatSenders({
    clock,
    credentialsOf: async (tenantId) => (tenantId === 'shop' ? credentials : undefined),
    apiBase: fake.endpoint,
    wecomBase: fake.endpoint,
    timeoutMs: 500,
  });
});
afterEach(() => {
  fake.requests.length = 0;
  fake.sent.length = 0;
});

type Mini = Extract<OutgoingMessage, { channel: 'wechat_miniprogram' }>;
const mini = (over: Partial<Mini> = {}): Mini => ({
  tenantId: 'shop',
  customerId: 'c1',
  key: `k-${Math.random().toString(36).slice(2)}`,
  channel: 'wechat_miniprogram',
  to: OPENID,
  templateId: TEMPLATE,
  page: 'pages/order/detail?id=1001',
  data: { thing1: 'Your order shipped', time2: '2026-03-02 18:00' },
  state: 'formal',
  lang: 'zh_CN',
  ...over,
});
const messageRequests = () => fake.requests.filter((r) => r.method === 'POST');

describe('WeChat mini-program subscribe messages', () => {
  it('sends the template, page and keywords as subscribeMessage.send documents them', async () => {
    fake.subscribe(OPENID, TEMPLATE);
    const receipt = await senders.wechat_miniprogram.send(mini());
    expect(receipt.provider).toBe('wechat-miniprogram');
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]?.body).toEqual({
      touser: OPENID,
      template_id: TEMPLATE,
      page: 'pages/order/detail?id=1001',
      data: { thing1: { value: 'Your order shipped' }, time2: { value: '2026-03-02 18:00' } },
      miniprogram_state: 'formal',
      lang: 'zh_CN',
    });
  });

  it('refreshes an expired token (42001) once and the send succeeds', async () => {
    fake.subscribe(OPENID, TEMPLATE, 2);
    await senders.wechat_miniprogram.send(mini());
    const tokensBefore = fake.tokenRequests();
    fake.expireTokens();
    await senders.wechat_miniprogram.send(mini());
    expect(fake.tokenRequests()).toBe(tokensBefore + 1);
    const [refused, accepted] = messageRequests().slice(-2);
    expect(refused?.answer).toMatchObject({ errcode: 42001 });
    expect(accepted?.answer).toMatchObject({ errcode: 0 });
    expect(fake.sent).toHaveLength(2);
  });

  it('fetches one token for two concurrent sends and keeps it for later ones', async () => {
    fake.subscribe(OPENID, TEMPLATE, 3);
    const before = fake.tokenRequests();
    await Promise.all([senders.wechat_miniprogram.send(mini()), senders.wechat_miniprogram.send(mini())]);
    await senders.wechat_miniprogram.send(mini());
    expect(fake.tokenRequests()).toBe(before + 1);
    expect(new Set(fake.sent.map((s) => s.token)).size).toBe(1);
  });

  it('renews the token shortly before expires_in ends', async () => {
    fake.subscribe(OPENID, TEMPLATE, 2);
    const before = fake.tokenRequests();
    await senders.wechat_miniprogram.send(mini());
    clock.advance((7200 - 60) * 1000);
    await senders.wechat_miniprogram.send(mini());
    expect(fake.tokenRequests()).toBe(before + 2);
  });

  it('refreshes only once: a token refused again is transient, with two calls made', async () => {
    fake.subscribe(OPENID, TEMPLATE);
    fake.fail({ type: 'errcode', errcode: 40001 }, { type: 'errcode', errcode: 40001 });
    const error = await providerFailure(senders.wechat_miniprogram.send(mini()));
    expect(error.failure).toBe('transient');
    expect(messageRequests()).toHaveLength(2);
    expect(fake.sent).toHaveLength(0);
  });

  it('reads 43101 as a refused subscription that revokes consent', async () => {
    const error = await providerFailure(senders.wechat_miniprogram.send(mini({ to: 'oNOSUBSCRIPTION0123456789ab' })));
    expect(error.failure).toBe('permanent');
    expect(error.revokesConsent).toBe(true);
    expect(error.message).toContain('43101');
  });

  it('is throttled on 45009 until the daily quota resets at midnight in Beijing', async () => {
    fake.fail({ type: 'errcode', errcode: 45009, errmsg: 'reach max api daily quota limit' });
    const error = await providerFailure(senders.wechat_miniprogram.send(mini()));
    expect(error.failure).toBe('throttled');
    expect(error.retryAfterMs).toBe(untilBeijingMidnight(clock.now()));
    expect(error.retryAfterMs).toBe(6 * 3600_000); // 10:00Z is 18:00 in Beijing
    expect(error.revokesConsent).toBeUndefined();
  });

  it('is transient on HTTP 5xx and on -1 system busy', async () => {
    fake.fail({ type: 'http', status: 503 });
    expect((await providerFailure(senders.wechat_miniprogram.send(mini()))).failure).toBe('transient');
    fake.fail({ type: 'errcode', errcode: -1, errmsg: 'system error' });
    expect((await providerFailure(senders.wechat_miniprogram.send(mini()))).failure).toBe('transient');
  });

  it('is permanent for an invalid openid (40003) and an unknown template (40037)', async () => {
    const badOpenid = await providerFailure(senders.wechat_miniprogram.send(mini({ to: 'not-an-openid' })));
    expect([badOpenid.failure, badOpenid.revokesConsent]).toEqual(['permanent', undefined]);
    expect(badOpenid.message).toContain('40003');
    const badTemplate = await providerFailure(senders.wechat_miniprogram.send(mini({ templateId: 'nope' })));
    expect(badTemplate.message).toContain('40037');
  });

  it('is unknown when WeChat does not answer after the request was sent', async () => {
    fake.fail({ type: 'hang' });
    expect((await providerFailure(senders.wechat_miniprogram.send(mini()))).failure).toBe('unknown');
  });

  it('is permanent for a tenant without mini-program credentials, and calls nobody', async () => {
    const error = await providerFailure(senders.wechat_miniprogram.send(mini({ tenantId: 'other' })));
    expect(error.failure).toBe('permanent');
    expect(fake.requests).toHaveLength(0);
  });

  it('is transient when the app secret is wrong: the operator fixes it, then the send goes', async () => {
    const wrong = createWeChatSenders({
      clock,
      credentialsOf: async () => ({ miniProgram: { ...MINI, appSecret: 'c'.repeat(32) } }),
      apiBase: fake.endpoint,
    });
    const error = await providerFailure(wrong.wechat_miniprogram.send(mini()));
    expect(error.failure).toBe('transient');
    expect(error.message).toContain('40125');
  });
});

describe('WeChat official-account template messages', () => {
  type Oa = Extract<OutgoingMessage, { channel: 'wechat_oa' }>;
  const oa = (over: Partial<Oa> = {}): Oa => ({
    tenantId: 'shop',
    customerId: 'c1',
    key: 'shop:welcome:i1:hello',
    channel: 'wechat_oa',
    to: OA_OPENID,
    templateId: TEMPLATE,
    url: 'https://shop.example.com/orders/1001',
    miniprogram: { appid: MINI.appId, pagepath: 'pages/order/detail?id=1001' },
    data: { first: 'Shipped', keyword1: '1001' },
    ...over,
  });

  it('sends with client_msg_id from the action key and returns WeChat’s msgid', async () => {
    const receipt = await senders.wechat_oa.send(oa());
    expect(receipt).toMatchObject({ provider: 'wechat-oa' });
    expect(Number(receipt.providerMessageId)).toBeGreaterThan(0);
    expect(fake.sent[0]?.body).toMatchObject({
      touser: OA_OPENID,
      template_id: TEMPLATE,
      url: 'https://shop.example.com/orders/1001',
      miniprogram: { appid: MINI.appId, pagepath: 'pages/order/detail?id=1001' },
      data: { first: { value: 'Shipped' }, keyword1: { value: '1001' } },
      client_msg_id: 'shop:welcome:i1:hello',
    });
  });

  it('reads 43004 (the user does not follow the account) as a refusal that revokes consent', async () => {
    const error = await providerFailure(senders.wechat_oa.send(oa({ to: 'oNOTAFOLLOWER0123456789abcd' })));
    expect([error.failure, error.revokesConsent]).toEqual(['permanent', true]);
  });

  it('uses its own token, not the mini-program’s', async () => {
    fake.subscribe(OPENID, TEMPLATE);
    await senders.wechat_miniprogram.send(mini());
    await senders.wechat_oa.send(oa());
    expect(new Set(fake.sent.map((s) => s.token)).size).toBe(2);
  });
});

describe('WeCom customer-contact messages', () => {
  type Wecom = Extract<OutgoingMessage, { channel: 'wecom' }>;
  const wecom = (over: Partial<Wecom> = {}): Wecom => ({
    tenantId: 'shop',
    customerId: 'c1',
    key: 'k-wecom',
    channel: 'wecom',
    to: EXTERNAL,
    sender: 'zhangsan',
    text: 'Your order shipped',
    ...over,
  });

  it('creates a single-customer message task with the corp token and returns its msgid', async () => {
    const receipt = await senders.wecom.send(wecom());
    expect(receipt.provider).toBe('wecom');
    expect(receipt.providerMessageId).toMatch(/^msg\d+$/);
    expect(fake.sent[0]?.body).toEqual({
      chat_type: 'single',
      external_userid: [EXTERNAL],
      sender: 'zhangsan',
      text: { content: 'Your order shipped' },
    });
    expect(fake.sent[0]?.token.startsWith('WT_')).toBe(true);
  });

  it('refreshes an expired corp token (42001) once and the send succeeds', async () => {
    await senders.wecom.send(wecom());
    const before = fake.tokenRequests();
    fake.expireTokens();
    await senders.wecom.send(wecom());
    expect(fake.tokenRequests()).toBe(before + 1);
    expect(fake.sent).toHaveLength(2);
  });

  it('is permanent when the customer comes back in fail_list', async () => {
    const error = await providerFailure(senders.wecom.send(wecom({ to: 'wmNOTACONTACT' })));
    expect(error.failure).toBe('permanent');
    expect(error.message).toContain('fail_list');
  });

  it('is throttled on 45009', async () => {
    fake.fail({ type: 'errcode', errcode: 45009 });
    expect((await providerFailure(senders.wecom.send(wecom()))).failure).toBe('throttled');
  });
});
