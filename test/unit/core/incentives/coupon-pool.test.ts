import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codesFromCsv, codesFromList } from '../../../../functions/core/incentives/code-list';
import {
  CouponPoolSettings,
  DEFAULT_ALPHABET,
  expiryOf,
  generateCode,
  generateCodes,
  LOOK_ALIKES,
  messageCoupon,
  normalizeCode,
  parseExpiryDuration,
  poolExpired,
  refusalOf,
} from '../../../../functions/core/incentives/coupon-pool';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-01T10:00:00Z');

/** A deterministic random source from fast-check's bytes, cycling. */
const bytesFrom = (seed: number[]) => {
  let at = 0;
  return (count: number) => Uint8Array.from({ length: count }, () => seed[at++ % seed.length] as number);
};
/** A seeded pseudo-random source (xorshift32), for many draws. */
const seeded = (seed: number) => {
  let x = seed | 0 || 1;
  return (count: number) =>
    Uint8Array.from({ length: count }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
};

const generated = (extra: Record<string, unknown> = {}) =>
  CouponPoolSettings.parse({
    id: 'welcome',
    kind: 'generated',
    pattern: { prefix: 'wel-', length: 8 },
    count: 1000,
    value: { type: 'amount', amount: { amount: 500, currency: 'EUR' } },
    ...extra,
  });

describe('coupon pool settings', () => {
  it('takes a generated pool with the look-alike-free alphabet by default and upper-cases its prefix', () => {
    const pool = generated();
    expect(pool).toMatchObject({
      kind: 'generated',
      singleUse: true,
      pattern: { prefix: 'WEL-', alphabet: DEFAULT_ALPHABET },
    });
    for (const c of LOOK_ALIKES) expect(DEFAULT_ALPHABET).not.toContain(c);
  });

  it('refuses an alphabet with look-alike characters, lower case or repeats, naming them', () => {
    const bad = CouponPoolSettings.safeParse({
      id: 'p',
      kind: 'generated',
      pattern: { length: 10, alphabet: 'ACDEFGHJKO0' },
      count: 10,
      value: { type: 'free_shipping' },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.message).join('; ')).toContain('look-alike characters O, 0');
    expect(
      CouponPoolSettings.safeParse({ ...generated(), pattern: { length: 10, alphabet: 'acdefghjkm' } }).success,
    ).toBe(false);
    expect(
      CouponPoolSettings.safeParse({ ...generated(), pattern: { length: 10, alphabet: 'ACDEFGHJKMA' } }).success,
    ).toBe(false);
  });

  it('refuses a pattern too short for its count: a million possible codes for each', () => {
    const short = CouponPoolSettings.safeParse({ ...generated(), pattern: { length: 5 }, count: 1000 });
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]?.path).toEqual(['pattern', 'length']);
  });

  it('takes the four kinds of value, a minimum spend and budgets; a money budget needs a cost per coupon', () => {
    const base = { id: 'u', kind: 'uploaded' } as const;
    for (const value of [
      { type: 'amount', amount: { amount: 500, currency: 'EUR' } },
      { type: 'percent', percent: 15 },
      { type: 'free_shipping' },
      { type: 'gift', sku: 'TOTE-1' },
    ])
      expect(CouponPoolSettings.safeParse({ ...base, value }).success).toBe(true);
    expect(
      CouponPoolSettings.safeParse({
        ...base,
        value: { type: 'percent', percent: 10 },
        budget: { money: { amount: 10_000, currency: 'EUR' } },
      }).success,
    ).toBe(false);
    expect(
      CouponPoolSettings.safeParse({
        ...base,
        value: { type: 'percent', percent: 10 },
        minimumSpend: { amount: 3000, currency: 'EUR' },
        budget: {
          count: 100,
          money: { amount: 10_000, currency: 'EUR' },
          costPerCoupon: { amount: 300, currency: 'EUR' },
        },
      }).success,
    ).toBe(true);
    expect(
      CouponPoolSettings.safeParse({
        ...base,
        value: { type: 'amount', amount: { amount: 500, currency: 'EUR' } },
        budget: { money: { amount: 10_000, currency: 'USD' } },
      }).success,
    ).toBe(false);
  });

  it('takes expiry as an instant, an ISO-8601 duration or days, and refuses a bad duration', () => {
    for (const expiry of [{ at: '2026-12-31T23:59:59Z' }, { after: 'P3D' }, { after: 'PT12H' }, { days: 3 }])
      expect(CouponPoolSettings.safeParse({ ...generated(), expiry }).success).toBe(true);
    for (const expiry of [{ after: 'P1M' }, { after: 'P' }, { after: 'PT' }, { after: 'P0D' }, { days: 0 }])
      expect(CouponPoolSettings.safeParse({ ...generated(), expiry }).success).toBe(false);
  });
});

