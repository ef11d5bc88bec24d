/**
 * The bounded order book. The profile item keeps the customer's recent orders (`orderBook`); the
 * others move out to per-period items in the customer's partition, `ORDERS#<YYYY-MM>#<version>`
 * (the month the orders were placed in, the profile version that moved them), read only when a
 * report of an order placed in that month arrives and the order is not on the profile.
 *
 * Orders placed before `orderBookFrom` (by placing time, then order id) are "past": their
 * latest states are in the period items, or on the profile until the next write moves them
 * (a late report of a past order is folded onto the profile first). Totals stay exact: the
 * profile's counters cover every order, and `pastOrders` summarizes the past ones for scoring.
 *
 * A period item is a string set written with ADD from the stored profile before the write that
 * drops its orders, so moving is idempotent and commutative: a crash or a lost race leaves a
 * copy of a state that the profile already counts, and the latest state of an order is the
 * latest of all its copies.
 */

import { ownValue, setOwn } from '../own';
import type { OrderEntry, PastOrders, Profile } from './profile';

/** Beyond this many recent orders on the profile, the older ones move out, down to HOT_ORDERS_KEPT. */
export const HOT_ORDERS_MAX = 10;
export const HOT_ORDERS_KEPT = 5;

const DAY_MS = 86_400_000;

/** Where the past ends: orders placed before `placedAt`, or at it with a smaller id, are past. */
export type OrderBookFrom = { placedAt: string; orderId: string };

export const isPast = (placedAt: string, orderId: string, from: OrderBookFrom | undefined): boolean =>
  from !== undefined && (placedAt < from.placedAt || (placedAt === from.placedAt && orderId < from.orderId));

const later = (a: OrderBookFrom, b: OrderBookFrom): OrderBookFrom =>
  a.placedAt > b.placedAt || (a.placedAt === b.placedAt && a.orderId > b.orderId) ? a : b;

/** The period (UTC month) an order placed at `placedAt` is kept under once it moves out. */
export const periodOf = (placedAt: string): string => placedAt.slice(0, 7);

export const ORDER_PERIOD_PREFIX = 'ORDERS#';
export const ORDER_PERIOD_ENTRIES = 'entries';
/** The sort-key prefix of one period's items. */
export const orderPeriodPrefix = (period: string): string => `${ORDER_PERIOD_PREFIX}${period}#`;
export const orderPeriodSk = (period: string, version: number): string => `${orderPeriodPrefix(period)}${version}`;

// An entry as a set member: the order id last, since it may hold any character.
export function encodeOrder(orderId: string, e: OrderEntry): string {
  return `${e.at}|${e.placedAt}|${e.currency}|${e.total}|${e.cancelled ? 'c' : ''}|${orderId}`;
}

export function decodeOrder(member: string): [string, OrderEntry] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const bar = member.indexOf('|', start);
    if (bar === -1) return undefined;
    parts.push(member.slice(start, bar));
    start = bar + 1;
  }
  const [at, placedAt, currency, total, cancelled] = parts as [string, string, string, string, string];
  const amount = Number(total);
  if (!Number.isSafeInteger(amount) || start >= member.length) return undefined;
  const entry: OrderEntry = {
    total: amount,
    currency,
    at,
    placedAt,
    ...(cancelled === 'c' ? { cancelled: true } : {}),
  };
  return [member.slice(start), entry];
}

/** Which of two reports of one order is the later: by `at`, ties broken by content. */
export function isLater(a: OrderEntry, b: OrderEntry): boolean {
  if (a.at !== b.at) return a.at > b.at;
  return (
    JSON.stringify([a.cancelled ?? false, a.total, a.currency]) >
    JSON.stringify([b.cancelled ?? false, b.total, b.currency])
  );
}

/** Past orders by id, their latest state each: what the fold consults for orders not on the profile. */
export type PastOrderBook = Map<string, OrderEntry>;

export function addPastOrder(book: PastOrderBook, orderId: string, entry: OrderEntry) {
  const known = book.get(orderId);
  if (known === undefined || isLater(entry, known)) book.set(orderId, entry);
}

/** The latest state of every order in these period items' members. */
export function pastOrderBook(memberSets: Iterable<Iterable<string>>): PastOrderBook {
  const book: PastOrderBook = new Map();
  for (const members of memberSets) {
    for (const member of members) {
      const decoded = decodeOrder(member);
      if (decoded) addPastOrder(book, decoded[0], decoded[1]);
    }
  }
  return book;
}

