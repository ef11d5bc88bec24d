import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventOf } from '../../../../functions/core/events/schemas';
import { foldGroup, type GroupInput, stepGroup } from '../../../../functions/core/groups/group';
import { GroupBuyingSettings } from '../../../../functions/core/groups/settings';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const HOUR = 3_600_000;
const settings = GroupBuyingSettings.parse({ reward: { kind: 'coupon', pool: 'group-10' } });
const iso = (ms: number) => new Date(ms).toISOString();

const created = (
  leader = 'lead',
  at = T0,
  properties: Partial<EventOf<'group_created'>['properties']> = {},
): GroupInput => ({
  kind: 'created',
  event: {
    type: 'group_created',
    tenantId: 'shop',
    eventId: `created-${leader}`,
    customerId: leader,
    occurredAt: iso(at),
    source: 'api',
    properties: { groupId: 'g1', ...properties },
  },
});
const joined = (customerId: string, at = T0 + HOUR, eventId = `join-${customerId}`): GroupInput => ({
  kind: 'joined',
  event: {
    type: 'group_joined',
    tenantId: 'shop',
    eventId,
    customerId,
    occurredAt: iso(at),
    source: 'api',
    properties: { groupId: 'g1' },
  },
});
const due = (now: number): GroupInput => ({ kind: 'due', now });
const fold = (...inputs: GroupInput[]) => {
  const step = foldGroup(undefined, inputs, settings);
  if (!step) throw new Error('no group');
  return step;
};

