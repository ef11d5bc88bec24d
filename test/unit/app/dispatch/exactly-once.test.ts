// Each action is sent once, however often and however concurrently its message is delivered,
// and a worker cut off right after the provider call never leads to a second call: the record
// it left as `sending` becomes `unknown` once its lease has run out.
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../../../functions/adapters/memory/bus';
import { LEASE_MS } from '../../../../functions/app/dispatch/run';
import type { Item } from '../../../../functions/ports';
import { deliveryOf, dispatchWorld, pushAction } from './world';

describe('a push action delivered many times', () => {
  it('1,000 actions, each delivered 3 times at once, and workers cut off after the provider call: 1,000 calls', async () => {
    const w = dispatchWorld();
    for (let c = 0; c < 100; c++) await w.customer(`c${c}`);
    const actions = Array.from({ length: 1000 }, (_, n) => pushAction(n));
    // Every tenth action's worker dies right after the provider took it and its outcome went out: the write never lands.
    const put = w.store.put.bind(w.store);
    w.store.put = async (item: Item, condition) => {
      if (item.state === 'sent' && Number(String(item.key).split(':').at(-1)) % 10 === 0)
        throw new Error('the worker was cut off');
      return put(item, condition);
    };
    const deliveries = actions.flatMap((m) => [deliveryOf(m, 1), deliveryOf(m, 2), deliveryOf(m, 3)]);
    const first = await w.dispatch({ records: deliveries });
    expect(first.failedIds.length).toBeGreaterThan(0);

    // What failed comes back after the queue's visibility timeout, when the leases have run out.
    w.clock.advance(3 * LEASE_MS);
    expect(await w.dispatch({ records: deliveries.filter((d) => first.failedIds.includes(d.id)) })).toEqual({
      failedIds: [],
    });
    expect(await w.dispatch({ records: deliveries })).toEqual({ failedIds: [] });

    expect(w.calls).toHaveLength(1000);
    expect(new Set(w.calls.map((c) => c.key)).size).toBe(1000);
    const states = await Promise.all(actions.map(async (m) => (await w.recordOf(m)).state));
    expect(states.filter((s) => s === 'sent')).toHaveLength(900);
    expect(states.filter((s) => s === 'unknown')).toHaveLength(100);
    // One terminal event per action, the unknown ones' too: it went out before their worker died.
    const sent = w.bus.events.filter((e) => e.detailType === 'message.sent');
    expect(sent).toHaveLength(1000);
    expect(new Set(sent.map((e) => (e.detail as { key: string }).key)).size).toBe(1000);
  });

  it('a copy delivered while the outcome is being published does not publish it again; after a refusal one does', async () => {
    const w = dispatchWorld();
    await w.customer('ada');
    const action = pushAction(1, 'ada');
    const put = w.bus.put.bind(w.bus);
    let copies = 0;
    w.bus.put = async (events) => {
      // A second copy arrives between the provider call and the outcome on the bus.
      if (copies++ === 0) await w.dispatch({ records: [deliveryOf(action, 2)] });
      return put(events);
    };
    await w.dispatch({ records: [deliveryOf(action, 1)] });
    expect(w.bus.events.map((e) => e.detailType)).toEqual(['message.sent']);

    // A bus that refuses the outcome: the record says so, and the next copy publishes it, once.
    const refused = dispatchWorld();
    await refused.customer('bob');
    const lost = pushAction(2, 'bob');
    refused.bus.put = async () => {
      throw new Error('the bus is unavailable');
    };
    expect((await refused.dispatch({ records: [deliveryOf(lost)] })).failedIds).toHaveLength(1);
    expect(await refused.recordOf(lost)).toMatchObject({ state: 'sent', published: false });
    const bus = createMemoryBus();
    refused.deps.bus = bus;
    for (const copy of [2, 3, 4]) {
      expect(await refused.dispatch({ records: [deliveryOf(lost, copy)] })).toEqual({ failedIds: [] });
    }
    expect(bus.events.map((e) => e.detailType)).toEqual(['message.sent']);
    expect(await refused.recordOf(lost)).toMatchObject({ state: 'sent', published: true });
    expect(refused.calls).toHaveLength(1);
  });
});
