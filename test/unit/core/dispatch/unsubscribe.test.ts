import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PAGE_STATUS, pageLanguage, renderUnsubscribePage } from '../../../../functions/core/dispatch/unsubscribe-page';

// The real timingSafeEqual, watched: the signature must be compared with it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const {
  MAC_BYTES,
  MAX_TOKEN_CHARS,
  openUnsubscribeToken,
  readUnsubscribeToken,
  signUnsubscribeToken,
  unsubscribeEvent,
  unsubscribeUrl,
  verifyUnsubscribeToken,
} = await import('../../../../functions/core/dispatch/unsubscribe');

const SECRET = 'a-very-long-unsubscribe-secret-of-acme-0001';
const OTHER_SECRET = 'a-very-long-unsubscribe-secret-of-globex-002';
const claims = { tenantId: 'acme', customerId: 'cust-42', channel: 'email' } as const;

const sign = (c: Parameters<typeof signUnsubscribeToken>[0] = claims, secret = SECRET) => {
  const token = signUnsubscribeToken(c, secret);
  if (!token) throw new Error('no token');
  return token;
};
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** A token with this payload JSON, signed as the real thing would be. */
const forge = (json: string, secret = SECRET) => {
  const payload = b64(json);
  const mac = crypto
    .createHmac('sha256', secret)
    .update('growthloop/unsubscribe/v1.')
    .update(payload)
    .digest()
    .subarray(0, MAC_BYTES);
  return `${payload}.${mac.toString('base64url')}`;
};
const refusal = (token: unknown, ...secret: [string | undefined] | []) => {
  const opened = openUnsubscribeToken(token, secret.length === 0 ? SECRET : secret[0]);
  return opened.ok ? 'accepted' : opened.reason;
};

afterEach(() => vi.mocked(crypto.timingSafeEqual).mockClear());

