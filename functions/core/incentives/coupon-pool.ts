/**
 * Coupon pools, pure: what a pool is (its settings), how its codes are written, generated and
 * normalized, and when an issued coupon expires. No I/O, no clock, no randomness: random bytes
 * come in through a RandomBytes function and instants as epoch milliseconds.
 *
 * A pool holds either uploaded codes (the store's own, from a CSV or a list) or codes generated
 * from a pattern: a prefix and `length` characters drawn from an alphabet without look-alike
 * characters. Its value is an amount, a percent, free shipping or a gift; it may ask a minimum
 * spend, expire at an instant or some time after it is given, and be bounded by a budget in
 * coupons and in money.
 */

import { z } from 'zod';
import { Money } from '../events/schemas';
import { parseDuration } from '../journeys/local-time';

/** Characters a reader confuses with another (0/O, 1/I/L, 5/S, 2/Z, 8/B): never in a generated code. */
export const LOOK_ALIKES = '0O1IL5S2Z8B';
/** Upper-case letters and digits without the look-alikes: 25 characters. */
export const DEFAULT_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
/**
 * How many possible codes a generated pool needs for each of its codes: a guessed code hits one of
 * the pool's at most once in a million tries, and generation draws few collisions.
 */
export const CODE_SPACE_PER_CODE = 1_000_000;
/** The most codes a pool generates at once. */
export const MAX_GENERATED = 1_000_000;
/** A normalized code: letters, digits, `-`, `_` and `.`, at most 64 characters. */
export const MAX_CODE_LENGTH = 64;

export const PoolId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, - or _, starting with a letter or digit');

const CODE_CHARACTERS = /^[\p{L}\p{N}_.-]+$/u;

/**
 * The form a code is looked up by: Unicode-compatibility folded (NFKC), trimmed and upper-cased, so
 * " welcome-5 " and "WELCOME-5" are one code. Stores treat codes case-insensitively (Shopify,
 * WooCommerce), and so does growthloop.
 */
export function normalizeCode(code: string): string {
  return code.normalize('NFKC').trim().toUpperCase();
}

/** Why a code (already normalized or not) cannot be a coupon code, or undefined when it can. */
export function codeProblem(code: string): string | undefined {
  const normalized = normalizeCode(code);
  if (normalized.length === 0) return 'is empty';
  if (normalized.length > MAX_CODE_LENGTH) return `is longer than ${MAX_CODE_LENGTH} characters`;
  if (!CODE_CHARACTERS.test(normalized)) return 'may hold only letters, digits, -, _ and .';
  return undefined;
}

const Alphabet = z
  .string()
  .min(10, 'must have at least 10 characters')
  .max(64)
  .check((ctx) => {
    const chars = [...ctx.value];
    const push = (message: string) => ctx.issues.push({ code: 'custom', message, input: ctx.value });
    if (chars.some((c) => !/^[A-Z0-9]$/.test(c))) push('may hold only upper-case letters A–Z and digits');
    const looks = chars.filter((c) => LOOK_ALIKES.includes(c));
    if (looks.length > 0) push(`holds look-alike characters ${[...new Set(looks)].join(', ')} (never ${LOOK_ALIKES})`);
    if (new Set(chars).size !== chars.length) push('holds a character twice');
  });

/** A generated code: `prefix` then `length` characters drawn from `alphabet`. */
export const CodePattern = z.strictObject({
  prefix: z
    .string()
    .max(16)
    .regex(/^[A-Za-z0-9_-]*$/, 'may hold only letters, digits, - and _')
    .transform((p) => p.toUpperCase())
    .default(''),
  length: z.int().min(4).max(32),
  alphabet: Alphabet.default(DEFAULT_ALPHABET),
});
export type CodePattern = z.output<typeof CodePattern>;

export const CouponValue = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('amount'), amount: Money.refine((m) => m.amount > 0, 'must be more than 0') }),
  z.strictObject({ type: z.literal('percent'), percent: z.number().gt(0).max(100) }),
  z.strictObject({ type: z.literal('free_shipping') }),
  z.strictObject({ type: z.literal('gift'), sku: z.string().min(1).max(128) }),
]);
export type CouponValue = z.output<typeof CouponValue>;

const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/**
 * Milliseconds in a duration, written in ISO 8601 (`P3D`, `PT12H`, `P1W`, `P2DT6H`: weeks, days,
 * hours, minutes and seconds; a day is 24 hours of elapsed time, years and months are refused as
 * they have no fixed length) or as a journey writes it (`3d`, `1h30m`). Throws RangeError.
 */
