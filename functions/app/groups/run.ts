// The groups queue's consumer: group_created and group_joined (from the bus) and groups' deadlines
// (group.due, from the timers) fold into each group's item (core/groups/group.ts), group by group,
// written on top of the version read: concurrent joins lose none and complete a group once. What
// a step decides (rewards, notices for every member, the deadline's timer) is written into the
// item first and cleared once carried out, so a crash in between neither loses nor repeats it.
import {
  type ActionMessage,
  type BatchResult,
  IngestedDelivery,
  parseBody,
  type QueueRecord,
} from '../../contracts/messages';
import type { TenantRecord } from '../../core/config/tenants';
import type { CanonicalEvent } from '../../core/events/schemas';
import { foldGroup, type GroupInput } from '../../core/groups/group';
import {
  emptyOutbox,
  type GroupOutbox,
  groupItem,
  groupKey,
  outboxIsEmpty,
  type StoredGroup,
  storedGroupOf,
} from '../../core/groups/items';
import { erasedAtOf, erasedEvent, tombstoneKey } from '../../core/privacy/records';
import { ConditionFailedError } from '../../ports';
import { GROUPS_QUEUE, GROUPS_SOURCE } from '../../routes';
import type { AppPorts } from '../common/ports';

export type GroupsDeps = Pick<AppPorts, 'store' | 'bus' | 'queue' | 'timers' | 'clock' | 'tenants' | 'log' | 'metrics'>;

/** The message of a group's deadline: the groups function expires the group then if it did not fill. */
export type GroupDue = { type: 'group.due'; tenantId: string; groupId: string };

/** Writes of one group tried before its messages are delivered again (each failed try lost to another writer). */
const ATTEMPTS = 10;
/**
 * How long the writer of a group's outbox has to carry it out before another worker takes it over
 * (the writer crashed): meanwhile others' messages wait for a redelivery, so it is carried out once.
 */
const SENDING_LEASE_MS = 30_000;

/** Another worker is carrying out the group's outbox: the messages come again later. */
class GroupBusyError extends Error {}
const ACTIONS_QUEUE = 'actions';

type Received = { event: CanonicalEvent; receivedAt?: string };
type Work = { tenantId: string; groupId: string; recordIds: string[]; events: Received[]; due: boolean };

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

function dueOf(body: string): GroupDue | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<GroupDue>;
    return parsed?.type === 'group.due' && isString(parsed.tenantId) && isString(parsed.groupId)
      ? (parsed as GroupDue)
      : undefined;
  } catch {
    return undefined;
  }
}

const groupIdOf = (event: CanonicalEvent): string | undefined =>
  event.type === 'group_created' || event.type === 'group_joined' ? event.properties.groupId : undefined;

