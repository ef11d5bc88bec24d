import type { Clock } from '../ports';

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

function toMillis(time: number | string): number {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) throw new Error(`not a valid time: ${String(time)}`);
  return ms;
}

/** A clock that only moves when told to: tests, simulations and backtests. */
export class ManualClock implements Clock {
  #now: number;

  /** `start`: epoch milliseconds or an ISO-8601 timestamp. */
  constructor(start: number | string) {
    this.#now = toMillis(start);
  }

  now(): number {
    return this.#now;
  }

  /** Jumps to a time (epoch milliseconds or ISO-8601); may move backwards. */
  set(time: number | string): void {
    this.#now = toMillis(time);
  }

  /** Moves forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot advance the clock by ${ms} ms`);
    this.#now += ms;
  }
}