describe('unsubscribe tokens', () => {
  it('round-trip the tenant, customer and channel under the tenant secret', () => {
    for (const channel of ['email', 'sms', 'push'] as const) {
      const token = sign({ ...claims, channel });
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      expect(openUnsubscribeToken(token, SECRET)).toEqual({ ok: true, value: { ...claims, channel } });
    }
  });

  it('round-trip any customer id a canonical event may carry (1-128 characters, any script)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128, unit: 'grapheme' }), (customerId) => {
        fc.pre(customerId.length <= 128);
        const token = signUnsubscribeToken({ ...claims, customerId }, SECRET);
        if (token === undefined) return; // too long for a link: no link at all, never a broken one
        expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_CHARS);
        expect(openUnsubscribeToken(token, SECRET)).toEqual({ ok: true, value: { ...claims, customerId } });
      }),
    );
    expect(openUnsubscribeToken(sign({ ...claims, customerId: '顾客-'.repeat(40) }), SECRET).ok).toBe(true);
  });

  it('are deterministic: the same claims and secret give the same token', () => {
    expect(sign()).toBe(sign());
    expect(sign()).not.toBe(sign({ ...claims, channel: 'sms' }));
  });

  it('compares the signature with timingSafeEqual', () => {
    const token = sign();
    const read = readUnsubscribeToken(token);
    if (!read.ok) throw new Error(read.reason);
    expect(verifyUnsubscribeToken(read.value, SECRET)).toBe(true);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(1);
    const [given, expected] = vi.mocked(crypto.timingSafeEqual).mock.calls[0] as [Buffer, Buffer];
    expect(given.length).toBe(MAC_BYTES);
    expect(expected.length).toBe(MAC_BYTES);
    expect(verifyUnsubscribeToken(read.value, OTHER_SECRET)).toBe(false);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(2);
  });

  it('refuses a tampered signature', () => {
    const token = sign();
    const [payload, mac] = token.split('.') as [string, string];
    const flipped = `${mac.slice(0, 5)}${mac[5] === 'A' ? 'B' : 'A'}${mac.slice(6)}`;
    expect(refusal(`${payload}.${flipped}`)).toBe('bad_signature');
  });

  it('refuses a tampered payload: another customer, tenant or channel under the same signature', () => {
    const mac = sign().split('.')[1];
    expect(refusal(`${b64('[1,"acme","email","cust-43"]')}.${mac}`)).toBe('bad_signature');
    expect(refusal(`${b64('[1,"globex","email","cust-42"]')}.${mac}`)).toBe('bad_signature');
    expect(refusal(`${b64('[1,"acme","sms","cust-42"]')}.${mac}`)).toBe('bad_signature');
  });

  it("refuses a token signed with another tenant's key, and any token without a usable secret", () => {
    const globexToken = sign({ ...claims, tenantId: 'globex' }, OTHER_SECRET);
    expect(refusal(globexToken, OTHER_SECRET)).toBe('accepted');
    expect(refusal(globexToken, SECRET)).toBe('bad_signature');
    expect(refusal(sign(), OTHER_SECRET)).toBe('bad_signature');
    expect(refusal(sign(), undefined)).toBe('bad_signature');
    expect(refusal(sign(), 'short')).toBe('bad_signature');
    expect(signUnsubscribeToken(claims, 'short')).toBeUndefined();
  });

  it('refuses a truncated token, wherever it was cut', () => {
    const token = sign();
    for (let length = 0; length < token.length; length++) {
      expect(refusal(token.slice(0, length)), `cut at ${length}`).not.toBe('accepted');
    }
    expect(refusal(token.slice(0, -2))).toBe('bad_signature');
    expect(refusal(token.slice(0, token.indexOf('.') + 1))).toBe('not_base64url');
  });

  it('refuses an overlong token before decoding it, and signs none', () => {
    expect(refusal(`${'A'.repeat(MAX_TOKEN_CHARS)}.${'B'.repeat(22)}`)).toBe('too_long');
    expect(refusal('A'.repeat(1_000_000))).toBe('too_long');
    expect(refusal(`${sign()}A`)).toBe('bad_signature');
    expect(signUnsubscribeToken({ ...claims, customerId: 'x'.repeat(129) }, SECRET)).toBeUndefined();
  });

  it('refuses what is not base64url, or not its canonical spelling', () => {
    const [payload, mac] = sign().split('.') as [string, string];
    expect(refusal(`${payload}.${mac.slice(0, -2)}+/`)).toBe('not_base64url');
    expect(refusal(`${payload}=.${mac}`)).toBe('not_base64url');
    expect(refusal(`${payload.slice(0, -1)}!.${mac}`)).toBe('not_base64url');
    expect(refusal(`${payload} .${mac}`)).toBe('not_base64url');
    // The same bytes spelt with other trailing bits: refused, so a token has one spelling.
    const last = mac.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    expect(refusal(`${payload}.${mac.slice(0, -1)}${sibling}`)).toBe('not_base64url');
  });

  it('refuses another version, by name, even when signed', () => {
    expect(refusal(forge('[2,"acme","email","cust-42"]'))).toBe('unsupported_version');
    expect(refusal(forge('[0,"acme","email","cust-42"]'))).toBe('unsupported_version');
    expect(refusal(forge('[1,"acme","email","cust-42"]'))).toBe('accepted');
  });

  it('refuses malformed payloads and claims, even when signed', () => {
    expect(refusal(forge('{"v":1}'))).toBe('malformed_payload');
    expect(refusal(forge('not json'))).toBe('malformed_payload');
    expect(refusal(forge('["1","acme","email","c"]'))).toBe('malformed_payload');
    expect(refusal(forge('[1,"acme","webhook","cust-42"]'))).toBe('invalid_claims');
    expect(refusal(forge('[1,"ACME","email","cust-42"]'))).toBe('invalid_claims');
    expect(refusal(forge('[1,"acme","email",""]'))).toBe('invalid_claims');
    expect(refusal(forge('[1,"acme","email",42]'))).toBe('invalid_claims');
    expect(refusal(forge('[1,"acme","email","c","extra"]'))).toBe('invalid_claims');
    const invalidUtf8 = `${Buffer.from([0x5b, 0x31, 0xff, 0x5d]).toString('base64url')}.${'A'.repeat(22)}`;
    expect(refusal(invalidUtf8)).toBe('malformed_payload');
  });

  it('refuses whatever it is given without throwing', () => {
    for (const hostile of [undefined, null, 42, {}, [], '', '.', '..', 'a.b.c', '.abc', 'abc.', '\u0000.\u0000']) {
      expect(() => openUnsubscribeToken(hostile, SECRET)).not.toThrow();
      expect(refusal(hostile)).not.toBe('accepted');
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 900 }), (text) => {
        expect(() => openUnsubscribeToken(text, SECRET)).not.toThrow();
        expect(openUnsubscribeToken(text, SECRET).ok).toBe(false);
      }),
    );
  });
});

