import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import {
  DEFAULT_FUTURE_SKEW_MS,
  EARLIEST_OCCURRED_AT,
  eventTimesRejection,
  occurredAtProblem,
} from '../../../../functions/core/events/time-window';

const RECEIVED = Date.parse('2026-12-01T10:00:00Z');
const LATE = 'must not be later than the time of receipt plus 5 minutes (2026-12-01T10:05:00Z)';

describe("the time window of an event's occurredAt", () => {
  it('allows 5 minutes of clock skew past the receive time, by default', () => {
    expect(DEFAULT_FUTURE_SKEW_MS).toBe(300_000);
    expect(occurredAtProblem('2026-12-01T10:00:00Z', RECEIVED)).toBeUndefined();
    expect(occurredAtProblem('2026-12-01T10:05:00Z', RECEIVED)).toBeUndefined();
    expect(occurredAtProblem('2026-12-01T10:05:00.001Z', RECEIVED)).toBe(LATE);
  });

  it('refuses an event dated 9999-12-31, naming the limit', () => {
    expect(occurredAtProblem('9999-12-31T00:00:00Z', RECEIVED)).toBe(LATE);
    expect(occurredAtProblem('9999-12-31T23:59:59.999Z', RECEIVED)).toBe(LATE);
  });

  it('accepts history back to 2000-01-01T00:00:00Z and refuses anything earlier', () => {
    expect(EARLIEST_OCCURRED_AT).toBe('2000-01-01T00:00:00Z');
    expect(occurredAtProblem('2000-01-01T00:00:00Z', RECEIVED)).toBeUndefined();
    expect(occurredAtProblem('1999-12-31T23:59:59Z', RECEIVED)).toBe('must not be earlier than 2000-01-01T00:00:00Z');
    expect(occurredAtProblem('1999-12-31T23:59:59.999Z', RECEIVED)).toBe(
      'must not be earlier than 2000-01-01T00:00:00Z',
    );
  });

  it('compares a time with an offset as the instant it names', () => {
    // 11:04 at +01:00 is 10:04Z: in range. 09:04 at -01:00 is 10:04Z too; 10:04 at -01:00 is 11:04Z: too late.
    expect(occurredAtProblem('2026-12-01T11:04:00+01:00', RECEIVED)).toBeUndefined();
    expect(occurredAtProblem('2026-12-01T09:04:00-01:00', RECEIVED)).toBeUndefined();
    expect(occurredAtProblem('2026-12-01T10:04:00-01:00', RECEIVED)).toBe(LATE);
    // 2000-01-01T00:30 at +01:00 is 1999-12-31T23:30Z: before the earliest.
    expect(occurredAtProblem('2000-01-01T00:30:00+01:00', RECEIVED)).toMatch(/earlier than 2000/);
  });

  it('takes another skew and names it in the message', () => {
    expect(occurredAtProblem('2026-12-01T10:00:31Z', RECEIVED, 30_000)).toBe(
      'must not be later than the time of receipt plus 30 seconds (2026-12-01T10:00:30Z)',
    );
    expect(occurredAtProblem('2026-12-01T10:01:00Z', RECEIVED, 60_000)).toBeUndefined();
    expect(occurredAtProblem('2026-12-01T10:00:00.001Z', RECEIVED, 0)).toMatch(
      /plus 0 minutes \(2026-12-01T10:00:00Z\)/,
    );
  });

  it('without a receive time (a replay of history) applies only the earliest date', () => {
    expect(occurredAtProblem('9999-12-31T00:00:00Z', undefined)).toBeUndefined();
    expect(occurredAtProblem('1999-12-31T23:59:59Z', undefined)).toMatch(/earlier than 2000/);
  });

  it('refuses a time that is not a time', () => {
    expect(occurredAtProblem('last tuesday', RECEIVED)).toMatch(/ISO-8601/);
  });
});

describe('the time window of a delivery refused whole', () => {
  const event = (eventId: string, occurredAt: string) =>
    ({
      type: 'order_placed',
      tenantId: 'shop',
      eventId,
      customerId: 'c1',
      occurredAt,
      source: 'shopify',
      properties: { orderId: 'o1', total: { amount: 100, currency: 'EUR' } },
    }) as CanonicalEvent;

  it('passes a delivery whose events are all in range', () => {
    expect(eventTimesRejection([event('a', '2026-12-01T09:00:00.000Z')], RECEIVED)).toBeUndefined();
    expect(eventTimesRejection([], RECEIVED)).toBeUndefined();
  });

  it('refuses it with 400 naming the first event out of range', () => {
    const events = [
      event('a', '2026-12-01T09:00:00.000Z'),
      event('b', '9999-12-31T00:00:00.000Z'),
      event('c', '1999-01-01T00:00:00.000Z'),
    ];
    expect(eventTimesRejection(events, RECEIVED)).toEqual({
      status: 400,
      body: {
        error: 'invalid_event',
        message: `the order_placed event b is dated 9999-12-31T00:00:00.000Z: its time ${LATE}`,
        path: null,
      },
    });
  });
});
