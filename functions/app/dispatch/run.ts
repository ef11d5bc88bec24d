// Dispatch: carries out each action of the actions queue once. Its send record (core/dispatch/
// send-record.ts) is claimed first; guardrails decide send, defer or skip; reservations (the
// customer's cap entry, budget counters, a provider token) are taken with atomic writes; the
// template is rendered; only a record written as `sending` lets the provider be called.
import { forEachConcurrently } from '../../concurrently';
import { ActionMessage, type BatchResult, parseBody, type QueueRecord } from '../../contracts/messages';
import { PROVIDER_RETRY_SCHEDULE, retryDelay, WEBHOOK_RETRY_SCHEDULE } from '../../core/channels/retry-schedule';
import type { TenantRecord } from '../../core/config/tenants';
import { capsLogKey } from '../../core/dispatch/guard-items';
import { addressOf, channelOf, type MessageChannel, type RenderedParts } from '../../core/dispatch/outgoing';
import {
  claimSend,
  next,
  type SendDecision,
  type SendRecord,
  SendRecordItem,
  type SkipReason,
  sendRecordKey,
  toDeferred,
  toFailed,
  toSending,
  toSent,
  toSkipped,
} from '../../core/dispatch/send-record';
import { isTestRecipient } from '../../core/dispatch/settings';
import type { CanonicalEvent, Channel } from '../../core/events/schemas';
import type { MessageCoupon } from '../../core/incentives/coupon-pool';
import { profileKey } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import type { Profile } from '../../core/profiles/profile';
import {
  type Channels,
  ConditionFailedError,
  type Item,
  type OutgoingMessage,
  ProviderError,
  type SendReceipt,
} from '../../ports';
import { DISPATCH_SOURCE, POINTS_GRANTED, type PointsGranted } from '../../routes';
import type { AppPorts } from '../common/ports';
import { readTogether } from '../common/read-together';
import { writeVersioned } from '../common/versioned-write';
import { publishEvents } from '../ingest/publish';
import { park } from '../quarantine/run';
import { ACTIONS_QUEUE } from './dead-letters';
import { announceOutcomes, publishOutcome } from './outcomes';

/** How long a worker holds an action: well inside the queue's visibility timeout (180 s). */
export const LEASE_MS = 60_000;
const ACTIONS_IN_PARALLEL = 16;

/** Takes a record in its terminal state: the batch puts its outcome on the bus, then writes it. */
type Ended = (record: SendRecord) => void;

/** What the guardrails decided for one action (functions/core/guardrails, with the state they read). */
export type GuardVerdict =
  | { kind: 'send'; decisions: SendDecision[]; reserve: Reserve }
  | { kind: 'defer'; decisions: SendDecision[]; until: number }
  | { kind: 'skip'; decisions: SendDecision[]; reason: SkipReason; rule: string; nextEligibleAt?: number };

/** Takes the reservations of a send atomically; a refusal names why (cap, budget) and releases what it took. */
export type Reserve = () => Promise<
  | { ok: true; release: () => Promise<void>; held: SendRecord['reservations'] }
  | { ok: false; skip: GuardSkip }
  /** A provider's rate limit: no token until `defer` (epoch ms). */
  | { ok: false; defer: number; rule: string }
>;
export type GuardSkip = { reason: SkipReason; rule: string; nextEligibleAt?: number };

export type GuardInput = {
  message: ActionMessage;
  profile: Profile;
  /** The customer's cap log as read with the profile (undefined: none yet). */
  capsLog: Item | undefined;
  channel: MessageChannel;
  tenant: TenantRecord;
  now: number;
};

export type RenderInput = {
  message: ActionMessage;
  profile: Profile;
  channel: MessageChannel;
  tenant: TenantRecord;
  /** The coupon a coupon action issued, for its template. */
  coupon?: MessageCoupon;
};

