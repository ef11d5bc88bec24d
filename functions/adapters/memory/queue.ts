// The Queue port in memory: the local queue without a journal (SQS semantics: visibility timeout
// on the given clock, receive counts, dead letters), with injectable faults.
import type { Clock, Queue } from '../../ports';
import { queues as defaultDefinitions, type QueueDefinition } from '../../routes';
import { createLocalQueue } from '../local/queue';
import { Faults } from './faults';

export type MemoryQueue = Queue & {
  readonly faults: Faults;
  /** Messages not yet acknowledged (visible or in flight), per queue. */
  depth(queue: string): number;
};

export function createMemoryQueue(options: {
  clock: Clock;
  faults?: Faults;
  definitions?: Record<string, QueueDefinition>;
}): MemoryQueue {
  const faults = options.faults ?? new Faults();
  const queue = createLocalQueue({ clock: options.clock, definitions: options.definitions ?? defaultDefinitions });
  return {
    faults,
    depth: (name) => queue.depth(name),
    send: (name, bodies) => faults.run('queue.send', () => queue.send(name, bodies)),
    receive: (name, opts) => queue.receive(name, opts),
    ack: (name, receipts) => faults.run('queue.ack', () => queue.ack(name, receipts)),
    deadLetters: (name, opts) => queue.deadLetters(name, opts),
  };
}
