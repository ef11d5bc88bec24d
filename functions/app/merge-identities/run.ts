import type { CanonicalEvent } from '../../core/events/schemas';
import { erasedAtOf, erasedEvent, tombstoneKey } from '../../core/privacy/records';
import { DATA_KEY_SK } from '../../core/privacy/sealed';
import type { PreviousProfile } from '../../core/profiles/apply';
import type { CustomerBatch, Delivery } from '../../core/profiles/batch';
import {
  aliasKey,
  aliasTarget,
  customerPk,
  LEDGER_HASHES,
  ledgerHashes,
  ledgerKey,
  ledgerWeek,
  orderPeriodMembers,
  profileKey,
  type StoredProfile,
  toProfileItem,
} from '../../core/profiles/items';
import { isLiveProfile, mergedMarker, profileSlot } from '../../core/profiles/markers';
import { ORDER_PERIOD_PREFIX, pastOrderBook } from '../../core/profiles/order-book';
import type { Profile } from '../../core/profiles/profile';
import { ConditionFailedError, type Item, type Key, type Store } from '../../ports';
import { writeVersioned } from '../common/versioned-write';

// Which customer an event belongs to, once customers are erased or merged: the I/O around
// the profile fold for `alias` events (an anonymous visitor who turned out to be a customer).

/**
 * Where each event goes. An id that an `alias` event of the same batch names as a previous id
 * goes to that alias's customer. Events of erased customers received or dated before the erasure
 * are dropped; events of a merged-away id (an anonymous visitor) go to the customer it was merged
 * into. Only ids without a live profile can be either, so only they are looked up.
 */
export async function resolveCustomers(store: Store, deliveries: Delivery[], profiles: Map<string, Item>) {
  const redirected = withBatchAliases(deliveries);
  const live = (d: Delivery) => isLiveProfile(profiles.get(profileKey(d.event.tenantId, d.event.customerId).pk));
  const unknown = redirected.filter((d) => !live(d));
  if (unknown.length === 0) return redirected;
  const found = await store.getMany(
    unknown.flatMap((d) => [
      tombstoneKey(d.event.tenantId, d.event.customerId),
      aliasKey(d.event.tenantId, d.event.customerId),
    ]),
    { consistent: true },
  );
  const erasedAt = new Map(found.filter((i) => i.sk === 'TOMBSTONE').map((t) => [t.pk, erasedAtOf(t)]));
  const mergedInto = new Map(found.filter((i) => i.sk === 'ALIAS').map((a) => [a.pk, aliasTarget(a)]));
  return redirected.flatMap((d) => {
    if (live(d)) return [d];
    const { tenantId, customerId } = d.event;
    const erased = erasedAt.get(tombstoneKey(tenantId, customerId).pk);
    if (erased !== undefined && erasedEvent(erased, d.event, d.receivedAt)) return [];
    const target = mergedInto.get(aliasKey(tenantId, customerId).pk);
    return [target ? { ...d, event: { ...d.event, customerId: target } } : d];
  });
}

/** A visitor's events batched with the alias that links the visitor to a customer go to the customer. */
function withBatchAliases(deliveries: Delivery[]): Delivery[] {
  const targets = new Map<string, string>();
  for (const { event } of deliveries) {
    if (event.type === 'alias' && event.properties.previousId !== event.customerId)
      targets.set(customerPk(event.tenantId, event.properties.previousId), event.customerId);
  }
  if (targets.size === 0) return deliveries;
  return deliveries.map((d) => {
    const target = targets.get(customerPk(d.event.tenantId, d.event.customerId));
    return target ? { ...d, event: { ...d.event, customerId: target } } : d;
  });
}

const previousIds = (customer: CustomerBatch) =>
  [...new Set(customer.events.flatMap((e) => (e.type === 'alias' ? [e.properties.previousId] : [])))].filter(
    (id) => id !== customer.events[0]?.customerId,
  );

/**
 * Before a customer's alias events are folded: points each previous id at the customer (new
 * events for it are redirected from then on), marks its profile as merged, or puts a merged
 * marker where it has none (so that a concurrent write to it fails and is redirected), and
 * copies its old weeks of seen events into this customer's ledgers. Returns the previous
 * profiles with their past orders, to be merged by the fold.
 */
export async function preparePreviousProfiles(store: Store, customer: CustomerBatch): Promise<PreviousProfile[]> {
  const { tenantId, customerId } = customer.events[0] as CustomerBatch['events'][number];
  const previous: PreviousProfile[] = [];
  for (const id of previousIds(customer)) {
    await store.put({ ...aliasKey(tenantId, id), customerId });
    const stored = await markMerged(store, profileKey(tenantId, id), customerId);
    if (!stored) continue;
    for (const ledger of await store.query(customerPk(tenantId, id), { skPrefix: 'SEEN#', consistent: true })) {
      await store.addToSet(ledgerKey(customer.profileKey, ledgerWeek(ledger)), LEDGER_HASHES, [
        ...ledgerHashes(ledger),
      ]);
    }
    const periods = await store.query(customerPk(tenantId, id), { skPrefix: ORDER_PERIOD_PREFIX, consistent: true });
    previous.push({ stored, pastOrders: pastOrderBook(periods.map(orderPeriodMembers)) });
  }
  return previous;
}

/** Marks the previous id's profile as merged into `into`; resolves to its profile when it had one to merge. */
async function markMerged(store: Store, key: Key, into: string): Promise<StoredProfile | undefined> {
  const { result } = await writeVersioned<StoredProfile | undefined>(store, {
    key,
    decide(current) {
      if (!current) return { write: mergedMarker(key, into, 1), result: undefined };
      const slot = profileSlot(current);
      if (slot.kind === 'erased' || (slot.kind === 'merged' && slot.into !== into)) return { result: undefined };
      if (slot.kind === 'merged') return { result: slot.stored };
      const marked = { ...slot.stored, version: slot.stored.version + 1, mergedInto: into };
      return { write: toProfileItem(marked), result: marked };
    },
  });
  return result;
}

/** The aliased ids a fold of these events merges into the profile, recorded on it so erasure finds them all. */
export function withAliases(profile: Profile, applied: readonly CanonicalEvent[]): Profile {
  const ids = applied.flatMap((e) =>
    e.type === 'alias' && e.properties.previousId !== profile.customerId ? [e.properties.previousId] : [],
  );
  if (ids.length === 0) return profile;
  return { ...profile, mergedFrom: [...new Set([...(profile.mergedFrom ?? []), ...ids])].sort() };
}

const KEPT_ON_MERGE = new Set(['ALIAS', 'PROFILE', DATA_KEY_SK]);

/** After the merge is written: the previous profiles' items go, leaving their alias, data key and a merged marker. */
export async function removeMergedProfiles(store: Store, customer: CustomerBatch) {
  const { tenantId, customerId } = customer.events[0] as CustomerBatch['events'][number];
  for (const id of previousIds(customer)) {
    const items = await store.query(customerPk(tenantId, id), { consistent: true });
    const profile = items.find((i) => i.sk === 'PROFILE');
    if (!profile) continue;
    const slot = profileSlot(profile);
    if (slot.kind !== 'merged' || slot.into !== customerId || !slot.stored) continue;
    try {
      const key = profileKey(tenantId, id);
      await store.put(mergedMarker(key, customerId, slot.version + 1), { ifVersion: slot.version });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      continue;
    }
    // The data key stays: the visitor's events still queued are sealed under it.
    for (const item of items) if (!KEPT_ON_MERGE.has(item.sk)) await store.delete(item);
  }
}
