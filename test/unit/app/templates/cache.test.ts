import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { cachedTemplateReads, HEAD_TTL_MS } from '../../../../functions/app/templates/cache';
import { templateHeadKey, templateVersionKey } from '../../../../functions/core/templates/items';
import type { Key, Store } from '../../../../functions/ports';

function counted(store: Store) {
  const reads: Key[] = [];
  return {
    reads,
    get(key: Key) {
      reads.push(key);
      return store.get(key);
    },
  };
}

describe('template reads for sends', () => {
  it('reads a version once and a head again after its time to live', async () => {
    const store = createMemoryStore();
    const clock = new ManualClock(Date.parse('2026-12-01T00:00:00Z'));
    const head = templateHeadKey('t1', 'nudge');
    const v1 = templateVersionKey('t1', 'nudge', 1);
    await store.put({ ...head, version: 1, latest: 1 });
    await store.put({ ...v1, version: 1, text: 'one' });
    const reader = counted(store);
    const reads = cachedTemplateReads(reader, clock);

    expect((await reads.get(head))?.latest).toBe(1);
    expect((await reads.get(v1))?.text).toBe('one');
    await reads.get(head);
    await reads.get(v1);
    expect(reader.reads).toHaveLength(2);

    await store.put({ ...head, version: 2, latest: 2 });
    expect((await reads.get(head))?.latest).toBe(1);
    clock.advance(HEAD_TTL_MS + 1);
    expect((await reads.get(head))?.latest).toBe(2);
    await reads.get(v1);
    expect(reader.reads).toHaveLength(3);
  });

  it('does not keep a version that is not there yet', async () => {
    const store = createMemoryStore();
    const reads = cachedTemplateReads(store, new ManualClock(0));
    const v1 = templateVersionKey('t1', 'nudge', 1);
    expect(await reads.get(v1)).toBeUndefined();
    await store.put({ ...v1, version: 1, text: 'one' });
    expect((await reads.get(v1))?.text).toBe('one');
  });
});
