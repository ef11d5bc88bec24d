import { archivedEvent, type ExportFilter, wanted } from '../../core/events/archived';
import type { CanonicalEvent } from '../../core/events/schemas';
import { erasedAtOf, erasedEvent, tombstoneKey } from '../../core/privacy/records';
import { holdsSealedFields, openEvent } from '../../core/privacy/sealed';
import { type DataKeys, UnreadableDataKeyError } from '../../ports';
import type { AppPorts } from '../common/ports';

export type ExportDeps = Pick<AppPorts, 'store'> & { dataKeys: DataKeys };

/** What an export read and what it left out, and why. */
export type ExportCounts = {
  exported: number;
  /** The same event again (a redelivery, a second import, a replayed archive line). */
  duplicates: number;
  /** Events of customers erased since: what was erased stays erased. */
  erased: number;
  /** Personal fields whose key is gone or unreadable: left out of their event. */
  shreddedFields: number;
  /** Lines that are no event envelope (one being written as the archive was read, say). */
  unreadable: number;
};

export const noCounts = (): ExportCounts => ({
  exported: 0,
  duplicates: 0,
  erased: 0,
  shreddedFields: 0,
  unreadable: 0,
});

/**
 * The tenant's ingested events among archive lines (envelopes, as the local archive or an
 * EventBridge replay hands them), each once, as canonical events with their personal fields
 * opened: what `growthloop import` reads. The events of erased customers are left out.
 */
export async function* exportEvents(
  deps: ExportDeps,
  lines: AsyncIterable<string>,
  filter: ExportFilter,
  counts: ExportCounts = noCounts(),
): AsyncGenerator<CanonicalEvent> {
  const seen = new Set<string>();
  const erasedAt = new Map<string, string | undefined>();

  async function erasureOf(customerId: string): Promise<string | undefined> {
    if (erasedAt.has(customerId)) return erasedAt.get(customerId);
    const tombstone = await deps.store.get(tombstoneKey(filter.tenantId, customerId), { consistent: true });
    const at = tombstone ? erasedAtOf(tombstone) : undefined;
    erasedAt.set(customerId, at);
    return at;
  }

  async function opened(event: CanonicalEvent): Promise<CanonicalEvent> {
    if (!holdsSealedFields(event)) return event;
    let key: Uint8Array | undefined;
    try {
      key = await deps.dataKeys.find(event.tenantId, event.customerId);
    } catch (e) {
      if (!(e instanceof UnreadableDataKeyError)) throw e;
    }
    const open = openEvent(event, key);
    counts.shreddedFields += open.shredded;
    return open.detail as CanonicalEvent;
  }

  for await (const line of lines) {
    const archived = archivedEvent(line);
    if (archived === undefined) counts.unreadable += 1;
    if (archived === undefined || archived === 'other' || !wanted(archived.event, filter)) continue;
    const { event, receivedAt } = archived;
    if (seen.has(event.eventId)) {
      counts.duplicates += 1;
      continue;
    }
    seen.add(event.eventId);
    const erased = await erasureOf(event.customerId);
    if (erased !== undefined && erasedEvent(erased, event, receivedAt)) {
      counts.erased += 1;
      continue;
    }
    counts.exported += 1;
    yield await opened(event);
  }
}
