// Spending points, and buying the paid tier, through the admin API: the redemption is written as an entry, the ledger folded
// with it, and the entry taken back at once if it would overdraw the spendable points (two
// redemptions racing for the same points are both taken back; either may be tried again). The
// loyalty function folds the account afterwards, told through its queue.
import type { TenantRecord } from '../../core/config/tenants';
import { pointsEntryKey } from '../../core/loyalty/items';
import {
  foldLedger,
  type MembershipEntry,
  type PointsAccount,
  type PointsEntry,
  type RedeemEntry,
} from '../../core/loyalty/ledger';
import { LOYALTY_QUEUE } from '../../routes';
import type { AppPorts } from '../common/ports';
import { addEntries, ledgerEntries, type PointsDue, tierSettingsOf } from './points';

export type RedeemDeps = Pick<AppPorts, 'store' | 'queue' | 'clock'>;

export type Redemption = { id: string; points: number; reason?: string };
export type RedeemResult = {
  outcome: 'redeemed' | 'replayed' | 'insufficient';
  account: Pick<PointsAccount, 'balance' | 'available' | 'pending' | 'debt'>;
};

const figures = ({ balance, available, pending, debt }: PointsAccount) => ({ balance, available, pending, debt });

const MONTH_MS = 30 * 86_400_000;

/**
 * Buys the tenant's paid level for its months, from now or from the end of a membership still
 * running; once per `membershipId`.
 */
export async function buyMembership(
  deps: RedeemDeps,
  tenant: TenantRecord,
  customerId: string,
  membershipId: string,
): Promise<{ outcome: 'bought' | 'replayed'; level: string; paidUntil: string } | 'no_paid_tier'> {
  const tiers = tierSettingsOf(tenant);
  if (!tiers.paid) return 'no_paid_tier';
  const now = deps.clock.now();
  const id = `membership:${membershipId}`;
  const entries = await ledgerEntries(deps.store, tenant.id, customerId);
  const before = entries.find((e): e is MembershipEntry => e.kind === 'membership' && e.id === id);
  if (before) return { outcome: 'replayed', level: before.level, paidUntil: before.until };
  const running = entries
    .filter((e): e is MembershipEntry => e.kind === 'membership')
    .reduce((latest, e) => Math.max(latest, Date.parse(e.until)), now);
  const entry: MembershipEntry = {
    kind: 'membership',
    id,
    at: new Date(now).toISOString(),
    level: tiers.paid.level,
    until: new Date(running + tiers.paid.months * MONTH_MS).toISOString(),
  };
  if ((await addEntries(deps.store, tenant.id, customerId, [entry])) === 0) {
    const written = (await ledgerEntries(deps.store, tenant.id, customerId)).find((e) => e.id === id);
    const until = written?.kind === 'membership' ? written.until : entry.until;
    return { outcome: 'replayed', level: entry.level, paidUntil: until };
  }
  await tellLoyalty(deps, tenant.id, customerId);
  return { outcome: 'bought', level: entry.level, paidUntil: entry.until };
}

/** Writes entries made outside the loyalty function (each once by id) and has it fold them in. */
export async function recordEntries(deps: RedeemDeps, tenantId: string, customerId: string, entries: PointsEntry[]) {
  if ((await addEntries(deps.store, tenantId, customerId, entries)) > 0) await tellLoyalty(deps, tenantId, customerId);
}

/** Has the loyalty function fold the account now (its notices, its next timer). */
async function tellLoyalty(deps: RedeemDeps, tenantId: string, customerId: string) {
  const due: PointsDue = { type: 'points.due', tenantId, customerId };
  await deps.queue.send(LOYALTY_QUEUE, [JSON.stringify(due)]);
}

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
  await tellLoyalty(deps, tenant.id, customerId);
  return { outcome: 'redeemed', account: figures(withIt) };
}
