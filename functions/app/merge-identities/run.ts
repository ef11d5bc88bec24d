import { erasedAtOf, tombstoneKey } from '../../core/privacy/records';
import type { CustomerBatch, Delivery } from '../../core/profiles/batch';
import {
  aliasKey,
  aliasTarget,
  customerPk,
  fromProfileItem,
  LEDGER_HASHES,
  ledgerHashes,
  ledgerKey,
  ledgerWeek,
  profileKey,
  type StoredProfile,
  toProfileItem,
} from '../../core/profiles/items';
import type { Item, Store } from '../../ports';

// Which customer an event belongs to, once customers are erased or merged: the I/O around
// the profile fold for `alias` events (an anonymous visitor who turned out to be a customer).

/**
 * Drops events of erased customers that occurred before the erasure, and sends events of a
 * merged-away id (an anonymous visitor) to the customer it was merged into. Only ids without a
 * live profile can be either, so only they are looked up.
 */
export async function resolveCustomers(store: Store, deliveries: Delivery[], profiles: Map<string, Item>) {
  const live = (d: Delivery) => {
    const item = profiles.get(profileKey(d.event.tenantId, d.event.customerId).pk);
    return item !== undefined && item.mergedInto === undefined;
  };
  const unknown = deliveries.filter((d) => !live(d));
  if (unknown.length === 0) return deliveries;
  const found = await store.getMany(
    unknown.flatMap((d) => [
      tombstoneKey(d.event.tenantId, d.event.customerId),
      aliasKey(d.event.tenantId, d.event.customerId),
    ]),
  );
  const erasedAt = new Map(found.filter((i) => i.sk === 'TOMBSTONE').map((t) => [t.pk, erasedAtOf(t)]));
  const mergedInto = new Map(found.filter((i) => i.sk === 'ALIAS').map((a) => [a.pk, aliasTarget(a)]));
  return deliveries.flatMap((d) => {
    if (live(d)) return [d];
    const { tenantId, customerId } = d.event;
    const erased = erasedAt.get(tombstoneKey(tenantId, customerId).pk);
    if (erased !== undefined && d.event.occurredAt <= erased) return [];
    const target = mergedInto.get(aliasKey(tenantId, customerId).pk);
    return [target ? { ...d, event: { ...d.event, customerId: target } } : d];
  });
}

const previousIds = (customer: CustomerBatch) =>
  [...new Set(customer.events.flatMap((e) => (e.type === 'alias' ? [e.properties.previousId] : [])))].filter(
    (id) => id !== customer.events[0]?.customerId,
  );

/**
 * Before a customer's alias events are folded: points each previous id at the customer (new
 * events for it are redirected from then on), marks its profile as merged (so a concurrent
 * write to it fails and is redirected), and copies its old weeks of seen events into this
 * customer's ledgers. Returns the previous profiles, to be merged by the fold.
 */
export async function preparePreviousProfiles(store: Store, customer: CustomerBatch): Promise<StoredProfile[]> {
  const { tenantId, customerId } = customer.events[0] as CustomerBatch['events'][number];
  const previous: StoredProfile[] = [];
  for (const id of previousIds(customer)) {
    await store.put({ ...aliasKey(tenantId, id), customerId });
    const item = await store.get(profileKey(tenantId, id), { consistent: true });
    if (!item) continue;
    const stored = fromProfileItem(item);
    if (stored.mergedInto && stored.mergedInto !== customerId) continue;
    if (!stored.mergedInto) {
      await store.put(toProfileItem({ ...stored, version: stored.version + 1, mergedInto: customerId }), {
        ifVersion: stored.version,
      });
    }
    for (const ledger of await store.query(customerPk(tenantId, id), { skPrefix: 'SEEN#', consistent: true })) {
      await store.addToSet(ledgerKey(customer.profileKey, ledgerWeek(ledger)), LEDGER_HASHES, [
        ...ledgerHashes(ledger),
      ]);
    }
    previous.push(stored);
  }
  return previous;
}

/** After the merge is written: the previous profiles and their ledgers go; their alias items stay. */
export async function removeMergedProfiles(store: Store, customer: CustomerBatch) {
  const { tenantId, customerId } = customer.events[0] as CustomerBatch['events'][number];
  for (const id of previousIds(customer)) {
    const items = await store.query(customerPk(tenantId, id), { consistent: true });
    const profile = items.find((i) => i.sk === 'PROFILE');
    const merged = profile !== undefined && fromProfileItem(profile).mergedInto === customerId;
    if (!merged) continue;
    for (const item of items) if (item.sk !== 'ALIAS') await store.delete(item);
  }
}
