import type { BatchResult, QueueRecord } from '../contracts/messages';
import type { Queue } from '../ports';

export type BatchHandler = (records: QueueRecord[]) => Promise<BatchResult>;

/**
 * Plays Lambda's SQS event source: receives batches, calls the handler, deletes what it did
 * not report as failed. Failed and unhandled messages come back after the visibility timeout.
 */
export function startPoller(options: { queue: Queue; name: string; handle: BatchHandler; batchSize: number }) {
  const { queue, name, handle, batchSize } = options;
  let running = true;
  let idle: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      const messages = await queue.receive(name, { max: batchSize, waitSeconds: 1 });
      if (messages.length === 0) continue;
      try {
        const { failedIds } = await handle(messages.map((m) => ({ id: m.id, body: m.body })));
        const failed = new Set(failedIds);
        await queue.ack(
          name,
          messages.filter((m) => !failed.has(m.id)).map((m) => m.receipt),
        );
      } catch (e) {
        console.error(`${name}: batch of ${messages.length} failed, will be retried: ${String(e)}`);
      }
      idle?.();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
