import { describe, expect, it } from 'vitest';
import { currencyExponent } from '../../../functions/core/currency';
import { toMinorUnits } from '../../../functions/platforms/money';

describe('decimal amounts to minor units', () => {
  it('knows each currency exponent from ISO 4217', () => {
    expect([currencyExponent('JPY'), currencyExponent('EUR'), currencyExponent('KWD')]).toEqual([0, 2, 3]);
  });

  it('converts exactly, without float multiplication', () => {
    expect(toMinorUnits('10', 'EUR')).toBe(1000);
    expect(toMinorUnits('10.5', 'EUR')).toBe(1050);
    expect(toMinorUnits('0.10', 'EUR')).toBe(10);
    expect(toMinorUnits('404.95', 'USD')).toBe(40495);
    expect(toMinorUnits('1.005', 'KWD')).toBe(1005);
    expect(toMinorUnits('0.29', 'USD')).toBe(29); // 0.29 * 100 is 28.999999999999996 in floats
    expect(toMinorUnits('1.13', 'USD')).toBe(113);
    expect(toMinorUnits(89.99, 'USD')).toBe(8999);
    expect(toMinorUnits('90071992547409.91', 'USD')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('takes a zero-decimal currency as whole units and accepts trailing zeros only', () => {
    expect(toMinorUnits('1500', 'JPY')).toBe(1500);
    expect(toMinorUnits('1500.00', 'JPY')).toBe(1500);
    expect(() => toMinorUnits('1500.5', 'JPY')).toThrow(/more than 0 decimal places/);
    expect(() => toMinorUnits('1.0005', 'KWD')).toThrow(/more than 3 decimal places/);
    expect(() => toMinorUnits('10.999', 'EUR')).toThrow(/more than 2 decimal places/);
  });

  it('rejects negative, malformed and oversized amounts and bad currency codes with a clear error', () => {
    expect(() => toMinorUnits('-10.00', 'EUR')).toThrow(/negative/);
    expect(toMinorUnits('-10.00', 'EUR', { allowNegative: true })).toBe(-1000);
    for (const garbage of ['', ' 10', '10 ', '1,000.00', '.5', '5.', '+5', '1e3', 'abc', '0x10', '10.5.1']) {
      expect(() => toMinorUnits(garbage, 'EUR'), garbage).toThrow(/is not a decimal amount/);
    }
    expect(() => toMinorUnits(Number.NaN, 'EUR')).toThrow(/not a finite number/);
    expect(() => toMinorUnits(0.1 + 0.2, 'EUR')).toThrow(/more than 2 decimal places/);
    expect(() => toMinorUnits('90071992547409.92', 'USD')).toThrow(/too large/);
    expect(() => toMinorUnits('10', 'usd')).toThrow(/not an ISO 4217 currency code/);
  });
});
