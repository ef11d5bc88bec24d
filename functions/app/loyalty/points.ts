// The points ledger on the store: entries written once by id, the account folded from all of them
// (core/loyalty/ledger.ts) and written on top of the version it read, its notices put on the bus
// through the account (written first, cleared once told). An account that changes by itself later
// (points released or expiring, a reminder, a tier review) is in the due index for that day: the
// daily run folds it again then.
import type { TenantRecord } from '../../core/config/tenants';
import { nextStoredAccount } from '../../core/loyalty/account';
import { reminderOf } from '../../core/loyalty/entries';
import {
  accountItem,
  entryItem,
  entryOf,
  type LoyaltyNotice,
  POINTS_ENTRY_PREFIX,
  pointsAccountKey,
  type StoredAccount,
  storedAccountOf,
} from '../../core/loyalty/items';
import { foldLedger, type PointsEntry } from '../../core/loyalty/ledger';
import {
  defaultPointsSettings,
  defaultTierSettings,
  type PointsSettings,
  type TierSettings,
} from '../../core/loyalty/settings';
import type { TierState } from '../../core/loyalty/tiers';
import { ConditionFailedError, type Store } from '../../ports';
import { LOYALTY_SOURCE } from '../../routes';
import type { AppPorts } from '../common/ports';

export type PointsDeps = Pick<AppPorts, 'store' | 'bus' | 'clock' | 'log' | 'metrics'>;

/** The message that has the loyalty function fold an account now (after a redemption, a purchase). */
export type PointsDue = { type: 'points.due'; tenantId: string; customerId: string };

const ATTEMPTS = 8;

export const pointsSettingsOf = (tenant: TenantRecord): PointsSettings =>
  tenant.loyalty?.points ?? defaultPointsSettings();
export const tierSettingsOf = (tenant: TenantRecord): TierSettings => tenant.loyalty?.tiers ?? defaultTierSettings();

/** The account of the customer's ledger as of `now`: points and tier. */
export function foldAccount(entries: readonly PointsEntry[], now: string, tiers: TierSettings) {
  const points = foldLedger(entries, now, tiers);
  return { points, tier: points.tier as TierState };
}

/** Every entry of the customer's ledger. */
export async function ledgerEntries(store: Store, tenantId: string, customerId: string): Promise<PointsEntry[]> {
  const { pk } = pointsAccountKey(tenantId, customerId);
  const items = await store.query(pk, { skPrefix: POINTS_ENTRY_PREFIX, consistent: true });
  return items.map(entryOf).filter((e): e is PointsEntry => e !== undefined);
}

/** Writes the entries that are new (an entry already there is a redelivery); how many were. */
export async function addEntries(store: Store, tenantId: string, customerId: string, list: readonly PointsEntry[]) {
  const added = await Promise.all(
    list.map(async (entry) => {
      try {
        await store.put(entryItem(tenantId, customerId, entry), { ifAbsent: true });
        return true;
      } catch (e) {
        if (e instanceof ConditionFailedError) return false;
        throw e;
      }
    }),
  );
  return added.filter(Boolean).length;
}

export function createPointsLedger(deps: PointsDeps) {
  const { store, clock } = deps;

  async function tell(tenantId: string, customerId: string, notices: readonly LoyaltyNotice[]) {
    if (notices.length === 0) return;
    await deps.bus.put(
      notices.map((n) => ({
        source: LOYALTY_SOURCE,
        detailType: n.type,
        detail: { ...n, tenantId, customerId, source: LOYALTY_SOURCE },
      })),
    );
    deps.metrics?.count('PointsNotices', notices.length);
  }

  /** Writes `account` over `previous`; false when another writer came first. */
  async function write(tenantId: string, customerId: string, account: StoredAccount, previous: number | undefined) {
    try {
      const item = accountItem(tenantId, customerId, account);
      await store.put(item, previous === undefined ? { ifAbsent: true } : { ifVersion: previous });
      return true;
    } catch (e) {
      if (e instanceof ConditionFailedError) return false;
      throw e;
    }
  }

  /**
   * Folds the customer's entries into their account as of now, tells what became due, and sets the
   * timer for the next change. Safe to run any number of times, from any number of workers.
   */
  async function refresh(tenant: TenantRecord, customerId: string): Promise<StoredAccount> {
    const settings = pointsSettingsOf(tenant);
    const tiers = tierSettingsOf(tenant);
    const levels = tiers.levels.map((l) => l.id);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const previous = storedAccountOf(await store.get(pointsAccountKey(tenant.id, customerId), { consistent: true }));
      if (previous && previous.unsent.length > 0) {
        // Decided before and not told yet (a crash, a refused put): told first.
        await tell(tenant.id, customerId, previous.unsent);
        const told = { ...previous, unsent: [], version: previous.version + 1 };
        await write(tenant.id, customerId, told, previous.version);
        continue;
      }
      const now = clock.now();
      const { points, tier } = foldAccount(
        await ledgerEntries(store, tenant.id, customerId),
        new Date(now).toISOString(),
        tiers,
      );
      const remindAt = (at: number) => reminderOf(at, settings, tenant.timezone);
      const next = nextStoredAccount(previous, points, tier, now, remindAt, levels);
      if (!(await write(tenant.id, customerId, next, previous?.version))) continue;
      let current = next;
      if (next.unsent.length > 0) {
        await tell(tenant.id, customerId, next.unsent);
        const told = { ...next, unsent: [], version: next.version + 1 };
        if (await write(tenant.id, customerId, told, next.version)) current = told;
      }
      return current;
    }
    throw new Error(`the points account of ${tenant.id}/${customerId} kept changing under ${ATTEMPTS} attempts`);
  }

  return {
    refresh,
    /** Records entries of the customer and folds them in; entries seen before change nothing. */
    async record(tenant: TenantRecord, customerId: string, list: readonly PointsEntry[]): Promise<void> {
      const added = await addEntries(store, tenant.id, customerId, list);
      if (added === 0) return;
      deps.metrics?.count('PointsEntries', added);
      await refresh(tenant, customerId);
    },

    /** The account as last folded, without folding. */
    async account(tenantId: string, customerId: string): Promise<StoredAccount | undefined> {
      return storedAccountOf(await store.get(pointsAccountKey(tenantId, customerId), { consistent: true }));
    },
  };
}
export type PointsLedger = ReturnType<typeof createPointsLedger>;
