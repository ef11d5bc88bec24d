import { z } from 'zod';
import type { Item, Key } from '../../ports';
import type { LifecycleState } from '../scoring/profile-scores';
import { STAGES } from '../scoring/stages';
import {
  DataMap,
  decodeItem,
  ItemKey,
  isNumber,
  isObject,
  isString,
  type MapEntries,
  mapEntries,
  StringSet,
  Version,
} from '../stored-item';
import { audienceIndexAttributes } from './audience-index';
import { buyerIndexAttributes } from './buyer-index';
import { ORDER_PERIOD_ENTRIES, ORDER_PERIOD_PREFIX, orderIdsOf, orderPeriodPrefix, orderPeriodSk } from './order-book';
import type { CurrencyTotals, Latest, OrderEntry, PastOrders, Profile } from './profile';
import { dueAttributes, PROFILES_SOURCE, type ProfileChange, SEGMENT_ENTERED, STAGE_CHANGED } from './profile-changes';
import type { Seen } from './seen';

// The table design (docs/data-model.md): one partition per customer, keys start with the tenant.

export const customerPk = (tenantId: string, customerId: string): string => `${tenantId}#C#${customerId}`;

export const profileKey = (tenantId: string, customerId: string): Key => ({
  pk: customerPk(tenantId, customerId),
  sk: 'PROFILE',
});

/** Which customer an order belongs to, for reports that name only the order (Shopify refunds). */
export const orderIndexKey = (tenantId: string, orderId: string): Key => ({
  pk: `${tenantId}#ORDER#${orderId}`,
  sk: 'CUSTOMER',
});

/** The hashes of a customer's folded events that occurred in one old week. */
export const ledgerKey = (profile: Key, week: string): Key => ({ pk: profile.pk, sk: `SEEN#${week}` });
export const LEDGER_HASHES = 'hashes';

/** The orders placed in one period (a UTC month) that the profile write `version` moved out of the profile. */
export const orderPeriodKey = (profile: Key, period: string, version: number): Key => ({
  pk: profile.pk,
  sk: orderPeriodSk(period, version),
});
export { ORDER_PERIOD_ENTRIES, orderPeriodPrefix };

/**
 * The stored profile: the profile, its write version, the events it has seen by week, its
 * lifecycle stage with the stage changes not yet on the bus, and, once it has been merged into
 * another customer's profile, that customer's id.
 */
export type StoredProfile = {
  profile: Profile;
  version: number;
  seen: Seen;
  lifecycle?: LifecycleState;
  outbox?: ProfileChange[];
  mergedInto?: string;
};

export function toProfileItem(stored: StoredProfile): Item {
  const { profile, version, seen, lifecycle, outbox, mergedInto } = stored;
  const item: Item = { ...profileKey(profile.tenantId, profile.customerId), ...profile, version, seen };
  Object.assign(item, buyerIndexAttributes(stored), audienceIndexAttributes(stored));
  if (lifecycle) Object.assign(item, { lifecycle }, dueAttributes(stored));
  if (outbox?.length) item.outbox = outbox;
  if (mergedInto) item.mergedInto = mergedInto;
  return item;
}

// ---- stored item schemas (docs/data-model.md) --------------------------------------------------
// Loose objects: what the code reads is checked, any other attribute passes through unchanged.
// The profile is decoded on every fold, so its maps (orders, counters, registers, seen weeks) are
// checked in place with plain predicates rather than parsed entry by entry (scripts/bench/stored-decode.ts).

const Time = z.string();

