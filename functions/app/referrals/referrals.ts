// Referrals on the store: codes, attribution of a new customer to the first valid invite, the
// fraud checks, and the rewards, each sent to the dispatcher once by its key. Caps are atomic
// single-item writes (a bounded set per inviter and per day), so any number of concurrent
// acceptances for one inviter never reward more than the programme allows.
import type { ActionMessage } from '../../contracts/messages';
import type { TenantRecord } from '../../core/config/tenants';
import type { CanonicalEvent, EventOf } from '../../core/events/schemas';
import { localDayKey } from '../../core/guardrails/local-clock';
import { fnv1a32 } from '../../core/hash';
import type { Action } from '../../core/journeys/schema';
import { revokeEntry } from '../../core/loyalty/entries';
import { ownValue } from '../../core/own';
import { profileKey } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import { CODE_BYTES, codeOf, inviteLink, normalizeCode } from '../../core/referrals/codes';
import { fraudFlags, type Party, type ReferralFlag, type Signals } from '../../core/referrals/fraud';
import {
  attributedStatKey,
  clicksKey,
  codeKey,
  dayKey,
  decidedReviewKey,
  deviceRateKey,
  FRIEND_PREFIX,
  friendKey,
  hourOf,
  inviteStatKey,
  MAX_CLICKS,
  MAX_ORDERS,
  MAX_SIGNALS,
  member,
  membersOf,
  openReviewKey,
  ordersKey,
  ownCodeKey,
  quotaKey,
  rateKey,
  referralItem,
  referralKey,
  reviewPartition,
  type StoredReferral,
  setOf,
  signalsKey,
  storedReferralOf,
} from '../../core/referrals/items';
import {
  type Clawback,
  dueRewards,
  newReferral,
  nextChangeAt,
  type Referral,
  type ReviewDecision,
  reviewed,
  withFirstOrder,
  withFlags,
  withRefund,
} from '../../core/referrals/referral';
import { type ReferralReward, type ReferralSettings, rewardValue } from '../../core/referrals/settings';
import { ConditionFailedError, type Store } from '../../ports';
import type { AppPorts } from '../common/ports';
import { writeVersioned } from '../common/versioned-write';
import { ACTIONS_QUEUE } from '../dispatch/dead-letters';
import { pointsSettingsOf } from '../loyalty/points';
import { recordEntries } from '../loyalty/redeem';

export type ReferralDeps = Pick<AppPorts, 'store' | 'queue' | 'clock' | 'log' | 'metrics'> & {
  /** 5 random bytes for a new code (crypto.getRandomValues unless a test says otherwise). */
  randomBytes?: () => Uint8Array;
};

const CODE_ATTEMPTS = 5;

export class ReferralRefused extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
    this.name = 'ReferralRefused';
  }
}

export type ReviewRequest = { decision: 'approve' | 'reject'; reviewer: string; note?: string };

const rewardKey = (tenantId: string, friendId: string, who: 'friend' | 'inviter' | 'second') =>
  `${tenantId}:referral:${friendId}:${who}`;

const isConditionFailed = (e: unknown) => e instanceof ConditionFailedError;

