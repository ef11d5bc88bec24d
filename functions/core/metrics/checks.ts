/**
 * Argument checks for the measurement functions. Their callers are our own use cases, which
 * count members and conversions themselves, so a bad count is a programming error: it throws
 * a RangeError naming the field rather than letting NaN reach a report.
 */

/** `value` must be a safe integer ≥ `min`. */
export function assertCount(field: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${field} must be an integer, got ${value}`);
  if (value < min) throw new RangeError(`${field} must be at least ${min}, got ${value}`);
}

/** `n` members (at least one) of whom `x` converted; the names are the caller's fields. */
export function assertArm(xField: string, x: number, nField: string, n: number): void {
  assertCount(nField, n, 1);
  assertCount(xField, x);
  if (x > n) throw new RangeError(`${xField} (${x}) must not exceed ${nField} (${n})`);
}

/** `value` must lie strictly between 0 and 1 (a confidence, a share, a rate, a power). */
export function assertOpenUnit(field: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${field} must be strictly between 0 and 1, got ${value}`);
}