describe('a group buy', () => {
  it('opens with the leader as its first member and sets a timer at its deadline', () => {
    const step = fold(created());
    expect(step.state).toMatchObject({ status: 'open', size: 3, leaderId: 'lead', members: [{ customerId: 'lead' }] });
    expect(step.timerAt).toBe(iso(T0 + 24 * HOUR));
    expect(step.notices).toEqual([]);
  });

  it('completes when N members joined within T hours: every member is told and rewarded once', () => {
    const step = fold(created(), joined('a'), joined('b'));
    expect(step.state.status).toBe('completed');
    expect(step.notices.map((n) => [n.type, n.customerId, n.eventId])).toEqual([
      ['group_completed', 'lead', 'group:g1:completed:lead'],
      ['group_completed', 'a', 'group:g1:completed:a'],
      ['group_completed', 'b', 'group:g1:completed:b'],
    ]);
    expect(step.rewards).toEqual(
      ['lead', 'a', 'b'].map((c) => ({
        customerId: c,
        key: `group:g1:${c}`,
        action: { kind: 'coupon', pool: 'group-10' },
      })),
    );
  });

  it('expires at its deadline with fewer than N: every member is told, nothing is granted', () => {
    const open = fold(created(), joined('a'));
    expect(stepGroup(open.state, due(T0 + 23 * HOUR), settings).state.status).toBe('open');
    const step = stepGroup(open.state, due(T0 + 24 * HOUR), settings);
    expect(step.state.status).toBe('expired');
    expect(step.notices.map((n) => [n.type, n.customerId])).toEqual([
      ['group_expired', 'lead'],
      ['group_expired', 'a'],
    ]);
    expect(step.notices[0]?.properties).toMatchObject({ members: 2, missing: 1, outcome: 'expired' });
    expect(step.rewards).toEqual([]);
    // Told once: a second look changes nothing.
    expect(stepGroup(step.state, due(T0 + 25 * HOUR), settings).notices).toEqual([]);
  });

  it('refuses a join after the deadline, once full, and after it completed, each with its reason', () => {
    const late = fold(created(), joined('a', T0 + 24 * HOUR));
    expect(late.refusals).toEqual([{ customerId: 'a', eventId: 'join-a', reason: 'expired' }]);
    const done = fold(created(), joined('a'), joined('b'), joined('c'));
    expect(done.refusals).toEqual([{ customerId: 'c', eventId: 'join-c', reason: 'completed' }]);
    expect(done.state.members).toHaveLength(3);
    const expired = stepGroup(fold(created()).state, due(T0 + 24 * HOUR), settings).state;
    expect(stepGroup(expired, joined('d'), settings).refusals[0]?.reason).toBe('expired');
  });

  it('keeps joins that come before group_created and counts them once it does', () => {
    const step = fold(joined('b', T0 + 2 * HOUR), joined('a'), created());
    expect(step.state.members.map((m) => m.customerId)).toEqual(['lead', 'a', 'b']);
    expect(step.state.status).toBe('completed');
    expect(step.timerAt).toBeUndefined();
  });

  it('counts the leader once, and a customer who joins twice once', () => {
    const step = fold(created(), joined('lead'), joined('a'), joined('a', T0 + 2 * HOUR, 'join-a-again'));
    expect(step.state.members.map((m) => m.customerId)).toEqual(['lead', 'a']);
    expect(step.state.status).toBe('open');
    expect(step.refusals).toEqual([]);
  });

  it('takes the size and window group_created asks for, and refuses a size above the maximum', () => {
    const step = fold(created('lead', T0, { size: 2, windowHours: 2 }), joined('a', T0 + HOUR));
    expect(step.state).toMatchObject({ status: 'completed', deadline: iso(T0 + 2 * HOUR) });
    const big = fold(created('lead', T0, { size: 11 }), joined('a'));
    expect(big.state.status).toBe('refused');
    expect(big.refusals.map((r) => r.reason)).toEqual(['size_above_maximum', 'group_refused']);
    expect(big.timerAt).toBeUndefined();
  });

  it('grants points instead of a coupon when the tenant says so, and nothing when it names no reward', () => {
    const points = GroupBuyingSettings.parse({ size: 2, reward: { kind: 'points', points: 50 } });
    const step = foldGroup(undefined, [created(), joined('a')], points);
    expect(step?.rewards[0]?.action).toEqual({ kind: 'points', points: 50, reason: 'group:g1' });
    const none = foldGroup(undefined, [created(), joined('a')], GroupBuyingSettings.parse({ size: 2 }));
    expect(none?.state.status).toBe('completed');
    expect(none?.rewards).toEqual([]);
    expect(none?.notices).toHaveLength(2);
  });

  it('refuses a second group_created for the same group, and ignores the first one redelivered', () => {
    const open = fold(created()).state;
    expect(stepGroup(open, created(), settings).refusals).toEqual([]);
    expect(stepGroup(open, created('other'), settings).refusals[0]?.reason).toBe('already_created');
  });

  it('reaches the same outcome in any order of its events, however often each is redelivered', () => {
    const customers = ['a', 'b', 'c', 'd', 'e'];
    const inputs = fc.record({
      size: fc.integer({ min: 2, max: 6 }),
      joins: fc.uniqueArray(fc.constantFrom(...customers), { maxLength: 5 }),
      lateJoins: fc.uniqueArray(fc.constantFrom(...customers), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(inputs, fc.integer({ min: 1, max: 3 }), fc.infiniteStream(fc.nat()), (g, copies, order) => {
        const opts = { size: g.size, maxSize: 10, reward: { kind: 'points' as const, points: 5 } };
        const s = GroupBuyingSettings.parse(opts);
        const events = [
          created('lead', T0, { size: g.size }),
          ...g.joins.map((c, i) => joined(c, T0 + (i + 1) * HOUR)),
          ...g.lateJoins.map((c) => joined(`late-${c}`, T0 + 30 * HOUR)),
        ];
        const sorted = foldGroup(undefined, events, s);
        const shuffled = events.flatMap((e) => Array.from({ length: copies }, () => e));
        const it = order[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (it.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as GroupInput, shuffled[i] as GroupInput];
        }
        const any = foldGroup(undefined, shuffled, s);
        expect(any?.state.status).toBe(sorted?.state.status);
        const ids = (st: typeof any) => st?.state.members.map((m) => m.customerId).sort();
        // Fewer joiners than places: the same members whatever the order; more: the group is full either way.
        if (g.joins.length + 1 <= g.size) expect(ids(any)).toEqual(ids(sorted));
        else expect(any?.state.members).toHaveLength(g.size);
        expect(any?.notices.length).toBe(sorted?.notices.length);
        expect(new Set(any?.rewards.map((r) => r.key)).size).toBe(any?.rewards.length);
        expect(any?.state.members.length).toBeLessThanOrEqual(g.size);
      }),
      { numRuns: 300 },
    );
  });
});
