const exponents = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (JPY 0, EUR 2, KWD 3), from the runtime's ICU data. */
export function currencyExponent(currency: string): number {
  let digits = exponents.get(currency);
  if (digits !== undefined) return digits;
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new Error(`${JSON.stringify(currency)} is not an ISO 4217 currency code such as EUR`);
  }
  digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  exponents.set(currency, digits);
  return digits;
}
