import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../../functions/core/channels/retry-after';
import {
  PROVIDER_RETRY_SCHEDULE,
  type RetrySchedule,
  retryDelay,
  retrySpanMs,
  WEBHOOK_RETRY_SCHEDULE,
} from '../../../../functions/core/channels/retry-schedule';
import type { ProviderFailure } from '../../../../functions/ports';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const noJitter: RetrySchedule = { ...WEBHOOK_RETRY_SCHEDULE, jitter: 0 };

describe('retryDelay', () => {
  it('follows the Standard Webhooks schedule, about 3 days in all, then dead-letters', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((attempt) =>
      retryDelay({ attempt, failure: 'transient', random: 0.5, schedule: WEBHOOK_RETRY_SCHEDULE }),
    );
    expect(waits).toEqual([5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(retrySpanMs(WEBHOOK_RETRY_SCHEDULE) / H).toBeCloseTo(75.6, 1);
    expect(retryDelay({ attempt: 10, failure: 'transient', random: 0.5, schedule: WEBHOOK_RETRY_SCHEDULE })).toBe(
      undefined,
    );
  });

  it('gives providers the shorter schedule: 10 s, 1 min, 10 min, 1 h, 6 h', () => {
    const waits = [1, 2, 3, 4, 5, 6].map((attempt) =>
      retryDelay({ attempt, failure: 'throttled', random: 0.5, schedule: PROVIDER_RETRY_SCHEDULE }),
    );
    expect(waits).toEqual([10 * S, M, 10 * M, H, 6 * H, undefined]);
  });

  it('never retries permanent, gone or unknown failures', () => {
    for (const failure of ['permanent', 'gone', 'unknown'] as ProviderFailure[])
      expect(retryDelay({ attempt: 1, failure, random: 0.3, schedule: WEBHOOK_RETRY_SCHEDULE })).toBe(undefined);
  });

  it('spreads each wait over ±20 % with the injected random number', () => {
    const at = (random: number) =>
      retryDelay({ attempt: 2, failure: 'transient', random, schedule: WEBHOOK_RETRY_SCHEDULE });
    expect(at(0)).toBe(4 * M);
    expect(at(0.999999)).toBeCloseTo(6 * M, -1);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, random) => {
          const base = WEBHOOK_RETRY_SCHEDULE.delaysMs[attempt - 1]!;
          const wait = retryDelay({ attempt, failure: 'transient', random, schedule: WEBHOOK_RETRY_SCHEDULE })!;
          return wait >= Math.floor(base * 0.8) && wait <= Math.ceil(base * 1.2);
        },
      ),
    );
  });

  it('never retries earlier than a Retry-After asks, and caps what it asks at 24 h', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10 * 24 * H }),
        (attempt, random, retryAfterMs) => {
          const wait = retryDelay({
            attempt,
            failure: 'throttled',
            random,
            retryAfterMs,
            schedule: WEBHOOK_RETRY_SCHEDULE,
          })!;
          const base = retryDelay({ attempt, failure: 'throttled', random, schedule: WEBHOOK_RETRY_SCHEDULE })!;
          return wait >= Math.min(retryAfterMs, 24 * H) && wait >= base && wait <= Math.max(base, 24 * H);
        },
      ),
    );
    expect(retryDelay({ attempt: 1, failure: 'throttled', random: 0, retryAfterMs: 120 * S, schedule: noJitter })).toBe(
      120 * S,
    );
    expect(
      retryDelay({ attempt: 1, failure: 'throttled', random: 0, retryAfterMs: 7 * 24 * H, schedule: noJitter }),
    ).toBe(24 * H);
    // a Retry-After shorter than the schedule does not hurry it
    expect(retryDelay({ attempt: 3, failure: 'throttled', random: 0, retryAfterMs: S, schedule: noJitter })).toBe(
      30 * M,
    );
  });

  it('still dead-letters an exhausted message that a provider asked to wait for', () => {
    expect(
      retryDelay({
        attempt: 6,
        failure: 'throttled',
        random: 0,
        retryAfterMs: 60 * S,
        schedule: PROVIDER_RETRY_SCHEDULE,
      }),
    ).toBe(undefined);
  });

  it('refuses an attempt number below 1 and a random number outside [0, 1)', () => {
    const schedule = WEBHOOK_RETRY_SCHEDULE;
    expect(() => retryDelay({ attempt: 0, failure: 'transient', random: 0, schedule })).toThrow(RangeError);
    expect(() => retryDelay({ attempt: 1.5, failure: 'transient', random: 0, schedule })).toThrow(RangeError);
    expect(() => retryDelay({ attempt: 1, failure: 'transient', random: 1, schedule })).toThrow(RangeError);
    expect(() => retryDelay({ attempt: 1, failure: 'transient', random: Number.NaN, schedule })).toThrow(RangeError);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(['5', '9'], now)).toBe(5_000);
  });

  it('reads an HTTP-date against the given time, in all three forms, and a past date as 0', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Sunday, 01-Mar-26 12:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Sun Mar  1 12:01:30 2026', now)).toBe(90_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores what is neither form', () => {
    for (const value of [undefined, '', '-5', '1.5', 'soon', '2026-03-01T12:01:30Z', 'Sun, 01 Mar 2026 12:01:30 +0100'])
      expect(parseRetryAfter(value, now)).toBe(undefined);
  });
});