export function createReferrals(deps: ReferralDeps) {
  const { store, clock } = deps;
  const random = deps.randomBytes ?? (() => crypto.getRandomValues(new Uint8Array(CODE_BYTES)));
  const nowIso = () => new Date(clock.now()).toISOString();

  async function putIfAbsent(item: Parameters<Store['put']>[0]): Promise<boolean> {
    try {
      await store.put(item, { ifAbsent: true });
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  /** The customer's code, made on first use: an existing one is kept. */
  async function codeFor(tenant: TenantRecord, customerId: string): Promise<string> {
    const own = await store.get(ownCodeKey(tenant.id, customerId), { consistent: true });
    if (typeof own?.code === 'string') return own.code;
    for (let attempt = 1; attempt <= CODE_ATTEMPTS; attempt++) {
      const code = codeOf(random());
      if (!(await putIfAbsent({ ...codeKey(tenant.id, code), inviterId: customerId, createdAt: nowIso() }))) continue;
      if (await putIfAbsent({ ...ownCodeKey(tenant.id, customerId), code })) return code;
      // Another request made the customer's code first: theirs it is, and this one is let go.
      await store.delete(codeKey(tenant.id, code));
      return String((await store.get(ownCodeKey(tenant.id, customerId), { consistent: true }))?.code);
    }
    throw new Error(`no free invite code after ${CODE_ATTEMPTS} attempts`);
  }

  /** A code a store made (invite_sent): the customer's if nobody holds it. */
  async function registerCode(tenantId: string, customerId: string, code: string, at: string) {
    if (await putIfAbsent({ ...codeKey(tenantId, code), inviterId: customerId, createdAt: at }))
      await putIfAbsent({ ...ownCodeKey(tenantId, customerId), code });
  }

  async function ownerOf(tenantId: string, code: string): Promise<string | undefined> {
    const item = await store.get(codeKey(tenantId, code));
    return typeof item?.inviterId === 'string' ? item.inviterId : undefined;
  }

  async function addSignals(tenantId: string, customerId: string, signals: Partial<Record<keyof Signals, string>>) {
    const entries = Object.entries(signals).filter(([, v]) => v !== undefined) as [keyof Signals, string][];
    if (entries.length === 0) return;
    const key = signalsKey(tenantId, customerId);
    const current = await store.get(key);
    await Promise.all(
      entries
        .filter(([kind]) => setOf(current, kind).length < MAX_SIGNALS)
        .map(([kind, value]) => store.addToSet(key, kind, [value])),
    );
  }

  async function partyOf(tenantId: string, customerId: string): Promise<Party> {
    const [profileItem, signalsItem] = await Promise.all([
      store.get(profileKey(tenantId, customerId), { consistent: true }),
      store.get(signalsKey(tenantId, customerId), { consistent: true }),
    ]);
    const traits = liveProfile(profileItem)?.profile.traits;
    const trait = (name: string) => {
      const v = traits ? ownValue(traits, name)?.v : undefined;
      return typeof v === 'string' && v.trim() !== '' ? v : undefined;
    };
    const email = trait('email');
    const phone = trait('phone');
    return {
      id: customerId,
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      signals: {
        device: setOf(signalsItem, 'device'),
        payment: setOf(signalsItem, 'payment'),
        address: setOf(signalsItem, 'address'),
      },
    };
  }

  async function firstOrderAt(tenantId: string, customerId: string): Promise<string | undefined> {
    return liveProfile(await store.get(profileKey(tenantId, customerId), { consistent: true }))?.profile.firstOrderAt;
  }

  async function countInHour(key: ReturnType<typeof rateKey>, counter: 'accepts' | 'firstOrders') {
    return (await store.increment(key, { [counter]: 1 }))[counter] as number;
  }

  function rewardAction(reward: ReferralReward, reason: string): Action {
    return reward.kind === 'points'
      ? { kind: 'points', points: reward.points, reason }
      : { kind: 'coupon', pool: reward.pool };
  }

  async function sendRewards(
    list: { key: string; customerId: string; friendId: string; action: Action }[],
    tenantId: string,
  ) {
    if (list.length === 0) return;
    const bodies = list.map(({ key, customerId, friendId, action }) => {
      const message: ActionMessage = {
        key,
        tenantId,
        customerId,
        version: 1,
        instanceId: friendId,
        activity: 'referral',
        action,
        purpose: 'transactional',
      };
      return JSON.stringify(message);
    });
    await deps.queue.send(ACTIONS_QUEUE, bodies);
    deps.metrics?.count('ReferralRewards', list.length);
  }

  async function clawBack(tenant: TenantRecord, friendId: string, clawbacks: readonly Clawback[], at: string) {
    for (const c of clawbacks) {
      if (c.reward.kind === 'points') {
        const revoke = revokeEntry(rewardKey(tenant.id, friendId, c.who), at, pointsSettingsOf(tenant));
        await recordEntries(deps, tenant.id, c.customerId, [revoke]);
      } else deps.log.warn('a referral coupon cannot be taken back once issued', { tenantId: tenant.id, who: c.who });
    }
  }

  /**
   * Writes the referral's next state: rewards that fall due are sent first (once by key, so
   * sending again after a lost write is harmless), then the state that says they were.
   */
  async function save(
    tenant: TenantRecord,
    settings: ReferralSettings,
    friendId: string,
    change?: (r: Referral) => Referral,
  ) {
    const now = nowIso();
    const { result } = await writeVersioned(store, {
      key: referralKey(tenant.id, friendId),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      async decide(current) {
        const stored = storedReferralOf(current);
        if (!stored) return { result: undefined };
        const changed = change ? change(stored.referral) : stored.referral;
        const next = await grantDue(tenant, settings, changed, now);
        if (next === stored.referral) return { result: stored.referral };
        const item = referralItem(
          tenant.id,
          { version: stored.version + 1, referral: next, updatedAt: now },
          nextChangeAt(next, now),
        );
        return { write: item, result: next };
      },
    });
    return result;
  }

  async function grantDue(
    tenant: TenantRecord,
    settings: ReferralSettings,
    r: Referral,
    now: string,
  ): Promise<Referral> {
    const due = dueRewards(r, now);
    if (!due.friend && !due.inviter && !due.second) return r;
    const next = { ...r };
    const rewards: Parameters<typeof sendRewards>[0] = [];
    if (due.friend) {
      next.friend = 'granted';
      rewards.push({
        key: rewardKey(tenant.id, r.friendId, 'friend'),
        customerId: r.friendId,
        friendId: r.friendId,
        action: rewardAction(r.terms.friendReward, 'referral_friend'),
      });
    }
    if (due.inviter) {
      const limit = Math.floor(settings.inviterCap / rewardValue(r.terms.inviterReward));
      const claimed = await store.claim(quotaKey(tenant.id, r.inviterId), 'rewarded', r.friendId, limit);
      next.inviter = claimed ? 'granted' : 'capped';
      if (claimed) {
        rewards.push({
          key: rewardKey(tenant.id, r.friendId, 'inviter'),
          customerId: r.inviterId,
          friendId: r.friendId,
          action: rewardAction(r.terms.inviterReward, 'referral_inviter'),
        });
        const milestone = settings.milestone;
        if (milestone) {
          const rewarded = setOf(await store.get(quotaKey(tenant.id, r.inviterId), { consistent: true }), 'rewarded');
          if (rewarded.length >= milestone.friends)
            rewards.push({
              key: `${tenant.id}:referral:${r.inviterId}:milestone:${milestone.friends}`,
              customerId: r.inviterId,
              friendId: r.friendId,
              action: rewardAction(milestone.reward, 'referral_milestone'),
            });
        }
      }
    }
    const second = r.terms.secondLevelReward;
    if (due.second && r.secondInviterId && second) {
      const limit = Math.floor(settings.inviterCap / rewardValue(second));
      const claimed = await store.claim(quotaKey(tenant.id, r.secondInviterId), 'rewardedSecond', r.friendId, limit);
      next.second = claimed ? 'granted' : 'capped';
      if (claimed)
        rewards.push({
          key: rewardKey(tenant.id, r.friendId, 'second'),
          customerId: r.secondInviterId,
          friendId: r.friendId,
          action: rewardAction(second, 'referral_second_level'),
        });
    }
    await sendRewards(rewards, tenant.id);
    return next;
  }

  /** The first valid invite the friend opened within the window, else the one they accepted with. */
  async function attribution(tenantId: string, settings: ReferralSettings, event: EventOf<'invite_accepted'>) {
    const acceptedAt = event.occurredAt;
    const since = new Date(Date.parse(acceptedAt) - settings.windowDays * 86_400_000).toISOString();
    const clicks = membersOf(await store.get(clicksKey(tenantId, event.customerId), { consistent: true }), 'clicks');
    const accepted = normalizeCode(event.properties.inviteCode);
    const candidates = [
      ...clicks.filter((c) => c.at >= since && c.at <= acceptedAt).map((c) => c.id),
      ...(accepted ? [accepted] : []),
    ];
    if (accepted && event.properties.inviterId)
      await registerCode(tenantId, event.properties.inviterId, accepted, acceptedAt);
    for (const code of candidates) {
      const inviterId = await ownerOf(tenantId, code);
      if (inviterId) return { code, inviterId };
    }
    return undefined;
  }

  async function accept(tenant: TenantRecord, settings: ReferralSettings, event: EventOf<'invite_accepted'>) {
    const friendId = event.customerId;
    const existing = storedReferralOf(await store.get(referralKey(tenant.id, friendId), { consistent: true }));
    // Attributed before: one inviter per friend. What followed the attribution is done again (a crash may have cut it short).
    if (existing) return attributed(tenant, settings, existing.referral);
    const found = await attribution(tenant.id, settings, event);
    if (!found) {
      deps.log.info('an invite with an unknown code was not attributed', { tenantId: tenant.id });
      deps.metrics?.count('ReferralsUnattributed', 1);
      return;
    }
    const ordered = await firstOrderAt(tenant.id, friendId);
    if (ordered && ordered < event.occurredAt) {
      deps.log.info('an existing customer accepted an invite: not a referral', { tenantId: tenant.id });
      deps.metrics?.count('ReferralsNotNew', 1);
      return;
    }
    const { inviterId, code } = found;
    const at = event.occurredAt;
    const deviceId = event.properties.deviceId;
    const [inviterAccepts, deviceAccepts, friend, inviter, inviterReferral] = await Promise.all([
      countInHour(rateKey(tenant.id, inviterId, hourOf(at)), 'accepts'),
      deviceId ? countInHour(deviceRateKey(tenant.id, deviceId, hourOf(at)), 'accepts') : undefined,
      partyOf(tenant.id, friendId),
      partyOf(tenant.id, inviterId),
      settings.levels === 2 ? store.get(referralKey(tenant.id, inviterId), { consistent: true }) : undefined,
    ]);
    const flags = fraudFlags(friend, inviter, settings.fraud, {
      inviterAccepts,
      ...(deviceAccepts !== undefined ? { deviceAccepts } : {}),
    });
    const acceptDay = localDayKey(Date.parse(at), tenant.timezone);
    const dailySlot = await store.claim(
      dayKey(tenant.id, inviterId, acceptDay),
      'friends',
      friendId,
      settings.dailyLimit,
    );
    const secondInviterId = storedReferralOf(inviterReferral)?.referral.inviterId;
    const referral = newReferral(
      {
        friendId,
        inviterId,
        code,
        acceptedAt: at,
        acceptDay,
        flags,
        dailySlot,
        ...(secondInviterId && secondInviterId !== friendId ? { secondInviterId } : {}),
      },
      settings,
    );
    const now = nowIso();
    const stored: StoredReferral = { version: 1, referral, updatedAt: now };
    if (await putIfAbsent(referralItem(tenant.id, stored, nextChangeAt(referral, now)))) {
      deps.metrics?.count(flags.length > 0 ? 'ReferralsHeld' : 'ReferralsAttributed', 1);
      return attributed(tenant, settings, referral);
    }
    // Another worker attributed the friend first: theirs stands.
    const theirs = storedReferralOf(await store.get(referralKey(tenant.id, friendId), { consistent: true }));
    if (theirs) await attributed(tenant, settings, theirs.referral);
  }

  /** What follows an attribution, safe to do again: the inviter's list, the review queue, the rewards due, the orders so far. */
  async function attributed(tenant: TenantRecord, settings: ReferralSettings, r: Referral) {
    const ids = { friendId: r.friendId, inviterId: r.inviterId, acceptedAt: r.acceptedAt };
    await store.putMany([
      { ...friendKey(tenant.id, r.inviterId, r.friendId), ...ids },
      { ...attributedStatKey(tenant.id, r), ...ids },
    ]);
    if (r.review === 'pending') await holdForReview(tenant.id, r);
    await save(tenant, settings, r.friendId);
    await reconcile(tenant, settings, r.friendId);
  }

  async function holdForReview(tenantId: string, r: Referral) {
    await store.put({
      ...openReviewKey(tenantId, r),
      friendId: r.friendId,
      inviterId: r.inviterId,
      acceptedAt: r.acceptedAt,
    });
  }

  /**
   * Brings the referral up to date with the friend's orders and refunds as recorded, whichever
   * arrived first: the first order since acceptance (checked for fraud again, with what the order
   * tells), and a refund or cancellation of it.
   */
  async function reconcile(tenant: TenantRecord, settings: ReferralSettings, friendId: string) {
    const [referralStored, ordersItem] = await Promise.all([
      store.get(referralKey(tenant.id, friendId), { consistent: true }),
      store.get(ordersKey(tenant.id, friendId), { consistent: true }),
    ]);
    const stored = storedReferralOf(referralStored);
    if (!stored) return;
    const r = stored.referral;
    const first = membersOf(ordersItem, 'orders').find((o) => o.at >= r.acceptedAt);
    if (!first) return;
    const refund = membersOf(ordersItem, 'refunds').find((o) => o.id === first.id);
    let flags: ReferralFlag[] = [];
    if (!r.firstOrder) {
      const [orders, friend, inviter] = await Promise.all([
        countInHour(rateKey(tenant.id, r.inviterId, hourOf(first.at)), 'firstOrders'),
        partyOf(tenant.id, r.friendId),
        partyOf(tenant.id, r.inviterId),
      ]);
      flags = fraudFlags(friend, inviter, settings.fraud, undefined, orders);
      const flagged = withFlags(r, flags);
      if (flagged.review === 'pending' && r.review !== 'pending') await holdForReview(tenant.id, flagged);
    }
    if (r.firstOrder && (!refund || r.firstOrder.refundedAt)) return;
    let clawbacks: Clawback[] = [];
    await save(tenant, settings, friendId, (current) => {
      const ordered = withFlags(withFirstOrder(current, { orderId: first.id, at: first.at }), flags);
      if (!refund) return ordered;
      const refunded = withRefund(ordered, refund.id, refund.at);
      clawbacks = refunded.clawbacks;
      return refunded.referral;
    });
    await clawBack(tenant, friendId, clawbacks, refund?.at ?? nowIso());
  }

  /** What one event of the customer changes in the programme. */
  async function onEvent(tenant: TenantRecord, settings: ReferralSettings, event: CanonicalEvent) {
    switch (event.type) {
      case 'invite_sent': {
        // The sender by a hash of their id: nothing here names the customer, so erasure has nothing to find.
        const sender = fnv1a32(event.customerId).toString(36);
        await store.put({ ...inviteStatKey(tenant.id, event.occurredAt, event.eventId), sender, at: event.occurredAt });
        const code = normalizeCode(event.properties.inviteCode);
        if (code) await registerCode(tenant.id, event.customerId, code, event.occurredAt);
        return;
      }
      case 'invite_clicked': {
        const code = normalizeCode(event.properties.inviteCode);
        const { deviceId } = event.properties;
        if (deviceId) await addSignals(tenant.id, event.customerId, { device: deviceId });
        if (code)
          await store.claim(
            clicksKey(tenant.id, event.customerId),
            'clicks',
            member(event.occurredAt, code),
            MAX_CLICKS,
          );
        return;
      }
      case 'invite_accepted':
        if (event.properties.deviceId)
          await addSignals(tenant.id, event.customerId, { device: event.properties.deviceId });
        return accept(tenant, settings, event);
      case 'order_placed':
      case 'order_paid': {
        const p = event.properties as {
          orderId: string;
          placedAt?: string;
          paymentFingerprint?: string;
          shippingAddressHash?: string;
          deviceId?: string;
        };
        await addSignals(tenant.id, event.customerId, {
          ...(p.deviceId ? { device: p.deviceId } : {}),
          ...(p.paymentFingerprint ? { payment: p.paymentFingerprint } : {}),
          ...(p.shippingAddressHash ? { address: p.shippingAddressHash } : {}),
        });
        const placedAt = new Date(Date.parse(p.placedAt ?? event.occurredAt)).toISOString();
        await store.claim(ordersKey(tenant.id, event.customerId), 'orders', member(placedAt, p.orderId), MAX_ORDERS);
        return reconcile(tenant, settings, event.customerId);
      }
      case 'refund':
      case 'order_cancelled': {
        const at = new Date(Date.parse(event.occurredAt)).toISOString();
        const { orderId } = event.properties;
        await store.claim(ordersKey(tenant.id, event.customerId), 'refunds', member(at, orderId), MAX_ORDERS);
        return reconcile(tenant, settings, event.customerId);
      }
      default:
        return;
    }
  }

  return {
    codeFor,

    /** The customer's events, in the order they happened. */
    async record(tenant: TenantRecord, events: readonly CanonicalEvent[]) {
      const settings = tenant.referrals;
      if (!settings) return;
      // Times as one format (with milliseconds), so that they compare as strings.
      const sorted = events
        .map((e) => ({ ...e, occurredAt: new Date(Date.parse(e.occurredAt)).toISOString() }) as CanonicalEvent)
        .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
      for (const event of sorted) await onEvent(tenant, settings, event);
    },

    /** The daily run: rewards that fell due (the refund window passed). */
    async due(tenant: TenantRecord, friendId: string) {
      if (tenant.referrals) await save(tenant, tenant.referrals, friendId);
    },

    async referralOf(tenantId: string, friendId: string): Promise<Referral | undefined> {
      return storedReferralOf(await store.get(referralKey(tenantId, friendId), { consistent: true }))?.referral;
    },

    /** The customer's code and link, who brought them, and the friends they brought (the latest 100). */
    async summary(tenant: TenantRecord, customerId: string) {
      const [own, by, friends, quota] = await Promise.all([
        store.get(ownCodeKey(tenant.id, customerId), { consistent: true }),
        store.get(referralKey(tenant.id, customerId), { consistent: true }),
        store.query(referralKey(tenant.id, customerId).pk, { skPrefix: FRIEND_PREFIX, limit: 100 }),
        store.get(quotaKey(tenant.id, customerId), { consistent: true }),
      ]);
      const code = typeof own?.code === 'string' ? own.code : undefined;
      const link = code ? inviteLink(tenant.referrals?.linkBase, code) : undefined;
      return {
        ...(code ? { code } : {}),
        ...(link ? { link } : {}),
        ...(storedReferralOf(by) ? { referredBy: storedReferralOf(by)?.referral } : {}),
        friends: friends.map((f) => ({ friendId: String(f.friendId), acceptedAt: String(f.acceptedAt) })),
        rewardedFriends: setOf(quota, 'rewarded').length,
      };
    },

    /** Referrals held for review, oldest first; with `decided`, the decisions made, oldest first. */
    async reviewList(tenantId: string, options: { decided?: boolean; limit?: number } = {}) {
      const items = await store.query(reviewPartition(tenantId), {
        skPrefix: options.decided ? 'DONE#' : 'OPEN#',
        limit: options.limit ?? 100,
        consistent: true,
      });
      if (options.decided) return items.map(({ pk: _pk, sk: _sk, ...decision }) => decision);
      const referrals = await store.getMany(items.map((i) => referralKey(tenantId, String(i.friendId))));
      return referrals
        .map((item) => storedReferralOf(item)?.referral)
        .filter((r): r is Referral => r !== undefined && r.review === 'pending')
        .sort((a, b) => (a.acceptedAt < b.acceptedAt ? -1 : 1));
    },

    /** Approves or rejects a held referral: the decision is kept on it and in the audit list. */
    async review(tenant: TenantRecord, friendId: string, request: ReviewRequest): Promise<Referral> {
      const settings = tenant.referrals;
      const stored = storedReferralOf(await store.get(referralKey(tenant.id, friendId), { consistent: true }));
      if (!settings || !stored) throw new ReferralRefused(`no referral of customer ${friendId}`, 404);
      if (stored.referral.review !== 'pending')
        throw new ReferralRefused(
          `the referral of ${friendId} is not awaiting review (${stored.referral.review})`,
          409,
        );
      const at = nowIso();
      const decision: ReviewDecision = { ...request, at };
      const next = await save(tenant, settings, friendId, (current) =>
        current.review === 'pending' ? reviewed(current, decision) : current,
      );
      if (!next || next.reviews.at(-1)?.at !== at)
        throw new ReferralRefused(`the referral of ${friendId} was decided by someone else`, 409);
      await store.put({
        ...decidedReviewKey(tenant.id, at, friendId),
        friendId,
        inviterId: next.inviterId,
        flags: next.flags,
        ...request,
        at,
      });
      await store.delete(openReviewKey(tenant.id, stored.referral));
      deps.log.info('referral reviewed', {
        tenantId: tenant.id,
        decision: request.decision,
        reviewer: request.reviewer,
      });
      return next;
    },
  };
}
export type Referrals = ReturnType<typeof createReferrals>;
