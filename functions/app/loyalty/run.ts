// The loyalty queue's consumer: events that earn, spend or take back points become ledger entries
// (core/loyalty/entries.ts), customer by customer; an account's timer folds it again when points
// are released, come near their expiry or expire. Invites, and the orders and refunds of referred
// friends, go to the referral programme (app/referrals). Events of erased customers make nothing.
import { type BatchResult, IngestedDelivery, parseBody, type QueueRecord } from '../../contracts/messages';
import type { CanonicalEvent } from '../../core/events/schemas';
import { entriesOf, grantEntry } from '../../core/loyalty/entries';
import { erasedAtOf, erasedEvent, tombstoneKey } from '../../core/privacy/records';
import { DISPATCH_SOURCE, POINTS_GRANTED, type PointsGranted } from '../../routes';
import type { AppPorts } from '../common/ports';
import { createReferrals } from '../referrals/referrals';
import { createPointsLedger, type PointsDeps, type PointsDue, pointsSettingsOf } from './points';

export type LoyaltyDeps = PointsDeps & Pick<AppPorts, 'tenants' | 'queue'>;

type Work = {
  tenantId: string;
  customerId: string;
  recordIds: string[];
  events: { event: CanonicalEvent; receivedAt?: string }[];
  /** Points actions the dispatcher carried out. */
  grants: PointsGranted[];
  /** The account's timer came: fold it as of now. */
  due: boolean;
};

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** An account's timer, or a points action carried out; undefined for anything else (an ingested event). */
function ownMessageOf(body: string): { due: PointsDue } | { granted: PointsGranted } | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (parsed?.type === 'points.due' && isString(parsed.tenantId) && isString(parsed.customerId))
    return { due: parsed as PointsDue };
  if (parsed?.source !== DISPATCH_SOURCE || parsed['detail-type'] !== POINTS_GRANTED) return undefined;
  const g = parsed.detail as Partial<PointsGranted> | undefined;
  const ok =
    isString(g?.tenantId) &&
    isString(g.customerId) &&
    isString(g.key) &&
    isString(g.reason) &&
    isString(g.at) &&
    !Number.isNaN(Date.parse(g.at)) &&
    Number.isSafeInteger(g.points) &&
    (g.points as number) > 0;
  return ok ? { granted: g as PointsGranted } : undefined;
}

export function createLoyaltyConsumer(deps: LoyaltyDeps) {
  const ledger = createPointsLedger(deps);
  const referrals = createReferrals(deps);

  async function work(item: Work): Promise<void> {
    const tenant = await deps.tenants.byId(item.tenantId);
    if (!tenant) {
      deps.log.warn('points of an unknown tenant dropped', { tenantId: item.tenantId });
      return;
    }
    const tombstone = await deps.store.get(tombstoneKey(item.tenantId, item.customerId), { consistent: true });
    const erasedAt = tombstone ? erasedAtOf(tombstone) : undefined;
    const kept = item.events.filter(({ event, receivedAt }) => !erasedAt || !erasedEvent(erasedAt, event, receivedAt));
    // A due message of an erased customer's account has nothing left to fold.
    if (erasedAt && kept.length === 0) return;
    const settings = pointsSettingsOf(tenant);
    const entries = [
      ...kept.flatMap(({ event }) => entriesOf(event, settings, tenant.timezone)),
      ...(erasedAt ? [] : item.grants.map((g) => grantEntry(g, settings, tenant.timezone))),
    ];
    if (entries.length > 0) await ledger.record(tenant, item.customerId, entries);
    if (item.due) await ledger.refresh(tenant, item.customerId);
    await referrals.record(
      tenant,
      kept.map(({ event }) => event),
    );
  }

  return async function run(command: { records: readonly QueueRecord[] }): Promise<BatchResult> {
    const byCustomer = new Map<string, Work>();
    const failedIds: string[] = [];
    const workOf = (tenantId: string, customerId: string) => {
      const id = `${tenantId}\u0000${customerId}`;
      const known = byCustomer.get(id);
      if (known) return known;
      const w: Work = { tenantId, customerId, recordIds: [], events: [], grants: [], due: false };
      byCustomer.set(id, w);
      return w;
    };
    for (const record of command.records) {
      const own = ownMessageOf(record.body);
      if (own) {
        const { tenantId, customerId } = 'due' in own ? own.due : own.granted;
        const w = workOf(tenantId, customerId);
        w.recordIds.push(record.id);
        if ('due' in own) w.due = true;
        else w.grants.push(own.granted);
        continue;
      }
      const parsed = parseBody(IngestedDelivery, record.body);
      if (!parsed.ok) {
        // Nothing else is sent here: a body that is neither is dropped, said once.
        deps.log.error('undecodable loyalty message dropped', { recordId: record.id, reason: parsed.reason });
        continue;
      }
      const { detail: event, time } = parsed.value;
      const w = workOf(event.tenantId, event.customerId);
      w.recordIds.push(record.id);
      w.events.push({ event, ...(time ? { receivedAt: time } : {}) });
    }
    await Promise.all(
      [...byCustomer.values()].map(async (item) => {
        try {
          await work(item);
        } catch (e) {
          deps.log.warn('points could not be recorded; they will be delivered again', {
            tenantId: item.tenantId,
            reason: (e as Error).message,
          });
          failedIds.push(...item.recordIds);
        }
      }),
    );
    return { failedIds };
  };
}
