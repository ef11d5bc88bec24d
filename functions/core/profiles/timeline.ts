/**
 * The events of a customer's timeline, as growthloop keeps them: read from what the profile and the
 * customer's journeys hold, with no log of its own (a log written with each fold would cost a write
 * per customer and batch). The recent orders (each with its total and whether it was cancelled),
 * the latest consent per channel, the cart, the tags, the last session and login, the lifecycle
 * stage, and each journey instance's entry, conversion and end. Every entry names its time; a
 * summary holds only what is not personal (ids, amounts, channels: never trait values).
 */
import type { Instance } from '../journeys/runtime';
import type { Profile } from './profile';

export type TimelineSummary = Record<string, string | number | boolean>;

export type CustomerEvent = {
  /** An event type (order_placed, consent_changed, ...) or what a journey did (journey_entered, ...). */
  type: string;
  at: string;
  /** profile: what the profile folded; journeys: what the customer's journeys did. */
  from: 'profile' | 'journeys';
  summary: TimelineSummary;
};

/** At most this many events, the latest. */
export const TIMELINE_EVENTS = 100;

const isTime = (value: string | undefined): value is string => value !== undefined && value !== '';

function profileEvents(profile: Profile, lifecycle: { stage: string; since: string; reason: string } | undefined) {
  const events: CustomerEvent[] = [];
  const add = (type: string, at: string | undefined, summary: TimelineSummary = {}) => {
    if (isTime(at)) events.push({ type, at, from: 'profile', summary });
  };
  add('first_seen', profile.firstSeenAt);
  for (const [orderId, order] of Object.entries(profile.orderBook)) {
    add('order_placed', order.placedAt, {
      orderId,
      total: order.total,
      currency: order.currency,
      ...(order.cancelled ? { cancelled: true } : {}),
    });
  }
  add('session_started', profile.lastSessionAt, { sessions: profile.sessions });
  add('login', profile.lastLoginAt, { logins: profile.logins });
  for (const [channel, latest] of Object.entries(profile.consent)) {
    if (latest) add('consent_changed', latest.at, { channel, granted: latest.v });
  }
  const cart = profile.cart;
  if (cart)
    add(
      'cart_updated',
      cart.at,
      cart.v
        ? { value: cart.v.value.amount, currency: cart.v.value.currency, itemCount: cart.v.itemCount }
        : { emptied: true },
    );
  for (const [tag, latest] of Object.entries(profile.tags ?? {}))
    add('tags_updated', latest.at, { tag, has: latest.v });
  const traits = Object.values(profile.traits);
  if (traits.length > 0)
    add(
      'identify',
      traits.reduce((latest, t) => (t.at > latest ? t.at : latest), ''),
      { traits: traits.length },
    );
  if (lifecycle) add('lifecycle.stage_changed', lifecycle.since, { stage: lifecycle.stage, reason: lifecycle.reason });
  return events;
}

function journeyEvents(instances: readonly Instance[]) {
  const events: CustomerEvent[] = [];
  for (const i of instances) {
    const base = { journeyId: i.journeyId, version: i.version };
    // One still running tells where it is now, and until when it waits there.
    const now =
      i.outcome === undefined && i.activity !== undefined
        ? { activity: i.activity, ...(i.waiting ? { waitingUntil: i.waiting.at } : {}) }
        : {};
    events.push({ type: 'journey_entered', at: i.enteredAt, from: 'journeys', summary: { ...base, ...now } });
    if (i.convertedAt)
      events.push({
        type: 'journey_converted',
        at: i.convertedAt,
        from: 'journeys',
        summary: { ...base, ...(i.arm ? { arm: i.arm } : {}) },
      });
    if (i.endedAt && i.outcome)
      events.push({
        type: 'journey_ended',
        at: i.endedAt,
        from: 'journeys',
        summary: { ...base, outcome: i.outcome, ...(i.failure ? { reason: i.failure.reason } : {}) },
      });
  }
  return events;
}

/** The customer's events, latest first (ties by type), at most TIMELINE_EVENTS. */
export function customerEvents(
  stored: { profile: Profile; lifecycle?: { stage: string; since: string; reason: string } } | undefined,
  instances: readonly Instance[] = [],
): CustomerEvent[] {
  const events = [...(stored ? profileEvents(stored.profile, stored.lifecycle) : []), ...journeyEvents(instances)];
  events.sort((a, b) => b.at.localeCompare(a.at) || a.type.localeCompare(b.type));
  return events.slice(0, TIMELINE_EVENTS);
}
