import { z } from 'zod';
import { storableNumberProblem } from '../storable';
import { IanaTimeZone } from '../time-zone';

// One zod schema per canonical event type. Every event carries tenantId, eventId (stable:
// the platform's delivery or event id), customerId, occurredAt (ISO-8601 UTC) and source.

export const Money = z.strictObject({
  amount: z.int().min(0).max(Number.MAX_SAFE_INTEGER).describe('integer minor units, e.g. cents'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
});
export type Money = z.infer<typeof Money>;

const id = z.string().min(1).max(128);
const shortText = z.string().max(256);
/** The WeChat channels: mini-program subscribe messages, official-account template messages, WeCom customer contact. */
export const WECHAT_CHANNELS = ['wechat_miniprogram', 'wechat_oa', 'wecom'] as const;
export const CHANNELS = ['email', 'sms', 'push', 'webhook', ...WECHAT_CHANNELS] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

const LineItem = z.strictObject({
  productId: id,
  variantId: id.optional(),
  quantity: z.int().min(1).max(100_000),
  price: Money.optional(),
});

const TraitValue = z.union([z.string().max(256), z.number(), z.boolean(), z.null()]).check((ctx) => {
  const problem = typeof ctx.value === 'number' ? storableNumberProblem(ctx.value) : undefined;
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});
const TraitName = z.string().min(1).max(64);
const MAX_TRAITS = 50;
type TraitMap = Record<string, z.output<typeof TraitValue>>;

/** The traits' shape as documented (OpenAPI); Traits parses the same, keeping every name. */
export const TraitsShape = z.record(TraitName, TraitValue).refine((t) => Object.keys(t).length <= MAX_TRAITS, {
  message: `at most ${MAX_TRAITS} traits`,
});

/**
 * Trait names to values. Parsed name by name rather than with z.record, which drops a name
 * `__proto__`: a trait name is data, whatever it spells.
 */
export const TraitObject = z.custom<TraitMap>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'expected an object of traits',
);
export const Traits = TraitObject.check((ctx) => {
  const names = Object.keys(ctx.value);
  if (names.length > MAX_TRAITS)
    ctx.issues.push({ code: 'custom', message: `at most ${MAX_TRAITS} traits`, input: ctx.value });
  for (const name of names) {
    const checks = [TraitName.safeParse(name), TraitValue.safeParse(ctx.value[name])];
    for (const issue of checks.flatMap((c) => c.error?.issues ?? []))
      ctx.issues.push({ ...issue, path: [name, ...issue.path], input: ctx.value[name] } as never);
  }
});

const MessageRef = z.strictObject({
  messageId: id,
  channel: Channel,
  journeyId: id.optional(),
  campaignId: id.optional(),
  /** Sent to win back a lapsed customer (a recall campaign or win-back journey): an order soon after is a recall. */
  recall: z.boolean().optional(),
});

/** The state of an order as a store reports it; `updatedAt` orders the reports of one order. */
const OrderState = z.strictObject({
  orderId: id,
  total: Money,
  /** The total in the currency the customer saw, when it differs from the shop's. */
  presentmentTotal: Money.optional(),
  discount: Money.optional(),
  discountCodes: z.array(shortText).max(20).optional(),
  items: z.array(LineItem).max(250).optional(),
  /** When the order was placed (default for order_placed: occurredAt). */
  placedAt: z.iso.datetime({ offset: true }).optional(),
  updatedAt: z.iso.datetime({ offset: true }).optional(),
  /** Opaque fingerprints the store computes (never the card or the address itself): they tell self-referrals. */
  paymentFingerprint: id.optional(),
  shippingAddressHash: id.optional(),
  deviceId: id.optional(),
});

