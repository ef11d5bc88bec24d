import { describe, expect, it } from 'vitest';
import { type UnsubscribeLinks, unsubscribeLinkFor } from '../../../../functions/app/dispatch/render';
import type { ActionMessage } from '../../../../functions/contracts/messages';
import { DispatchSettings } from '../../../../functions/core/dispatch/settings';
import { openUnsubscribeToken } from '../../../../functions/core/dispatch/unsubscribe';

const SECRET = 'the-unsubscribe-secret-of-the-shop-tenant';
const links: UnsubscribeLinks = {
  secretOf: async (tenantId) => (tenantId === 'shop' ? SECRET : undefined),
  publicUrl: 'https://abc123.execute-api.eu-central-1.amazonaws.com/',
};
const message = (overrides: Partial<ActionMessage> = {}): ActionMessage => ({
  key: 'k-1',
  tenantId: 'shop',
  customerId: 'cust-1',
  journeyId: 'j',
  version: 1,
  instanceId: 'i',
  activity: 'a',
  action: { kind: 'email', template: 't' },
  ...overrides,
});
const shop = { id: 'shop' };

describe('the unsubscribe link of a send', () => {
  it('is a signed link to the HTTP API for marketing on e-mail, SMS and push', async () => {
    for (const channel of ['email', 'sms', 'push'] as const) {
      const url = await unsubscribeLinkFor(links, { message: message(), channel, tenant: shop });
      expect(url).toMatch(/^https:\/\/abc123\.execute-api\.eu-central-1\.amazonaws\.com\/u\/[^/]+$/);
      const token = (url as string).slice((url as string).lastIndexOf('/') + 1);
      expect(openUnsubscribeToken(token, SECRET)).toEqual({
        ok: true,
        value: { tenantId: 'shop', customerId: 'cust-1', channel },
      });
    }
    const explicit = message({ purpose: 'marketing' });
    expect(await unsubscribeLinkFor(links, { message: explicit, channel: 'email', tenant: shop })).toBeDefined();
  });

  it("points at the tenant's own public URL when it sets one", async () => {
    const tenant = { id: 'shop', dispatch: { publicUrl: 'https://mail.shop.example' } };
    const url = await unsubscribeLinkFor(links, { message: message(), channel: 'email', tenant });
    expect(url).toMatch(/^https:\/\/mail\.shop\.example\/u\//);
  });

  it('is none for a transactional send, a webhook, a test send, a tenant without a secret, or no URL', async () => {
    const none = async (input: Parameters<typeof unsubscribeLinkFor>[1], l: UnsubscribeLinks | undefined = links) =>
      expect(await unsubscribeLinkFor(l, input)).toBeUndefined();
    await none({ message: message({ purpose: 'transactional' }), channel: 'email', tenant: shop });
    await none({ message: message(), channel: 'webhook', tenant: shop });
    await none({ message: message({ testTo: 'qa@shop.example' }), channel: 'email', tenant: shop });
    await none({ message: message({ tenantId: 'other' }), channel: 'email', tenant: { id: 'other' } });
    await none({ message: message(), channel: 'email', tenant: shop }, { secretOf: links.secretOf });
    expect(await unsubscribeLinkFor(undefined, { message: message(), channel: 'email', tenant: shop })).toBeUndefined();
  });

  it('is not made when the secret cannot be read: the send is tried again rather than sent without it', async () => {
    const failing: UnsubscribeLinks = {
      ...links,
      secretOf: async () => {
        throw new Error('Secrets Manager is unavailable');
      },
    };
    await expect(unsubscribeLinkFor(failing, { message: message(), channel: 'email', tenant: shop })).rejects.toThrow(
      /unavailable/,
    );
  });
});

describe('dispatch.publicUrl', () => {
  const valid = (publicUrl: string) => DispatchSettings.safeParse({ publicUrl }).success;

  it('is an https URL without query or fragment; http only on this machine', () => {
    expect(valid('https://mail.shop.example')).toBe(true);
    expect(valid('https://shop.example/growthloop/')).toBe(true);
    expect(valid('http://127.0.0.1:3000')).toBe(true);
    expect(valid('http://localhost:3000')).toBe(true);
    expect(valid('http://mail.shop.example')).toBe(false);
    expect(valid('https://mail.shop.example/?a=1')).toBe(false);
    expect(valid('https://mail.shop.example/#x')).toBe(false);
    expect(valid('javascript:alert(1)')).toBe(false);
    expect(valid('ftp://mail.shop.example')).toBe(false);
  });
});
