// The terminal outcome of an action on the bus, once: `message.sent`, or `message.skipped` with
// its reason, rule and next eligible time; and the journey's counters of what was really sent.

import { type SendRecord, SendRecordItem, sendRecordKey } from '../../core/dispatch/send-record';
import { statsKey } from '../../core/journeys/items';
import { type Bus, ConditionFailedError, type Item, type Store } from '../../ports';
import { DISPATCH_SOURCE } from '../../routes';

export type MessageOutcome = {
  tenantId: string;
  customerId: string;
  key: string;
  journeyId?: string;
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

/**
 * Puts the outcome of an ended record on the bus and counts it, then marks it published (a write
 * on its version). A crash in between publishes again: consumers know the outcome by its key.
 */
export async function publishOutcome(ports: { store: Store; bus: Bus }, record: SendRecord): Promise<void> {
  if (record.published !== false || record.state === 'unknown') return;
  await ports.bus.put([outcomeEvent(record)]);
  if (record.journeyId)
    await ports.store.increment(statsKey(record.tenantId, record.journeyId), outcomeCounters(record));
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
