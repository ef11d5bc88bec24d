import { smsIndexKeyOfSend } from '../../core/dispatch/feedback';
import { auditItem, type Requester, tombstoneItem } from '../../core/privacy/records';
import { isDataKeyItem } from '../../core/privacy/sealed';
import {
  aliasKey,
  aliasTarget,
  customerPk,
  movedOrderIds,
  orderIndexKey,
  profileKey,
  profileLinks,
} from '../../core/profiles/items';
import { erasedMarker, isMarker, profileSlot } from '../../core/profiles/markers';
import { referralIndexKeys } from '../../core/referrals/items';
import { storedVersion } from '../../core/stored-item';
import { type Clock, ConditionFailedError, type Item, type Store } from '../../ports';
import { writeVersioned } from '../common/versioned-write';
import { dropKpiSnapshot } from '../metrics/kpi-snapshot';

export type CustomerExport = { tenantId: string; customerId: string; exportedAt: string; items: Omit<Item, 'pk'>[] };

/** The customer an id was merged into, if it was. */
async function mergedTarget(store: Store, tenantId: string, customerId: string): Promise<string | undefined> {
  const [alias, profile] = await Promise.all([
    store.get(aliasKey(tenantId, customerId), { consistent: true }),
    store.get(profileKey(tenantId, customerId), { consistent: true }),
  ]);
  if (alias) return aliasTarget(alias);
  const slot = profile && profileSlot(profile);
  return slot?.kind === 'merged' ? slot.into : undefined;
}

/**
 * One id's erasure: the tombstone first (events still on their way must not bring the customer
 * back), then the profile replaced by an erased marker in a versioned write (a fold that read
 * the profile before cannot write it back, nor create it anew), then every other item of the
 * partition. Resolves to the items erased and what the profile linked to.
 */
async function eraseId(store: Store, tenantId: string, customerId: string, now: number) {
  await store.put(tombstoneItem(tenantId, customerId, now));
  const key = profileKey(tenantId, customerId);
  const { result: links } = await writeVersioned(store, {
    key,
    decide(current) {
      const slot = current && profileSlot(current);
      if (slot?.kind === 'erased') return { result: { held: false, orderIds: [], mergedFrom: [] } };
      const version = current ? storedVersion(current) + 1 : 1;
      const held = slot !== undefined && slot.kind !== 'merged';
      const links = current && held ? profileLinks(current) : { orderIds: [], mergedFrom: [] };
      return { write: erasedMarker(tenantId, customerId, key, now, version), result: { held, ...links } };
    },
  });
  const items = (await store.query(customerPk(tenantId, customerId), { consistent: true })).filter(
    (item) => item.sk !== 'PROFILE',
  );
  for (const item of items) {
    // The index item first: a retry after a crash in between still finds the record that names it.
    const smsIndex = smsIndexKeyOfSend(item);
    if (smsIndex) await store.delete(smsIndex);
    for (const key of referralIndexKeys(tenantId, item)) await store.delete(key);
    await store.delete(item);
  }
  const orderIds = [...new Set([...links.orderIds, ...movedOrderIds(items)])];
  return { items: items.length + (links.held ? 1 : 0), links: { ...links, orderIds } };
}

/** An erased marker whose day has come goes (the daily pass), unless a new profile has taken its place. */
export async function removeErasedMarker(store: Store, item: Item): Promise<void> {
  const slot = profileSlot(item);
  if (slot.kind !== 'erased') return;
  try {
    await store.delete(item, { ifVersion: slot.version });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
}

/**
 * Erasure and export of one customer's data (GDPR, PIPL, Shopify customers/redact and
 * customers/data_request). Everything growthloop holds about a customer lives in the
 * customer's partition; each request is written to the tenant's audit log.
 */
export function createPrivacy(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  return {
    /**
     * Erases the customer and every id linked to it, both ways: the ids merged into it
     * (anonymous visitors) and, when asked for such an id, the customer it was merged into.
     */
    async erase(tenantId: string, customerId: string, requestedBy: Requester): Promise<{ erasedItems: number }> {
      const now = clock.now();
      const target = await mergedTarget(store, tenantId, customerId);
      const ids = new Set([customerId, ...(target ? [target] : [])]);
      let erasedItems = 0;
      for (const id of ids) {
        const { items, links } = await eraseId(store, tenantId, id, now);
        erasedItems += items;
        for (const merged of links.mergedFrom) ids.add(merged);
        for (const orderId of links.orderIds) await store.delete(orderIndexKey(tenantId, orderId));
      }
      // The snapshot holds no ids but still the erased orders: reports read the profiles until the next daily run.
      await dropKpiSnapshot(store, tenantId);
      await store.put(auditItem(tenantId, 'erase', customerId, requestedBy, now, { erasedItems }));
      return { erasedItems };
    },

    async export(tenantId: string, customerId: string, requestedBy: Requester): Promise<CustomerExport> {
      const items = (await store.query(customerPk(tenantId, customerId), { consistent: true })).filter(
        (item) => !isMarker(item) && !isDataKeyItem(item),
      );
      await store.put(
        auditItem(tenantId, 'export', customerId, requestedBy, clock.now(), { exportedItems: items.length }),
      );
      return {
        tenantId,
        customerId,
        exportedAt: new Date(clock.now()).toISOString(),
        items: items.map(({ pk: _pk, ...rest }) => jsonSafe(rest)),
      };
    },
  };
}
export type Privacy = ReturnType<typeof createPrivacy>;

/** String sets come back from DynamoDB as Sets, which JSON would print as {}. */
const jsonSafe = (item: Omit<Item, 'pk'>): Omit<Item, 'pk'> => ({
  sk: item.sk,
  ...Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v instanceof Set ? [...v].sort() : v])),
});
