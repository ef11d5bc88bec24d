import { describe, expect, it } from 'vitest';
import { nestingDepth } from '../../../../functions/adapters/templates/liquid';
import { emptyProfile } from '../../../../functions/core/profiles/profile';
import { StoredItemError } from '../../../../functions/core/stored-item';
import {
  fromTemplateHeadItem,
  fromTemplateVersionItem,
  templateHeadKey,
  templateVersionKey,
  toTemplateHeadItem,
  toTemplateVersionItem,
  versionOfSk,
} from '../../../../functions/core/templates/items';
import { sampleContext } from '../../../../functions/core/templates/sample';
import {
  MAX_PART_BYTES,
  MAX_TEMPLATE_BYTES,
  partSources,
  partsFor,
  TemplateContext,
  TemplateInput,
  templateProfile,
} from '../../../../functions/core/templates/schema';

const push = { push: { body: 'Hi' } };

describe('a template as posted', () => {
  it('needs a safe id and the parts of at least one channel', () => {
    expect(TemplateInput.safeParse({ id: 'cart-reminder', channels: push }).success).toBe(true);
    for (const id of ['Cart', '../x', '', 'a#b', 'x'.repeat(65), '__proto__']) {
      expect(TemplateInput.safeParse({ id, channels: push }).success, id).toBe(false);
    }
    expect(TemplateInput.safeParse({ id: 't', channels: {} }).success).toBe(false);
  });

  it('takes a WeChat message as a template id, a page or link and Liquid keywords, each checked as a part', () => {
    const wechat = {
      id: 'restock',
      channels: {
        wechat_miniprogram: {
          templateId: 'tmpl-1',
          page: 'pages/p?id=1',
          data: { thing1: '{{ profile.customerId }}' },
        },
        wechat_oa: { templateId: 'tmpl-2', url: 'https://shop.example.com', data: { first: 'Hi' } },
        wecom: { text: 'Hello {{ profile.traits.first_name }}' },
      },
    };
    const parsed = TemplateInput.parse(wechat);
    expect(partSources(parsed).map(([path]) => path)).toEqual(
      expect.arrayContaining([
        'channels.wechat_miniprogram.page',
        'channels.wechat_miniprogram.data.thing1',
        'channels.wechat_oa.data.first',
        'channels.wecom.text',
      ]),
    );
    const bad = (parts: unknown) =>
      TemplateInput.safeParse({ id: 't', channels: { wechat_miniprogram: parts } }).success;
    expect(bad({ templateId: 'tmpl-1', data: {} })).toBe(false);
    expect(bad({ templateId: 'tmpl-1', data: { '1thing': 'x' } })).toBe(false);
    expect(bad({ templateId: '{{ x }}', data: { thing1: 'x' } })).toBe(false);
  });

  it('refuses unknown fields, empty parts and an e-mail without its text', () => {
    expect(TemplateInput.safeParse({ id: 't', channels: push, extra: 1 }).success).toBe(false);
    expect(TemplateInput.safeParse({ id: 't', channels: { sms: { body: '' } } }).success).toBe(false);
    expect(TemplateInput.safeParse({ id: 't', channels: { email: { subject: 's', html: '<p>x</p>' } } }).success).toBe(
      false,
    );
    expect(TemplateInput.safeParse({ id: 't', channels: { push: { body: 'x', sound: 'ding' } } }).success).toBe(false);
  });

  it('bounds each part and the whole template in bytes (UTF-8: 中 is 3)', () => {
    const part = (n: number) => ({ id: 't', channels: { sms: { body: '中'.repeat(n) } } });
    expect(TemplateInput.safeParse(part(Math.floor(MAX_PART_BYTES / 3))).success).toBe(true);
    expect(TemplateInput.safeParse(part(Math.floor(MAX_PART_BYTES / 3) + 1)).success).toBe(false);
    const big = 'x'.repeat(MAX_PART_BYTES);
    const locales = Object.fromEntries(['en', 'de', 'fr', 'es'].map((tag) => [tag, { sms: { body: big } }]));
    expect(MAX_PART_BYTES * 5).toBeGreaterThan(MAX_TEMPLATE_BYTES);
    expect(TemplateInput.safeParse({ id: 't', channels: { sms: { body: big } }, locales }).success).toBe(false);
  });

  it('translates only channels it has, under language tags', () => {
    expect(TemplateInput.safeParse({ id: 't', channels: push, locales: { 'zh-CN': push } }).success).toBe(true);
    expect(
      TemplateInput.safeParse({ id: 't', channels: push, locales: { 'zh-CN': { sms: { body: 'x' } } } }).success,
    ).toBe(false);
    expect(TemplateInput.safeParse({ id: 't', channels: push, locales: { 'not a tag': push } }).success).toBe(false);
  });
});

