import type { CanonicalEvent } from '../events/schemas';
import { ownValue, setOwn } from '../own';
import type { StoredProfile } from './items';
import {
  addPastOrder,
  isPast,
  type OrderMove,
  ordersOf,
  type PastOrderBook,
  periodOf,
  planOrderMove,
  withMovedOrders,
} from './order-book';
import { foldEvents, mergeProfiles, type Profile } from './profile';
import { eventHash, holds, isHotWeek, type Seen, splitHashes, weekOf } from './seen';

/** Hashes a ledger item holds, by week, for the weeks of this customer's old events. */
export type Ledgers = Record<string, ReadonlySet<string>>;

export type ProfileWrite = {
  /** The profile to store, or undefined when every event was folded before. */
  next?: StoredProfile;
  /** Events folded by this write. */
  applied: CanonicalEvent[];
  duplicates: CanonicalEvent[];
  /** Weeks of hashes to add to the ledger before `next` is written, since `next` no longer holds them. */
  toLedger: { week: string; hashes: string[] }[];
  /** Orders to add to period items (`ORDERS#<period>#<version>`) before `next` is written, which drops them. */
  toOrderPeriods: { period: string; version: number; members: string[] }[];
};

const NO_PAST_ORDERS: PastOrderBook = new Map();

const ORDER_REPORTS: ReadonlySet<string> = new Set(['order_placed', 'order_updated', 'order_cancelled']);

/** When an order report says the order was placed (order_placed: when it occurred, unless it says). */
function reportedPlacedAt(event: CanonicalEvent): string | undefined {
  if (!ORDER_REPORTS.has(event.type)) return undefined;
  const { placedAt } = event.properties as { placedAt?: string };
  return new Date(placedAt ?? event.occurredAt).toISOString();
}

/** A customer id that an `alias` event links to this customer: its stored profile and past orders. */
export type PreviousProfile = { stored: StoredProfile; pastOrders: PastOrderBook };

/**
 * The periods whose items must be read before these events are folded and these previous
 * profiles merged: the ones of orders not on the profile that may be past orders (placed in or
 * before the period `orderBookFrom` is in), reported by the events or merged from the previous.
 */
export function pastOrderPeriods(
  stored: StoredProfile | undefined,
  events: readonly CanonicalEvent[],
  previous: readonly PreviousProfile[] = [],
): string[] {
  const from = stored?.profile.orderBookFrom;
  if (!from) return [];
  const orders: [string, string][] = [];
  for (const event of events) {
    const placedAt = reportedPlacedAt(event);
    if (placedAt !== undefined) orders.push([(event.properties as { orderId: string }).orderId, placedAt]);
  }
  for (const { stored: source, pastOrders } of previous) {
    for (const [orderId, entry] of ordersOf(source.profile, pastOrders)) orders.push([orderId, entry.placedAt]);
  }
  const periods = new Set<string>();
  for (const [orderId, placedAt] of orders) {
    if (ownValue(stored.profile.orderBook, orderId) !== undefined) continue;
    const period = periodOf(placedAt);
    if (period <= periodOf(from.placedAt)) periods.add(period);
  }
  return [...periods];
}

/** The profile without the orders that move out: their summary joins the past orders'. */
function withoutMoved(profile: Profile, move: OrderMove): Profile {
  const leaving = new Set(move.moved.map(([id]) => id));
  const orderBook: Profile['orderBook'] = {};
  for (const [id, entry] of Object.entries(profile.orderBook)) if (!leaving.has(id)) setOwn(orderBook, id, entry);
  const from = profile.orderBookFrom;
  // Late reports of past orders were counted in the summary when they were folded.
  const joining = move.moved.filter(([id, e]) => !isPast(e.placedAt, id, from));
  const pastOrders = withMovedOrders(profile.pastOrders, joining);
  return { ...profile, orderBook, orderBookFrom: move.from, ...(pastOrders ? { pastOrders } : {}) };
}

/** The weeks of these events that the profile does not keep: their ledgers must be read first. */
export function coldWeeks(events: readonly CanonicalEvent[], now: number): string[] {
  return [...new Set(events.map((e) => weekOf(e.occurredAt)))].filter((week) => !isHotWeek(week, now));
}

/**
 * Plans the write for one customer's events: events the profile or a ledger has seen are
 * duplicates; the rest are folded and their hashes recorded on the profile. Weeks that have
 * gone cold since the stored profile was written move to the ledger.
 */
export function planProfileWrite(
  stored: StoredProfile | undefined,
  events: readonly CanonicalEvent[],
  ledgers: Ledgers,
  now: number,
  /** Profiles that `alias` events among `events` name as this customer's previous ids. */
  previous: readonly PreviousProfile[] = [],
  /** The past orders in the period items of pastOrderPeriods(stored, events, previous). */
  past: PastOrderBook = NO_PAST_ORDERS,
): ProfileWrite {
  const seen: Seen = {};
  const toLedger: ProfileWrite['toLedger'] = [];
  for (const [week, hashes] of Object.entries(stored?.seen ?? {})) {
    if (isHotWeek(week, now)) setOwn(seen, week, hashes);
    else toLedger.push({ week, hashes: splitHashes(hashes) });
  }
  const applied: CanonicalEvent[] = [];
  const duplicates: CanonicalEvent[] = [];
  for (const event of events) {
    const week = weekOf(event.occurredAt);
    const hash = eventHash(event.eventId);
    if (
      holds(ownValue(seen, week), hash) ||
      holds(ownValue(stored?.seen, week), hash) ||
      ownValue(ledgers, week)?.has(hash)
    ) {
      duplicates.push(event);
      continue;
    }
    setOwn(seen, week, (ownValue(seen, week) ?? '') + hash);
    applied.push(event);
  }
  if (applied.length === 0) return { applied, duplicates, toLedger: [], toOrderPeriods: [] };
  const move = stored && planOrderMove(stored.profile);
  let book = past;
  if (move) {
    book = new Map(past);
    for (const [id, entry] of move.moved) addPastOrder(book, id, entry);
  }
  let profile = foldEvents(move && stored ? withoutMoved(stored.profile, move) : stored?.profile, applied, book);
  if (!profile) return { applied, duplicates, toLedger: [], toOrderPeriods: [] };
  const aliased = new Set(applied.flatMap((e) => (e.type === 'alias' ? [e.properties.previousId] : [])));
  for (const { stored: source, pastOrders } of previous) {
    if (!aliased.has(source.profile.customerId)) continue;
    profile = mergeProfiles(profile, source.profile, pastOrders, book);
    // Events the previous profile folded must stay recognised under this customer.
    for (const [week, hashes] of Object.entries(source.seen)) setOwn(seen, week, (ownValue(seen, week) ?? '') + hashes);
  }
  // The lifecycle and unsent stage changes stay as stored: the caller rescores them.
  const { lifecycle, outbox } = stored ?? {};
  const version = (stored?.version ?? 0) + 1;
  const next: StoredProfile = {
    profile,
    version,
    seen,
    ...(lifecycle ? { lifecycle } : {}),
    ...(outbox ? { outbox } : {}),
  };
  const toOrderPeriods = move ? move.periods.map((p) => ({ ...p, version })) : [];
  return { next, applied, duplicates, toLedger, toOrderPeriods };
}
