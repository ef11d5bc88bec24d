// The Timers port in memory: pending timers by id (setting an id again replaces it), delivered to
// their queue by `fireDue()` once the clock has reached them, earliest first.
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
          else byId.set(timer.id, { ...timer });
        }
      }),
    async fireDue() {
      const now = options.clock.now();
      const due = [...byId.values()].filter((t) => t.at <= now).sort(earliestFirst);
      for (const timer of due) {
        await options.queue.send(timer.queue, [timer.body]);
        if (byId.get(timer.id) === timer) byId.delete(timer.id);
      }
      return due.length;
    },
    nextDueAt: () => [...byId.values()].sort(earliestFirst)[0]?.at,
    pending: () => [...byId.values()].sort(earliestFirst),
  };
}