describe('choosing the parts for a customer', () => {
  const template = {
    channels: { push: { body: 'default' }, sms: { body: 'sms default' } },
    locales: { 'zh-CN': { push: { body: '简体' } }, en: { push: { body: 'english' } } },
  };
  const body = (locale?: string, channel: 'push' | 'sms' = 'push') =>
    (partsFor(template, channel, locale)?.parts as { body: string } | undefined)?.body;

  it('takes the exact tag, then the language, then the default parts', () => {
    expect(body('zh-CN')).toBe('简体');
    expect(body('zh-cn')).toBe('简体');
    expect(body('zh')).toBe('简体');
    expect(body('zh-Hans-CN')).toBe('简体');
    expect(body('en-GB')).toBe('english');
    expect(body('de')).toBe('default');
    expect(body(undefined)).toBe('default');
    expect(body('zh-CN', 'sms')).toBe('sms default');
  });

  it('answers nothing for a channel the template lacks, and a locale named like a prototype member is only data', () => {
    expect(partsFor(template, 'email', 'en')).toBeUndefined();
    expect(body('constructor')).toBe('default');
  });
});

describe('the profile a template sees', () => {
  it('holds traits, tags, counters, lifecycle and cart, and none of the internals', () => {
    const profile = emptyProfile('shop-1', 'c-1', '2026-01-01T00:00:00.000Z');
    profile.traits = JSON.parse(
      '{"first_name": {"v": "Li", "at": "x"}, "locale": {"v": "zh-CN", "at": "x"}, "__proto__": {"v": "p", "at": "x"}}',
    );
    profile.tags = { vip: { v: true, at: 'x' }, gone: { v: false, at: 'x' } };
    profile.orders = 2;
    profile.revenue = { CNY: { orders: 2, gross: 30_000, refunded: 5_000 } };
    profile.orderBook = { 'o-1': { total: 1, currency: 'CNY', at: 'x', placedAt: 'x' } };
    profile.consent = { email: { v: true, at: 'x' } };
    profile.mergedFrom = ['anon-1'];
    profile.cart = { v: { value: { amount: 12_800, currency: 'CNY' }, itemCount: 3 }, at: 'x' };
    const view = templateProfile(profile, { stage: 'repeat', since: '2026-01-02T00:00:00.000Z' });
    expect(TemplateContext.shape.profile.safeParse(view).success).toBe(true);
    expect(view.traits.first_name).toBe('Li');
    expect(Object.hasOwn(view.traits, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(view.traits)).toBe(Object.prototype);
    expect(view.tags).toEqual(['vip']);
    expect(view.locale).toBe('zh-CN');
    expect(view.revenue).toEqual({ CNY: { orders: 2, net: 25_000 } });
    expect(view.lifecycle).toEqual({ stage: 'repeat', since: '2026-01-02T00:00:00.000Z' });
    expect(view.cart).toEqual({ value: { amount: 12_800, currency: 'CNY' }, itemCount: 3 });
    const keys = Object.keys(view);
    for (const internal of ['orderBook', 'consent', 'mergedFrom', 'tenantId', 'pastOrders', 'version'])
      expect(keys).not.toContain(internal);
  });

  it('the sample variables are a valid context', () => {
    expect(() =>
      TemplateContext.parse(sampleContext({ id: 't', currency: 'JPY', timezone: 'Asia/Tokyo' })),
    ).not.toThrow();
  });
});

describe('stored template items', () => {
  const template = {
    id: 'cart',
    version: 7,
    channels: { push: { body: 'x' } },
    createdAt: '2026-01-01T00:00:00.000Z',
  };

  it('versions sort by number under the tenant, and one id is never a prefix of another', () => {
    expect(templateVersionKey('shop-1', 'cart', 7)).toEqual({ pk: 'shop-1#TEMPLATES', sk: 'T#cart#V#000007' });
    expect(templateHeadKey('shop-1', 'cart')).toEqual({ pk: 'shop-1#TEMPLATES', sk: 'HEAD#cart' });
    expect(versionOfSk('T#cart-coupon#V#000012')).toEqual({ templateId: 'cart-coupon', version: 12 });
    expect(templateVersionKey('s', 'cart-coupon', 1).sk.startsWith('T#cart#V#')).toBe(false);
  });

  it('encode and decode both ways, and a corrupt item names its key', () => {
    expect(fromTemplateVersionItem(toTemplateVersionItem('shop-1', template))).toEqual(template);
    const head = {
      templateId: 'cart',
      latest: 7,
      channels: ['push' as const],
      locales: [],
      createdAt: 'a',
      updatedAt: 'b',
    };
    expect(fromTemplateHeadItem(toTemplateHeadItem('shop-1', head, 3))).toEqual({ head, revision: 3 });
    expect(() =>
      fromTemplateVersionItem({ ...templateVersionKey('shop-1', 'cart', 1), template: { id: 'cart' } }),
    ).toThrow(StoredItemError);
  });
});

describe('nesting depth', () => {
  it('counts blocks, their ends, liquid-tag lines, and skips raw and comment contents', () => {
    expect(nestingDepth('{% if a %}{% for i in x %}{{ i }}{% endfor %}{% endif %}{% if b %}{% endif %}')).toBe(2);
    expect(nestingDepth('{% raw %}{% if %}{% if %}{% if %}{% endraw %}')).toBe(1);
    expect(nestingDepth('{% liquid\nif a\n  for i in x\n    echo i\n  endfor\nendif %}')).toBe(2);
    expect(nestingDepth('plain {{ text }}')).toBe(0);
  });
});