/** Properties of each event type. */
export const propertiesByType = {
  order_placed: OrderState,
  // A later report must say when its order was placed: it may arrive before order_placed.
  order_updated: OrderState.extend({ placedAt: z.iso.datetime({ offset: true }) }),
  order_cancelled: OrderState.extend({ placedAt: z.iso.datetime({ offset: true }) }),
  order_paid: z.strictObject({ orderId: id, total: Money }),
  refund: z.strictObject({ orderId: id, refundId: id.optional(), amount: Money }),
  checkout_started: z.strictObject({ checkoutId: id, value: Money, itemCount: z.int().min(0).optional() }),
  cart_updated: z.strictObject({ cartId: id.optional(), value: Money, itemCount: z.int().min(0) }),
  product_viewed: z.strictObject({ productId: id, price: Money.optional() }),
  session_started: z.strictObject({ sessionId: id.optional() }),
  login: z.strictObject({ method: shortText.optional() }),
  sign_in: z.strictObject({ method: shortText.optional() }),
  share: z.strictObject({ channel: shortText.optional(), url: z.string().max(2048).optional() }),
  /** The inviter shared their code (a store may send one it made: it becomes theirs if no one holds it). */
  invite_sent: z.strictObject({ inviteCode: id, channel: shortText.optional() }),
  /** Someone opened an invite link: `customerId` is who clicked (an anonymous visitor id until they sign up). */
  invite_clicked: z.strictObject({ inviteCode: id, deviceId: id.optional() }),
  /** A new customer signed up with an invite code: the referral is attributed to the code's owner. */
  invite_accepted: z.strictObject({ inviteCode: id, inviterId: id.optional(), deviceId: id.optional() }),
  /** The leader opened a group buy (拼团): `size` members (the leader included) within `windowHours` unlock the offer. */
  group_created: z.strictObject({
    groupId: id,
    size: z.int().min(2).max(100).optional(),
    windowHours: z.int().min(1).max(720).optional(),
    productId: id.optional(),
    /** What the group unlocks, as the store names and prices it (told back in the group's notices). */
    offer: z.strictObject({ offerId: id.optional(), price: Money.optional() }).optional(),
  }),
  /** A customer joined the group `groupId` (the leader need not join: opening it made them a member). */
  group_joined: z.strictObject({ groupId: id }),
  review: z.strictObject({ productId: id.optional(), rating: z.int().min(1).max(5) }),
  points_earned: z.strictObject({ points: z.int().min(1), reason: shortText.optional() }),
  points_redeemed: z.strictObject({ points: z.int().min(1), reason: shortText.optional() }),
  coupon_issued: z.strictObject({ code: shortText, value: Money.optional() }),
  coupon_redeemed: z.strictObject({ code: shortText, orderId: id.optional() }),
  message_delivered: MessageRef,
  message_opened: MessageRef,
  message_clicked: MessageRef.extend({ url: z.string().max(2048).optional() }),
  /** The provider could not deliver it: `permanent` for a hard bounce (the address is gone), else a soft one. */
  message_bounced: MessageRef.extend({ permanent: z.boolean() }),
  /** The recipient reported it as spam (a feedback loop complaint). */
  message_complained: MessageRef,
  identify: z.strictObject({ traits: Traits.default({}), timezone: IanaTimeZone.optional() }),
  consent_changed: z.strictObject({ channel: Channel, granted: z.boolean() }),
  /** Tags added to or removed from the customer (by a journey action, or the store). */
  tags_updated: z
    .strictObject({
      add: z.array(z.string().min(1).max(64)).max(20).default([]),
      remove: z.array(z.string().min(1).max(64)).max(20).default([]),
    })
    .refine((t) => t.add.length + t.remove.length > 0, 'must add or remove at least one tag'),
  /** The customer was known before as `previousId` (an anonymous visitor): that profile merges into this one. */
  alias: z.strictObject({ previousId: id }),
} as const;

export type EventType = keyof typeof propertiesByType;
export const EVENT_TYPES = Object.keys(propertiesByType) as EventType[];

const envelope = {
  tenantId: z.string().min(1).max(63).optional(),
  eventId: id,
  customerId: id,
  occurredAt: z.iso.datetime({ message: 'must be an ISO-8601 UTC time such as 2026-11-21T09:30:00Z' }),
  source: z.string().min(1).max(64).default('api'),
};

function eventSchema<T extends EventType>(type: T) {
  return z.strictObject({ ...envelope, type: z.literal(type), properties: propertiesByType[type] });
}

const schemas = EVENT_TYPES.map(eventSchema) as unknown as [
  ReturnType<typeof eventSchema<EventType>>,
  ...ReturnType<typeof eventSchema<EventType>>[],
];

/** A canonical event as posted: tenantId may be absent (the API key names the tenant). */
export const CanonicalEventInput = z.discriminatedUnion('type', schemas);

type PropertiesOf<T extends EventType> = z.output<(typeof propertiesByType)[T]>;
export type CanonicalEvent = {
  [T in EventType]: {
    type: T;
    tenantId: string;
    eventId: string;
    customerId: string;
    occurredAt: string;
    source: string;
    properties: PropertiesOf<T>;
  };
}[EventType];
export type EventOf<T extends EventType> = Extract<CanonicalEvent, { type: T }>;
