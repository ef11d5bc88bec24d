// The Timers port in memory: pending timers by id (setting an id again replaces it), delivered to
// their queue by `fireDue()` once the clock has reached them, earliest first.

import { MinHeap } from '../../core/min-heap';
import type { Clock, Queue, Timer, Timers } from '../../ports';
import { Faults } from './faults';

export type MemoryTimers = Timers & {
  readonly faults: Faults;
  /** Delivers the timers due by the clock; resolves to how many. */
  fireDue(): Promise<number>;
  /** When the earliest pending timer is due, if any. */
  nextDueAt(): number | undefined;
  pending(): Timer[];
};

const earliestFirst = (a: Timer, b: Timer) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function createMemoryTimers(options: { queue: Queue; clock: Clock; faults?: Faults }): MemoryTimers {
  const faults = options.faults ?? new Faults();
  const byId = new Map<string, Timer>();
  // Every timer set, earliest first; one replaced or delivered since is skipped when it surfaces.
  const heap = new MinHeap<Timer>((a, b) => earliestFirst(a, b) < 0);
  const earliest = (): Timer | undefined => {
    for (let top = heap.peek(); top; top = heap.peek()) {
      if (byId.get(top.id) === top) return top;
      heap.pop();
    }
    return undefined;
  };
  return {
    faults,
    set: (timers) =>
      faults.run('timers.set', async () => {
        const now = options.clock.now();
        for (const timer of timers) {
          if (!timer.id || !Number.isFinite(timer.at)) throw new Error(`timer ${timer.id}: needs an id and a time`);
          byId.delete(timer.id);
          // A time in the past delivers at once, as the port promises.
          if (timer.at <= now) await options.queue.send(timer.queue, [timer.body]);
          else {
            const pending = { ...timer };
            byId.set(timer.id, pending);
            heap.push(pending);
          }
        }
      }),
    async fireDue() {
      const now = options.clock.now();
      const due: Timer[] = [];
      for (let next = earliest(); next && next.at <= now; next = earliest()) {
        heap.pop();
        due.push(next);
      }
      for (const timer of due) {
        await options.queue.send(timer.queue, [timer.body]);
        if (byId.get(timer.id) === timer) byId.delete(timer.id);
      }
      return due.length;
    },
    nextDueAt: () => earliest()?.at,
    pending: () => [...byId.values()].sort(earliestFirst),
  };
}
