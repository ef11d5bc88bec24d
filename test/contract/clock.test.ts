import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../functions/adapters/clock';
import type { Clock } from '../../functions/ports';

/** What every Clock adapter must do: epoch milliseconds that never run backwards on their own. */
function clockContract(make: () => { clock: Clock; pass(ms: number): Promise<void> }) {
  it('tells the time in whole epoch milliseconds', () => {
    const { clock } = make();
    expect(Number.isInteger(clock.now())).toBe(true);
    expect(clock.now()).toBeGreaterThan(Date.parse('2000-01-01T00:00:00Z'));
  });

  it('never runs backwards as time passes', async () => {
    const { clock, pass } = make();
    const before = clock.now();
    await pass(5);
    // Node's timers may fire up to a millisecond before Date.now() shows the full delay.
    expect(clock.now()).toBeGreaterThanOrEqual(before + 4);
  });
}

describe('the system clock', () =>
  clockContract(() => ({ clock: systemClock, pass: (ms) => new Promise((r) => setTimeout(r, ms)) })));

describe('the manual clock', () => {
  clockContract(() => {
    const clock = new ManualClock('2026-11-21T12:00:00Z');
    return { clock, pass: async (ms) => clock.advance(ms) };
  });

  it('moves only when told to, to the millisecond', () => {
    const clock = new ManualClock('2026-03-29T00:59:59.999Z');
    expect(clock.now()).toBe(clock.now());
    clock.advance(1);
    expect(new Date(clock.now()).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    clock.set('2026-01-01T00:00:00Z');
    expect(clock.now()).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(() => clock.advance(-1)).toThrow();
  });
});
