/**
 * Provider rate limits as a token bucket: `rate` tokens a second flow in, at most `burst` are
 * held, one message takes one token (or `n`).
 *
 * The bucket is shared by every dispatcher instance, so it is meant to live in ONE stored item
 * `{tokens, at, version}`: read it, `take`, and write the returned bucket with a versioned
 * conditional write (retry from a fresh read when another instance wrote first). A refusal
 * needs no write: the caller waits `waitMs` (requeues the message with that delay; throttling is
 * never a failure) and tries again. Clocks of instances differ a little: a bucket stamped later
 * than `now` refills nothing until `now` passes its stamp, and its stamp never moves back, so no
 * token is counted twice.
 */

/** The tokens a bucket held at instant `at` (epoch ms); fractions are tokens on their way. */
export type TokenBucket = { tokens: number; at: number };

/** The bucket to store, and either a token taken or how long to wait (ms) until `n` are there. */
export type TakeResult = { ok: true; bucket: TokenBucket } | { ok: false; bucket: TokenBucket; waitMs: number };

function check(rate: number, burst: number, n: number): void {
  if (!(Number.isFinite(rate) && rate > 0))
    throw new RangeError(`rate must be a positive number per second, got ${rate}`);
  if (!(Number.isFinite(burst) && burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
  if (!(Number.isInteger(n) && n >= 1 && n <= burst)) {
    throw new RangeError(`a take needs a whole number of tokens from 1 to the burst (${burst}), got ${n}`);
  }
}

/** The bucket at `now`: refilled at `rate` a second since its stamp, never above `burst`; new buckets start full. */
export function refill(bucket: TokenBucket | undefined, now: number, rate: number, burst: number): TokenBucket {
  if (!bucket) return { tokens: burst, at: now };
  const elapsed = Math.max(0, now - bucket.at);
  return {
    tokens: Math.min(burst, Math.max(0, bucket.tokens) + (elapsed * rate) / 1000),
    at: Math.max(bucket.at, now),
  };
}

/** Takes `n` tokens (default 1) at `now` from `bucket` (undefined: a new, full bucket), or says how long to wait. */
export function take(bucket: TokenBucket | undefined, now: number, rate: number, burst: number, n = 1): TakeResult {
  check(rate, burst, n);
  const current = refill(bucket, now, rate, burst);
  if (current.tokens >= n) return { ok: true, bucket: { tokens: current.tokens - n, at: current.at } };
  const waitMs = Math.max(1, Math.ceil(((n - current.tokens) * 1000) / rate) + (current.at - now));
  return { ok: false, bucket: current, waitMs };
}
