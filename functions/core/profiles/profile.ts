import type { CanonicalEvent, Channel, EventType, Money } from '../events/schemas';
import { ownValue, setOwn } from '../own';
import {
  countPast,
  isLater,
  isPast,
  type OrderBookFrom,
  ordersOf,
  type PastOrderBook,
  pastOrderOnDay,
} from './order-book';

/** A last-writer-wins register: the value with the latest `at` wins; ties go to the larger value. */
export type Latest<T> = { v: T; at: string };

export type CurrencyTotals = { orders: number; gross: number; refunded: number };

/** The latest known state of one order: `at` (its updated_at) orders the reports of it. */
export type OrderEntry = { total: number; currency: string; at: string; placedAt: string; cancelled?: true };

/**
 * The orders placed before `orderBookFrom`, not cancelled (functions/core/profiles/order-book.ts):
 * per currency their count and gross, and their purchase days (epoch days): how many, the first
 * and the last, with the gross of those two days.
 */
export type PastOrders = {
  days: number;
  firstDay: number;
  lastDay: number;
  orders: Record<string, number>;
  gross: Record<string, number>;
  firstDayGross: Record<string, number>;
  lastDayGross: Record<string, number>;
};

/**
 * Everything the profile fold keeps about one customer. Every field merges commutatively
 * (sums, minimum and maximum times, last-writer-wins registers), so events folded in any
 * order and any grouping give the same profile.
 *
 * The maps are keyed by data (order ids, trait names, tags: any string, `constructor` and
 * `__proto__` included): they are read and written only through functions/core/own.ts.
 */
export type Profile = {
  tenantId: string;
  customerId: string;
  firstSeenAt: string;
  lastSeenAt: string;
  orders: number;
  firstOrderAt?: string;
  lastOrderAt?: string;
  /** Per ISO currency, in integer minor units: the latest total of every order not cancelled. */
  revenue: Record<string, CurrencyTotals>;
  /**
   * The recent orders by id, so that late, repeated and out-of-order reports of them count once;
   * orders placed before `orderBookFrom` are kept in per-period items (order-book.ts).
   */
  orderBook: Record<string, OrderEntry>;
  orderBookFrom?: OrderBookFrom;
  pastOrders?: PastOrders;
  sessions: number;
  lastSessionAt?: string;
  logins: number;
  lastLoginAt?: string;
  /** The latest recall message delivered to the customer. */
  lastRecallAt?: string;
  /** How many events of each type were folded in. */
  counts: Partial<Record<EventType, number>>;
  cart?: Latest<{ value: Money; itemCount: number; checkoutId?: string } | null>;
  consent: Partial<Record<Channel, Latest<boolean>>>;
  timezone?: Latest<string>;
  traits: Record<string, Latest<string | number | boolean | null>>;
  /** Tags by name: true while the customer has the tag (the latest change wins). */
  tags?: Record<string, Latest<boolean>>;
  /** Customer ids (anonymous visitors) whose profiles were merged into this one. */
  mergedFrom?: string[];
};

export function emptyProfile(tenantId: string, customerId: string, at: string): Profile {
  return {
    tenantId,
    customerId,
    firstSeenAt: at,
    lastSeenAt: at,
    orders: 0,
    revenue: {},
    orderBook: {},
    sessions: 0,
    logins: 0,
    counts: {},
    consent: {},
    traits: {},
  };
}

const minTime = (a: string | undefined, b: string): string => (a === undefined || b < a ? b : a);
const maxTime = (a: string | undefined, b: string): string => (a === undefined || b > a ? b : a);

function latest<T>(current: Latest<T> | undefined, v: T, at: string): Latest<T> {
  if (current === undefined || at > current.at) return { v, at };
  if (at < current.at) return current;
  return JSON.stringify(v) > JSON.stringify(current.v) ? { v, at } : current;
}

function totals(profile: Profile, currency: string): CurrencyTotals {
  let t = ownValue(profile.revenue, currency);
  if (t === undefined) {
    t = { orders: 0, gross: 0, refunded: 0 };
    setOwn(profile.revenue, currency, t);
  }
  return t;
}

/** Counts `n` more events of `type`. */
function addCount(profile: Profile, type: EventType, n: number) {
  setOwn(profile.counts, type, (ownValue(profile.counts, type) ?? 0) + n);
}

