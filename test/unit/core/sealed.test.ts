import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../functions/core/events/schemas';
import {
  DATA_KEY_BYTES,
  holdsSealedFields,
  IV_BYTES,
  openEvent,
  openValue,
  SEALED_PREFIX,
  sealEvent,
  sealValue,
} from '../../../functions/core/privacy/sealed';

const owner = { tenantId: 'shop-a', customerId: 'cust-1' };
const path = ['properties', 'traits', 'email'];
const key = () => randomBytes(DATA_KEY_BYTES);
const iv = () => randomBytes(IV_BYTES);

const identify = (traits: Record<string, string | number | boolean | null>): CanonicalEvent => ({
  type: 'identify',
  tenantId: owner.tenantId,
  customerId: owner.customerId,
  eventId: 'identify-1',
  occurredAt: '2026-11-20T09:00:00Z',
  source: 'api',
  properties: { traits, timezone: 'Europe/Berlin' },
});

describe('a sealed field', () => {
  it('opens only with the key it was sealed with, for its customer and field', () => {
    const k = key();
    const sealed = sealValue(k, iv(), owner, path, 'ada@example.com');
    expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
    expect(sealed).not.toContain('ada@example.com');
    expect(Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url').toString('latin1')).not.toContain('ada@');
    expect(openValue(k, owner, path, sealed)).toEqual({ value: 'ada@example.com' });
    expect(openValue(key(), owner, path, sealed)).toBeUndefined();
    expect(openValue(undefined, owner, path, sealed)).toBeUndefined();
    expect(openValue(k, { ...owner, customerId: 'cust-2' }, path, sealed)).toBeUndefined();
    expect(openValue(k, { ...owner, tenantId: 'shop-b' }, path, sealed)).toBeUndefined();
    expect(openValue(k, owner, ['properties', 'traits', 'phone'], sealed)).toBeUndefined();
  });

  it('does not open once altered, and two seals of one value differ', () => {
    const k = key();
    const sealed = sealValue(k, iv(), owner, path, '+4915112345678');
    const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
    for (const at of [0, IV_BYTES, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] = (altered[at] as number) ^ 1;
      expect(openValue(k, owner, path, SEALED_PREFIX + altered.toString('base64url'))).toBeUndefined();
    }
    expect(sealValue(k, iv(), owner, path, '+4915112345678')).not.toBe(sealed);
  });

  it('gives back every trait value as it was, types included', () => {
    const value = fc.oneof(fc.string({ maxLength: 256 }), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(value, (v) => {
        const k = key();
        const opened = openValue(k, owner, path, sealValue(k, iv(), owner, path, v));
        expect(opened).toEqual({ value: Number.isFinite(v) || typeof v !== 'number' ? v : null });
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });
});

describe('a sealed event', () => {
  const names = ['email', 'phone', 'first_name', 'constructor', '__proto__', 'toString'];
  const traits = () => {
    const t: Record<string, string | number | boolean | null> = {};
    for (const name of names) Object.defineProperty(t, name, { value: `${name}-value`, enumerable: true });
    return t;
  };

  it('carries no trait value in clear, and opens to the same traits with its key', () => {
    const k = key();
    const event = identify(traits());
    const sealed = sealEvent(event, k, iv);
    const text = JSON.stringify(sealed);
    for (const name of names) expect(text).not.toContain(`${name}-value`);
    expect(holdsSealedFields(JSON.parse(text))).toBe(true);
    const { detail, shredded } = openEvent(JSON.parse(text), k);
    expect(shredded).toBe(0);
    expect(detail).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it('opens without its key (erased) to no personal field, the rest of the event intact', () => {
    const sealed = JSON.parse(JSON.stringify(sealEvent(identify(traits()), key(), iv)));
    for (const k of [undefined, key()]) {
      const { detail, shredded } = openEvent(sealed, k);
      expect(shredded).toBe(names.length);
      expect(detail).toMatchObject({ type: 'identify', customerId: owner.customerId, eventId: 'identify-1' });
      expect((detail as { properties: { traits: object; timezone: string } }).properties).toEqual({
        traits: {},
        timezone: 'Europe/Berlin',
      });
    }
  });

  it('leaves events without personal fields, and values that were never sealed, as they are', () => {
    const order = { ...identify({}), type: 'order_placed', properties: { orderId: 'o-1' } };
    expect(sealEvent(order as CanonicalEvent, key(), iv)).toBe(order);
    const plain = JSON.parse(JSON.stringify(identify({ plan: 'plus' })));
    expect(openEvent(plain, undefined)).toEqual({ detail: plain, shredded: 0 });
  });
});