describe('the unsubscribe link and event', () => {
  it('puts the token under /u/ of the base URL, whatever its trailing slashes', () => {
    expect(unsubscribeUrl('https://api.example.com/', 'T.M')).toBe('https://api.example.com/u/T.M');
    expect(unsubscribeUrl('https://shop.example/growthloop', 'T.M')).toBe('https://shop.example/growthloop/u/T.M');
  });

  it('withdraws consent on the channel, with an event id the same for the same token and day', () => {
    const read = readUnsubscribeToken(sign({ ...claims, channel: 'sms' }));
    if (!read.ok) throw new Error(read.reason);
    const morning = unsubscribeEvent(read.value, Date.parse('2026-05-04T08:00:00Z'));
    expect(morning).toMatchObject({
      type: 'consent_changed',
      tenantId: 'acme',
      customerId: 'cust-42',
      occurredAt: '2026-05-04T08:00:00.000Z',
      source: 'unsubscribe',
      properties: { channel: 'sms', granted: false },
    });
    expect(morning.eventId.length).toBeLessThanOrEqual(128);
    expect(unsubscribeEvent(read.value, Date.parse('2026-05-04T21:00:00Z')).eventId).toBe(morning.eventId);
    expect(unsubscribeEvent(read.value, Date.parse('2026-05-09T08:00:00Z')).eventId).not.toBe(morning.eventId);
    const other = readUnsubscribeToken(sign({ ...claims, customerId: 'cust-43', channel: 'sms' }));
    if (!other.ok) throw new Error(other.reason);
    expect(unsubscribeEvent(other.value, Date.parse('2026-05-04T08:00:00Z')).eventId).not.toBe(morning.eventId);
  });
});

describe('the unsubscribe pages', () => {
  it('speak Chinese to zh* and English otherwise', () => {
    expect(pageLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh');
    expect(pageLanguage('zh-Hant-TW')).toBe('zh');
    expect(pageLanguage('en-US,en;q=0.9,zh-CN;q=0.8')).toBe('en');
    expect(pageLanguage('fr-FR, zh;q=0.5')).toBe('zh');
    expect(pageLanguage('fr-FR, de;q=0.9')).toBe('en');
    expect(pageLanguage('en;q=0.2, zh;q=0.7')).toBe('zh');
    expect(pageLanguage('zh;q=0, en')).toBe('en');
    expect(pageLanguage(undefined)).toBe('en');
    expect(pageLanguage(';;;,,=q')).toBe('en');
  });

  it('ask before unsubscribing, with a form that posts the one-click body', () => {
    const page = renderUnsubscribePage({ kind: 'confirm', channel: 'email' }, 'en');
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('marketing e-mails');
    expect(page).toMatch(/<form method="post">.*name="List-Unsubscribe" value="One-Click".*<button type="submit">/);
    expect(page).not.toMatch(/<script|https?:\/\//);
  });

  it('are complete in each language: no English on a Chinese page', () => {
    for (const page of [
      { kind: 'confirm', channel: 'sms' },
      { kind: 'done', channel: 'push' },
      { kind: 'invalid' },
      { kind: 'bad_request' },
      { kind: 'unknown_store' },
      { kind: 'error' },
    ] as const) {
      const zh = renderUnsubscribePage(page, 'zh');
      expect(zh).toContain('<html lang="zh-CN">');
      const text = zh
        .replace(/<style>.*<\/style>/s, '')
        .replace(/<[^>]*>/g, ' ')
        .replace(/&\w+;/g, ' ');
      expect(text, page.kind).not.toMatch(/[A-Za-z]{2,}/);
      expect(text, page.kind).toMatch(/[\u4e00-\u9fff]/);
      expect(renderUnsubscribePage(page, 'en')).not.toMatch(/[\u4e00-\u9fff]/);
    }
    expect(PAGE_STATUS).toMatchObject({ confirm: 200, done: 200, invalid: 400, unknown_store: 404 });
  });
});
