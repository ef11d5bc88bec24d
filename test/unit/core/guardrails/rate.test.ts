import { describe, expect, it } from 'vitest';
import { refill, type TokenBucket, take } from '../../../../functions/core/guardrails/rate';

describe('token bucket', () => {
  it('a new bucket starts full and gives out its burst at once', () => {
    let bucket: TokenBucket | undefined;
    for (let i = 0; i < 10; i++) {
      const r = take(bucket, 1000, 10, 10);
      expect(r.ok).toBe(true);
      bucket = r.bucket;
    }
    const refused = take(bucket, 1000, 10, 10);
    expect(refused).toEqual({ ok: false, bucket: { tokens: 0, at: 1000 }, waitMs: 100 });
    expect(take(refused.bucket, 1099, 10, 10).ok).toBe(false);
    expect(take(refused.bucket, 1100, 10, 10).ok).toBe(true);
  });

  it('refills at the rate, never above the burst', () => {
    expect(refill({ tokens: 0, at: 0 }, 250, 4, 5)).toEqual({ tokens: 1, at: 250 });
    expect(refill({ tokens: 2, at: 0 }, 60_000, 4, 5)).toEqual({ tokens: 5, at: 60_000 });
  });

  it('waits for all n tokens of a larger take', () => {
    expect(take({ tokens: 1, at: 0 }, 0, 2, 5, 3)).toMatchObject({ ok: false, waitMs: 1000 });
    expect(take({ tokens: 1, at: 0 }, 1000, 2, 5, 3)).toEqual({ ok: true, bucket: { tokens: 0, at: 1000 } });
  });

  it('a bucket stamped ahead of this clock refills nothing and its stamp never moves back', () => {
    const ahead = { tokens: 0, at: 5_000 };
    expect(take(ahead, 4_900, 10, 10)).toEqual({ ok: false, bucket: { tokens: 0, at: 5_000 }, waitMs: 200 });
    expect(take(ahead, 5_100, 10, 10)).toEqual({ ok: true, bucket: { tokens: 0, at: 5_100 } });
  });

  it('refuses a rate, burst or take it can never serve', () => {
    expect(() => take(undefined, 0, 0, 10)).toThrow(RangeError);
    expect(() => take(undefined, 0, 10, 0)).toThrow(RangeError);
    expect(() => take(undefined, 0, 10, 10, 11)).toThrow(RangeError);
    expect(() => take(undefined, 0, 10, 10, 1.5)).toThrow(RangeError);
  });

  it('a burst of 1,000 at 10/s: all delivered, never more than burst + rate × T in any T', () => {
    const rate = 10;
    const burst = 10;
    let bucket: TokenBucket | undefined;
    const sentAt: number[] = [];
    // Many dispatchers share the bucket; each message retries after the wait it was told.
    const waiting = Array.from({ length: 1000 }, () => 0);
    let now = 0;
    while (sentAt.length < 1000) {
      let next = Number.POSITIVE_INFINITY;
      for (let i = 0; i < waiting.length; i++) {
        if (waiting[i]! > now) {
          next = Math.min(next, waiting[i]!);
          continue;
        }
        if (waiting[i]! < 0) continue;
        const r = take(bucket, now, rate, burst);
        bucket = r.bucket;
        if (r.ok) {
          sentAt.push(now);
          waiting[i] = -1;
        } else {
          waiting[i] = now + r.waitMs;
          next = Math.min(next, waiting[i]!);
        }
      }
      if (sentAt.length < 1000) now = next;
    }
    expect(sentAt).toHaveLength(1000);
    for (let i = 0; i < sentAt.length; i++) {
      const inSecond = sentAt.filter((t) => t >= sentAt[i]! && t < sentAt[i]! + 1000).length;
      expect(inSecond).toBeLessThanOrEqual(burst + rate);
    }
    // After the burst, exactly the rate: the last message goes out at (1000 - burst) / rate seconds.
    expect(sentAt.at(-1)).toBe(99_000);
    const steady = sentAt.filter((t) => t >= 10_000 && t < 11_000).length;
    expect(steady).toBe(rate);
  });
});
