// What the queues carry. Consumers parse every body with these schemas: a body that does not
// parse is reported as failed with the reason (and reaches the dead-letter queue), never cast.
import { z } from 'zod';
import { type CanonicalEvent, CanonicalEventInput } from '../core/events/schemas';
import { Action, QuietTime } from '../core/journeys/schema';
import { ProfileChangeSchema } from '../core/profiles/items';
import type { ProfileChange } from '../core/profiles/profile-changes';
import { GROUPS_SOURCE, INGEST_SOURCE, LOYALTY_SOURCE, PROFILES_SOURCE } from '../routes';

const id = z.string().min(1);

/** A timer of one customer's journey instance, or of a date entry (instanceId ''), on the journey-steps queue. */
export const TimerMessage = z.object({
  tenantId: id,
  customerId: id,
  journeyId: id,
  instanceId: z.string(),
  timerId: id,
});
export type TimerMessage = z.infer<typeof TimerMessage>;

/** One action to carry out once, on the actions queue: `key` is its idempotency key. */
export const ActionMessage = z.object({
  key: id,
  tenantId: id,
  customerId: id,
  /** The journey that decided it; none for a template's test send. */
  journeyId: id.optional(),
  /** The campaign whose run gave it: its budget applies, and a coupon it issues is attributed to it. */
  campaignId: id.optional(),
  version: z.int().min(1),
  instanceId: z.string(),
  activity: id,
  action: Action,
  /** A template's test send goes to this address, one of the tenant's test recipients, not the customer's own. */
  testTo: z.string().min(1).max(2048).optional(),
  quietTime: QuietTime.optional(),
  /** Marketing (the default) needs an opt-in and keeps to caps, quiet hours and the control group. */
  purpose: z.enum(['marketing', 'transactional']).optional(),
  /** After this instant the action is not worth sending (a cart reminder after the cart is old). */
  staleAt: z.iso.datetime().optional(),
});
export type ActionMessage = z.infer<typeof ActionMessage>;

/** A canonical event as the bus carries it: checked at ingest, and again by whoever reads it. */
const IngestedEvent = CanonicalEventInput.pipe(
  z.custom<CanonicalEvent>((e) => typeof (e as { tenantId?: unknown }).tenantId === 'string', {
    message: 'an ingested event names its tenant',
  }),
);

/** The envelope EventBridge hands an SQS target, as far as consumers read it: the source and the event. */
export const IngestedDelivery = z.object({
  source: z.literal(INGEST_SOURCE),
  /** When the event was put on the bus (EventBridge's envelope time, to the second): its receive time. */
  time: z.iso.datetime().optional(),
  detail: IngestedEvent,
});

/** What the loyalty function tells (core/loyalty/items.ts LoyaltyNotice), as journeys read it. */
const LoyaltyEvent = z.object({
  type: z.enum(['points.expiring', 'points.expired', 'tier.changed']),
  tenantId: z.string().min(1),
  customerId: z.string().min(1),
  eventId: z.string().min(1),
  occurredAt: z.iso.datetime(),
  source: z.literal(LOYALTY_SOURCE),
  properties: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
});

/** What the groups function tells (core/groups/group.ts GroupNotice), as journeys read it. */
const GroupEvent = z.object({
  type: z.enum(['group_completed', 'group_expired']),
  tenantId: z.string().min(1),
  customerId: z.string().min(1),
  eventId: z.string().min(1),
  occurredAt: z.iso.datetime(),
  source: z.literal(GROUPS_SOURCE),
  properties: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
});

/** What the journey function reads from the bus: an ingested event, a profile change, a loyalty or a group event. */
export const EventDelivery = z.discriminatedUnion('source', [
  IngestedDelivery,
  z.object({ source: z.literal(PROFILES_SOURCE), detail: ProfileChangeSchema.transform((c) => c as ProfileChange) }),
  z.object({ source: z.literal(LOYALTY_SOURCE), detail: LoyaltyEvent }),
  z.object({ source: z.literal(GROUPS_SOURCE), detail: GroupEvent }),
]);
export type EventDelivery = z.infer<typeof EventDelivery>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses a queue body with its schema: the value, or why it is not one. */
export function parseBody<T>(schema: z.ZodType<T>, body: string): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || '(body)'}: ${issue?.message}` };
}

/** A message as a consumer gets it: the SQS record's id and body. */
export const QueueRecord = z.object({ id: z.string(), body: z.string() });
export type QueueRecord = z.infer<typeof QueueRecord>;

/** What every queue consumer answers: the records to deliver again (SQS partial batch failures). */
export type BatchResult = { failedIds: string[] };
