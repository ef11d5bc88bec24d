// Group buying through the local runtime with a fake clock: events over HTTP, the groups queue and
// its timers, the members' rewards on the actions queue, and their notices starting journeys
// (the example group-expired-sorry journey among them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import type { ActionMessage } from '../../functions/contracts/messages';
import { groupKey, storedGroupOf } from '../../functions/core/groups/items';
import { GroupBuyingSettings } from '../../functions/core/groups/settings';
import { demoConfig } from '../../functions/runtime/config-file';
import { postEvents } from '../helpers/events';
import { adminApi, pipelineSettled, startTestRuntime } from '../helpers/runtime';

const HOUR = 3_600_000;
const demo = demoConfig();
const groupBuying = GroupBuyingSettings.parse({
  size: 3,
  windowHours: 24,
  reward: { kind: 'coupon', pool: 'group-deal' },
});
const config = { ...demo, tenants: [{ ...demo.tenants[0]!, timezone: 'Asia/Shanghai', currency: 'CNY', groupBuying }] };
const clock = new ManualClock('2026-06-01T02:00:00Z');
const local = startTestRuntime({ config, clock, daily: false, dispatch: false });
const admin = adminApi(() => local.runtime, local.tenant.adminKey);
const QUEUES = ['profile-updates', 'journey-events', 'journey-steps', 'groups'];
const sorry = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../examples/journeys/group-expired-sorry.json'), 'utf8'),
) as Record<string, unknown>;
const congrats = {
  id: 'group-completed-tag',
  name: 'Group completed',
  entry: { type: 'event', event: 'group_completed', correlationKey: 'groupId' },
  startActivity: 'tag',
  activities: { tag: { type: 'action', action: { kind: 'tags', add: ['group-buyer'] } } },
  limits: { liveInstances: 'per_correlation' },
};

const now = () => new Date(clock.now()).toISOString();
const created = (groupId: string, leader: string, properties: object = {}) => ({
  type: 'group_created',
  eventId: `${groupId}-created`,
  customerId: leader,
  occurredAt: now(),
  properties: { groupId, productId: 'sku-1', ...properties },
});
const joined = (groupId: string, customerId: string) => ({
  type: 'group_joined',
  eventId: `${groupId}-join-${customerId}`,
  customerId,
  occurredAt: now(),
  properties: { groupId },
});
async function post(...batch: object[]) {
  const res = await postEvents(local.runtime.url, local.tenant.apiKey, { batch });
  expect(res.status).toBe(202);
}
const settled = () => pipelineSettled(local.runtime, QUEUES);

/** Every action queued since the last call. */
async function drainActions(): Promise<ActionMessage[]> {
  const all: ActionMessage[] = [];
  for (;;) {
    const messages = await local.runtime.queue.receive('actions', { max: 100 });
    if (messages.length === 0) return all;
    all.push(...messages.map((m) => JSON.parse(m.body) as ActionMessage));
    await local.runtime.queue.ack(
      'actions',
      messages.map((m) => m.receipt),
    );
  }
}
const rewardsOf = (actions: ActionMessage[], groupId: string) =>
  actions.filter((a) => a.key.startsWith(`${local.tenant.id}:group:${groupId}:`));
const journeyActions = (actions: ActionMessage[], journeyId: string) =>
  actions.filter((a) => a.journeyId === journeyId);

describe('group buying on the local runtime', () => {
  it('publishes the journeys that tell members the outcome', async () => {
    const { status: _, ...draft } = sorry;
    for (const journey of [draft, congrats]) {
      expect((await admin('POST', '/v1/journeys', journey)).status).toBe(201);
      expect((await admin('POST', `/v1/journeys/${journey.id}/publish`)).status).toBe(200);
    }
  });

  it('completes a group of 3 with every event redelivered: each member gets one reward and one group_completed', async () => {
    const events = [created('g-full', 'lead'), joined('g-full', 'amy'), joined('g-full', 'bo')];
    await post(...events, ...events);
    await settled();
    await post(...events);
    await settled();
    const actions = await drainActions();
    const rewards = rewardsOf(actions, 'g-full');
    expect(rewards.map((a) => a.customerId).sort()).toEqual(['amy', 'bo', 'lead']);
    expect(rewards[0]).toMatchObject({ action: { kind: 'coupon', pool: 'group-deal' }, purpose: 'transactional' });
    const told = journeyActions(actions, 'group-completed-tag');
    expect(told.map((a) => a.customerId).sort()).toEqual(['amy', 'bo', 'lead']);
    expect(journeyActions(actions, 'group-expired-sorry')).toEqual([]);
  });

  it('expires a group that does not fill before its deadline: every member told, nothing granted', async () => {
    await post(created('g-short', 'cai'), joined('g-short', 'dee'));
    await settled();
    clock.advance(23 * HOUR);
    expect(await local.runtime.timers.fireDue()).toBe(0);
    clock.advance(2 * HOUR);
    // A join after the deadline is refused, and does not bring the group back.
    await post(joined('g-short', 'eli'));
    await local.runtime.timers.fireDue();
    await settled();
    const actions = await drainActions();
    expect(rewardsOf(actions, 'g-short')).toEqual([]);
    const sorries = journeyActions(actions, 'group-expired-sorry');
    expect(
      sorries
        .filter((a) => a.action.kind === 'push')
        .map((a) => a.customerId)
        .sort(),
    ).toEqual(['cai', 'dee']);
    const stored = storedGroupOf(await local.runtime.store.get(groupKey(local.tenant.id, 'g-short')));
    expect(stored?.group).toMatchObject({ status: 'expired', members: [{ customerId: 'cai' }, { customerId: 'dee' }] });
  });

  it('takes 100 concurrent joins to a group of 5: exactly 5 members and one completion', async () => {
    await post(created('g-rush', 'fay', { size: 5 }));
    await settled();
    const joins = Array.from({ length: 100 }, (_, i) => joined('g-rush', `rush-${i}`));
    await Promise.all(joins.map((j) => post(j)));
    await settled();
    const stored = storedGroupOf(await local.runtime.store.get(groupKey(local.tenant.id, 'g-rush')));
    expect(stored?.group.status).toBe('completed');
    expect(stored?.group.members).toHaveLength(5);
    const actions = await drainActions();
    const members = stored?.group.members.map((m) => m.customerId).sort();
    expect(
      rewardsOf(actions, 'g-rush')
        .map((a) => a.customerId)
        .sort(),
    ).toEqual(members);
    expect(
      journeyActions(actions, 'group-completed-tag')
        .map((a) => a.customerId)
        .sort(),
    ).toEqual(members);
  });
});