const latestOf =
  <T>(isValue: (v: unknown) => v is T) =>
  (r: unknown): r is Latest<T> =>
    isObject(r) && isString(r.at) && isValue(r.v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isTrait = (v: unknown): v is string | number | boolean | null =>
  v === null || isString(v) || isBoolean(v) || isNumber(v);
const isTotals = (t: unknown): t is CurrencyTotals =>
  isObject(t) && isNumber(t.orders) && isNumber(t.gross) && isNumber(t.refunded);
const isOrder = (o: unknown): o is OrderEntry =>
  isObject(o) &&
  isNumber(o.total) &&
  isString(o.currency) &&
  isString(o.at) &&
  isString(o.placedAt) &&
  (o.cancelled === undefined || o.cancelled === true);

const Register = <T extends z.ZodType>(value: T) => z.looseObject({ v: value, at: Time });

const PastOrdersSchema = z
  .looseObject({
    days: z.number(),
    firstDay: z.number(),
    lastDay: z.number(),
    orders: DataMap<number>(),
    gross: DataMap<number>(),
    firstDayGross: DataMap<number>(),
    lastDayGross: DataMap<number>(),
  })
  .check(
    mapEntries(
      (['orders', 'gross', 'firstDayGross', 'lastDayGross'] as const).map(
        (name) => [name, isNumber, 'a number'] as const,
      ),
    ),
  ) satisfies z.ZodType<PastOrders>;

const Cart = z.looseObject({
  value: z.looseObject({ amount: z.number(), currency: z.string() }),
  itemCount: z.number(),
  checkoutId: z.string().optional(),
});

/** The profile's attributes on its item (the fold of functions/core/profiles/profile.ts). */
const profileShape = {
  tenantId: z.string().min(1),
  customerId: z.string().min(1),
  firstSeenAt: Time,
  lastSeenAt: Time,
  orders: z.number(),
  firstOrderAt: Time.optional(),
  lastOrderAt: Time.optional(),
  revenue: DataMap<CurrencyTotals>(),
  orderBook: DataMap<OrderEntry>(),
  orderBookFrom: z.looseObject({ placedAt: Time, orderId: z.string() }).optional(),
  pastOrders: PastOrdersSchema.optional(),
  sessions: z.number(),
  lastSessionAt: Time.optional(),
  logins: z.number(),
  lastLoginAt: Time.optional(),
  lastRecallAt: Time.optional(),
  counts: DataMap<number>(),
  cart: Register(Cart.nullable()).optional(),
  consent: DataMap<Latest<boolean>>(),
  timezone: Register(z.string()).optional(),
  traits: DataMap<Latest<string | number | boolean | null>>(),
  tags: DataMap<Latest<boolean>>().optional(),
  mergedFrom: z.array(z.string()).optional(),
};

const REGISTER = (type: string) => `a register {v: ${type}, at: string}`;
const profileMaps: MapEntries = [
  ['revenue', isTotals, 'currency totals {orders, gross, refunded: number}'],
  ['orderBook', isOrder, 'an order {total: number, currency, at, placedAt: string, cancelled?: true}'],
  ['counts', isNumber, 'a number'],
  ['consent', latestOf(isBoolean), REGISTER('boolean')],
  ['traits', latestOf(isTrait), REGISTER('string | number | boolean | null')],
  ['tags', latestOf(isBoolean), REGISTER('boolean')],
];

export const LifecycleStateSchema = z.looseObject({
  stage: z.enum(STAGES),
  since: Time,
  reason: z.string(),
  nextDueAt: Time.optional(),
  nextStage: z.enum(STAGES).optional(),
  segment: z.string().optional(),
});

const ProfileEvent = {
  tenantId: z.string().min(1),
  customerId: z.string().min(1),
  eventId: z.string().min(1),
  occurredAt: Time,
  source: z.literal(PROFILES_SOURCE),
};

/** A profile change not yet confirmed on the bus. */
export const ProfileChangeSchema = z.discriminatedUnion('type', [
  z.looseObject({
    ...ProfileEvent,
    type: z.literal(STAGE_CHANGED),
    properties: z.looseObject({ from: z.enum(STAGES).nullable(), to: z.enum(STAGES), reason: z.string() }),
  }),
  z.looseObject({
    ...ProfileEvent,
    type: z.literal(SEGMENT_ENTERED),
    properties: z.looseObject({ segment: z.string(), previous: z.string().nullable() }),
  }),
]);

/** `<tenant>#C#<customerId>` / `PROFILE`: the profile's attributes beside these. */
export const ProfileItem = z
  .looseObject({
    ...ItemKey,
    ...profileShape,
    version: Version,
    seen: DataMap<string>().optional(),
    lifecycle: LifecycleStateSchema.optional(),
    outbox: z.array(ProfileChangeSchema).optional(),
    mergedInto: z.string().min(1).optional(),
    dueShard: z.string().optional(),
    dueDay: z.string().optional(),
    audienceShard: z.string().optional(),
    audienceKey: z.string().optional(),
  })
  .check(mapEntries([...profileMaps, ['seen', isString, 'a string of event hashes']]));

/** `<tenant>#C#<customerId>` / `SEEN#<week>`: `hashes` is absent only on an item written by hand. */
export const LedgerItem = z.looseObject({ ...ItemKey, [LEDGER_HASHES]: StringSet.optional() });

/** `<tenant>#C#<customerId>` / `ORDERS#<YYYY-MM>#<version>`: `entries`, one member per order (order-book.ts). */
export const OrderPeriodItem = z.looseObject({ ...ItemKey, [ORDER_PERIOD_ENTRIES]: StringSet.optional() });

/** `<tenant>#C#<previous id>` / `ALIAS`. */
export const AliasItem = z.looseObject({ ...ItemKey, customerId: z.string().min(1) });

/** `<tenant>#ORDER#<orderId>` / `CUSTOMER`. */
export const OrderIndexItem = z.looseObject({ ...ItemKey, customerId: z.string().min(1) });

/** The stored profile from its item (the compiler checks that the schemas give what StoredProfile holds). */
export function fromProfileItem(item: Item): StoredProfile {
  const {
    pk: _pk,
    sk: _sk,
    dueShard: _shard,
    dueDay: _day,
    buyerShard: _buyer,
    audienceShard: _audience,
    audienceKey: _audienceKey,
    version,
    seen,
    lifecycle,
    outbox,
    mergedInto,
    ...profile
  } = decodeItem(ProfileItem, item);
  return {
    profile,
    version,
    seen: seen ?? {},
    ...(lifecycle ? { lifecycle } : {}),
    ...(outbox ? { outbox } : {}),
    ...(mergedInto ? { mergedInto } : {}),
  };
}

/**
 * What links the profile to other items, for erasure: the ids of its orders (their index items)
 * and of the customers merged into it. Only these are decoded, so that a profile corrupt
 * elsewhere can still be erased.
 */
export const ProfileLinks = z.looseObject({
  ...ItemKey,
  orderBook: DataMap<unknown>().optional(),
  mergedFrom: z.array(z.string()).optional(),
});

export function profileLinks(item: Item): { orderIds: string[]; mergedFrom: string[] } {
  const { orderBook, mergedFrom } = decodeItem(ProfileLinks, item);
  return { orderIds: Object.keys(orderBook ?? {}), mergedFrom: mergedFrom ?? [] };
}

/** The members of a period item of moved orders. */
export const orderPeriodMembers = (item: Item): Set<string> =>
  decodeItem(OrderPeriodItem, item)[ORDER_PERIOD_ENTRIES] ?? new Set();

export const isOrderPeriodItem = (item: Item): boolean => item.sk.startsWith(ORDER_PERIOD_PREFIX);

/**
 * The ids of the orders that moved out of the profile into period items, from the items of the
 * customer's partition (erasure reads the partition and deletes these orders' index items too,
 * beside the ones profileLinks names).
 */
export function movedOrderIds(partition: readonly Item[]): string[] {
  const ids = new Set<string>();
  for (const item of partition) {
    if (isOrderPeriodItem(item)) for (const id of orderIdsOf(orderPeriodMembers(item))) ids.add(id);
  }
  return [...ids];
}

/** The profile item once its stage changes are on the bus: its due day follows the lifecycle again. */
export const withoutProfileOutbox = (item: Item): Item => toProfileItem({ ...fromProfileItem(item), outbox: [] });

/** Where events for a customer id that was merged into another customer now go. */
export const aliasKey = (tenantId: string, customerId: string): Key => ({
  pk: customerPk(tenantId, customerId),
  sk: 'ALIAS',
});

export const ledgerWeek = (item: Item): string => item.sk.slice('SEEN#'.length);
export const ledgerHashes = (item: Item): Set<string> => decodeItem(LedgerItem, item).hashes ?? new Set();

/** The customer a merged-away id now goes to. */
export const aliasTarget = (item: Item): string => decodeItem(AliasItem, item).customerId;

/** The customer an order belongs to. */
export const orderCustomer = (item: Item): string => decodeItem(OrderIndexItem, item).customerId;
