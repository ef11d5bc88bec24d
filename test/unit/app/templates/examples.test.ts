import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerRenderer } from '../../../../functions/adapters/templates/worker-renderer';
import { validateTemplate } from '../../../../functions/app/templates/run';
import { sampleContext } from '../../../../functions/core/templates/sample';
import { partsFor, TemplateInput } from '../../../../functions/core/templates/schema';

const folder = new URL('../../../../examples/templates/', import.meta.url);
const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, folder), 'utf8'));
const renderer = createWorkerRenderer();
afterAll(() => renderer.close());

const tenants = [
  { id: 'shop-eu', currency: 'EUR', timezone: 'Europe/Berlin' },
  { id: 'shop-cn', currency: 'CNY', timezone: 'Asia/Shanghai' },
];

describe('examples/templates', () => {
  it('holds the templates the example journeys send', () => {
    expect(files).toEqual(expect.arrayContaining(['cart-reminder.json', 'cart-coupon.json']));
  });

  it.each(files)('%s is named by its id, validates, and every translation renders against the sample', async (name) => {
    const input = load(name);
    expect((input as { id: string }).id).toBe(name.replace(/\.json$/, ''));
    for (const tenant of tenants) {
      const { problems } = await validateTemplate(renderer, tenant, input);
      expect(problems).toEqual([]);
    }
  });
});

describe('the example abandoned-checkout messages', () => {
  const cn = tenants[1]!;
  const context = sampleContext(cn);
  const template = (name: string) => TemplateInput.parse(load(name));

  it('the push reminder reads the checkout in the customer language', async () => {
    const parts = partsFor(template('cart-reminder.json'), 'push', 'zh-CN')!;
    expect(await renderer.render(parts, context)).toEqual({
      channel: 'push',
      title: 'Alex，您的购物车还在等您',
      body: '您购物车里的 2 件商品（¥59.90）还没有结算，库存有限，快来下单吧。',
    });
    const english = await renderer.render(partsFor(template('cart-reminder.json'), 'push', 'en')!, context);
    expect(english).toMatchObject({ title: 'Alex, your cart is waiting' });
    expect((english as { body: string }).body).toContain('2 items worth CN¥59.90');
  });

  it('the coupon e-mail carries the code, its minimum spend and its expiry in the shop time zone', async () => {
    const zh = await renderer.render(partsFor(template('cart-coupon.json'), 'email', 'zh-CN')!, context);
    expect(zh).toMatchObject({ channel: 'email', subject: 'Alex，送您一张9 折优惠券，购物车商品等您结算' });
    const { text, html } = zh as { text: string; html: string };
    expect(text).toContain('SAMPLE-7K3Q');
    expect(text).toContain('满 ¥30.00 可用');
    // 2026-02-04T19:40Z is 03:40 the next morning in Shanghai.
    expect(text).toContain('有效期至 2026-02-05 03:40');
    expect(html).toContain('<strong>SAMPLE-7K3Q</strong>');
    expect(html).toContain('href="https://example.com/u/sample-token"');
  });
});
