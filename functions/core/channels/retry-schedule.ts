/**
 * When to try a provider again after a failed attempt. Pure: the caller passes the attempt
 * number, the failure kind, the provider's Retry-After and a random number (core draws none).
 *
 * Only `throttled` and `transient` failures are retried. `permanent` and `gone` never are, and
 * `unknown` (the provider may have taken the message) is never sent again blindly: it waits for
 * provider feedback instead. When the schedule is exhausted the answer is undefined: the message
 * goes to the dead-letter queue.
 */
import type { ProviderFailure } from '../../ports';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export type RetrySchedule = {
  /** Named in logs and decisions. */
  readonly name: string;
  /** The wait after the 1st, 2nd, … failed attempt; one entry per retry. */
  readonly delaysMs: readonly number[];
  /** Each wait is spread over ±jitter of itself (0.2: 80 %–120 %), so retries of a burst do not arrive together. */
  readonly jitter: number;
  /** The longest Retry-After honoured: a provider asking for more is retried after this long. */
  readonly maxRetryAfterMs: number;
};

/**
 * Standard Webhooks sender guidance: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h
 * (about 3 days in all, so an endpoint down over a weekend still gets its messages).
 */
export const WEBHOOK_RETRY_SCHEDULE: RetrySchedule = Object.freeze({
  name: 'webhook',
  delaysMs: Object.freeze([
    5 * SECOND,
    5 * MINUTE,
    30 * MINUTE,
    2 * HOUR,
    5 * HOUR,
    10 * HOUR,
    14 * HOUR,
    20 * HOUR,
    24 * HOUR,
  ]),
  jitter: 0.2,
  maxRetryAfterMs: 24 * HOUR,
});

/** E-mail, SMS and push providers (SES, End User Messaging, SNS): shorter, a message goes stale sooner. */
export const PROVIDER_RETRY_SCHEDULE: RetrySchedule = Object.freeze({
  name: 'provider',
  delaysMs: Object.freeze([10 * SECOND, MINUTE, 10 * MINUTE, HOUR, 6 * HOUR]),
  jitter: 0.2,
  maxRetryAfterMs: 24 * HOUR,
});

/** Whether a failure of this kind is ever retried. */
export const isRetryable = (failure: ProviderFailure): boolean => failure === 'throttled' || failure === 'transient';

/** The sum of a schedule's waits without jitter: how long a message keeps being retried. */
export const retrySpanMs = (schedule: RetrySchedule): number => schedule.delaysMs.reduce((sum, ms) => sum + ms, 0);

export type RetryInput = {
  /** How many attempts have been made, this failed one included: 1 after the first attempt. */
  attempt: number;
  failure: ProviderFailure;
  /** A number in [0, 1) from the caller's random source: where in the jitter window the wait falls. */
  random: number;
  /** What the provider asked for (Retry-After), in milliseconds from now. */
  retryAfterMs?: number;
  schedule: RetrySchedule;
};

/**
 * The wait in milliseconds before the next attempt, or undefined when the message is not retried
 * (a failure kind that is never retried, or the schedule is exhausted: dead letter).
 *
 * A Retry-After is never undercut: the wait is at least what was asked (capped at the schedule's
 * `maxRetryAfterMs`), spread upwards only, by up to half the jitter, so that the messages a
 * provider throttled together do not all come back in the same second.
 */
export function retryDelay(input: RetryInput): number | undefined {
  const { attempt, failure, random, retryAfterMs, schedule } = input;
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, not ${attempt}`);
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), not ${random}`);
  if (!isRetryable(failure)) return undefined;
  const base = schedule.delaysMs[attempt - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (1 - schedule.jitter + 2 * schedule.jitter * random));
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs <= 0) return jittered;
  const asked = Math.min(Math.ceil(retryAfterMs), schedule.maxRetryAfterMs);
  const spread = Math.min(schedule.maxRetryAfterMs, Math.ceil(asked * (1 + (schedule.jitter / 2) * random)));
  return Math.max(jittered, spread);
}