export function parseExpiryDuration(text: string): number {
  if (!text.startsWith('P')) return parseDuration(text);
  const match = ISO_DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T'))
    throw new RangeError(
      `invalid duration ${JSON.stringify(text)}: an ISO 8601 duration of weeks, days, hours, minutes, seconds such as P3D or PT12H`,
    );
  let total = 0;
  for (let i = 0; i < UNIT_MS.length; i++) total += Number(match[i + 1] ?? 0) * (UNIT_MS[i] as number);
  if (!Number.isSafeInteger(total)) throw new RangeError(`invalid duration ${JSON.stringify(text)}: too long`);
  return total;
}

const ExpiryDuration = z.string().check((ctx) => {
  try {
    if (parseExpiryDuration(ctx.value) <= 0)
      ctx.issues.push({ code: 'custom', message: 'must be longer than 0', input: ctx.value });
  } catch (e) {
    ctx.issues.push({ code: 'custom', message: (e as Error).message, input: ctx.value });
  }
});

/** When an issued coupon stops being valid: at an instant, or some time after it was given. */
export const CouponExpiry = z.union([
  z.strictObject({ at: z.iso.datetime({ offset: true }) }),
  z.strictObject({ after: ExpiryDuration }),
  z.strictObject({ days: z.int().min(1).max(3660) }),
]);
export type CouponExpiry = z.output<typeof CouponExpiry>;

/**
 * Budgets: at most `count` coupons issued, and at most `money` of value handed out. An amount
 * coupon costs its amount; any other kind costs `costPerCoupon`, which a money budget then needs.
 */
export const CouponBudget = z.strictObject({
  count: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  money: Money.optional(),
  costPerCoupon: Money.optional(),
});
export type CouponBudget = z.output<typeof CouponBudget>;

const common = {
  id: PoolId,
  name: z.string().min(1).max(128).optional(),
  value: CouponValue,
  minimumSpend: Money.optional(),
  expiry: CouponExpiry.optional(),
  budget: CouponBudget.optional(),
  /** A code counts for one order (true, the default) or for every order it is used on. */
  singleUse: z.boolean().default(true),
};

export const CouponPoolSettings = z
  .discriminatedUnion('kind', [
    z.strictObject({ ...common, kind: z.literal('uploaded') }),
    z.strictObject({
      ...common,
      kind: z.literal('generated'),
      pattern: CodePattern,
      count: z.int().min(1).max(MAX_GENERATED),
    }),
  ])
  .check((ctx) => {
    const pool = ctx.value;
    const push = (path: PropertyKey[], message: string) =>
      ctx.issues.push({ code: 'custom', message, input: pool, path: path as string[] });
    const cost = couponCost(pool);
    if (pool.budget?.money) {
      if (!cost) push(['budget', 'costPerCoupon'], 'a money budget on coupons without an amount needs costPerCoupon');
      else if (cost.currency !== pool.budget.money.currency)
        push(['budget', 'money', 'currency'], `must be the coupon's currency, ${cost.currency}`);
    }
    if (pool.value.type === 'amount' && pool.budget?.costPerCoupon)
      push(['budget', 'costPerCoupon'], 'an amount coupon costs its amount');
    if (pool.minimumSpend && pool.value.type === 'amount' && pool.minimumSpend.currency !== pool.value.amount.currency)
      push(['minimumSpend', 'currency'], `must be the coupon's currency, ${pool.value.amount.currency}`);
    if (pool.kind === 'generated') {
      const space = pool.pattern.alphabet.length ** pool.pattern.length;
      if (space < pool.count * CODE_SPACE_PER_CODE)
        push(
          ['pattern', 'length'],
          `${pool.count} codes need at least ${CODE_SPACE_PER_CODE} possible codes each: make the codes longer`,
        );
      if (pool.pattern.prefix.length + pool.pattern.length > MAX_CODE_LENGTH)
        push(['pattern', 'length'], `prefix and length make codes longer than ${MAX_CODE_LENGTH} characters`);
    }
  });
export type CouponPoolSettings = z.output<typeof CouponPoolSettings>;
export type CouponPoolInput = z.input<typeof CouponPoolSettings>;

/** What one coupon of the pool costs against its money budget, when that is known. */
export function couponCost(pool: Pick<CouponPoolSettings, 'value' | 'budget'>): Money | undefined {
  return pool.value.type === 'amount' ? pool.value.amount : pool.budget?.costPerCoupon;
}

