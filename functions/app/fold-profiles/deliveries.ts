import { errorFields } from '../../adapters/log';
import { IngestedDelivery, parseBody, type QueueRecord } from '../../contracts/messages';
import { type FieldOwner, holdsSealedFields, openEvent, ownerOf, SEALED_PREFIX } from '../../core/privacy/sealed';
import type { Delivery } from '../../core/profiles/batch';
import { type DataKeys, UnreadableDataKeyError } from '../../ports';
import type { QueueName } from '../../routes';
import type { AppPorts } from '../common/ports';
import { isPoison, park } from '../quarantine/run';

/** The event of a body that holds sealed fields, with its owner; undefined for any other body. */
function sealedDelivery(body: string): { json: { detail?: unknown }; owner: FieldOwner } | undefined {
  if (!body.includes(SEALED_PREFIX)) return undefined;
  let json: { detail?: unknown };
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const owner = ownerOf(json?.detail);
  if (!owner || !holdsSealedFields(json.detail)) return undefined;
  return { json, owner };
}

/**
 * A queue body with the sealed personal fields of its event opened with the customer's data key.
 * A field whose key is gone (the customer was erased) is left out. Bodies that hold nothing
 * sealed, or are not JSON, come back as they are, for the schema to judge. Throws what reading the
 * key throws (see openRecords).
 */
export async function openSealedFields(dataKeys: DataKeys | undefined, body: string): Promise<string> {
  const sealed = sealedDelivery(body);
  if (!sealed) return body;
  const { json, owner } = sealed;
  const key = await dataKeys?.find(owner.tenantId, owner.customerId);
  return JSON.stringify({ ...json, detail: openEvent(json.detail, key).detail });
}

/**
 * Whether a data key that could not be read never will be (the adapters say so with
 * UnreadableDataKeyError); anything else (network, throttling, a disabled KMS key, missing
 * permissions) may pass, and the record is delivered again.
 */
const isPermanentKeyFailure = (e: unknown): boolean => e instanceof UnreadableDataKeyError || isPoison(e);

export type OpenRecordsDeps = Pick<AppPorts, 'store' | 'clock' | 'log' | 'metrics'> & {
  /** Opens the sealed personal fields (without it, sealed fields are left out). */
  dataKeys?: DataKeys;
};

/** The records opened, and those that could not be opened this time, with why: to be delivered again. */
export type OpenedRecords = { records: QueueRecord[]; unopened: { id: string; reason: string }[] };

/**
 * The records of a batch of `queue` with the sealed fields of their events opened (see
 * openSealedFields), each on its own: a record whose data key cannot be read never takes the
 * others with it. When the key will never open (isPermanentKeyFailure) the record is parked in
 * quarantine with why, as delivered (sealed), and left out; when it may open on another attempt
 * (KMS throttled, the network), or parking it failed, it comes back in `unopened`.
 */
export async function openRecords(
  records: readonly QueueRecord[],
  deps: OpenRecordsDeps,
  queue: QueueName,
): Promise<OpenedRecords> {
  const opened = await Promise.all(
    records.map(async (record): Promise<{ record: QueueRecord } | { unopened: string } | { parked: true }> => {
      try {
        return { record: { ...record, body: await openSealedFields(deps.dataKeys, record.body) } };
      } catch (e) {
        const tenantId = sealedDelivery(record.body)?.owner.tenantId;
        const error = errorFields(e);
        const fields = { recordId: record.id, ...(tenantId ? { tenantId } : {}), ...error };
        const reason = `the data key of its sealed fields cannot be read: ${error.error}: ${error.reason}`;
        if (!tenantId || !isPermanentKeyFailure(e)) {
          deps.log.warn('the sealed fields of a delivery could not be opened; it will be delivered again', fields);
          return { unopened: reason };
        }
        try {
          await park(deps, { tenantId, queue, body: record.body, reason });
        } catch (parking) {
          deps.log.error('a delivery whose data key cannot be read could not be parked', {
            ...fields,
            parking: errorFields(parking).reason,
          });
          return { unopened: reason };
        }
        deps.log.error('delivery quarantined: the data key of its sealed fields cannot be read', fields);
        deps.metrics?.count('EventsQuarantined', 1);
        return { parked: true };
      }
    }),
  );
  const result: OpenedRecords = { records: [], unopened: [] };
  opened.forEach((outcome, n) => {
    if ('record' in outcome) result.records.push(outcome.record);
    else if ('unopened' in outcome)
      result.unopened.push({ id: (records[n] as QueueRecord).id, reason: outcome.unopened });
  });
  return result;
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
