// Decimal strings → integer minor units, exactly (no float arithmetic). Shared by the platform mappings.
import { currencyExponent } from '../core/currency';

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * `'404.95'`, `'USD'` → `40495`; `'1000'`, `'JPY'` → `1000`; `'1.250'`, `'KWD'` → `1250`.
 * A number is read through its shortest decimal form (`89.99` → `'89.99'`), so `0.1 + 0.2` is refused
 * rather than rounded. Throws an Error naming the problem for a malformed amount, a negative amount
 * (unless `allowNegative`), more fraction digits than the currency has (trailing zeros aside), or a
 * result beyond Number.MAX_SAFE_INTEGER.
 */
export function toMinorUnits(
  amount: string | number,
  currency: string,
  options: { allowNegative?: boolean } = {},
): number {
  const exponent = currencyExponent(currency);
  let text: string;
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount)) throw new Error(`the amount ${amount} is not a finite number`);
    text = String(amount);
  } else if (typeof amount === 'string') {
    text = amount;
  } else {
    throw new Error(`the amount must be a decimal string such as "12.50", not ${typeof amount}`);
  }
  const match = DECIMAL.exec(text);
  if (match === null) throw new Error(`${JSON.stringify(text)} is not a decimal amount such as "12.50"`);
  const [, sign, whole, fraction = ''] = match as unknown as [string, string, string, string | undefined];
  if (sign === '-' && !options.allowNegative) throw new Error(`the amount ${text} is negative`);
  let digits = fraction;
  if (digits.length > exponent) {
    if (!/^0*$/.test(digits.slice(exponent))) {
      throw new Error(`the amount ${text} has more than ${exponent} decimal places, the most ${currency} allows`);
    }
    digits = digits.slice(0, exponent);
  }
  const minor = Number(whole + digits.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) throw new Error(`the amount ${text} ${currency} is too large`);
  return sign === '-' && minor !== 0 ? -minor : minor;
}
