/**
 * The send record: what makes one action happen once. No provider takes an idempotency token,
 * so every action key has one record, in the customer's partition (erasure takes it), that moves
 *
 *   reserved ─► sending ─► sent | failed | unknown        (and reserved ─► skipped | deferred)
 *
 * with a versioned conditional write at every step. A worker holds a record while its lease
 * runs; a reserved record whose lease ran out was left before any provider call, so another
 * worker may take it over. A sending record whose lease ran out may have reached the provider:
 * it becomes `unknown`, never sent again blindly, and waits for provider feedback.
 */
import { z } from 'zod';
import type { Key } from '../../ports';
import { ItemKey, Version } from '../stored-item';

export const SEND_STATES = ['reserved', 'deferred', 'sending', 'sent', 'skipped', 'failed', 'unknown'] as const;
export type SendState = (typeof SEND_STATES)[number];

/** Why an action was not sent: its terminal `message.skipped` says one of these. */
export const SKIP_REASONS = ['consent', 'control', 'cap', 'budget', 'stale', 'rate', 'template', 'provider'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** One guardrail's verdict, kept in the order the guardrails were applied. */
export const SendDecision = z.object({
  guardrail: z.string(),
  verdict: z.enum(['pass', 'skip', 'defer']),
  rule: z.string().optional(),
  until: z.iso.datetime().optional(),
});
export type SendDecision = z.infer<typeof SendDecision>;

/** What a send holds until it ends: the cap entry and the budget counters it added to. */
export const Reservations = z.object({
  cap: z.boolean().optional(),
  budgets: z.array(z.object({ pk: z.string(), sk: z.string(), counters: z.record(z.string(), z.number()) })).optional(),
});
export type Reservations = z.infer<typeof Reservations>;

const Time = z.iso.datetime();

export const SendRecordItem = z.looseObject({
  ...ItemKey,
  version: Version,
  key: z.string().min(1),
  tenantId: z.string().min(1),
  customerId: z.string().min(1),
  journeyId: z.string().optional(),
  campaignId: z.string().optional(),
  activity: z.string().optional(),
  channel: z.string().optional(),
  state: z.enum(SEND_STATES),
  /** Provider calls made (a retry after a failure the provider reported is another). */
  attempts: z.int().min(0),
  createdAt: Time,
  updatedAt: Time,
  leaseUntil: Time.optional(),
  deferredUntil: Time.optional(),
  decisions: z.array(SendDecision),
  reservations: Reservations.optional(),
  reason: z.enum(SKIP_REASONS).optional(),
  rule: z.string().optional(),
  nextEligibleAt: Time.optional(),
  provider: z.string().optional(),
  providerMessageId: z.string().optional(),
  sentAt: Time.optional(),
  /** `feedback`: an unknown outcome the provider's feedback later proved sent. */
  settledBy: z.literal('feedback').optional(),
  /** Whether the terminal outcome is on the bus. */
  published: z.boolean().optional(),
});
export type SendRecord = z.infer<typeof SendRecordItem>;

export const SEND_SK_PREFIX = 'SEND#';

export const sendRecordKey = (tenantId: string, customerId: string, actionKey: string): Key => ({
  pk: `${tenantId}#C#${customerId}`,
  sk: `${SEND_SK_PREFIX}${actionKey}`,
});

export const TERMINAL_STATES: ReadonlySet<SendState> = new Set(['sent', 'skipped', 'failed', 'unknown']);
export const isTerminal = (record: SendRecord): boolean => TERMINAL_STATES.has(record.state);

const iso = (ms: number) => new Date(ms).toISOString();

/** What a worker may do with an action, given its record as stored. */
export type Claim =
  /** Go on: `record` is the reservation to write (conditional on the stored version). */
  | { kind: 'start'; record: SendRecord }
  /** A worker holds it (`lease`: maybe this very message, redelivered) or it waits for its timer. */
  | { kind: 'held'; by: 'lease' | 'timer'; until: number }
  /** It ended before: its outcome stands (publish it if it is not on the bus yet). */
  | { kind: 'ended'; record: SendRecord }
  /** A worker was cut off while the provider had it: `record` marks it unknown. */
  | { kind: 'unknown'; record: SendRecord };

export type ActionOrigin = {
  key: string;
  tenantId: string;
  customerId: string;
  journeyId?: string;
  campaignId?: string;
  activity?: string;
  channel?: string;
};

/** Decides whether this worker takes the action at `now`, holding it for `leaseMs`. */
export function claimSend(stored: SendRecord | undefined, origin: ActionOrigin, now: number, leaseMs: number): Claim {
  const key = sendRecordKey(origin.tenantId, origin.customerId, origin.key);
  if (!stored) {
    return {
      kind: 'start',
      record: {
        ...key,
        ...origin,
        version: 1,
        state: 'reserved',
        attempts: 0,
        createdAt: iso(now),
        updatedAt: iso(now),
        leaseUntil: iso(now + leaseMs),
        decisions: [],
      },
    };
  }
  if (isTerminal(stored)) return { kind: 'ended', record: stored };
  const leaseEnd = stored.leaseUntil ? Date.parse(stored.leaseUntil) : 0;
  if (stored.state === 'sending') {
    if (leaseEnd > now) return { kind: 'held', by: 'lease', until: leaseEnd };
    return { kind: 'unknown', record: next(stored, now, { state: 'unknown', leaseUntil: undefined }) };
  }
  if (stored.state === 'deferred') {
    const until = stored.deferredUntil ? Date.parse(stored.deferredUntil) : 0;
    if (until > now) return { kind: 'held', by: 'timer', until };
  } else if (leaseEnd > now) return { kind: 'held', by: 'lease', until: leaseEnd };
  return {
    kind: 'start',
    record: next(stored, now, {
      state: 'reserved',
      leaseUntil: iso(now + leaseMs),
      deferredUntil: undefined,
      decisions: [],
    }),
  };
}

/** The record's next version with `changes` (undefined removes a field). */
export function next(record: SendRecord, now: number, changes: Partial<SendRecord>): SendRecord {
  const merged: Record<string, unknown> = { ...record, ...changes, version: record.version + 1, updatedAt: iso(now) };
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete merged[name];
  return merged as SendRecord;
}

/** The record about to call the provider (its attempt counted): only this write lets a provider call happen. */
export const toSending = (record: SendRecord, now: number, leaseMs: number): SendRecord =>
  next(record, now, { state: 'sending', attempts: record.attempts + 1, leaseUntil: iso(now + leaseMs) });

export const toSent = (record: SendRecord, now: number, receipt: { provider: string; providerMessageId: string }) =>
  next(record, now, { state: 'sent', ...receipt, sentAt: iso(now), leaseUntil: undefined, published: false });

export function toSkipped(
  record: SendRecord,
  now: number,
  skip: { reason: SkipReason; rule: string; nextEligibleAt?: number },
): SendRecord {
  return next(record, now, {
    state: 'skipped',
    reason: skip.reason,
    rule: skip.rule,
    ...(skip.nextEligibleAt === undefined ? {} : { nextEligibleAt: iso(skip.nextEligibleAt) }),
    leaseUntil: undefined,
    reservations: undefined,
    published: false,
  });
}

/** A provider that refused for good: failed, and skipped as `provider` on the bus. */
export const toFailed = (record: SendRecord, now: number, rule: string): SendRecord =>
  next(record, now, {
    state: 'failed',
    reason: 'provider',
    rule,
    leaseUntil: undefined,
    reservations: undefined,
    published: false,
  });

/** Back to wait for a timer (quiet hours, a rate limit, a retry): no reservation is held meanwhile. */
export const toDeferred = (record: SendRecord, now: number, until: number): SendRecord =>
  next(record, now, { state: 'deferred', deferredUntil: iso(until), leaseUntil: undefined, reservations: undefined });

/** A failed record an operator sends again (a redrive): it waits for its message as if deferred until now. */
export const reopened = (record: SendRecord, now: number): SendRecord =>
  next(record, now, {
    state: 'deferred',
    deferredUntil: iso(now),
    attempts: 0,
    reason: undefined,
    rule: undefined,
    published: undefined,
    leaseUntil: undefined,
  });
