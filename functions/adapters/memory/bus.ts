// The Bus port in memory: records every event put, and, given a queue, routes them there with the
// one route table (as the local bus and EventBridge do).
import type { Bus, BusEvent, Clock, Queue } from '../../ports';
import { createLocalBus } from '../local/bus';
import { Faults } from './faults';

export type MemoryBus = Bus & { readonly faults: Faults; readonly events: BusEvent[] };

export function createMemoryBus(options: { faults?: Faults; queue?: Queue; clock?: Clock } = {}): MemoryBus {
  const faults = options.faults ?? new Faults();
  const routed =
    options.queue && options.clock ? createLocalBus({ queue: options.queue, clock: options.clock }) : undefined;
  const events: BusEvent[] = [];
  return {
    faults,
    events,
    put: (batch) =>
      faults.run('bus.put', async () => {
        await routed?.put(batch);
        events.push(...structuredClone(batch));
      }),
  };
}
