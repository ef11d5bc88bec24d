// The terminal outcome of an action on the bus, once: `message.sent`, or `message.skipped` with
// its reason, rule and next eligible time; and the journey's counters of what was really sent.

import { type SendRecord, SendRecordItem, sendRecordKey } from '../../core/dispatch/send-record';
import { statsKey } from '../../core/journeys/items';
import { type Bus, ConditionFailedError, type Item, type Store } from '../../ports';
import { DISPATCH_SOURCE } from '../../routes';
import { addCounts } from '../common/merged-counts';

export type MessageOutcome = {
  tenantId: string;
  customerId: string;
  key: string;
  journeyId?: string;
  campaignId?: string;
  activity?: string;
  channel?: string;
  /** When it was sent, or when it was skipped. */
  at: string;
  provider?: string;
  providerMessageId?: string;
  reason?: string;
  rule?: string;
  nextEligibleAt?: string;
};

/** The bus event of an ended record (`unknown` has none until provider feedback settles it). */
export function outcomeEvent(record: SendRecord) {
  const detail: MessageOutcome = {
    tenantId: record.tenantId,
    customerId: record.customerId,
    key: record.key,
    ...(record.journeyId ? { journeyId: record.journeyId } : {}),
    ...(record.campaignId ? { campaignId: record.campaignId } : {}),
    ...(record.activity ? { activity: record.activity } : {}),
    ...(record.channel ? { channel: record.channel } : {}),
    at: record.sentAt ?? record.updatedAt,
    ...(record.provider ? { provider: record.provider, providerMessageId: record.providerMessageId } : {}),
    ...(record.reason ? { reason: record.reason, rule: record.rule } : {}),
    ...(record.nextEligibleAt ? { nextEligibleAt: record.nextEligibleAt } : {}),
  };
  return { source: DISPATCH_SOURCE, detailType: record.state === 'sent' ? 'message.sent' : 'message.skipped', detail };
}

/** The counters an outcome adds to its journey's stats. */
export function outcomeCounters(record: SendRecord): Record<string, number> {
  if (record.state === 'sent') return { sent: 1 };
  return { skipped: 1, [`skipped#${record.reason ?? 'provider'}`]: 1 };
}

/** Puts the outcomes of ended records on the bus together and adds them to their journeys' counters (one increment a journey). */
export async function announceOutcomes(ports: { store: Store; bus: Bus }, records: readonly SendRecord[]) {
  const due = records.filter((r) => r.state !== 'unknown');
  if (due.length === 0) return;
  await ports.bus.put(due.map(outcomeEvent));
  const byJourney = new Map<string, { tenantId: string; journeyId: string; counters: Record<string, number> }>();
  for (const record of due) {
    if (!record.journeyId) continue;
    const id = `${record.tenantId}\u0000${record.journeyId}`;
    const sum = byJourney.get(id) ?? { tenantId: record.tenantId, journeyId: record.journeyId, counters: {} };
    for (const [name, n] of Object.entries(outcomeCounters(record))) sum.counters[name] = (sum.counters[name] ?? 0) + n;
    byJourney.set(id, sum);
  }
  await Promise.all(
    [...byJourney.values()].map((j) => addCounts(ports.store, statsKey(j.tenantId, j.journeyId), j.counters)),
  );
}

/**
 * Announces a record written as ended whose outcome is not on the bus yet, then marks it
 * published (a write on its version). A crash in between publishes again: consumers know an
 * outcome by its key.
 */
export async function publishOutcome(ports: { store: Store; bus: Bus }, record: SendRecord) {
  if (record.published !== false || record.state === 'unknown') return;
  await announceOutcomes(ports, [record]);
  try {
    await ports.store.put({ ...record, version: record.version + 1, published: true } as Item, {
      ifVersion: record.version,
    });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
}

/** The sends and skips of a customer, latest first: their timeline. */
export async function customerSends(store: Store, tenantId: string, customerId: string): Promise<SendRecord[]> {
  const { pk } = sendRecordKey(tenantId, customerId, '');
  const items = await store.query(pk, { skPrefix: 'SEND#' });
  return items
    .map((item) => SendRecordItem.parse(item))
    .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
}
