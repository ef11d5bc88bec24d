// Bus port on Amazon EventBridge: PutEvents on the growthloop bus; rules built from
// functions/routes.ts deliver to the SQS queues.
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Bus, BusEvent } from '../../ports';
import { batchesOf } from './batches';

/** PutEvents limits: entries per call, and bytes per call (an entry counts Source, DetailType, Detail, Resources). */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const PUT_ATTEMPTS = 4;
const RETRY_BASE_MS = 100;

/** Codes a retry cannot fix: fail at once instead of backing off. */
const PERMANENT_ERRORS = new Set([
  'MalformedDetail',
  'InvalidArgument',
  'AccessDeniedException',
  'NotAuthorizedForSourceException',
]);

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function entrySize(entry: PutEventsRequestEntry): number {
  let size = 0;
  if (entry.Time) size += 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

function toEntry(event: BusEvent, index: number, busName: string): PutEventsRequestEntry {
  if (typeof event.detail !== 'object' || event.detail === null || Array.isArray(event.detail)) {
    throw new Error(`event ${index}: detail must be a JSON object (MalformedDetail)`);
  }
  return {
    EventBusName: busName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
  };
}

const chunkEntries = (entries: PutEventsRequestEntry[]) =>
  batchesOf(
    entries,
    { maxEntries: MAX_ENTRIES, maxBytes: MAX_REQUEST_BYTES },
    entrySize,
    (entry, index, bytes) =>
      `event ${index} (${entry.DetailType}) is ${bytes} bytes; EventBridge accepts at most ${MAX_REQUEST_BYTES}`,
  );

export function createEventBridgeBus(options: { client: EventBridgeClient; busName: string }): Bus {
  const { client, busName } = options;

  async function putChunk(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      const result = await client.send(new PutEventsCommand({ Entries: pending }));
      if (!result.FailedEntryCount) return;
      // Result entries line up with request entries; failed ones carry an ErrorCode.
      const results = result.Entries ?? [];
      const failed = pending
        .map((entry, index) => ({ entry, result: results[index] }))
        .filter(({ result }) => result === undefined || result.ErrorCode !== undefined);
      if (failed.length === 0) return;
      const permanent = failed.some(({ result }) => PERMANENT_ERRORS.has(result?.ErrorCode ?? ''));
      if (permanent || attempt >= PUT_ATTEMPTS) {
        const codes = failed
          .map(
            ({ entry, result }) =>
              `${entry.DetailType}: ${result?.ErrorCode ?? 'unknown'}${result?.ErrorMessage ? ` (${result.ErrorMessage})` : ''}`,
          )
          .join('; ');
        throw new Error(`EventBridge rejected ${failed.length} of ${pending.length} events on ${busName}: ${codes}`);
      }
      pending = failed.map(({ entry }) => entry);
      await wait(RETRY_BASE_MS * 2 ** (attempt - 1));
    }
  }

  return {
    async put(events) {
      const entries = events.map((event, index) => toEntry(event, index, busName));
      for (const chunk of chunkEntries(entries)) await putChunk(chunk);
    },
  };
}