/** A coupon issued for the action (the same one for every delivery of it), or why none was. */
export type CouponIssue = { ok: true; coupon: MessageCoupon } | { ok: false; skip: GuardSkip };

/** A template failure: the action is skipped as `template` with this message as its rule. */
export class TemplateFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateFailure';
  }
}

export type DispatchDeps = Pick<AppPorts, 'store' | 'bus' | 'timers' | 'clock' | 'tenants' | 'log' | 'metrics'> & {
  channels: Channels;
  guard(input: GuardInput): Promise<GuardVerdict>;
  /** Issues the coupon of a coupon action, once per action key. */
  issueCoupon(message: ActionMessage & { action: { kind: 'coupon' } }): Promise<CouponIssue>;
  /** Renders the action's template for its channel; throws TemplateFailure. */
  render(input: RenderInput): Promise<RenderedParts>;
  /** Where in their jitter windows retries fall (numbers in [0, 1); Math.random by default). */
  random?: () => number;
  /** The sender of e-mail (a verified SES identity in AWS). */
  emailFrom(tenant: TenantRecord): string;
  /** Standard Webhooks signing secrets of the tenant. */
  webhookSecrets(tenant: TenantRecord): readonly string[];
};

export function createDispatch(deps: DispatchDeps) {
  const { store, clock, log } = deps;

  /** Writes `record` on top of the version it came from; false when another worker wrote first. */
  async function save(record: SendRecord): Promise<boolean> {
    try {
      await store.put(record as Item, record.version === 1 ? { ifAbsent: true } : { ifVersion: record.version - 1 });
      return true;
    } catch (e) {
      if (e instanceof ConditionFailedError) return false;
      throw e;
    }
  }

  /** Puts the action back on the queue at `until`, its record waiting for it. */
  async function defer(record: SendRecord, body: string, until: number, decisions: SendDecision[]) {
    const deferred = { ...toDeferred(record, clock.now(), until), decisions: [...record.decisions, ...decisions] };
    if (!(await save(deferred))) return;
    await deps.timers.set([{ id: `dispatch:${record.key}:${until}`, at: until, queue: ACTIONS_QUEUE, body }]);
  }

  function outgoing(
    message: ActionMessage,
    tenant: TenantRecord,
    channel: MessageChannel,
    to: string,
    parts: RenderedParts,
  ): OutgoingMessage {
    const base = { tenantId: message.tenantId, customerId: message.customerId, key: message.key };
    switch (channel) {
      case 'email':
        return {
          ...base,
          channel,
          to,
          from: deps.emailFrom(tenant),
          subject: parts.subject ?? '',
          text: parts.text ?? '',
          ...(parts.html ? { html: parts.html } : {}),
          ...(parts.unsubscribeUrl ? { unsubscribeUrl: parts.unsubscribeUrl } : {}),
        };
      case 'sms':
        return { ...base, channel, to, body: parts.body ?? parts.text ?? '' };
      case 'push':
        return {
          ...base,
          channel,
          endpoint: to,
          body: parts.body ?? '',
          ...(parts.title ? { title: parts.title } : {}),
        };
      case 'webhook':
        return {
          ...base,
          channel,
          url: to,
          body: JSON.stringify({
            type: 'journey.action',
            timestamp: new Date(clock.now()).toISOString(),
            data: parts.json ?? {},
          }),
          secrets: deps.webhookSecrets(tenant),
        };
      case 'wechat_miniprogram': {
        const wechat = tenant.dispatch?.wechat;
        return {
          ...base,
          channel,
          to,
          templateId: parts.templateId ?? '',
          ...(parts.page ? { page: parts.page } : {}),
          data: parts.data ?? {},
          ...(wechat?.miniProgramState ? { state: wechat.miniProgramState } : {}),
          ...(wechat?.lang ? { lang: wechat.lang } : {}),
        };
      }
      case 'wechat_oa': {
        const appid = tenant.dispatch?.wechat?.miniProgramAppId;
        return {
          ...base,
          channel,
          to,
          templateId: parts.templateId ?? '',
          ...(parts.url ? { url: parts.url } : {}),
          ...(parts.pagepath && appid ? { miniprogram: { appid, pagepath: parts.pagepath } } : {}),
          data: parts.data ?? {},
        };
      }
      case 'wecom': {
        const sender = tenant.dispatch?.wechat?.wecomSender;
        return { ...base, channel, to, ...(sender ? { sender } : {}), text: parts.text ?? '' };
      }
    }
  }

  /**
   * The recipient refused the channel (ProviderError.revokesConsent): their consent to it is revoked through
   * the bus, as any consent_changed event (the profile fold records it; later sends are skipped for consent),
   * and this send is skipped for consent. The event id comes from the action key: a retry revokes once.
   */
  async function revokeConsent(record: SendRecord, reason: string, ended: Ended) {
    const channel = record.channel as Channel;
    const event: CanonicalEvent = {
      tenantId: record.tenantId,
      customerId: record.customerId,
      eventId: `${channel}:refused:${record.key}`.slice(0, 128),
      occurredAt: new Date(clock.now()).toISOString(),
      source: 'dispatch',
      type: 'consent_changed',
      properties: { channel, granted: false },
    };
    try {
      await publishEvents(deps, [event]);
    } catch (e) {
      // The send still ends: the customer's next send on the channel is refused again and revokes it then.
      log.warn('a consent revocation could not be published', {
        tenantId: record.tenantId,
        channel,
        reason: (e as Error).message,
      });
    }
    log.info('the recipient refused the channel; its consent is revoked', {
      tenantId: record.tenantId,
      channel,
      reason,
    });
    deps.metrics?.count('ConsentRevokedByProvider', 1, { channel });
    ended(toSkipped(record, clock.now(), { reason: 'consent', rule: 'provider_refused' }));
  }

  /** The provider call, from a record written as `sending`; every way out writes the record's next state. */
  async function send(
    record: SendRecord,
    message: OutgoingMessage,
    body: string,
    release: () => Promise<void>,
    ended: Ended,
    /** Whether a refusal may revoke the customer's consent: not for a test send, which went to someone else. */
    revocable = true,
  ) {
    let receipt: SendReceipt;
    try {
      receipt = await deps.channels.send(message);
    } catch (e) {
      const failure = e instanceof ProviderError ? e.failure : 'unknown';
      if (failure === 'unknown') {
        // The provider may have it: never sent again blindly, and its reservations stay taken.
        log.warn('a provider call ended unclear; the send is unknown until provider feedback', {
          tenantId: record.tenantId,
          channel: record.channel,
          reason: (e as Error).message,
        });
        await save(next(record, clock.now(), { state: 'unknown', leaseUntil: undefined }));
        deps.metrics?.count('MessagesUnknown', 1);
        return;
      }
      await release();
      if (failure === 'permanent' && e instanceof ProviderError && e.revokesConsent && revocable && record.channel) {
        await revokeConsent(record, e.message, ended);
        return;
      }
      if (failure === 'throttled' || failure === 'transient') {
        // A throttled call spends no attempt: the provider asked to wait, it did not refuse.
        const attempt = failure === 'throttled' ? 1 : record.attempts;
        const retried = failure === 'throttled' ? { ...record, attempts: record.attempts - 1 } : record;
        const retryAfterMs = (e as ProviderError).retryAfterMs;
        const wait = retryDelay({
          failure,
          attempt,
          random: (deps.random ?? Math.random)(),
          schedule: message.channel === 'webhook' ? WEBHOOK_RETRY_SCHEDULE : PROVIDER_RETRY_SCHEDULE,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
        if (wait !== undefined) {
          await defer(retried, body, clock.now() + wait, [{ guardrail: 'provider', verdict: 'defer', rule: failure }]);
          return;
        }
      }
      const reason = `${failure}: ${(e as Error).message}`.slice(0, 500);
      await park(deps, { tenantId: record.tenantId, queue: ACTIONS_QUEUE, body, reason });
      ended(toFailed(record, clock.now(), reason));
      return;
    }
    ended(toSent(record, clock.now(), receipt));
  }

  async function dispatchOne(record: QueueRecord, ended: Ended): Promise<'done' | 'retry'> {
    const parsed = parseBody(ActionMessage, record.body);
    if (!parsed.ok) {
      log.error('undecodable action', { recordId: record.id, reason: parsed.reason });
      return 'retry';
    }
    const message = parsed.value;
    const channel = channelOf(message.action);
    const origin = {
      key: message.key,
      tenantId: message.tenantId,
      customerId: message.customerId,
      journeyId: message.journeyId,
      ...(message.campaignId !== undefined ? { campaignId: message.campaignId } : {}),
      activity: message.activity,
      ...(channel ? { channel } : {}),
    };
    const key = sendRecordKey(message.tenantId, message.customerId, message.key);
    // Most actions come once: their record is written without a read (a conflict reads it).
    const { result: claim } = await writeVersioned(store, {
      key,
      first: undefined,
      metrics: deps.metrics,
      decide(current) {
        const claimed = claimSend(current && SendRecordItem.parse(current), origin, clock.now(), LEASE_MS);
        return {
          write: 'record' in claimed && claimed.kind !== 'ended' ? (claimed.record as Item) : undefined,
          result: claimed,
        };
      },
    });
    switch (claim.kind) {
      case 'ended':
        // Written unpublished only when the bus refused its outcome: this copy stands in.
        await publishOutcome(deps, claim.record);
        return 'done';
      case 'unknown':
        return 'done';
      case 'held':
        // A deferred action comes back by its timer; one held by a lease may be this message's own, redelivered.
        return claim.by === 'timer' ? 'done' : 'retry';
    }
    let held = claim.record;
    const now = clock.now();
    const skip = (s: GuardSkip, decisions: SendDecision[] = []) =>
      ended({ ...toSkipped(held, clock.now(), s), decisions: [...held.decisions, ...decisions] });

    const tenant = await deps.tenants.byId(message.tenantId);
    const [profileItem, capsLog] = await readTogether(store, [
      profileKey(message.tenantId, message.customerId),
      capsLogKey(message.tenantId, message.customerId),
    ]);
    const profile = liveProfile(profileItem)?.profile;
    if (!tenant || !profile) {
      skip({ reason: 'consent', rule: tenant ? 'no_profile' : 'unknown_tenant' });
      return 'done';
    }
    if (message.action.kind === 'points') {
      // The loyalty function writes the points into the ledger, once by the action's key.
      const { points, reason } = message.action;
      const granted: PointsGranted = {
        tenantId: message.tenantId,
        customerId: message.customerId,
        key: message.key,
        points,
        reason: reason ?? (message.campaignId ? `campaign:${message.campaignId}` : `journey:${message.journeyId}`),
        at: new Date(now).toISOString(),
      };
      await deps.bus.put([{ source: DISPATCH_SOURCE, detailType: POINTS_GRANTED, detail: granted }]);
      ended(toSent(held, clock.now(), { provider: 'points', providerMessageId: `action:${message.key}` }));
      return 'done';
    }
    if (!channel) {
      skip({ reason: 'provider', rule: `no_dispatcher_for_${message.action.kind}` });
      return 'done';
    }
    const { testTo } = message;
    if (testTo !== undefined && !isTestRecipient(tenant.dispatch, testTo)) {
      skip({ reason: 'provider', rule: 'not_a_test_recipient' });
      return 'done';
    }
    const verdict = await deps.guard({ message, profile, capsLog, channel, tenant, now });
    if (verdict.kind === 'skip') {
      skip(verdict, verdict.decisions);
      return 'done';
    }
    if (verdict.kind === 'defer') {
      await defer(held, record.body, verdict.until, verdict.decisions);
      return 'done';
    }
    // After the guardrails, so a customer who never agreed is skipped for consent, whatever addresses they left.
    const to = testTo ?? addressOf(profile, message.action);
    if (!to) {
      skip({ reason: 'provider', rule: `no_${channel}_address` }, verdict.decisions);
      return 'done';
    }
    const reserved = await verdict.reserve();
    if (!reserved.ok) {
      if ('defer' in reserved) {
        const rate = {
          guardrail: 'rate',
          verdict: 'defer' as const,
          rule: reserved.rule,
          until: new Date(reserved.defer).toISOString(),
        };
        await defer(held, record.body, reserved.defer, [...verdict.decisions, rate]);
      } else skip(reserved.skip, verdict.decisions);
      return 'done';
    }
    // The decisions and reservations are written with the `sending` state below (or a skip): a worker cut off
    // before that leaves a cap entry its retry takes again by key, and budget counted once too often (never over).
    held = { ...held, decisions: [...held.decisions, ...verdict.decisions] };
    if (reserved.held) held.reservations = reserved.held;
    let coupon: MessageCoupon | undefined;
    if (message.action.kind === 'coupon') {
      const issued = await deps.issueCoupon(message as ActionMessage & { action: { kind: 'coupon' } });
      if (!issued.ok) {
        await reserved.release();
        skip(issued.skip);
        return 'done';
      }
      coupon = issued.coupon;
    }
    let parts: RenderedParts;
    try {
      parts = await deps.render({ message, profile, channel, tenant, ...(coupon ? { coupon } : {}) });
    } catch (e) {
      if (!(e instanceof TemplateFailure)) {
        await reserved.release();
        throw e;
      }
      await reserved.release();
      skip({ reason: 'template', rule: e.message.slice(0, 500) });
      return 'done';
    }
    const sending = toSending(held, clock.now(), LEASE_MS);
    if (!(await save(sending))) {
      await reserved.release();
      return 'retry';
    }
    await send(
      sending,
      outgoing(message, tenant, channel, to, parts),
      record.body,
      reserved.release,
      ended,
      testTo === undefined,
    );
    return 'done';
  }

  return async function run(command: { records: readonly QueueRecord[] }): Promise<BatchResult> {
    const failedIds: string[] = [];
    const ended: { id: string; record: SendRecord }[] = [];
    await forEachConcurrently(command.records, ACTIONS_IN_PARALLEL, async (record) => {
      try {
        const outcome = await dispatchOne(record, (r) => ended.push({ id: record.id, record: r }));
        if (outcome === 'retry') failedIds.push(record.id);
      } catch (e) {
        log.warn('an action could not be dispatched; it will be delivered again', {
          recordId: record.id,
          reason: (e as Error).message,
        });
        failedIds.push(record.id);
      }
    });
    // Outcomes go on the bus before their records are written as ended, so a written record is a published one
    // (one write, not two); if the bus refuses, the records say so and a copy of the message publishes them.
    let published = true;
    try {
      await announceOutcomes(
        deps,
        ended.map((e) => e.record),
      );
    } catch (e) {
      published = false;
      log.warn('outcomes could not be published; their actions will be delivered again', {
        reason: (e as Error).message,
      });
    }
    await Promise.all(
      ended.map(async ({ id, record }) => {
        try {
          if (!(await save({ ...record, published }))) return;
        } catch (e) {
          log.warn('an ended send could not be written; its action will be delivered again', {
            recordId: id,
            reason: (e as Error).message,
          });
          failedIds.push(id);
          return;
        }
        if (!published) failedIds.push(id);
        deps.metrics?.count(record.state === 'sent' ? 'MessagesSent' : 'MessagesSkipped', 1, {
          ...(record.reason ? { reason: record.reason } : {}),
        });
      }),
    );
    return { failedIds };
  };
}
