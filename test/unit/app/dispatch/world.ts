// A dispatcher over memory ports with a recording provider, and customers and actions to feed it.
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryBus } from '../../../../functions/adapters/memory/bus';
import { createMemoryQueue } from '../../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createMemoryTimers } from '../../../../functions/adapters/memory/timers';
import { createCouponIssuer } from '../../../../functions/app/dispatch/coupons';
import { createDispatch, type DispatchDeps } from '../../../../functions/app/dispatch/run';
import type { ActionMessage, QueueRecord } from '../../../../functions/contracts/messages';
import { SendRecordItem, sendRecordKey } from '../../../../functions/core/dispatch/send-record';
import { toProfileItem } from '../../../../functions/core/profiles/items';
import { emptyProfile, type Profile } from '../../../../functions/core/profiles/profile';
import type { OutgoingMessage, SendReceipt } from '../../../../functions/ports';
import { testTenants } from '../../../helpers/scoring';

export const T0 = Date.parse('2026-06-01T10:00:00Z');
export const tenantId = 'shop';

/** What the provider does with the n-th call (1-based): take it, or throw. */
export type Provider = (message: OutgoingMessage, n: number) => Promise<SendReceipt>;
const takesAll: Provider = async (_, n) => ({ provider: 'recorder', providerMessageId: `m-${n}` });

export function dispatchWorld(options: { provider?: Provider; deps?: Partial<DispatchDeps> } = {}) {
  const clock = new ManualClock(T0);
  const store = createMemoryStore();
  const queue = createMemoryQueue({ clock });
  const bus = createMemoryBus();
  const timers = createMemoryTimers({ queue, clock });
  const calls: OutgoingMessage[] = [];
  const provider = options.provider ?? takesAll;
  const deps: DispatchDeps = {
    store,
    bus,
    timers,
    clock,
    tenants: testTenants([tenantId]),
    log: silentLog,
    channels: {
      send(message) {
        calls.push(message);
        return provider(message, calls.length);
      },
    },
    guard: async () => ({
      kind: 'send',
      decisions: [],
      reserve: async () => ({ ok: true, release: async () => {}, held: undefined }),
    }),
    issueCoupon: createCouponIssuer({ store, clock }),
    render: async () => ({ title: 'Hi', body: 'Your cart misses you', subject: 'Your cart', text: 'Come back' }),
    random: () => 0.5,
    emailFrom: () => 'shop@example.com',
    webhookSecrets: () => [],
    ...options.deps,
  };
  const dispatch = createDispatch(deps);

  async function customer(id: string, edit: (p: Profile) => void = () => {}) {
    const profile = emptyProfile(tenantId, id, new Date(T0 - 86_400_000).toISOString());
    const at = profile.firstSeenAt;
    profile.traits.pushEndpoint = { v: `arn:aws:sns:eu-central-1:1:endpoint/GCM/app/${id}`, at };
    profile.traits.email = { v: `${id}@example.com`, at };
    edit(profile);
    await store.put(toProfileItem({ profile, version: 1, seen: {} }));
  }

  const recordOf = async (m: ActionMessage) =>
    SendRecordItem.parse(await store.get(sendRecordKey(m.tenantId, m.customerId, m.key), { consistent: true }));

  /** Delivers the actions queue's messages (timers that came due included) until it is empty. */
  async function drain() {
    for (;;) {
      await timers.fireDue();
      const messages = await queue.receive('actions', { max: 100 });
      if (messages.length === 0) return;
      const { failedIds } = await dispatch({ records: messages.map((m) => ({ id: m.receipt, body: m.body })) });
      await queue.ack(
        'actions',
        messages.map((m) => m.receipt).filter((r) => !failedIds.includes(r)),
      );
    }
  }

  return { clock, store, queue, bus, timers, calls, deps, dispatch, customer, recordOf, drain };
}

export const pushAction = (n: number, customerId = `c${n % 100}`): ActionMessage => ({
  key: `${tenantId}:cart:${n}`,
  tenantId,
  customerId,
  journeyId: 'cart',
  version: 1,
  instanceId: `i${n}`,
  activity: 'push-1h',
  action: { kind: 'push', template: 'cart-push' },
});

export const deliveryOf = (m: ActionMessage, copy = 1): QueueRecord => ({
  id: `${m.key}#${copy}`,
  body: JSON.stringify(m),
});
