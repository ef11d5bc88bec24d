// Each action is sent once, however often and however concurrently its message is delivered,
// and a worker cut off right after the provider call never leads to a second call: the record
// it left as `sending` becomes `unknown` once its lease has run out.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryBus } from '../../../../functions/adapters/memory/bus';
import { createMemoryQueue } from '../../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createMemoryTimers } from '../../../../functions/adapters/memory/timers';
import { createDispatch, type DispatchDeps, LEASE_MS } from '../../../../functions/app/dispatch/run';
import type { ActionMessage, QueueRecord } from '../../../../functions/contracts/messages';
import { SendRecordItem, sendRecordKey } from '../../../../functions/core/dispatch/send-record';
import { toProfileItem } from '../../../../functions/core/profiles/items';
import { emptyProfile } from '../../../../functions/core/profiles/profile';
import type { Channels, Item, OutgoingMessage } from '../../../../functions/ports';
import { testTenants } from '../../../helpers/scoring';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const tenantId = 'shop';

function world() {
  const clock = new ManualClock(T0);
  const store = createMemoryStore();
  const queue = createMemoryQueue({ clock });
  const bus = createMemoryBus();
  const timers = createMemoryTimers({ queue, clock });
  const calls: OutgoingMessage[] = [];
  const channels: Channels = {
    async send(message) {
      calls.push(message);
      return { provider: 'recorder', providerMessageId: `m-${calls.length}` };
    },
  };
  const deps: DispatchDeps = {
    store,
    bus,
    timers,
    clock,
    tenants: testTenants([tenantId]),
    log: silentLog,
    channels,
    guard: async () => ({
      kind: 'send',
      decisions: [],
      reserve: async () => ({ ok: true, release: async () => {}, held: undefined }),
    }),
    render: async () => ({ title: 'Hi', body: 'Your cart misses you' }),
    retryDelay: () => undefined,
    emailFrom: () => 'shop@example.com',
    webhookSecrets: () => [],
  };
  return { clock, store, bus, calls, deps, dispatch: createDispatch(deps) };
}

async function customer(store: ReturnType<typeof createMemoryStore>, id: string) {
  const profile = emptyProfile(tenantId, id, new Date(T0 - 86_400_000).toISOString());
  profile.traits.pushEndpoint = { v: `arn:aws:sns:eu-central-1:1:endpoint/GCM/app/${id}`, at: profile.firstSeenAt };
  await store.put(toProfileItem({ profile, version: 1, seen: {} }));
}

const action = (n: number): ActionMessage => ({
  key: `${tenantId}:cart:${n}`,
  tenantId,
  customerId: `c${n % 100}`,
  journeyId: 'cart',
  version: 1,
  instanceId: `i${n}`,
  activity: 'push-1h',
  action: { kind: 'push', template: 'cart-push' },
});
const record = (m: ActionMessage, copy: number): QueueRecord => ({ id: `${m.key}#${copy}`, body: JSON.stringify(m) });

describe('a push action delivered many times', () => {
  it('1,000 actions, each delivered 3 times at once, and workers cut off after the provider call: 1,000 calls', async () => {
    const w = world();
    for (let c = 0; c < 100; c++) await customer(w.store, `c${c}`);
    const actions = Array.from({ length: 1000 }, (_, n) => action(n));
    // Every tenth action's worker dies right after the provider took it: the write after the call never lands.
    const put = w.store.put.bind(w.store);
    w.store.put = async (item: Item, condition) => {
      const key = String(item.key ?? '');
      if (item.state === 'sent' && Number(key.split(':').at(-1)) % 10 === 0) throw new Error('the worker was cut off');
      return put(item, condition);
    };
    const deliveries = actions.flatMap((m) => [record(m, 1), record(m, 2), record(m, 3)]);
    const first = await w.dispatch({ records: deliveries });
    expect(first.failedIds.length).toBeGreaterThan(0);

    // Whatever failed is delivered again, after the queue's visibility timeout: the leases have run out.
    w.clock.advance(3 * LEASE_MS);
    const again = await w.dispatch({ records: deliveries.filter((d) => first.failedIds.includes(d.id)) });
    expect(again).toEqual({ failedIds: [] });
    expect(await w.dispatch({ records: deliveries })).toEqual({ failedIds: [] });

    expect(w.calls).toHaveLength(1000);
    expect(new Set(w.calls.map((c) => c.key)).size).toBe(1000);
    const states = await Promise.all(
      actions.map(async (m) => {
        const item = await w.store.get(sendRecordKey(tenantId, m.customerId, m.key));
        return SendRecordItem.parse(item).state;
      }),
    );
    expect(states.filter((s) => s === 'sent')).toHaveLength(900);
    expect(states.filter((s) => s === 'unknown')).toHaveLength(100);
    // One terminal event per sent action; the unknown ones wait for provider feedback.
    const sent = w.bus.events.filter((e) => e.detailType === 'message.sent');
    expect(new Set(sent.map((e) => (e.detail as { key: string }).key)).size).toBe(900);
  });
});
