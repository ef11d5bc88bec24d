import { describe, expect, it } from 'vitest';
import { Faults } from '../../../../functions/adapters/memory/faults';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { addCounts } from '../../../../functions/app/common/merged-counts';

const stats = { pk: 'T#demo', sk: 'STATS#welcome' };
const other = { pk: 'T#demo', sk: 'STATS#recall' };

function countingStore() {
  const faults = new Faults();
  const store = createMemoryStore({ faults });
  const increments = () => faults.calls.filter((op) => op === 'store.increment').length;
  return { store, faults, increments };
}

describe('addCounts', () => {
  it('adds what one turn asks for an item in one write of the sums', async () => {
    const { store, increments } = countingStore();
    await Promise.all([
      addCounts(store, stats, { entered: 1, 'at#push': 1 }),
      addCounts(store, stats, { entered: 1, 'at#push': -1, completed: 1 }),
      addCounts(store, stats, { entered: 1 }),
      addCounts(store, other, { entered: 1 }),
    ]);
    expect(increments()).toBe(2);
    expect(await store.get(stats)).toMatchObject({ entered: 3, 'at#push': 0, completed: 1 });
    expect(await store.get(other)).toMatchObject({ entered: 1 });
  });

  it('writes adds of later turns on their own, onto what is there', async () => {
    const { store, increments } = countingStore();
    await addCounts(store, stats, { sent: 2 });
    await addCounts(store, stats, { sent: 3 });
    expect(increments()).toBe(2);
    expect(await store.get(stats)).toMatchObject({ sent: 5 });
  });

  it('fails every caller of a merged add that failed, and none of them is counted', async () => {
    const { store, faults } = countingStore();
    faults.failNext('store.increment');
    const outcomes = await Promise.allSettled([
      addCounts(store, stats, { entered: 1 }),
      addCounts(store, stats, { entered: 1 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(await store.get(stats)).toBeUndefined();
    await addCounts(store, stats, { entered: 1 });
    expect(await store.get(stats)).toMatchObject({ entered: 1 });
  });
});
