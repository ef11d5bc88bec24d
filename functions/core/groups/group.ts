// A group buy (拼团) as a pure fold: the leader's group_created opens it, customers' group_joined
// fill it; N members (the leader included) joined before the deadline complete it, a deadline
// passed with fewer expires it. Each step returns the next state and its intents: notices for
// every member (told once, by stable ids), one reward per member on completion, none on expiry,
// and the deadline's timer.
import type { EventOf } from '../events/schemas';
import type { Action } from '../journeys/schema';
import { type GroupBuyingSettings, MAX_GROUP_SIZE } from './settings';

const HOUR = 3_600_000;

export type GroupStatus = 'waiting' | 'open' | 'completed' | 'expired' | 'refused';

/** A member of the group: who, by which event, when (occurredAt). */
export type Member = { customerId: string; eventId: string; at: string };

export type GroupState = {
  groupId: string;
  /** `waiting`: joins came before its group_created; `refused`: group_created asked for more than the tenant allows. */
  status: GroupStatus;
  leaderId?: string;
  size?: number;
  createdAt?: string;
  deadline?: string;
  productId?: string;
  offerId?: string;
  price?: { amount: number; currency: string };
  /** Joined in order, the leader first; never more than `size`. */
  members: Member[];
  /** Joins received before group_created (at most MAX_GROUP_SIZE): counted once it comes. */
  waiting: Member[];
  /** When it completed (the completing join's time) or expired (its deadline). */
  endedAt?: string;
};

export const GROUP_NOTICE_TYPES = ['group_completed', 'group_expired'] as const;
export type GroupNoticeType = (typeof GROUP_NOTICE_TYPES)[number];

/** What the group tells one member on the bus, shaped as an event journeys can start on. */
export type GroupNotice = {
  type: GroupNoticeType;
  customerId: string;
  /** Stable: `group:<groupId>:completed:<member>` (or `expired`), the same however often it is decided. */
  eventId: string;
  occurredAt: string;
  properties: Record<string, string | number | null>;
};

/** A member's reward: the action the dispatcher carries out once by its key. */
export type GroupRewardIntent = { customerId: string; key: string; action: Action };

export type JoinRefusal = 'expired' | 'full' | 'completed' | 'too_many_waiting' | 'group_refused';
export type Refusal = {
  customerId: string;
  eventId: string;
  reason: JoinRefusal | 'already_created' | 'size_above_maximum';
};

export type GroupInput =
  | { kind: 'created'; event: EventOf<'group_created'> }
  | { kind: 'joined'; event: EventOf<'group_joined'> }
  /** The deadline's timer (or any later look): expires an open group whose deadline passed. */
  | { kind: 'due'; now: number };

export type GroupStep = {
  state: GroupState;
  notices: GroupNotice[];
  rewards: GroupRewardIntent[];
  /** Set once, when the group opens: a look at its deadline. */
  timerAt?: string;
  refusals: Refusal[];
};

export const emptyGroup = (groupId: string): GroupState => ({ groupId, status: 'waiting', members: [], waiting: [] });

const byTime = (a: Member, b: Member) =>
  a.at === b.at ? (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0) : a.at < b.at ? -1 : 1;
const iso = (ms: number) => new Date(ms).toISOString();
const hasMember = (list: readonly Member[], customerId: string) => list.some((m) => m.customerId === customerId);

/** The properties every notice of the group carries (what a template or a store needs to say it). */
function noticeProperties(state: GroupState, reason: 'completed' | 'expired'): GroupNotice['properties'] {
  return {
    groupId: state.groupId,
    leaderId: state.leaderId ?? null,
    productId: state.productId ?? null,
    offerId: state.offerId ?? null,
    priceAmount: state.price?.amount ?? null,
    priceCurrency: state.price?.currency ?? null,
    size: state.size ?? null,
    members: state.members.length,
    missing: Math.max(0, (state.size ?? 0) - state.members.length),
    deadline: state.deadline ?? null,
    outcome: reason,
  };
}

function noticesFor(state: GroupState, outcome: 'completed' | 'expired', at: string): GroupNotice[] {
  const type: GroupNoticeType = outcome === 'completed' ? 'group_completed' : 'group_expired';
  const properties = noticeProperties(state, outcome);
  return state.members.map((m) => ({
    type,
    customerId: m.customerId,
    eventId: `group:${state.groupId}:${outcome}:${m.customerId}`,
    occurredAt: at,
    properties,
  }));
}

function rewardsFor(state: GroupState, settings: GroupBuyingSettings): GroupRewardIntent[] {
  const reward = settings.reward;
  if (!reward) return [];
  const action: Action =
    reward.kind === 'coupon'
      ? { kind: 'coupon', pool: reward.pool, ...(reward.expiresIn ? { expiresIn: reward.expiresIn } : {}) }
      : { kind: 'points', points: reward.points, reason: `group:${state.groupId}` };
  return state.members.map((m) => ({
    customerId: m.customerId,
    key: `group:${state.groupId}:${m.customerId}`,
    action,
  }));
}

type Acc = { state: GroupState; notices: GroupNotice[]; rewards: GroupRewardIntent[]; refusals: Refusal[] };