/** Folds a value at `at` into the register `name` of `map`. */
function foldRegister<T>(map: { [name: string]: Latest<T> | undefined }, name: string, v: T, at: string) {
  setOwn(map, name, latest(ownValue(map, name), v, at));
}

const utc = (iso: string): string => new Date(iso).toISOString();

function countOrder(profile: Profile, entry: OrderEntry, sign: 1 | -1) {
  if (entry.cancelled) return;
  profile.orders += sign;
  const t = totals(profile, entry.currency);
  t.orders += sign;
  t.gross += sign * entry.total;
}

/**
 * Keeps the latest report of each order: revenue and order counts follow the latest total of
 * every order not cancelled, whatever order the reports arrive in. Order dates only widen. An
 * order not on the profile may be a past one: `past` holds those of the periods the reports name.
 */
function foldOrderState(profile: Profile, orderId: string, report: OrderEntry, past?: PastOrderBook) {
  const hot = ownValue(profile.orderBook, orderId);
  const known = hot ?? (profile.orderBookFrom ? past?.get(orderId) : undefined);
  const placedAt = known && known.placedAt < report.placedAt ? known.placedAt : report.placedAt;
  profile.firstOrderAt = minTime(profile.firstOrderAt, placedAt);
  profile.lastOrderAt = maxTime(profile.lastOrderAt, placedAt);
  if (known && !isLater(report, known)) {
    if (hot) setOwn(profile.orderBook, orderId, { ...known, placedAt });
    return;
  }
  const next = { ...report, placedAt };
  if (known) countOrder(profile, known, -1);
  countOrder(profile, next, 1);
  setOwn(profile.orderBook, orderId, next);
  if (profile.orderBookFrom) countPastChange(profile, orderId, known, next, past);
}

/** A report of a past order changes the past orders' summary: the state it replaces out, its own in. */
function countPastChange(
  profile: Profile,
  orderId: string,
  before: OrderEntry | undefined,
  after: OrderEntry,
  past: PastOrderBook | undefined,
) {
  const from = profile.orderBookFrom;
  const others = (e: OrderEntry) => pastOrderOnDay(orderId, e.placedAt, profile.orderBook, past, from);
  if (before && !before.cancelled && isPast(before.placedAt, orderId, from)) {
    profile.pastOrders = countPast(profile.pastOrders, before, -1, !others(before));
  }
  if (!after.cancelled && isPast(after.placedAt, orderId, from)) {
    profile.pastOrders = countPast(profile.pastOrders, after, 1, !others(after));
  }
}

/** Folds one event into a profile, mutating it. Callers fold each eventId at most once. */
export function foldEvent(profile: Profile, event: CanonicalEvent, past?: PastOrderBook): Profile {
  const at = event.occurredAt;
  profile.firstSeenAt = minTime(profile.firstSeenAt, at);
  profile.lastSeenAt = maxTime(profile.lastSeenAt, at);
  addCount(profile, event.type, 1);

  switch (event.type) {
    case 'order_placed':
    case 'order_updated':
    case 'order_cancelled': {
      const { orderId, total, updatedAt, placedAt } = event.properties;
      foldOrderState(
        profile,
        orderId,
        {
          total: total.amount,
          currency: total.currency,
          at: updatedAt ? utc(updatedAt) : at,
          placedAt: placedAt ? utc(placedAt) : at,
          ...(event.type === 'order_cancelled' ? { cancelled: true as const } : {}),
        },
        past,
      );
      // An order ends the cart it came from: a cart updated after the order still wins.
      if (event.type === 'order_placed') profile.cart = latest(profile.cart, null, at);
      break;
    }
    case 'refund': {
      totals(profile, event.properties.amount.currency).refunded += event.properties.amount.amount;
      break;
    }
    case 'checkout_started': {
      const { value, itemCount, checkoutId } = event.properties;
      profile.cart = latest(profile.cart, { value, itemCount: itemCount ?? 0, checkoutId }, at);
      break;
    }
    case 'cart_updated': {
      const { value, itemCount } = event.properties;
      profile.cart = latest(profile.cart, itemCount === 0 ? null : { value, itemCount }, at);
      break;
    }
    case 'session_started':
      profile.sessions += 1;
      profile.lastSessionAt = maxTime(profile.lastSessionAt, at);
      break;
    case 'message_delivered':
      if (event.properties.recall) profile.lastRecallAt = maxTime(profile.lastRecallAt, at);
      break;
    case 'login':
    case 'sign_in':
      profile.logins += 1;
      profile.lastLoginAt = maxTime(profile.lastLoginAt, at);
      break;
    case 'identify': {
      for (const [name, value] of Object.entries(event.properties.traits)) {
        foldRegister(profile.traits, name, value, at);
      }
      if (event.properties.timezone) profile.timezone = latest(profile.timezone, event.properties.timezone, at);
      break;
    }
    case 'tags_updated': {
      const tags = { ...profile.tags };
      for (const tag of event.properties.remove) foldRegister(tags, tag, false, at);
      for (const tag of event.properties.add) foldRegister(tags, tag, true, at);
      profile.tags = tags;
      break;
    }
    case 'consent_changed': {
      const { channel, granted } = event.properties;
      foldRegister(profile.consent, channel, granted, at);
      break;
    }
    default:
      break;
  }
  return profile;
}

