// The groups consumer over memory ports: concurrent joins lose none and complete a group once;
// what a step decided is carried out after a crash, once; tenants without group buying take nothing.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryBus } from '../../../../functions/adapters/memory/bus';
import { Faults } from '../../../../functions/adapters/memory/faults';
import { createMemoryQueue } from '../../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { createMemoryTimers } from '../../../../functions/adapters/memory/timers';
import { createGroupsConsumer } from '../../../../functions/app/groups/run';
import type { ActionMessage, QueueRecord } from '../../../../functions/contracts/messages';
import { tenantDirectory } from '../../../../functions/core/config/tenants';
import { groupKey, storedGroupOf } from '../../../../functions/core/groups/items';
import { GroupBuyingSettings } from '../../../../functions/core/groups/settings';
import { GROUPS_SOURCE } from '../../../../functions/routes';
import { busDelivery, testEvent } from '../../../helpers/events';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const HOUR = 3_600_000;
const groupBuying = GroupBuyingSettings.parse({ size: 5, reward: { kind: 'coupon', pool: 'group-10' } });
const shop = { id: 'shop', timezone: 'Asia/Shanghai', currency: 'CNY', groupBuying };
const plain = { id: 'plain', timezone: 'Asia/Shanghai', currency: 'CNY' };

function world() {
  const faults = new Faults();
  const clock = new ManualClock(T0);
  const store = createMemoryStore({ faults });
  const queue = createMemoryQueue({ clock, faults });
  const bus = createMemoryBus({ faults });
  const timers = createMemoryTimers({ queue, clock, faults });
  const consume = createGroupsConsumer({
    store,
    bus,
    queue,
    timers,
    clock,
    tenants: tenantDirectory([shop, plain]),
    log: silentLog,
  });
  /** Delivers the records, and again those that failed, as SQS would, until none fail. */
  const deliver = async (records: QueueRecord[]) => {
    let left = records;
    for (let round = 0; left.length > 0; round++) {
      if (round > 5000) throw new Error('records kept failing');
      const failed = new Set((await consume({ records: left })).failedIds);
      left = left.filter((r) => failed.has(r.id));
    }
  };
  const actions = async () => {
    const got = await queue.receive('actions', { max: 1000 });
    return got.map((m) => JSON.parse(m.body) as ActionMessage);
  };
  const group = async (tenantId = 'shop') => storedGroupOf(await store.get(groupKey(tenantId, 'g1')));
  const notices = () => bus.events.filter((e) => e.source === GROUPS_SOURCE);
  return { faults, clock, store, queue, timers, consume, deliver, actions, group, notices };
}

const create = (tenantId = 'shop', leader = 'lead') =>
  testEvent(tenantId, 'group_created', leader, T0, { groupId: 'g1' }, `created-${leader}`);
const join = (customerId: string, at = T0 + HOUR, tenantId = 'shop') =>
  testEvent(tenantId, 'group_joined', customerId, at, { groupId: 'g1' }, `join-${customerId}`);

describe('the groups consumer', () => {
  it('takes 100 concurrent joins to a group of 5: exactly 5 members, one completion, 5 rewards', async () => {
    const w = world();
    await w.deliver([busDelivery(create(), T0)]);
    const joins = Array.from({ length: 100 }, (_, i) => busDelivery(join(`c${i}`), T0 + HOUR));
    // Each join on its own worker, all at once: they race on the group's version.
    await Promise.all(joins.map((record) => w.deliver([record])));
    const stored = await w.group();
    expect(stored?.group.status).toBe('completed');
    expect(stored?.group.members).toHaveLength(5);
    expect(stored?.unsent).toEqual({ notices: [], rewards: [] });
    const members = stored?.group.members.map((m) => m.customerId) ?? [];
    const rewards = await w.actions();
    expect(rewards.map((a) => a.key).sort()).toEqual(members.map((m) => `shop:group:g1:${m}`).sort());
    expect(rewards[0]).toMatchObject({ action: { kind: 'coupon', pool: 'group-10' }, purpose: 'transactional' });
    expect(w.notices().map((n) => n.detailType)).toEqual(Array(5).fill('group_completed'));
  });

  it('carries out what it decided after a crash between the write and the sends, once', async () => {
    const w = world();
    await w.deliver([busDelivery(create(), T0), ...['a', 'b', 'c'].map((c) => busDelivery(join(c), T0 + HOUR))]);
    w.faults.failNext('queue.send');
    const last = busDelivery(join('d'), T0 + HOUR);
    expect((await w.consume({ records: [last] })).failedIds).toEqual([last.id]);
    expect((await w.group())?.unsent.rewards).toHaveLength(5);
    // Within the writer's lease others leave the outbox alone (it may be going out): the message comes again later.
    expect((await w.consume({ records: [last] })).failedIds).toEqual([last.id]);
    expect(await w.actions()).toEqual([]);
    // Past the lease, the writer is taken for dead: the outbox goes out, the join is seen again and changes nothing.
    w.clock.advance(31_000);
    await w.deliver([last]);
    expect(await w.actions()).toHaveLength(5);
    expect(w.notices()).toHaveLength(5);
    expect((await w.group())?.unsent.notices).toEqual([]);
  });

  it('expires an unfilled group at its deadline timer: every member told, nothing granted', async () => {
    const w = world();
    await w.deliver([busDelivery(create(), T0), busDelivery(join('a'), T0 + HOUR)]);
    expect(w.timers.pending().map((t) => [t.queue, new Date(t.at).toISOString()])).toEqual([
      ['groups', '2026-06-02T10:00:00.000Z'],
    ]);
    w.clock.set(T0 + 24 * HOUR);
    await w.timers.fireDue();
    const due = await w.queue.receive('groups', { max: 10 });
    await w.deliver(due.map((m) => ({ id: m.id, body: m.body })));
    expect((await w.group())?.group.status).toBe('expired');
    expect(w.notices().map((n) => [n.detailType, (n.detail as { customerId: string }).customerId])).toEqual([
      ['group_expired', 'lead'],
      ['group_expired', 'a'],
    ]);
    expect(await w.actions()).toEqual([]);
  });

  it('ignores group events of a tenant without group buying', async () => {
    const w = world();
    await w.deliver([busDelivery(create('plain'), T0), busDelivery(join('a', T0 + HOUR, 'plain'), T0)]);
    expect(await w.group('plain')).toBeUndefined();
  });
});
