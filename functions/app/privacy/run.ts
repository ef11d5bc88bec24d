import { auditItem, auditPk, type Requester, tombstoneItem } from '../../core/privacy/records';
import { customerPk, orderIndexKey, profileLinks } from '../../core/profiles/items';
import type { Clock, Item, Store } from '../../ports';

export type CustomerExport = { tenantId: string; customerId: string; exportedAt: string; items: Omit<Item, 'pk'>[] };

/**
 * Erasure and export of one customer's data (GDPR, PIPL, Shopify customers/redact and
 * customers/data_request). Everything growthloop holds about a customer lives in the
 * customer's partition; each request is written to the tenant's audit log.
 */
export function createPrivacy(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  return {
    async erase(tenantId: string, customerId: string, requestedBy: Requester): Promise<{ erasedItems: number }> {
      // The tombstone first: events still on their way must not bring the customer back.
      await store.put(tombstoneItem(tenantId, customerId, clock.now()));
      const items = await store.query(customerPk(tenantId, customerId), { consistent: true });
      const profile = items.find((item) => item.sk === 'PROFILE');
      const { orderIds, mergedFrom } = profile ? profileLinks(profile) : { orderIds: [], mergedFrom: [] };
      // Ids merged into the customer (anonymous visitors) point at it: their items go too.
      for (const id of mergedFrom) items.push(...(await store.query(customerPk(tenantId, id), { consistent: true })));
      const orderIndex = orderIds.map((id) => orderIndexKey(tenantId, id));
      for (const key of [...items, ...orderIndex]) await store.delete(key);
      await store.put(
        auditItem(tenantId, 'erase', customerId, requestedBy, clock.now(), { erasedItems: items.length }),
      );
      return { erasedItems: items.length };
    },

    /** Shopify shop/redact: everything of the tenant but its audit log, which the law asks to keep. */
    async eraseTenant(tenantId: string, requestedBy: Requester): Promise<{ erasedItems: number }> {
      const items = (await store.scan(`${tenantId}#`)).filter((item) => item.pk !== auditPk(tenantId));
      for (const item of items) await store.delete(item);
      await store.put(
        auditItem(tenantId, 'erase_tenant', tenantId, requestedBy, clock.now(), { erasedItems: items.length }),
      );
      return { erasedItems: items.length };
    },

    async export(tenantId: string, customerId: string, requestedBy: Requester): Promise<CustomerExport> {
      const items = await store.query(customerPk(tenantId, customerId), { consistent: true });
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
