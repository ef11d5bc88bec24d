// Spending points through the admin API: the redemption is written as an entry, the ledger folded
// with it, and the entry taken back at once if it would overdraw the spendable points (two
// redemptions racing for the same points are both taken back; either may be tried again). The
// loyalty function folds the account afterwards, told through its queue.
import type { TenantRecord } from '../../core/config/tenants';
import { pointsEntryKey } from '../../core/loyalty/items';
import { foldLedger, type PointsAccount, type RedeemEntry } from '../../core/loyalty/ledger';
import { LOYALTY_QUEUE } from '../../routes';
import type { AppPorts } from '../common/ports';
import { addEntries, ledgerEntries, type PointsDue } from './points';

export type RedeemDeps = Pick<AppPorts, 'store' | 'queue' | 'clock'>;

export type Redemption = { id: string; points: number; reason?: string };
export type RedeemResult = {
  outcome: 'redeemed' | 'replayed' | 'insufficient';
  account: Pick<PointsAccount, 'balance' | 'available' | 'pending' | 'debt'>;
};

const figures = ({ balance, available, pending, debt }: PointsAccount) => ({ balance, available, pending, debt });

export async function redeemPoints(
  deps: RedeemDeps,
  tenant: TenantRecord,
  customerId: string,
  redemption: Redemption,
): Promise<RedeemResult> {
  const now = new Date(deps.clock.now()).toISOString();
  const entry: RedeemEntry = {
    kind: 'redeem',
    id: `redeem:${redemption.id}`,
    at: now,
    points: redemption.points,
    ...(redemption.reason ? { reason: redemption.reason } : {}),
  };
  const added = await addEntries(deps.store, tenant.id, customerId, [entry]);
  const all = await ledgerEntries(deps.store, tenant.id, customerId);
  const withIt = foldLedger(all, now);
  if (added === 0) return { outcome: 'replayed', account: figures(withIt) };
  const without = foldLedger(
    all.filter((e) => e.id !== entry.id),
    now,
  );
  if (without.available < redemption.points || withIt.debt > without.debt) {
    await deps.store.delete(pointsEntryKey(tenant.id, customerId, entry.id));
    return { outcome: 'insufficient', account: figures(without) };
  }
  const due: PointsDue = { type: 'points.due', tenantId: tenant.id, customerId };
  await deps.queue.send(LOYALTY_QUEUE, [JSON.stringify(due)]);
  return { outcome: 'redeemed', account: figures(withIt) };
}
