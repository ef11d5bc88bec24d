// Events as the bus's archive holds them (EventBridge envelopes, one JSON object a line), read back
// for an export: which lines are ingested events of the tenant, in the range, and not yet seen.
import { INGEST_SOURCE } from '../../routes';
import type { CanonicalEvent } from './schemas';

/** An ingested event from the archive: its personal fields still sealed; `receivedAt` is the bus's time. */
export type ArchivedEvent = { event: CanonicalEvent; receivedAt?: string };

export type ExportFilter = {
  tenantId: string;
  /** Events that occurred at or after this instant (ms)... */
  from?: number;
  /** ...and before this one. */
  to?: number;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The ingested event of an archive line; `other` for an envelope of any other source (the AWS
 * archive keeps every event on the bus), undefined for a line that is not an envelope of an event.
 */
export function archivedEvent(line: string): ArchivedEvent | 'other' | undefined {
  let envelope: unknown;
  try {
    envelope = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(envelope)) return undefined;
  if (envelope.source !== INGEST_SOURCE) return typeof envelope.source === 'string' ? 'other' : undefined;
  const { detail, time } = envelope;
  if (!isRecord(detail)) return undefined;
  const { tenantId, customerId, eventId, type, occurredAt } = detail;
  const strings = [tenantId, customerId, eventId, type, occurredAt].every((v) => typeof v === 'string');
  if (!strings || Number.isNaN(Date.parse(occurredAt as string))) return undefined;
  return { event: detail as CanonicalEvent, ...(typeof time === 'string' ? { receivedAt: time } : {}) };
}

/** Whether the event is one the export asked for. */
export function wanted(event: CanonicalEvent, filter: ExportFilter): boolean {
  if (event.tenantId !== filter.tenantId) return false;
  const at = Date.parse(event.occurredAt);
  return (filter.from === undefined || at >= filter.from) && (filter.to === undefined || at < filter.to);
}