describe('generated codes', () => {
  it('never hold a look-alike character and follow the pattern', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }),
        fc.integer({ min: 4, max: 32 }),
        fc.constantFrom('', 'WEL-', 'X'),
        (seed, length, prefix) => {
          const code = generateCode({ prefix, length, alphabet: DEFAULT_ALPHABET }, bytesFrom([...seed, 1, 2, 3]));
          expect(code.startsWith(prefix)).toBe(true);
          const random = code.slice(prefix.length);
          expect(random).toHaveLength(length);
          for (const c of random) {
            expect(DEFAULT_ALPHABET).toContain(c);
            expect(LOOK_ALIKES).not.toContain(c);
          }
        },
      ),
    );
  });

  it('are distinct within a pool and avoid the codes already taken', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 500 }), (seed, count) => {
        const random = seeded(seed);
        const pattern = { prefix: 'P', length: 8, alphabet: DEFAULT_ALPHABET };
        const taken = new Set(generateCodes(pattern, 20, seeded(seed)));
        const codes = generateCodes(pattern, count, random, taken);
        expect(new Set(codes).size).toBe(count);
        for (const code of codes) expect(taken.has(code)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('draw every character of the alphabet evenly (no modulo bias)', () => {
    const code = generateCode({ prefix: '', length: 25_000, alphabet: DEFAULT_ALPHABET }, seeded(7));
    const counts = new Map<string, number>();
    for (const c of code) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(DEFAULT_ALPHABET.length);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });

  it('stop with an error when the pattern cannot give that many distinct codes', () => {
    const constant = () => new Uint8Array(64); // always the first character
    expect(() => generateCodes({ prefix: '', length: 4, alphabet: DEFAULT_ALPHABET }, 2, constant)).toThrow(
      /distinct codes/,
    );
  });
});

describe('codes for lookup', () => {
  it('normalize case, spaces around and compatibility forms', () => {
    expect(normalizeCode('  welcome-5 ')).toBe('WELCOME-5');
    expect(normalizeCode('ＷＥＬＣＯＭＥ')).toBe('WELCOME');
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        expect(normalizeCode(normalizeCode(s))).toBe(normalizeCode(s));
      }),
    );
  });

  it('come from a list, refusing repeats (compared without case) and invalid codes with their lines', () => {
    expect(codesFromList(['A1', 'b2'])).toEqual({
      ok: true,
      entries: [
        { line: 1, code: 'A1', normalized: 'A1' },
        { line: 2, code: 'b2', normalized: 'B2' },
      ],
    });
    const refused = codesFromList(['SAVE10', 'x y', 'save10 ', '']);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.problems.map((p) => [p.line, p.problem])).toEqual([
      [2, 'invalid'],
      [3, 'duplicate'],
      [4, 'invalid'],
    ]);
    expect(refused.problems[1]).toMatchObject({ firstLine: 1 });
  });

  it('come from a CSV with a code column or from its first column, with the lines of the file', () => {
    const csv = 'id,Code,note\n1,SAVE-A,x\n\n2,SAVE-B,y\n3,save-a,z\n';
    const refused = codesFromCsv(csv);
    expect(refused).toMatchObject({ ok: false, problems: [{ line: 5, problem: 'duplicate', firstLine: 2 }] });
    expect(codesFromCsv('AAA1\nBBB2\n')).toMatchObject({
      ok: true,
      entries: [
        { line: 1, code: 'AAA1' },
        { line: 2, code: 'BBB2' },
      ],
    });
    expect(codesFromCsv('"unterminated\n')).toMatchObject({ ok: false });
  });
});

