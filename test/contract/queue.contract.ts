// The one contract every Queue adapter must pass (ARCHITECTURE.md section 2). Each case gets a
// fresh, empty queue from makeSubject; the subject's queue should have a short visibility timeout
// (1 s for SQS) and a small maxReceiveCount (2) so redrive is quick to reach.
import { expect, it } from 'vitest';
import type { Queue, QueueMessage } from '../../functions/ports';

export type QueueSubject = {
  queue: Queue;
  /** The queue name to send to and receive from. */
  name: string;
  /** Lets the queue's visibility timeout elapse (real time for SQS, clock.advance for a local queue). */
  passVisibilityTimeout(): Promise<void>;
  close(): Promise<void>;
  /** The queue's maxReceiveCount, when known: then the contract checks it exactly. */
  maxReceiveCount?: number;
};

/** Receives until `count` distinct messages arrived (or `rounds` receives came back empty), acking each. */
async function drain(subject: QueueSubject, count: number, options: { max?: number; rounds?: number } = {}) {
  const got = new Map<string, QueueMessage>();
  let largestBatch = 0;
  let emptyRounds = 0;
  while (got.size < count && emptyRounds < (options.rounds ?? 5)) {
    const batch = await subject.queue.receive(subject.name, { max: options.max ?? 10 });
    largestBatch = Math.max(largestBatch, batch.length);
    if (options.max !== undefined) expect(batch.length).toBeLessThanOrEqual(options.max);
    if (batch.length === 0) emptyRounds++;
    for (const message of batch) got.set(message.id, message);
    if (batch.length > 0) {
      await subject.queue.ack(
        subject.name,
        batch.map((message) => message.receipt),
      );
    }
  }
  return { messages: [...got.values()], largestBatch };
}

const sorted = (values: string[]) => [...values].sort();

