// Queue port on Amazon SQS. Queue names are the route table's names; `urls` maps each to its
// queue URL and its dead-letter queue URL (both created by the CDK stack, or by a test).
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Queue, QueueMessage } from '../../ports';
import { batchesOf } from './batches';

/** SQS batch limits: entries per batch call, and bytes per SendMessageBatch request (and per message). */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
const SEND_ATTEMPTS = 4;
const RETRY_BASE_MS = 50;

export type SqsQueueUrls = Record<string, { url: string; deadLetterUrl: string }>;

export type SqsEntry = { Id: string; MessageBody: string; DelaySeconds?: number };

/** Entries in batches SQS accepts: at most 10 entries and 256 KB each. */
export const batchEntries = (entries: readonly SqsEntry[]): SqsEntry[][] =>
  batchesOf(
    entries,
    { maxEntries: MAX_BATCH_ENTRIES, maxBytes: MAX_BATCH_BYTES },
    (entry) => Buffer.byteLength(entry.MessageBody, 'utf8'),
    (entry, _, bytes) => `message ${entry.Id} is ${bytes} bytes; SQS accepts at most ${MAX_BATCH_BYTES}`,
  );

/** Sends one batch, retrying what SQS failed on its side; entries it refuses as malformed fail the call. */
export async function sendEntries(client: SQSClient, url: string, entries: SqsEntry[]): Promise<void> {
  let pending = entries;
  for (let attempt = 1; ; attempt++) {
    const result = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: pending }));
    const failed = result.Failed ?? [];
    if (failed.length === 0) return;
    const permanent = failed.filter((failure) => failure.SenderFault);
    if (permanent.length > 0 || attempt >= SEND_ATTEMPTS) {
      const reasons = (permanent.length > 0 ? permanent : failed)
        .map((failure) => `${failure.Id}: ${failure.Code}${failure.Message ? ` (${failure.Message})` : ''}`)
        .join('; ');
      throw new Error(`SQS rejected ${failed.length} of ${pending.length} messages to ${url}: ${reasons}`);
    }
    const retry = new Set(failed.map((failure) => failure.Id));
    pending = pending.filter((entry) => retry.has(entry.Id));
    await wait(RETRY_BASE_MS * 2 ** (attempt - 1));
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toQueueMessage(message: Message): QueueMessage {
  if (message.MessageId === undefined || message.ReceiptHandle === undefined) {
    throw new Error('SQS returned a message without MessageId or ReceiptHandle');
  }
  return {
    id: message.MessageId,
    body: message.Body ?? '',
    receipt: message.ReceiptHandle,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
  };
}

export function createSqsQueue(options: { client: SQSClient; urls: SqsQueueUrls }): Queue {
  const { client, urls } = options;

  const lookup = (queue: string) => {
    const entry = urls[queue];
    if (!entry) {
      throw new Error(`unknown queue "${queue}"; known queues: ${Object.keys(urls).join(', ') || '(none)'}`);
    }
    return entry;
  };

  async function receiveFrom(
    url: string,
    max: number,
    waitSeconds: number | undefined,
    visibilityTimeout: number | undefined,
  ): Promise<QueueMessage[]> {
    const messages: QueueMessage[] = [];
    const seen = new Set<string>();
    let first = true;
    while (messages.length < max) {
      const asked = Math.min(MAX_BATCH_ENTRIES, max - messages.length);
      const result = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: asked,
          // Only the first call long-polls; later calls drain what is already there.
          WaitTimeSeconds: first ? waitSeconds : 0,
          VisibilityTimeout: visibilityTimeout,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      first = false;
      const batch = (result.Messages ?? []).map(toQueueMessage);
      let fresh = 0;
      for (const message of batch) {
        if (seen.has(message.id)) continue;
        seen.add(message.id);
        messages.push(message);
        fresh++;
      }
      if (batch.length < asked || fresh === 0) break;
    }
    return messages;
  }

  return {
    async send(queue, bodies) {
      const { url } = lookup(queue);
      for (const entries of batchEntries(bodies.map((body, index) => ({ Id: String(index), MessageBody: body })))) {
        await sendEntries(client, url, entries);
      }
    },

    async receive(queue, options = {}) {
      const { url } = lookup(queue);
      return receiveFrom(url, options.max ?? 10, options.waitSeconds, undefined);
    },

    async ack(queue, receipts) {
      const { url } = lookup(queue);
      for (const batch of chunk(receipts, MAX_BATCH_ENTRIES)) {
        const result = await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: batch.map((receipt, index) => ({ Id: String(index), ReceiptHandle: receipt })),
          }),
        );
        const failed = result.Failed ?? [];
        if (failed.length > 0) {
          const reasons = failed.map((failure) => `${failure.Id}: ${failure.Code}`).join('; ');
          throw new Error(`SQS could not delete ${failed.length} of ${batch.length} messages from ${url}: ${reasons}`);
        }
      }
    },

    async deadLetters(queue, options = {}) {
      const { deadLetterUrl } = lookup(queue);
      // VisibilityTimeout 0: the messages stay visible, so looking does not take them away.
      return receiveFrom(deadLetterUrl, options.max ?? 10, 0, 0);
    },
  };
}