/** Why a join to the group (created) changes nothing, if it does not. */
function joinRefusal(state: GroupState, join: Member): JoinRefusal | undefined {
  if (state.status === 'completed') return 'completed';
  if (state.status === 'expired') return 'expired';
  if (state.status === 'refused') return 'group_refused';
  if (state.members.length >= (state.size as number)) return 'full';
  if (Date.parse(join.at) >= Date.parse(state.deadline as string)) return 'expired';
  return undefined;
}

/** Adds a member to an open group, or says why not; completes the group when it is full. */
function admit(acc: Acc, join: Member, settings: GroupBuyingSettings): void {
  const { state } = acc;
  if (hasMember(state.members, join.customerId)) return;
  const refusal = joinRefusal(state, join);
  if (refusal) {
    acc.refusals.push({ customerId: join.customerId, eventId: join.eventId, reason: refusal });
    return;
  }
  const size = state.size as number;
  acc.state = { ...state, members: [...state.members, join] };
  if (acc.state.members.length === size) {
    acc.state = { ...acc.state, status: 'completed', endedAt: join.at };
    acc.notices.push(...noticesFor(acc.state, 'completed', join.at));
    acc.rewards.push(...rewardsFor(acc.state, settings));
  }
}

/**
 * One input folded into the group. Redelivered inputs change nothing; a join of a customer who is
 * a member already counts once; a join before group_created waits for it.
 */
export function stepGroup(
  previous: GroupState | undefined,
  input: GroupInput,
  settings: GroupBuyingSettings,
): GroupStep {
  const groupId = input.kind === 'due' ? previous?.groupId : input.event.properties.groupId;
  const acc: Acc = { state: previous ?? emptyGroup(groupId as string), notices: [], rewards: [], refusals: [] };
  let timerAt: string | undefined;

  if (input.kind === 'joined') {
    const e = input.event;
    const join: Member = { customerId: e.customerId, eventId: e.eventId, at: e.occurredAt };
    if (acc.state.status !== 'waiting') admit(acc, join, settings);
    else if (!hasMember(acc.state.waiting, join.customerId)) {
      if (acc.state.waiting.length >= MAX_GROUP_SIZE)
        acc.refusals.push({ customerId: join.customerId, eventId: join.eventId, reason: 'too_many_waiting' });
      else acc.state = { ...acc.state, waiting: [...acc.state.waiting, join] };
    }
  } else if (input.kind === 'created') {
    const e = input.event;
    if (acc.state.status !== 'waiting') {
      if (acc.state.leaderId !== e.customerId || acc.state.createdAt !== e.occurredAt)
        acc.refusals.push({ customerId: e.customerId, eventId: e.eventId, reason: 'already_created' });
    } else {
      const p = e.properties;
      const size = p.size ?? settings.size;
      const waiting = [...acc.state.waiting].sort(byTime);
      const opened: GroupState = {
        groupId: acc.state.groupId,
        status: size > settings.maxSize ? 'refused' : 'open',
        leaderId: e.customerId,
        size,
        createdAt: e.occurredAt,
        deadline: iso(Date.parse(e.occurredAt) + (p.windowHours ?? settings.windowHours) * HOUR),
        ...(p.productId ? { productId: p.productId } : {}),
        ...(p.offer?.offerId ? { offerId: p.offer.offerId } : {}),
        ...(p.offer?.price ? { price: p.offer.price } : {}),
        members: [],
        waiting: [],
      };
      if (opened.status === 'refused') {
        acc.refusals.push({ customerId: e.customerId, eventId: e.eventId, reason: 'size_above_maximum' });
        acc.state = opened;
        for (const join of waiting) admit(acc, join, settings);
      } else {
        acc.state = opened;
        admit(acc, { customerId: e.customerId, eventId: e.eventId, at: e.occurredAt }, settings);
        for (const join of waiting) admit(acc, join, settings);
        if (acc.state.status === 'open') timerAt = opened.deadline;
      }
    }
  } else if (
    acc.state.status === 'open' &&
    acc.state.deadline !== undefined &&
    input.now >= Date.parse(acc.state.deadline)
  ) {
    const at = acc.state.deadline;
    acc.state = { ...acc.state, status: 'expired', endedAt: at };
    acc.notices.push(...noticesFor(acc.state, 'expired', at));
  }
  return { ...acc, ...(timerAt ? { timerAt } : {}) };
}

/** Several inputs folded in order: the state after them and all their intents (none for a group never seen). */
export function foldGroup(
  previous: GroupState | undefined,
  inputs: readonly GroupInput[],
  settings: GroupBuyingSettings,
): GroupStep | undefined {
  let state = previous;
  const out: Omit<GroupStep, 'state'> = { notices: [], rewards: [], refusals: [] };
  for (const input of inputs) {
    if (input.kind === 'due' && !state) continue;
    const step = stepGroup(state, input, settings);
    state = step.state;
    out.notices.push(...step.notices);
    out.rewards.push(...step.rewards);
    out.refusals.push(...step.refusals);
    if (step.timerAt) out.timerAt = step.timerAt;
  }
  return state ? { state, ...out } : undefined;
}

/** Whether the group will change no more (its outcome is told): nothing but redeliveries can come. */
export const isSettled = (state: GroupState): boolean => state.status === 'completed' || state.status === 'expired';