export function queueContract(makeSubject: () => Promise<QueueSubject>): void {
  async function withSubject(test: (subject: QueueSubject) => Promise<void>): Promise<void> {
    const subject = await makeSubject();
    try {
      await test(subject);
    } finally {
      await subject.close();
    }
  }

  it('delivers sent bodies intact, multi-byte UTF-8 and a 200 KB body included', () =>
    withSubject(async (subject) => {
      const bodies = [
        'plain ascii',
        JSON.stringify({
          type: 'order_placed',
          total: { amount: 1999, currency: 'EUR' },
          note: 'quote " and \\ slash',
        }),
        'Grüße aus Köln, 北京欢迎你, emoji 🎉🛒, Ω≈ç√',
        `${'€'.repeat(1_000)}${'x'.repeat(197_000)}`,
        ' leading and trailing whitespace \n\t',
      ];
      await subject.queue.send(subject.name, bodies);
      const { messages } = await drain(subject, bodies.length);
      expect(sorted(messages.map((message) => message.body))).toEqual(sorted(bodies));
      for (const message of messages) {
        expect(message.receiveCount).toBe(1);
        expect(message.id).toEqual(expect.any(String));
        expect(message.receipt).toEqual(expect.any(String));
      }
    }));

  it('receives more than ten messages when asked for more than ten', () =>
    withSubject(async (subject) => {
      const bodies = Array.from({ length: 23 }, (_, index) => `message ${index}`);
      await subject.queue.send(subject.name, bodies);
      const { messages, largestBatch } = await drain(subject, bodies.length, { max: 50 });
      expect(sorted(messages.map((message) => message.body))).toEqual(sorted(bodies));
      expect(largestBatch).toBeGreaterThan(10);
    }));

  it('never returns more messages than max', () =>
    withSubject(async (subject) => {
      await subject.queue.send(
        subject.name,
        Array.from({ length: 5 }, (_, index) => `message ${index}`),
      );
      const batch = await subject.queue.receive(subject.name, { max: 3 });
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(3);
    }));

  it('hides a received message until the visibility timeout passes', () =>
    withSubject(async (subject) => {
      await subject.queue.send(subject.name, ['hidden for a while']);
      const first = await subject.queue.receive(subject.name);
      expect(first.map((message) => message.body)).toEqual(['hidden for a while']);
      expect(await subject.queue.receive(subject.name)).toEqual([]);
    }));

  it('an unacknowledged message comes back after the visibility timeout with its receive count incremented', () =>
    withSubject(async (subject) => {
      await subject.queue.send(subject.name, ['try me again']);
      const [first] = await subject.queue.receive(subject.name);
      expect(first?.receiveCount).toBe(1);
      await subject.passVisibilityTimeout();
      const again = await subject.queue.receive(subject.name);
      expect(again).toHaveLength(1);
      expect(again[0]?.id).toBe(first?.id);
      expect(again[0]?.body).toBe('try me again');
      expect(again[0]?.receiveCount).toBe(2);
    }));

  it('an acknowledged message never comes back', () =>
    withSubject(async (subject) => {
      await subject.queue.send(subject.name, ['done', 'not done']);
      const { messages } = await (async () => {
        const got: QueueMessage[] = [];
        for (let round = 0; round < 5 && got.length < 2; round++) {
          got.push(...(await subject.queue.receive(subject.name)));
        }
        return { messages: got };
      })();
      expect(sorted(messages.map((message) => message.body))).toEqual(['done', 'not done']);
      const done = messages.find((message) => message.body === 'done');
      await subject.queue.ack(subject.name, [done?.receipt ?? '']);
      await subject.passVisibilityTimeout();
      const again = await subject.queue.receive(subject.name, { max: 10 });
      expect(again.map((message) => message.body)).toEqual(['not done']);
      await subject.queue.ack(
        subject.name,
        again.map((message) => message.receipt),
      );
      await subject.passVisibilityTimeout();
      expect(await subject.queue.receive(subject.name)).toEqual([]);
    }));

  it('a message received more than maxReceiveCount times moves to the dead letters and out of receive', () =>
    withSubject(async (subject) => {
      await subject.queue.send(subject.name, ['poison']);
      let receives = 0;
      for (let round = 0; round < 10; round++) {
        const batch = await subject.queue.receive(subject.name);
        if (batch.length === 0) break;
        expect(batch.map((message) => message.body)).toEqual(['poison']);
        receives++;
        expect(batch[0]?.receiveCount).toBe(receives);
        await subject.passVisibilityTimeout();
      }
      expect(receives).toBeGreaterThan(0);
      expect(receives).toBeLessThan(10);
      if (subject.maxReceiveCount !== undefined) expect(receives).toBe(subject.maxReceiveCount);

      const dead = await subject.queue.deadLetters(subject.name);
      expect(dead.map((message) => message.body)).toEqual(['poison']);
      // Looking at the dead letters does not remove them.
      const deadAgain = await subject.queue.deadLetters(subject.name);
      expect(deadAgain.map((message) => message.body)).toEqual(['poison']);

      await subject.passVisibilityTimeout();
      expect(await subject.queue.receive(subject.name)).toEqual([]);
    }));

  it('has no dead letters while messages are still being retried', () =>
    withSubject(async (subject) => {
      await subject.queue.send(subject.name, ['fresh']);
      expect(await subject.queue.receive(subject.name)).toHaveLength(1);
      expect(await subject.queue.deadLetters(subject.name)).toEqual([]);
    }));

  it('sends 25 bodies in one call', () =>
    withSubject(async (subject) => {
      const bodies = Array.from({ length: 25 }, (_, index) => JSON.stringify({ index, text: `body ${index}` }));
      await subject.queue.send(subject.name, bodies);
      const { messages } = await drain(subject, bodies.length, { max: 10, rounds: 5 });
      expect(sorted(messages.map((message) => message.body))).toEqual(sorted(bodies));
    }));

  it('sends nothing and fails nothing for an empty batch', () =>
    withSubject(async (subject) => {
      await subject.queue.send(subject.name, []);
      await subject.queue.ack(subject.name, []);
      expect(await subject.queue.receive(subject.name)).toEqual([]);
    }));

  it('rejects an unknown queue name with a clear error', () =>
    withSubject(async (subject) => {
      await expect(subject.queue.send('no-such-queue', ['x'])).rejects.toThrow(/no-such-queue/);
    }));
}