export function createGroupsConsumer(deps: GroupsDeps) {
  const { store, clock, log } = deps;

  /** Rewards to the actions queue (once each by key at the dispatcher), then the timer, then the notices. */
  async function carryOut(tenantId: string, groupId: string, outbox: GroupOutbox): Promise<void> {
    const actions = outbox.rewards.map((r) => {
      const message: ActionMessage = {
        key: `${tenantId}:${r.key}`,
        tenantId,
        customerId: r.customerId,
        version: 1,
        instanceId: groupId,
        activity: 'group_completed',
        action: r.action,
        // What the member joined for: no control group, cap or quiet hours withholds it.
        purpose: 'transactional',
      };
      return JSON.stringify(message);
    });
    if (actions.length > 0) await deps.queue.send(ACTIONS_QUEUE, actions);
    if (outbox.timerAt) {
      const body: GroupDue = { type: 'group.due', tenantId, groupId };
      await deps.timers.set([
        {
          id: `${tenantId}:group:${groupId}`,
          at: Date.parse(outbox.timerAt),
          queue: GROUPS_QUEUE,
          body: JSON.stringify(body),
        },
      ]);
    }
    if (outbox.notices.length > 0)
      await deps.bus.put(
        outbox.notices.map((n) => ({
          source: GROUPS_SOURCE,
          detailType: n.type,
          detail: { ...n, tenantId, source: GROUPS_SOURCE },
        })),
      );
    deps.metrics?.count('GroupRewards', outbox.rewards.length);
    deps.metrics?.count('GroupNotices', outbox.notices.length);
  }

  /** Writes `next` over the version read; false when another writer came first. */
  async function write(tenantId: string, next: StoredGroup, previous: number | undefined): Promise<boolean> {
    try {
      await store.put(groupItem(tenantId, next), previous === undefined ? { ifAbsent: true } : { ifVersion: previous });
      return true;
    } catch (e) {
      if (e instanceof ConditionFailedError) return false;
      throw e;
    }
  }

  /** The events of customers erased before them are left out (nothing brings an erased customer back). */
  async function notErased(tenantId: string, events: readonly Received[]): Promise<Received[]> {
    if (events.length === 0) return [];
    const customers = [...new Set(events.map((r) => r.event.customerId))];
    const tombstones = await store.getMany(
      customers.map((c) => tombstoneKey(tenantId, c)),
      { consistent: true },
    );
    const erased = new Map<string, string>();
    const byPk = new Map(tombstones.map((t) => [t.pk, t]));
    for (const c of customers) {
      const item = byPk.get(tombstoneKey(tenantId, c).pk);
      const at = item ? erasedAtOf(item) : undefined;
      if (at) erased.set(c, at);
    }
    return events.filter((r) => {
      const at = erased.get(r.event.customerId);
      return !at || !erasedEvent(at, r.event, r.receivedAt);
    });
  }

  async function work(tenant: TenantRecord, item: Work): Promise<void> {
    const settings = tenant.groupBuying;
    if (!settings) return;
    const kept = await notErased(tenant.id, item.events);
    const inputs = (now: number): GroupInput[] => [
      ...kept.map(({ event }) =>
        event.type === 'group_created'
          ? { kind: 'created' as const, event }
          : { kind: 'joined' as const, event: event as Extract<CanonicalEvent, { type: 'group_joined' }> },
      ),
      ...(item.due ? [{ kind: 'due' as const, now }] : []),
    ];
    if (kept.length === 0 && !item.due) return;
    const key = groupKey(tenant.id, item.groupId);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const previous = storedGroupOf(await store.get(key, { consistent: true }));
      const now = clock.now();
      if (previous && !outboxIsEmpty(previous.unsent)) {
        const since = previous.sendingSince ? Date.parse(previous.sendingSince) : Number.NaN;
        if (now - since < SENDING_LEASE_MS) throw new GroupBusyError(`group ${item.groupId} is telling its outcome`);
        // Decided before and not carried out (its writer crashed): this worker takes the lease and carries it out.
        const taken = { ...previous, sendingSince: new Date(now).toISOString(), version: previous.version + 1 };
        if (!(await write(tenant.id, taken, previous.version))) continue;
        await carryOut(tenant.id, item.groupId, previous.unsent);
        const { sendingSince: _, ...rest } = taken;
        await write(tenant.id, { ...rest, unsent: emptyOutbox(), version: taken.version + 1 }, taken.version);
        continue;
      }
      const step = foldGroup(previous?.group, inputs(now), settings);
      if (!step) return;
      if (step.refusals.length > 0) {
        const reasons: Record<string, number> = {};
        for (const r of step.refusals) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
        log.info('group events refused', { tenantId: tenant.id, groupId: item.groupId, reasons });
        deps.metrics?.count('GroupEventsRefused', step.refusals.length);
      }
      const unsent: GroupOutbox = {
        notices: step.notices,
        rewards: step.rewards,
        ...(step.timerAt ? { timerAt: step.timerAt } : {}),
      };
      // A redelivery (or a join refused) changes nothing: nothing is written.
      if (previous && outboxIsEmpty(unsent) && JSON.stringify(previous.group) === JSON.stringify(step.state)) return;
      const next: StoredGroup = {
        version: (previous?.version ?? 0) + 1,
        group: step.state,
        unsent,
        ...(outboxIsEmpty(unsent) ? {} : { sendingSince: new Date(now).toISOString() }),
        updatedAt: new Date(now).toISOString(),
      };
      if (!(await write(tenant.id, next, previous?.version))) continue;
      if (!outboxIsEmpty(unsent)) {
        await carryOut(tenant.id, item.groupId, unsent);
        const { sendingSince: _, ...rest } = next;
        await write(tenant.id, { ...rest, unsent: emptyOutbox(), version: next.version + 1 }, next.version);
      }
      if (step.state.status === 'completed' && step.notices.length > 0) deps.metrics?.count('GroupsCompleted', 1);
      if (step.state.status === 'expired' && step.notices.length > 0) deps.metrics?.count('GroupsExpired', 1);
      return;
    }
    throw new Error(`group ${item.groupId} of ${tenant.id} kept changing under ${ATTEMPTS} attempts`);
  }

  return async function run(command: { records: readonly QueueRecord[] }): Promise<BatchResult> {
    const byGroup = new Map<string, Work>();
    const failedIds: string[] = [];
    const workOf = (tenantId: string, groupId: string) => {
      const id = `${tenantId}\u0000${groupId}`;
      const known = byGroup.get(id);
      if (known) return known;
      const w: Work = { tenantId, groupId, recordIds: [], events: [], due: false };
      byGroup.set(id, w);
      return w;
    };
    for (const record of command.records) {
      const due = dueOf(record.body);
      if (due) {
        const w = workOf(due.tenantId, due.groupId);
        w.recordIds.push(record.id);
        w.due = true;
        continue;
      }
      const parsed = parseBody(IngestedDelivery, record.body);
      const groupId = parsed.ok ? groupIdOf(parsed.value.detail) : undefined;
      if (!parsed.ok || groupId === undefined) {
        // Nothing else is sent here: a body that is neither is dropped, said once.
        log.error('undecodable group message dropped', {
          recordId: record.id,
          reason: parsed.ok ? `not a group event: ${parsed.value.detail.type}` : parsed.reason,
        });
        continue;
      }
      const { detail: event, time } = parsed.value;
      const w = workOf(event.tenantId, groupId);
      w.recordIds.push(record.id);
      w.events.push({ event, ...(time ? { receivedAt: time } : {}) });
    }
    await Promise.all(
      [...byGroup.values()].map(async (item) => {
        try {
          const tenant = await deps.tenants.byId(item.tenantId);
          if (!tenant) return log.warn('group events of an unknown tenant dropped', { tenantId: item.tenantId });
          if (!tenant.groupBuying)
            return log.info('group events of a tenant without group buying ignored', { tenantId: item.tenantId });
          await work(tenant, item);
        } catch (e) {
          if (e instanceof GroupBusyError) {
            failedIds.push(...item.recordIds);
            return;
          }
          log.warn('a group could not be folded; its messages will be delivered again', {
            tenantId: item.tenantId,
            groupId: item.groupId,
            reason: (e as Error).message,
          });
          failedIds.push(...item.recordIds);
        }
      }),
    );
    return { failedIds };
  };
}