/**
 * A copy the fold can mutate: the fold replaces registers and their values instead of changing
 * them, so only the records it writes into are copied (structuredClone costs ten times more).
 */
function copyForFold(profile: Profile): Profile {
  const revenue: Profile['revenue'] = {};
  for (const [currency, totals] of Object.entries(profile.revenue)) setOwn(revenue, currency, { ...totals });
  return {
    ...profile,
    revenue,
    orderBook: { ...profile.orderBook },
    counts: { ...profile.counts },
    consent: { ...profile.consent },
    traits: { ...profile.traits },
  };
}

/**
 * Folds events into a copy of `profile` (or a new one), leaving the input untouched. `past`: the
 * past orders of the periods these events' orders were placed in (order-book.ts).
 */
export function foldEvents(
  profile: Profile | undefined,
  events: readonly CanonicalEvent[],
  past?: PastOrderBook,
): Profile | undefined {
  const first = events[0];
  if (first === undefined) return profile;
  const next = profile ? copyForFold(profile) : emptyProfile(first.tenantId, first.customerId, first.occurredAt);
  for (const event of events) foldEvent(next, event, past);
  return next;
}

/**
 * Merges the profile of a customer known before under another id (an anonymous visitor) into
 * this one: sums, earliest and latest times, the later register values, every order once.
 */
export function mergeProfiles(
  target: Profile,
  source: Profile,
  /** The source's past orders (its period items), since they go with its partition. */
  sourcePast: PastOrderBook = new Map(),
  /** The target's past orders of the periods the source's orders were placed in. */
  targetPast?: PastOrderBook,
): Profile {
  const merged = copyForFold(target);
  merged.firstSeenAt = minTime(merged.firstSeenAt, source.firstSeenAt);
  merged.lastSeenAt = maxTime(merged.lastSeenAt, source.lastSeenAt);
  merged.sessions += source.sessions;
  merged.logins += source.logins;
  if (source.lastLoginAt) merged.lastLoginAt = maxTime(merged.lastLoginAt, source.lastLoginAt);
  if (source.lastSessionAt) merged.lastSessionAt = maxTime(merged.lastSessionAt, source.lastSessionAt);
  if (source.lastRecallAt) merged.lastRecallAt = maxTime(merged.lastRecallAt, source.lastRecallAt);
  for (const [type, n] of Object.entries(source.counts) as [EventType, number][]) addCount(merged, type, n);
  for (const [currency, t] of Object.entries(source.revenue)) totals(merged, currency).refunded += t.refunded;
  // Every order of the source comes over by id, in its latest state, so that a later report of
  // any of them (now redirected here) is known; the next write moves the older ones out again.
  for (const [orderId, entry] of ordersOf(source, sourcePast)) foldOrderState(merged, orderId, entry, targetPast);
  if (source.cart) merged.cart = latest(merged.cart, source.cart.v, source.cart.at);
  if (source.timezone) merged.timezone = latest(merged.timezone, source.timezone.v, source.timezone.at);
  for (const [channel, r] of Object.entries(source.consent) as [Channel, Latest<boolean>][]) {
    foldRegister(merged.consent, channel, r.v, r.at);
  }
  for (const [name, r] of Object.entries(source.traits)) foldRegister(merged.traits, name, r.v, r.at);
  if (source.tags) {
    const tags = { ...merged.tags };
    for (const [name, r] of Object.entries(source.tags)) foldRegister(tags, name, r.v, r.at);
    merged.tags = tags;
  }
  merged.mergedFrom = [
    ...new Set([...(merged.mergedFrom ?? []), source.customerId, ...(source.mergedFrom ?? [])]),
  ].sort();
  return merged;
}