/** `count` random bytes (crypto.getRandomValues in the app; a seeded source in tests). */
export type RandomBytes = (count: number) => Uint8Array;

/** One code from the pattern: each character drawn uniformly (rejection sampling, no modulo bias). */
export function generateCode(pattern: CodePattern, random: RandomBytes): string {
  const { alphabet, length } = pattern;
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    const bytes = random(Math.max(8, (length - out.length) * 2));
    for (const byte of bytes) {
      if (byte >= limit) continue;
      out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return pattern.prefix + out;
}

/**
 * `count` distinct codes from the pattern, none in `taken` (normalized codes already in use). Throws
 * when the pattern cannot give that many within a generous number of draws (its space is too small).
 */
export function generateCodes(
  pattern: CodePattern,
  count: number,
  random: RandomBytes,
  taken: ReadonlySet<string> = new Set(),
): string[] {
  const codes = new Set<string>();
  const maxDraws = count * 10 + 100;
  for (let draws = 0; codes.size < count; draws++) {
    if (draws >= maxDraws) throw new RangeError(`the pattern gave only ${codes.size} distinct codes of ${count}`);
    const code = generateCode(pattern, random);
    if (!taken.has(code)) codes.add(code);
  }
  return [...codes];
}

/**
 * When a coupon issued at `issuedAt` expires (epoch ms), or undefined when it never does: the
 * earlier of the pool's instant and the time after issue (the action's `expiresIn` overrides the
 * pool's relative expiry, never its instant).
 */
export function expiryOf(expiry: CouponExpiry | undefined, issuedAt: number, expiresIn?: string): number | undefined {
  const at = expiry && 'at' in expiry ? Date.parse(expiry.at) : undefined;
  const relative =
    expiresIn !== undefined
      ? parseExpiryDuration(expiresIn)
      : expiry && 'after' in expiry
        ? parseExpiryDuration(expiry.after)
        : expiry && 'days' in expiry
          ? expiry.days * 86_400_000
          : undefined;
  const after = relative === undefined ? undefined : issuedAt + relative;
  if (at === undefined) return after;
  if (after === undefined) return at;
  return Math.min(at, after);
}

/** Whether a pool can no longer give a valid coupon: its expiry instant has passed. */
export function poolExpired(expiry: CouponExpiry | undefined, now: number): boolean {
  return expiry !== undefined && 'at' in expiry && Date.parse(expiry.at) <= now;
}

/** How many more coupons the pool may give under its size and count budget. */
export function issueLimit(size: number, budget: CouponBudget | undefined): number {
  return budget?.count === undefined ? size : Math.min(size, budget.count);
}

/**
 * Why an issue refused by the bounded counters was refused, from the counters read after the
 * refusal: every code given (`exhausted`), the count or money budget spent (`budget`), or neither
 * (the bounds moved: try again).
 */
export function refusalOf(
  counters: { taken: number; spent: number },
  pool: { size: number; budget?: CouponBudget | undefined; cost?: number | undefined },
): 'exhausted' | 'budget' | 'retry' {
  if (counters.taken + 1 > pool.size) return 'exhausted';
  if (pool.budget?.count !== undefined && counters.taken + 1 > pool.budget.count) return 'budget';
  const money = pool.budget?.money?.amount;
  if (money !== undefined && counters.spent + (pool.cost ?? 0) > money) return 'budget';
  return 'retry';
}

/** What a message template reads of a coupon (`coupon` in the template context: code, kind, value…). */
export type MessageCoupon = {
  code: string;
  kind: CouponValue['type'];
  expiresAt?: string;
  value?: Money;
  percent?: number;
  sku?: string;
  minSpend?: Money;
};

/** The coupon as a message shows it, from what issuing it answered. */
export function messageCoupon(coupon: {
  code: string;
  value: CouponValue;
  expiresAt?: string;
  minimumSpend?: Money;
}): MessageCoupon {
  const { value } = coupon;
  return {
    code: coupon.code,
    kind: value.type,
    ...(coupon.expiresAt !== undefined ? { expiresAt: coupon.expiresAt } : {}),
    ...(value.type === 'amount' ? { value: value.amount } : {}),
    ...(value.type === 'percent' ? { percent: value.percent } : {}),
    ...(value.type === 'gift' ? { sku: value.sku } : {}),
    ...(coupon.minimumSpend ? { minSpend: coupon.minimumSpend } : {}),
  };
}
