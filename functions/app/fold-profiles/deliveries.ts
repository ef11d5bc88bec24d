import { IngestedDelivery, parseBody, type QueueRecord } from '../../contracts/messages';
import { holdsSealedFields, openEvent, ownerOf, SEALED_PREFIX } from '../../core/privacy/sealed';
import type { Delivery } from '../../core/profiles/batch';
import type { DataKeys } from '../../ports';

/**
 * A queue body with the sealed personal fields of its event opened with the customer's data key.
 * A field whose key is gone (the customer was erased) is left out. Bodies that hold nothing
 * sealed, or are not JSON, come back as they are, for the schema to judge.
 */
export async function openSealedFields(dataKeys: DataKeys | undefined, body: string): Promise<string> {
  if (!body.includes(SEALED_PREFIX)) return body;
  let json: { detail?: unknown };
  try {
    json = JSON.parse(body);
  } catch {
    return body;
  }
  const owner = ownerOf(json?.detail);
  if (!owner || !holdsSealedFields(json.detail)) return body;
  const key = await dataKeys?.find(owner.tenantId, owner.customerId);
  return JSON.stringify({ ...json, detail: openEvent(json.detail, key).detail });
}

/** The records with the sealed fields of their events opened (see openSealedFields). */
export async function openRecords(records: readonly QueueRecord[], dataKeys: DataKeys | undefined) {
  const bodies = await Promise.all(records.map((record) => openSealedFields(dataKeys, record.body)));
  return records.map((record, n) => ({ ...record, body: bodies[n] as string }));
}

/** Parses queue records as bus deliveries; the ones that hold no event are returned apart, with why. */
export function collectDeliveries(records: readonly QueueRecord[]) {
  const deliveries: Delivery[] = [];
  const undecodable: { id: string; reason: string }[] = [];
  for (const record of records) {
    const parsed = parseBody(IngestedDelivery, record.body);
    if (parsed.ok) deliveries.push({ event: parsed.value.detail, recordId: record.id, receivedAt: parsed.value.time });
    else undecodable.push({ id: record.id, reason: parsed.reason });
  }
  return { deliveries, undecodable };
}