/** Every order of a profile, its latest state each: the ones on it and its past ones (from its period items). */
export function ordersOf(profile: Pick<Profile, 'orderBook'>, past: PastOrderBook): PastOrderBook {
  const book: PastOrderBook = new Map(past);
  for (const [orderId, entry] of Object.entries(profile.orderBook)) addPastOrder(book, orderId, entry);
  return book;
}

/** The order ids in period items' members (erasure deletes their order index items). */
export function orderIdsOf(members: Iterable<string>): string[] {
  const ids: string[] = [];
  for (const member of members) {
    const decoded = decodeOrder(member);
    if (decoded) ids.push(decoded[0]);
  }
  return ids;
}

export type OrderMove = {
  from: OrderBookFrom;
  /** The orders leaving the profile, by period, as set members. */
  periods: { period: string; members: string[] }[];
  /** The same orders, to fold against. */
  moved: [string, OrderEntry][];
};

function holdsMore(map: object, n: number): boolean {
  let count = 0;
  for (const key in map) if (Object.hasOwn(map, key) && ++count > n) return true;
  return false;
}

const byPlacing = (a: [string, OrderEntry], b: [string, OrderEntry]) =>
  a[1].placedAt < b[1].placedAt ? -1 : a[1].placedAt > b[1].placedAt ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/**
 * The orders of a stored profile that leave it: beyond HOT_ORDERS_MAX recent ones, the oldest
 * down to HOT_ORDERS_KEPT, and late reports of past orders folded onto it. Undefined when none.
 * It depends on the stored profile alone, so every write from one version moves the same orders.
 */
export function planOrderMove(profile: Profile): OrderMove | undefined {
  const from0 = profile.orderBookFrom;
  if (from0 === undefined && !holdsMore(profile.orderBook, HOT_ORDERS_MAX)) return undefined;
  const entries = Object.entries(profile.orderBook);
  let recent = 0;
  let pending = false;
  for (const [id, e] of entries) {
    if (isPast(e.placedAt, id, from0)) pending = true;
    else recent++;
  }
  if (!pending && recent <= HOT_ORDERS_MAX) return undefined;
  let from = from0;
  if (recent > HOT_ORDERS_MAX) {
    const kept = entries.filter(([id, e]) => !isPast(e.placedAt, id, from0)).sort(byPlacing);
    const first = kept[kept.length - HOT_ORDERS_KEPT] as [string, OrderEntry];
    const cut = { placedAt: first[1].placedAt, orderId: first[0] };
    from = from0 ? later(cut, from0) : cut;
  }
  if (!from) return undefined;
  const moved = entries.filter(([id, e]) => isPast(e.placedAt, id, from)).sort(byPlacing);
  if (moved.length === 0) return undefined;
  const periods = new Map<string, string[]>();
  for (const [id, e] of moved) {
    const period = periodOf(e.placedAt);
    const members = periods.get(period) ?? [];
    members.push(encodeOrder(id, e));
    periods.set(period, members);
  }
  return { from, moved, periods: [...periods].map(([period, members]) => ({ period, members })) };
}

// ---- the past orders' summary ------------------------------------------------------------------

const dayOf = (iso: string): number => Math.floor(Date.parse(iso) / DAY_MS);

const addTo = (map: Record<string, number>, currency: string, n: number) =>
  setOwn(map, currency, (ownValue(map, currency) ?? 0) + n);

function emptyPast(day: number): PastOrders {
  return { days: 0, firstDay: day, lastDay: day, orders: {}, gross: {}, firstDayGross: {}, lastDayGross: {} };
}

export function copyPast(past: PastOrders): PastOrders {
  return {
    ...past,
    orders: { ...past.orders },
    gross: { ...past.gross },
    firstDayGross: { ...past.firstDayGross },
    lastDayGross: { ...past.lastDayGross },
  };
}

/**
 * Counts or uncounts (sign -1) one order not cancelled in the summary. `newDay`: no other past
 * order was placed that day, so the day itself comes or goes. A day that goes leaves the first
 * and last days as they were (the summary does not know the day next to it).
 */
