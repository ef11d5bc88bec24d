import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import type { Instance } from '../../../../functions/core/journeys/runtime';
import { foldEvents, type Profile } from '../../../../functions/core/profiles/profile';
import { customerEvents, TIMELINE_EVENTS } from '../../../../functions/core/profiles/timeline';

const T0 = Date.parse('2026-05-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
let n = 0;
const event = (type: string, minutes: number, properties: object): CanonicalEvent =>
  ({
    type,
    tenantId: 'shop',
    customerId: 'ada',
    eventId: `e-${n++}`,
    occurredAt: at(minutes),
    source: 'api',
    properties,
  }) as CanonicalEvent;

const profile = foldEvents(undefined, [
  event('identify', 0, { traits: { email: 'ada@example.com', first_name: 'Ada' } }),
  event('consent_changed', 1, { channel: 'email', granted: true }),
  event('session_started', 2, {}),
  event('order_placed', 3, { orderId: 'o-1', total: { amount: 4_200, currency: 'EUR' } }),
  event('order_placed', 5, { orderId: 'o-2', total: { amount: 1_000, currency: 'EUR' } }),
  event('order_cancelled', 6, { orderId: 'o-2', total: { amount: 1_000, currency: 'EUR' }, placedAt: at(5) }),
  event('tags_updated', 7, { add: ['vip'], remove: [] }),
]) as Profile;

describe("a customer's timeline events", () => {
  it('tells the orders, consent, session, tags and traits the profile keeps, latest first, nothing personal', () => {
    const events = customerEvents({ profile });
    expect(events.map((e) => [e.type, e.at])).toEqual([
      ['tags_updated', at(7)],
      // The order emptied the cart.
      ['cart_updated', at(5)],
      ['order_placed', at(5)],
      ['order_placed', at(3)],
      ['session_started', at(2)],
      ['consent_changed', at(1)],
      ['first_seen', at(0)],
      ['identify', at(0)],
    ]);
    expect(events[1]?.summary).toEqual({ emptied: true });
    expect(events[2]?.summary).toEqual({ orderId: 'o-2', total: 1_000, currency: 'EUR', cancelled: true });
    expect(events.find((e) => e.type === 'identify')?.summary).toEqual({ traits: 2 });
    expect(JSON.stringify(events)).not.toMatch(/ada@example|Ada/);
    expect(customerEvents(undefined)).toEqual([]);
  });

  it('tells each journey entered, converted and ended, where a running one waits, and keeps the latest 100', () => {
    const instance = (i: number, ended: boolean): Instance => ({
      journeyId: 'welcome',
      version: 2,
      customerId: 'ada',
      instanceId: `ada#${i}`,
      entry: i,
      enteredAt: at(100 + i),
      visits: {},
      ...(ended
        ? { outcome: 'completed', endedAt: at(101 + i), convertedAt: at(100.5 + i) }
        : { activity: 'wait-1d', waiting: { timerId: 't', at: at(2000) } }),
    });
    const live = customerEvents({ profile }, [instance(0, false)]);
    expect(live[0]).toEqual({
      type: 'journey_entered',
      at: at(100),
      from: 'journeys',
      summary: { journeyId: 'welcome', version: 2, activity: 'wait-1d', waitingUntil: at(2000) },
    });
    const many = customerEvents(
      { profile },
      Array.from({ length: 60 }, (_, i) => instance(i, true)),
    );
    expect(many).toHaveLength(TIMELINE_EVENTS);
    expect(many[0]).toMatchObject({ type: 'journey_ended', summary: { outcome: 'completed' } });
    expect(many.map((e) => e.type)).toContain('journey_converted');
  });
});