describe('expiry', () => {
  it('is relative to the issue time: the welcome gift expires 3 days after it is given', () => {
    expect(expiryOf({ days: 3 }, T0)).toBe(T0 + 3 * DAY);
    expect(expiryOf({ after: 'P3D' }, T0)).toBe(T0 + 3 * DAY);
    expect(expiryOf({ after: 'PT12H' }, T0 + HOUR)).toBe(T0 + 13 * HOUR);
    expect(expiryOf({ after: 'P1W' }, T0)).toBe(T0 + 7 * DAY);
  });

  it('is absolute when the pool says an instant, and never later than it', () => {
    const at = { at: '2026-03-02T00:00:00Z' };
    expect(expiryOf(at, T0)).toBe(Date.parse('2026-03-02T00:00:00Z'));
    expect(expiryOf(at, T0, '3d')).toBe(Date.parse('2026-03-02T00:00:00Z'));
    expect(expiryOf(at, T0, '2h')).toBe(T0 + 2 * HOUR);
    expect(poolExpired(at, Date.parse('2026-03-02T00:00:00Z'))).toBe(true);
    expect(poolExpired(at, T0)).toBe(false);
    expect(poolExpired({ days: 3 }, T0 + 1000 * DAY)).toBe(false);
  });

  it("takes the action's own duration over the pool's, and none means never", () => {
    expect(expiryOf({ days: 30 }, T0, 'P3D')).toBe(T0 + 3 * DAY);
    expect(expiryOf(undefined, T0, '1h30m')).toBe(T0 + 90 * 60_000);
    expect(expiryOf(undefined, T0)).toBeUndefined();
    expect(parseExpiryDuration('P2DT6H')).toBe(54 * HOUR);
    expect(() => parseExpiryDuration('P1Y')).toThrow(RangeError);
  });
});

describe('refusals and messages', () => {
  it('tell exhausted from budget from bounds that moved', () => {
    expect(refusalOf({ taken: 10, spent: 0 }, { size: 10 })).toBe('exhausted');
    expect(refusalOf({ taken: 5, spent: 0 }, { size: 10, budget: { count: 5 } })).toBe('budget');
    expect(
      refusalOf(
        { taken: 3, spent: 1500 },
        { size: 10, budget: { money: { amount: 1800, currency: 'EUR' } }, cost: 500 },
      ),
    ).toBe('budget');
    expect(refusalOf({ taken: 3, spent: 0 }, { size: 10 })).toBe('retry');
  });

  it('show a coupon to a template with its kind, value and minimum spend', () => {
    expect(
      messageCoupon({
        code: 'WEL-ACDE',
        value: { type: 'amount', amount: { amount: 500, currency: 'EUR' } },
        expiresAt: '2026-03-04T10:00:00.000Z',
        minimumSpend: { amount: 3000, currency: 'EUR' },
      }),
    ).toEqual({
      code: 'WEL-ACDE',
      kind: 'amount',
      value: { amount: 500, currency: 'EUR' },
      expiresAt: '2026-03-04T10:00:00.000Z',
      minSpend: { amount: 3000, currency: 'EUR' },
    });
    expect(messageCoupon({ code: 'X', value: { type: 'percent', percent: 10 } })).toEqual({
      code: 'X',
      kind: 'percent',
      percent: 10,
    });
  });
});