export function countPast(past: PastOrders | undefined, e: OrderEntry, sign: 1 | -1, newDay: boolean): PastOrders {
  const day = dayOf(e.placedAt);
  const empty = past === undefined || past.days === 0;
  const next = past ? copyPast(past) : emptyPast(day);
  if (empty) Object.assign(next, { firstDay: day, lastDay: day, firstDayGross: {}, lastDayGross: {} });
  addTo(next.orders, e.currency, sign);
  addTo(next.gross, e.currency, sign * e.total);
  if (newDay) next.days += sign;
  if (sign === 1 && !empty && day < next.firstDay) {
    next.firstDay = day;
    next.firstDayGross = {};
  }
  if (sign === 1 && !empty && day > next.lastDay) {
    next.lastDay = day;
    next.lastDayGross = {};
  }
  if (day === next.firstDay) addTo(next.firstDayGross, e.currency, sign * e.total);
  if (day === next.lastDay) addTo(next.lastDayGross, e.currency, sign * e.total);
  return next;
}

/** The summary with orders that move out, oldest first, none of them past before. */
export function withMovedOrders(
  past: PastOrders | undefined,
  moved: readonly [string, OrderEntry][],
): PastOrders | undefined {
  let next = past;
  for (const [, e] of moved) {
    if (e.cancelled) continue;
    const day = dayOf(e.placedAt);
    next = countPast(next, e, 1, next === undefined || next.days === 0 || day > next.lastDay);
  }
  return next;
}

/**
 * Whether a past order other than `orderId`, not cancelled, was placed on the day of `placedAt`:
 * on the profile, or in `past` (the orders of that day's period) for orders not on the profile.
 */
export function pastOrderOnDay(
  orderId: string,
  placedAt: string,
  orderBook: Record<string, OrderEntry>,
  past: PastOrderBook | undefined,
  from: OrderBookFrom | undefined,
): boolean {
  const day = dayOf(placedAt);
  const counts = (id: string, e: OrderEntry) =>
    id !== orderId && !e.cancelled && isPast(e.placedAt, id, from) && dayOf(e.placedAt) === day;
  for (const [id, e] of Object.entries(orderBook)) if (counts(id, e)) return true;
  for (const [id, e] of past ?? []) if (ownValue(orderBook, id) === undefined && counts(id, e)) return true;
  return false;
}

/** One purchase day as scoring reads them: the day (epoch days) and its spend in major units. */
export type OrderDay = { day: number; amount: number };

/**
 * The past orders' purchase days in `currency` (spend divided by `scale`), oldest first: the
 * first and last days as they were, the days between spread evenly with the average spend.
 */
export function pastOrderDays(past: PastOrders | undefined, currency: string, scale: number): OrderDay[] {
  if (!past || past.days <= 0) return [];
  const gross = (ownValue(past.gross, currency) ?? 0) / scale;
  if (past.days === 1 || past.lastDay === past.firstDay) return [{ day: past.firstDay, amount: gross }];
  const first = (ownValue(past.firstDayGross, currency) ?? 0) / scale;
  const last = (ownValue(past.lastDayGross, currency) ?? 0) / scale;
  const between = past.days - 2;
  const span = past.lastDay - past.firstDay;
  const each = between > 0 ? (gross - first - last) / between : 0;
  const days: OrderDay[] = [{ day: past.firstDay, amount: first }];
  for (let i = 1; i <= between; i++) {
    const day = past.firstDay + Math.max(1, Math.min(span - 1, Math.round((span * i) / (between + 1))));
    const previous = days[days.length - 1] as OrderDay;
    if (previous.day === day) previous.amount += each;
    else days.push({ day, amount: each });
  }
  days.push({ day: past.lastDay, amount: last });
  return days;
}

/**
 * The customer's purchase days in `currency` (orders in other currencies count as days with no
 * spend), oldest first: the recent orders' days and the past ones' (pastOrderDays).
 */
export function orderDays(
  profile: Pick<Profile, 'orderBook' | 'orderBookFrom' | 'pastOrders'>,
  currency: string,
  scale: number,
): OrderDay[] {
  const days = new Map<number, number>();
  const from = profile.orderBookFrom;
  for (const [id, order] of Object.entries(profile.orderBook)) {
    if (order.cancelled || isPast(order.placedAt, id, from)) continue;
    const day = dayOf(order.placedAt);
    const amount = order.currency === currency ? order.total / scale : 0;
    days.set(day, (days.get(day) ?? 0) + amount);
  }
  for (const { day, amount } of pastOrderDays(profile.pastOrders, currency, scale)) {
    days.set(day, (days.get(day) ?? 0) + amount);
  }
  return [...days].map(([day, amount]) => ({ day, amount })).sort((a, b) => a.day - b.day);
}
