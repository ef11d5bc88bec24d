/**
 * The HTTP API's request and response bodies as zod schemas: functions/contracts/openapi.ts builds
 * the OpenAPI document from them, and the handlers produce (and tests parse) values of them.
 *
 * Request schemas reuse the domain's own (canonical events, journeys); response schemas say
 * exactly what the handlers answer today, field by field. One name for a schema and its type.
 */

import { z } from 'zod';
import { RUN_STATUSES as CAMPAIGN_RUN_STATUSES } from '../core/campaigns/runs';
import { Campaign } from '../core/campaigns/schema';
import { TenantConfig } from '../core/config/schema';
import { MAX_TOKEN_CHARS } from '../core/dispatch/unsubscribe';
import { MAX_BATCH } from '../core/events/ingest';
import { CanonicalEventInput, Channel, EVENT_TYPES, Money, TraitsShape } from '../core/events/schemas';
import { CouponBudget, CouponExpiry, CouponPoolSettings, CouponValue, PoolId } from '../core/incentives/coupon-pool';
import { Condition } from '../core/journeys/condition-schema';
import { JOURNEY_STATUSES, Journey } from '../core/journeys/schema';
import { KpiName } from '../core/metrics/kpi-alerts';
import { MAX_RANGE_DAYS } from '../core/metrics/kpi-daily';
import { KpiDay } from '../core/metrics/kpi-input';
import { MIN_ARM_MEMBERS, MIN_HOLDOUT_CONVERSIONS } from '../core/metrics/lift';
import { STAGES } from '../core/scoring/stages';
import { TEMPLATE_ERROR_CODES } from '../core/templates/errors';
import { MAX_TEMPLATE_VERSION } from '../core/templates/items';
import {
  ChannelParts,
  Locale,
  TEMPLATE_CHANNELS,
  TemplateContext,
  TemplateId,
  TemplateInput,
  TemplateProfile,
} from '../core/templates/schema';
import { IanaTimeZone } from '../core/time-zone';

/** The largest journey body the journeys admin API accepts, in bytes. */
export const MAX_JOURNEY_BYTES = 256 * 1024;

/** The most events one POST /v1/journeys/backtest replays (the history is held in memory and replayed in process). */
export const MAX_BACKTEST_EVENTS = 500_000;

// ---- shared ---------------------------------------------------------------------------------

/** An ISO-8601 UTC time as the API writes it (`Date.prototype.toISOString`). */
const Time = z.iso.datetime();
const count = z.int().min(0);

/** The JSON error body every 4xx and 5xx carries. `path` is a JSON path into the request, or a header. */
export const ApiError = z.object({
  error: z.string().describe('a stable machine-readable code, e.g. invalid_event, unauthorized, not_found'),
  message: z.string().describe('what is wrong, in words a person can act on'),
  path: z
    .string()
    .nullable()
    .describe('where: a JSON path into the body ($.batch[2].occurredAt), headers.<name> or path.<parameter>'),
});
export type ApiError = z.infer<typeof ApiError>;

/** One rejected item of a batch: the error, and the item's index in the batch. */
export const ItemError = ApiError.extend({ index: z.int().min(0).describe('the index of the item in the batch') });
export type ItemError = z.infer<typeof ItemError>;

/** The identifiers the API takes in paths. */
export const CustomerId = z.string().min(1).max(128).describe("the customer's id, as in the events' customerId");
export const JourneyId = Journey.shape.id.describe("the journey's id");
export const TenantId = TenantConfig.shape.id.describe("the tenant's id, as in growthloop.config.json");

// ---- POST /v1/events ------------------------------------------------------------------------

export const CanonicalEventBatch = z.strictObject({
  batch: z.array(CanonicalEventInput).min(1).max(MAX_BATCH),
});
export type CanonicalEventBatch = z.infer<typeof CanonicalEventBatch>;

/** One canonical event, or `{"batch": [...]}` of up to MAX_BATCH. */
export const IngestRequest = z.union([CanonicalEventInput, CanonicalEventBatch]);
export type IngestRequest = z.infer<typeof IngestRequest>;

/** 202: the valid events are on the bus; the invalid ones of a batch are reported one by one. */
export const IngestAccepted = z.object({
  accepted: z.int().min(1).max(MAX_BATCH),
  rejected: z.int().min(0).max(MAX_BATCH),
  errors: z.array(ItemError).max(MAX_BATCH),
});
export type IngestAccepted = z.infer<typeof IngestAccepted>;

/** 400 when no event of the body is valid: the first error, and every item's error when it was a batch. */
export const IngestError = ApiError.extend({ errors: z.array(ItemError).min(1).max(MAX_BATCH).optional() });
export type IngestError = z.infer<typeof IngestError>;

// ---- GET /v1/customers/{customerId} ---------------------------------------------------------

/** Per currency, in integer minor units: orders not cancelled, their gross, refunds, net and average order value. */
export const CurrencyTotalsView = z.object({
  orders: count,
  gross: count,
  refunded: count,
  net: z.int().describe('gross − refunded'),
  aov: count.describe('gross / orders, rounded; 0 without orders'),
});
export type CurrencyTotalsView = z.infer<typeof CurrencyTotalsView>;

export const CartView = z.object({
  value: Money,
  itemCount: count,
  checkoutId: z.string().optional().describe('set when the cart came from checkout_started'),
});
export type CartView = z.infer<typeof CartView>;

/** The profile as the admin API shows it (functions/core/profiles/view.ts): registers unwrapped, net and AOV derived. */
export const ProfileView = z.object({
  tenantId: z.string(),
  customerId: z.string(),
  firstSeenAt: Time,
  lastSeenAt: Time,
  orders: count,
  firstOrderAt: Time.nullable(),
  lastOrderAt: Time.nullable(),
  revenue: z.record(z.string(), CurrencyTotalsView).describe('by ISO 4217 currency code'),
  sessions: count,
  lastSessionAt: Time.nullable(),
  logins: count,
  lastLoginAt: Time.nullable(),
  lastRecallAt: Time.nullable().describe('the latest recall message delivered'),
  counts: z.partialRecord(z.enum(EVENT_TYPES), count).describe('events folded in, by type'),
  cart: CartView.nullable(),
  consent: z.partialRecord(Channel, z.boolean()),
  timezone: z.string().nullable(),
  traits: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  tags: z.array(z.string()).describe('the tags the customer has now, sorted'),
});
export type ProfileView = z.infer<typeof ProfileView>;

/** The lifecycle stage as stored on the profile (functions/core/scoring/profile-scores.ts LifecycleState). */
export const LifecycleState = z.object({
  stage: z.enum(STAGES),
  since: Time,
  reason: z.string(),
  nextDueAt: Time.optional().describe('when the stage changes with no new event; absent if never'),
  nextStage: z.enum(STAGES).optional().describe('the stage it changes to at nextDueAt; absent with it'),
  segment: z.string().optional().describe('the RFM segment when last rescored with a model'),
});
export type LifecycleState = z.infer<typeof LifecycleState>;

const probability = z.number().min(0).max(1);

/** functions/core/scoring/value.ts ValueResult. */
export const ValueScore = z.object({
  tier: z.enum(['high', 'mid', 'low']),
  highQuality: z.boolean(),
  lifetimeValue: z.number().describe("gross − refunded in the tenant's currency, in major units"),
  averageMonthlySpend: z.number().describe("in major units of the tenant's currency"),
});
export type ValueScore = z.infer<typeof ValueScore>;

/** functions/core/scoring/profile-scores.ts ModelScores. */
export const ModelScores = z.object({
  churnRisk: probability.describe("probability of no purchase within the tenant's churn horizon"),
  pAlive: probability.describe('BG/NBD probability that the customer is still active'),
  pBuy90: probability.describe('BG/NBD probability of at least one purchase in the next 90 days'),
  expectedPurchases: z.number().min(0).describe('BG/NBD expected purchases within the churn horizon'),
  expectedOrderValue: z.number().optional().describe('Gamma-Gamma expected spend per purchase, in major units'),
  clv: z.number().optional().describe('discounted customer lifetime value, in major units'),
});
export type ModelScores = z.infer<typeof ModelScores>;

const rfmScore = z.int().min(1).max(5);

/** functions/core/scoring/profile-scores.ts ProfileScores. */
export const ProfileScores = z.object({
  value: ValueScore,
  rfm: z
    .object({ r: rfmScore, f: rfmScore, m: rfmScore, segment: z.string() })
    .optional()
    .describe('only for customers who ordered, once the tenant has a model'),
  model: ModelScores.optional().describe('only for customers who ordered, once the tenant has a model'),
});
export type ProfileScores = z.infer<typeof ProfileScores>;

/** 200 of GET /v1/customers/{customerId}: the profile, its stored lifecycle stage, and its scores as of now. */
export const CustomerProfile = ProfileView.extend({
  lifecycle: LifecycleState.nullable().describe('null until the profile has been scored'),
  scores: ProfileScores,
  points: z
    .object({
      balance: z.int(),
      available: z.int().min(0),
      pending: z.int().min(0),
      expiringNext: Time.nullable().describe('when the points that expire first do'),
    })
    .describe('the points account as last folded (GET /v1/customers/{customerId}/points folds it as of now)'),
});
export type CustomerProfile = z.infer<typeof CustomerProfile>;

// ---- DELETE /v1/customers/{customerId}, GET /v1/customers/{customerId}/export -----------------

/** 200 of DELETE /v1/customers/{customerId} (functions/handlers/privacy.ts erase). */
export const ErasureResult = z.object({
  erasedItems: count.describe('items deleted: the customer partition and those of the ids merged into it'),
});
export type ErasureResult = z.infer<typeof ErasureResult>;

// ---- GET /v1/quarantine, POST /v1/quarantine/replay ------------------------------------------

/** functions/core/quarantine.ts QuarantineEntry. */
export const QuarantinedMessage = z.object({
  id: z.string().describe('stable for the message: name it to replay it'),
  tenantId: z.string(),
  queue: z.string().describe('the queue it came from and goes back to on replay'),
  reason: z.string().describe('why it could not be processed'),
  body: z.string().describe('the message as delivered'),
  parkedAt: z.string().describe('ISO-8601 UTC'),
});
export const QuarantineList = z.object({
  messages: z.array(QuarantinedMessage).describe('the oldest 100'),
  total: count,
});
export const QuarantineReplayRequest = z.object({
  ids: z.array(z.string()).optional().describe('the messages to replay; all when absent (or the body is empty)'),
});
export const QuarantineReplayResult = z.object({
  replayed: z.array(z.string()).describe('ids sent back to their queues and removed'),
  unknown: z.array(z.string()).describe('ids asked for that are not in quarantine'),
});

/** One action of the customer's, as the dispatcher carried it out (or is carrying it out). */
export const TimelineEntry = z.object({
  key: z.string().describe('the action key, unique per journey instance and activity'),
  state: z
    .enum(['reserved', 'deferred', 'sending', 'sent', 'skipped', 'failed', 'unknown'])
    .describe('unknown: the provider may have it (an unclear outcome), reconciled from provider feedback'),
  channel: z.string().optional(),
  journeyId: z.string().optional(),
  campaignId: z.string().optional().describe("the campaign whose run's offer it is"),
  activity: z.string().optional().describe("the journey's activity, or the campaign's offer rung"),
  reason: z
    .string()
    .optional()
    .describe('why it was not sent: consent, control, cap, budget, stale, rate, template, provider'),
  rule: z.string().optional().describe('the rule that decided it'),
  nextEligibleAt: z.string().optional().describe('ISO-8601 UTC: when the rule would have let it through'),
  deferredUntil: z.string().optional().describe('ISO-8601 UTC: when a deferred action goes out again'),
  sentAt: z.string().optional(),
  provider: z.string().optional(),
  decisions: z
    .array(
      z.object({
        guardrail: z.string(),
        verdict: z.string(),
        rule: z.string().optional(),
        until: z.string().optional(),
      }),
    )
    .describe('every guardrail applied, in order'),
  updatedAt: z.string().describe('ISO-8601 UTC'),
});
/** One of the customer's latest events (functions/core/profiles/recent.ts RecentEvent). */
export const TimelineEvent = z.object({
  type: z
    .string()
    .describe(
      'first_seen, order_placed, session_started (the last), login (the last), consent_changed, cart_updated, tags_updated, identify, lifecycle.stage_changed; journey_entered, journey_converted, journey_ended',
    ),
  at: z.string().describe('ISO-8601: when it happened'),
  from: z.enum(['profile', 'journeys']).describe('profile: what the profile folded; journeys: what a journey did'),
  summary: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .describe(
      'what is not personal: orderId, total (minor units), currency and cancelled; channel and granted; sessions; value, itemCount or emptied; tag and has; traits (how many); stage and reason; journeyId, version, activity, waitingUntil, outcome, reason',
    ),
});

export const CustomerTimeline = z.object({
  customerId: z.string(),
  entries: z
    .array(TimelineEntry)
    .describe(
      'the messages: every action for the customer, sent or skipped with its reason, latest first, at most 200',
    ),
  events: z
    .array(TimelineEvent)
    .describe(
      "the customer's events as the profile and the journeys keep them (the recent orders, the latest consent per channel, the last session...), latest first, at most 100; empty without a profile",
    ),
});

/** One message the local runtime's outbox holds, as it would have gone to its provider. */
export const OutboxMessage = z.looseObject({
  id: z.string(),
  sentAt: z.string().describe('ISO-8601 UTC'),
  channel: Channel,
  tenantId: z.string(),
  customerId: z.string(),
  key: z.string().describe('the action key'),
});
export const OutboxList = z.object({
  items: z.array(OutboxMessage).describe('oldest first'),
  next: z.string().optional().describe('the cursor of the next page (after=...), when there may be more'),
});

/** One stored item of the customer's partition, without its partition key; string sets as sorted arrays. */
export const ExportedItem = z.looseObject({
  sk: z.string().describe('the sort key: PROFILE, JOURNEYS, SEEN#<week>...'),
});
export type ExportedItem = z.infer<typeof ExportedItem>;

/** 200 of GET /v1/customers/{customerId}/export (functions/handlers/privacy.ts CustomerExport). */
export const CustomerExport = z.object({
  tenantId: z.string(),
  customerId: z.string(),
  exportedAt: Time,
  items: z.array(ExportedItem).describe('empty for a customer growthloop holds nothing about'),
});
export type CustomerExport = z.infer<typeof CustomerExport>;

// ---- GET /v1/model --------------------------------------------------------------------------

export const FitDiagnostics = z.object({ logLikelihood: z.number(), converged: z.boolean(), iterations: count });
export type FitDiagnostics = z.infer<typeof FitDiagnostics>;

/** functions/core/scoring/tenant-model.ts ModelDiagnostics. */
export const ModelDiagnostics = z.object({
  fittedAt: Time,
  status: z.enum(['fitted', 'insufficient_data']),
  reason: z.string().optional().describe('why no model was fitted'),
  customers: count.describe('profiles read'),
  buyers: count.describe('customers who placed an order'),
  repeatBuyers: count.describe('buyers who ordered on two days or more'),
  bgnbd: FitDiagnostics.optional(),
  gammaGamma: FitDiagnostics.extend({ customers: count }).optional(),
  churn: z
    .object({
      trainHorizonWeeks: z.number(),
      trainCutoff: z.iso.date(),
      trainCustomers: count,
    })
    .optional(),
});
export type ModelDiagnostics = z.infer<typeof ModelDiagnostics>;

/** functions/core/scoring/tenant-model.ts TenantModel: the parameters every profile is scored with. */
export const TenantModel = z.object({
  tenantId: z.string(),
  fittedAt: Time,
  currency: z.string(),
  churnHorizonDays: z.number(),
  bgnbd: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
  gammaGamma: z
    .object({ p: z.number(), q: z.number(), gamma: z.number() })
    .optional()
    .describe("absent when too few repeat buyers spent in the tenant's currency"),
  churn: z.object({
    weights: z.array(z.number()).describe('intercept first, then one weight per standardized feature'),
    mean: z.array(z.number()),
    sd: z.array(z.number()),
  }),
  rfm: z.object({
    recencyDays: z.array(z.number()),
    frequency: z.array(z.number()),
    monetary: z.array(z.number()),
  }),
});
export type TenantModel = z.infer<typeof TenantModel>;

/** The query of GET /v1/metrics/kpis: an inclusive range of UTC days. */
export const KpiRange = z
  .object({
    from: KpiDay.describe('the first day, YYYY-MM-DD (UTC)'),
    to: KpiDay.describe('the last day, YYYY-MM-DD (UTC)'),
  })
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['to'] })
  .refine((r) => (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 < MAX_RANGE_DAYS, {
    message: `a range covers at most ${MAX_RANGE_DAYS} days`,
    path: ['to'],
  });

/** `live` of GET /v1/metrics/kpis: true reads every buyer's profile now instead of the daily run's snapshot. */
export const KpiLive = z.enum(['true', 'false']).optional();

const KpiRatio = z
  .object({ value: z.number().nullable(), numerator: z.int(), denominator: z.int() })
  .describe('numerator / denominator; value null when the denominator is 0');

/** GET /v1/metrics/loyalty: the referral programme, points liability and tiers over the range. */
export const LoyaltyReport = z.object({
  tenantId: z.string(),
  from: z.string(),
  to: z.string(),
  asOf: z.string(),
  customers: z.int().describe('customers who ordered (the buyer index): the denominator of the per-customer rates'),
  referrals: z.object({
    invitesSent: z.int(),
    invitesPerCustomer: KpiRatio,
    inviteConversion: KpiRatio.describe('friends attributed per invite sent'),
    kFactor: z.number().nullable().describe('invites per customer × invite conversion'),
    participationRate: KpiRatio.describe('customers who sent an invite / customers'),
    friendsAttributed: z.int(),
    newCustomersPerReferrer: KpiRatio,
    repurchase30: z
      .object({ referred: KpiRatio, others: KpiRatio })
      .describe('of first orders in the range (30 days before its end at the latest): a second order within 30 days'),
    rewardCost: z.number().describe('the value of the referral rewards granted, less those clawed back'),
    rewardCostPerAcquired: KpiRatio,
  }),
  points: z.object({
    outstanding: z.int().describe("buyers' spendable and pending points, less debt"),
    liability: Money.describe('the outstanding points at loyalty.points.valuePerPoint'),
  }),
  tiers: z
    .array(z.object({ at: z.string(), counts: z.record(z.string(), z.int()) }))
    .describe('buyers per level at each month end in the range and at its end'),
});

/** 200 of GET /v1/metrics/kpis (functions/app/metrics/report.ts KpiReport). */
export const KpiReport = z.object({
  tenantId: z.string(),
  from: z.string(),
  to: z.string(),
  asOf: Time.describe(
    'the end of `to`, or now or when the snapshot was taken if earlier: cohorts and churn are read as of then',
  ),
  snapshotAt: Time.nullable().describe(
    "when the daily run took the snapshot of the buyers' orders the figures come from; null: read from the profiles now",
  ),
  customers: z.int().describe('buyers read'),
  days: z.array(
    z.object({
      day: z.string(),
      newCustomers: z.int().describe('first order placed on the day'),
      activeCustomers: z.int().describe('DAU: ordered on the day'),
      monthlyActiveCustomers: z.int().describe('MAU: ordered on one of the 30 days ending on the day'),
    }),
  ),
  revenue: z.object({
    currency: z.string().nullable(),
    days: z.array(z.object({ day: z.string(), revenue: z.int(), orders: z.int(), aov: KpiRatio })),
    total: z.object({ revenue: z.int(), orders: z.int(), aov: KpiRatio }),
  }),
  retention: z
    .object({ d1: KpiRatio, d7: KpiRatio, d30: KpiRatio, d60: KpiRatio })
    .describe('share of first-order cohorts whose window has ended with another order within N days'),
  repurchase: z.object({ within30: KpiRatio, within60: KpiRatio, within90: KpiRatio }),
  churn: z.array(z.object({ month: z.string(), churnAfterDays: z.int(), complete: z.boolean(), rate: KpiRatio })),
  values: z
    .partialRecord(KpiName, z.number().nullable())
    .describe(
      "each KPI's value as the daily alert check compares it with its target: the last day's counts and revenue, the rates as of asOf; null without a denominator",
    ),
  targets: z
    .partialRecord(KpiName, z.number())
    .describe("the tenant's KPI targets (churn's is a ceiling); {} when none are set"),
  alerts: z
    .array(
      z.object({
        id: z.string().describe('`<kpi>:<day>`'),
        kpi: z.string(),
        day: z.string().describe('the day the KPI was judged on, YYYY-MM-DD'),
        value: z.number().nullable(),
        target: z.number().nullable(),
        achieved: z.number().nullable().describe('value / target (target / value where less is better)'),
        raisedAt: Time,
      }),
    )
    .describe(
      'the kpi.alert events raised for days of the range (below 80 % of the target; remembered 90 days), by day',
    ),
  cohorts: z
    .array(
      z.object({
        day: z.string().describe('the UTC day of the cohort’s first orders'),
        customers: z.int(),
        retention: z.object({ d1: KpiRatio, d7: KpiRatio, d30: KpiRatio, d60: KpiRatio }),
      }),
    )
    .describe(
      'retention of each first-order cohort of the range, oldest first (a window not over yet is left out of its denominator)',
    ),
  repurchaseByMonth: z
    .array(
      z.object({
        month: z.string().describe('YYYY-MM of the first orders'),
        customers: z.int(),
        repurchase: z.object({ within30: KpiRatio, within60: KpiRatio, within90: KpiRatio }),
      }),
    )
    .describe('repurchase of the first-order cohorts of each month the range touches, oldest first'),
  recall: z
    .array(
      z.object({
        campaignId: z.string(),
        runId: z.string(),
        measuredAt: Time,
        treated: z.int(),
        heldOut: z.int(),
        recallRate: z.number().describe('converted treated members / treated members'),
        holdoutRate: z.number().nullable().describe('the same for the holdout; null without a lift'),
        absoluteLift: z
          .object({ estimate: z.number(), lower: z.number(), upper: z.number() })
          .nullable()
          .describe('treated rate − holdout rate with its 95 % interval'),
      }),
    )
    .describe('every campaign run measured on a day of the range, oldest first: the recall-rate trend'),
});
export type KpiReport = z.infer<typeof KpiReport>;

/**
 * 200 of GET /v1/model (functions/core/scoring/model-items.ts StoredModel): the last successful fit
 * with its diagnostics, and the diagnostics of the latest attempt.
 */
export const StoredModel = z.object({
  model: TenantModel.optional(),
  diagnostics: ModelDiagnostics.optional(),
  latest: ModelDiagnostics,
});
export type StoredModel = z.infer<typeof StoredModel>;

// ---- journeys -------------------------------------------------------------------------------

export const JourneyStatus = z.enum(JOURNEY_STATUSES);
export type JourneyStatus = z.infer<typeof JourneyStatus>;

/**
 * The body of POST /v1/journeys and PUT /v1/journeys/{journeyId}: a journey whose status and
 * version are left to the API (publish, pause, resume and archive set them).
 */
export const JourneyDraft = Journey.extend({
  status: Journey.shape.status.describe('ignored: set by publish, pause, resume and archive'),
  version: Journey.shape.version.describe('ignored: set by publish'),
});
export type JourneyDraft = z.infer<typeof JourneyDraft>;
export type JourneyDraftInput = z.input<typeof JourneyDraft>;

/**
 * A draft as it was posted and stored: valid, with no defaults applied. Its JSON Schema is
 * JourneyDraft's input schema (openapi.ts renders it as a reference to it).
 */
export const PostedJourneyDraft = z.custom<JourneyDraftInput>((value) => JourneyDraft.safeParse(value).success, {
  message: 'must be a valid journey draft',
});
export type PostedJourneyDraft = z.infer<typeof PostedJourneyDraft>;

/** The recursive core of Condition (which a nesting check wraps): named so that its cycle is one component. */
export const ConditionTree = (Condition as unknown as z.ZodPipe<z.ZodType, z.ZodType>).out;

/** One journey as lists and transitions show it (functions/handlers/journeys-admin.ts). */
export const JourneySummary = z.object({
  id: z.string(),
  name: z.string().describe('of the latest published version, else of the draft'),
  status: JourneyStatus,
  version: count.describe('the latest published version; 0: never published'),
  updatedAt: Time.describe('the later of the last draft edit and the last status change'),
});
export type JourneySummary = z.infer<typeof JourneySummary>;

/** 200 of GET /v1/journeys. */
export const JourneyList = z.object({
  journeys: z.array(
    JourneySummary.extend({
      stats: z
        .object({
          entered: count.describe('instances that entered (every version)'),
          active: count.describe('customers waiting at one of its activities now'),
          completed: count,
          exited: count,
          converted: count.describe('instances not held out that reached a goal'),
          heldOut: count,
          failed: count,
          sent: count.describe('actions delivered to their provider'),
        })
        .describe('its counters (GET /v1/journeys/{journeyId} has them all); zeros before anyone entered'),
    }),
  ),
});
export type JourneyList = z.infer<typeof JourneyList>;

/** A journey's counters (functions/core/journeys/items.ts statsOf). */
export const JourneyStats = z.object({
  entered: z.int(),
  completed: z.int(),
  exited: z.int(),
  heldOut: z.int().describe('instances a holdout kept from the journey'),
  treated: z.int().describe('instances that passed a holdout into the journey (the arm compared with heldOut)'),
  holdoutConverted: z.int().describe('held-out instances that reached a goal within its attribution window'),
  treatedConverted: z
    .int()
    .describe('treated instances that reached a goal (counted in converted too; compared with holdoutConverted)'),
  failed: z.int().describe('instances parked because they could not run on (each keeps its reason)'),
  converted: z.int().describe('instances not held out (treated or never at a holdout) that reached a goal'),
  queued: z.int().describe('actions the journey put on the actions queue'),
  sent: z.int().describe('actions the dispatcher delivered to their provider'),
  skipped: z.int().describe('actions the dispatcher did not send (consent, control group, caps, budgets, stale, ...)'),
  skippedBy: z.record(z.string(), z.int()).describe('skipped actions by reason'),
  capped: z.int().describe('actions not queued because the journey reached its daily cap'),
  couponsRedeemed: z.int().describe("orders that used a code one of the journey's actions gave"),
  couponsVoided: z.int().describe('of those, redemptions a refund or cancellation voided'),
  waiting: z.record(z.string(), z.int()).describe('customers waiting at each activity now, by activity id'),
  reached: z
    .record(z.string(), z.int())
    .describe(
      'how often each action was queued, each wait begun and each split or holdout passed (once per instance, for its first 20), by activity id; branches, exits and waits that end at once are not counted',
    ),
  arms: z
    .record(z.string(), z.record(z.string(), z.object({ n: z.int(), conversions: z.int() })))
    .describe(
      'by split or holdout activity id, then arm (a path name; treated or holdout): instances that took it and those of them that reached a goal',
    ),
});
export type JourneyStats = z.infer<typeof JourneyStats>;

export const PublishedVersion = z.object({ version: z.int().min(1), publishedAt: Time });
export type PublishedVersion = z.infer<typeof PublishedVersion>;

/** An estimate with its confidence interval (functions/core/metrics/proportions.ts Estimate). */
export const LiftEstimate = z.object({ estimate: z.number(), lower: z.number(), upper: z.number() });
export type LiftEstimate = z.infer<typeof LiftEstimate>;

/** One arm of a lift measurement (functions/core/metrics/lift.ts ArmRate). */
export const LiftArm = z.object({
  n: count.describe('members of the arm'),
  conversions: count,
  rate: z.number().describe('conversions / n'),
});
export type LiftArm = z.infer<typeof LiftArm>;

/** What a holdout measured (functions/core/metrics/lift.ts LiftReport). */
export const LiftReport = z.object({
  status: z
    .enum(['ok', 'insufficient_data'])
    .describe('insufficient_data: no winner may be called; the figures are shown for what they are'),
  reasons: z
    .array(z.enum(['treated_below_min_members', 'holdout_below_min_members', 'holdout_below_min_conversions']))
    .describe(
      `why the data are insufficient (fewer than ${MIN_ARM_MEMBERS} members in an arm, or ${MIN_HOLDOUT_CONVERSIONS} holdout conversions); empty when ok`,
    ),
  confidence: z.number().describe('of both intervals, e.g. 0.95'),
  treated: LiftArm,
  holdout: LiftArm,
  absoluteLift: LiftEstimate.describe('treated rate − holdout rate (0.01 = one percentage point), Newcombe interval'),
  relativeLift: z
    .object({
      estimate: z
        .number()
        .nullable()
        .describe('treated rate / holdout rate − 1; null when the holdout has no conversions'),
      lower: z.number(),
      upper: z.number(),
      nullReason: z.enum(['holdout_has_no_conversions']).nullable(),
    })
    .describe('Katz-adjusted interval, finite even when the holdout has no conversions'),
  incrementalConversions: LiftEstimate.describe('(treated rate − holdout rate) × treated members, not rounded'),
  revenue: z
    .object({
      currency: z.string(),
      treatedPerMember: z.number().describe('minor units, not rounded'),
      holdoutPerMember: z.number().describe('minor units, not rounded'),
      incremental: z
        .object({ amount: z.int().describe('integer minor units; may be negative'), currency: z.string() })
        .describe('(treated − holdout revenue per member) × treated members'),
    })
    .nullable()
    .describe('null when no revenue was measured'),
  incentiveCost: Money.nullable(),
  roi: z.number().nullable().describe('(incremental revenue − cost) / cost; null without revenue or a positive cost'),
  roiNullReason: z.enum(['no_revenue', 'no_incentive_cost']).nullable(),
  srm: z
    .object({
      chi2: z.number().describe("Pearson's χ², 1 degree of freedom"),
      p: z.number(),
      mismatch: z.boolean().describe('p < 0.001: the arm sizes do not fit the split; no lift on them can be trusted'),
    })
    .describe("sample-ratio check of the arm sizes against the holdout's percent"),
  minimumDetectableEffect: z
    .number()
    .nullable()
    .describe(
      "the smallest absolute lift these arm sizes detect at 80 % power, from the holdout's rate; null when that rate is 0 or 1",
    ),
});
export type LiftReport = z.infer<typeof LiftReport>;

/** 200 of GET /v1/journeys/{journeyId}. */
export const JourneyDetail = JourneySummary.extend({
  draft: PostedJourneyDraft.nullable().describe('the working copy as posted; null if it is missing'),
  published: z.array(PublishedVersion).describe('every published version, oldest first'),
  journey: z
    .union([PostedJourneyDraft, Journey])
    .nullable()
    .describe('the latest published version with the current status; the draft as posted when none was ever published'),
  stats: JourneyStats,
  lift: LiftReport.nullable().describe(
    "the treated arm (stats.treated, stats.treatedConverted) against the held-out one (stats.heldOut, stats.holdoutConverted), the shown journey's one holdout percent as the expected split; null: see liftNote",
  ),
  liftNote: z
    .string()
    .nullable()
    .describe(
      'why there is no lift: no holdout activity, more than one holdout activity, no customer has reached the holdout yet, ...; null when there is one',
    ),
  arms: z
    .array(
      z.object({
        activity: z.string().describe('the split or holdout activity'),
        type: z.enum(['holdout', 'split']),
        arms: z
          .array(
            z.object({
              name: z.string().describe("a split path's name; treated or holdout"),
              percent: z.number().describe('the share of customers the activity sends this way'),
              n: count.describe('instances that took it'),
              conversions: count.describe('of those, instances that reached a goal within its attribution window'),
            }),
          )
          .describe("in the journey's order: a split's paths; a holdout's treated arm, then its held-out arm"),
        lifts: z
          .array(
            z.object({
              arm: z.string(),
              against: z.string().describe("the reference arm: the holdout's held-out arm, or the split's first path"),
              lift: LiftReport.nullable().describe('null: see liftNote'),
              liftNote: z.string().nullable(),
            }),
          )
          .describe('each arm but the reference one, measured against it with 95 % intervals'),
      }),
    )
    .describe(
      "every split and holdout activity of the shown journey with each arm's counts and lift (counted for instances that entered since per-arm counting began)",
    ),
});
export type JourneyDetail = z.infer<typeof JourneyDetail>;

/** A campaign as saved and answered (functions/core/campaigns/schema.ts; defaults filled in). */
export const CampaignView = z.custom<Campaign>((value) => Campaign.safeParse(value).success, {
  message: 'a campaign (growthloop campaigns schema)',
});

/** What a campaign's pages offered (or one page's). */
export const CampaignOffered = z.object({
  treated: count,
  heldOut: count,
  offers: count.describe('actions put on the actions queue'),
  byRung: z.record(z.string(), count).describe('treated members by the rung of the offer ladder they got'),
});

/** The report of a run: what it offered and its lift against the holdout (campaign.report on the bus). */
export const CampaignReport = z.object({
  tenantId: z.string(),
  campaignId: z.string(),
  runId: z.string(),
  startedAt: Time,
  offeredAt: Time,
  measureAt: Time.describe('when the attribution window ended'),
  measuredAt: Time,
  early: z.boolean().describe('measured before the attribution window ended (campaigns run --now)'),
  successEvent: z.string(),
  audience: count,
  offered: CampaignOffered,
  offersToHoldout: count.describe("holdout members with a send record of this run's offers: 0, or the holdout broke"),
  recallRate: z
    .number()
    .describe('converted members of the treated arm / members of the treated arm (0 when it has none)'),
  lift: LiftReport.nullable().describe(
    'the treated arm against the holdout; null when an arm has no member: see liftNote',
  ),
  liftNote: z
    .string()
    .nullable()
    .describe(
      'why there is no lift: the audience was empty, every member was held out, no member was held out; null when there is one',
    ),
});

/** One run of a campaign as its record has it. */
export const CampaignRunView = z.object({
  campaignId: z.string(),
  runId: z.string(),
  status: z
    .enum(CAMPAIGN_RUN_STATUSES)
    .describe('selected (audience chosen), offered (waiting for the attribution window), reported, failed'),
  startedAt: Time.optional(),
  selectedAt: Time.optional(),
  candidates: count.describe('profiles read to choose the audience'),
  audience: count,
  pages: count,
  offeredAt: Time.optional(),
  measureAt: Time.optional(),
  offered: CampaignOffered.optional(),
  report: CampaignReport.optional(),
  error: z.string().optional().describe('the error the state machine caught'),
});

/** 200 of PUT /v1/campaigns/{campaignId}: the campaign as saved, defaults filled in. */
export const CampaignSaved = z.object({ campaign: CampaignView, updatedAt: Time });

/** 200 of GET /v1/campaigns. */
export const CampaignList = z.object({
  campaigns: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      schedule: z.object({ cron: z.string(), timezone: z.string().optional() }).nullable(),
      updatedAt: Time,
    }),
  ),
});

/** 200 of GET /v1/campaigns/{campaignId}. */
export const CampaignDetail = CampaignSaved.extend({
  runs: z.array(CampaignRunView).describe('its runs, latest first'),
});

/** The body of POST /v1/campaigns/{campaignId}/runs. */
export const CampaignRunRequest = z.strictObject({
  runId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'is 1-64 letters, digits, "_", ".", ":" or "-"')
    .optional()
    .describe('the run to start or carry on; default: manual- and the time'),
  now: z
    .boolean()
    .optional()
    .describe('measure at once instead of after the attribution window (the local runtime only)'),
});

/** 202 of POST /v1/campaigns/{campaignId}/runs. */
export const CampaignRunStarted = z.object({ campaignId: z.string(), runId: z.string() });

/** The body of POST /v1/campaigns/{campaignId}/estimate (optional: an empty body is `{}`). */
export const CampaignEstimateRequest = z.strictObject({
  baseRate: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .describe(
      "the members' expected conversion rate without an offer, e.g. 0.04; default: the holdout rate of the latest measured run",
    ),
});

/** 200 of POST /v1/campaigns/{campaignId}/estimate: the audience a run would take now, and what its holdout detects. */
export const CampaignEstimate = z.object({
  campaignId: z.string(),
  asOf: Time.describe('when the audience was counted'),
  candidates: count.describe('profiles read to choose the audience'),
  audience: count.describe('members a run started now would take (after maxAudience)'),
  treated: count,
  heldOut: count,
  holdoutPercent: z.number(),
  byRung: z.record(z.string(), count).describe('treated members by the rung of the offer ladder they would get'),
  baseRate: z.number().nullable().describe('the base rate the power is computed at; null when none is known'),
  baseRateFrom: z
    .enum(['request', 'last_run'])
    .nullable()
    .describe("request: the body's baseRate; last_run: the holdout rate of the latest measured run"),
  baseRateRunId: z.string().optional().describe('the run whose holdout rate is the base rate (baseRateFrom last_run)'),
  alpha: z.number().describe('two-sided significance level, 0.05'),
  power: z.number().describe('0.8'),
  minimumDetectableEffect: z
    .object({
      absolute: z.number().describe('the smallest absolute lift detected (0.01 = one percentage point)'),
      relative: z.number().describe('the same relative to the base rate'),
    })
    .nullable()
    .describe('null: see note'),
  note: z
    .string()
    .nullable()
    .describe(
      'why there is no minimum detectable effect (no base rate, an empty arm, too few members); null when there is one',
    ),
});

/** A campaign refused: every problem at its JSON path. */
export const CampaignError = ApiError.extend({
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
});

/** One problem of a journey, at its JSON path. */
export const JourneyProblem = z.object({ path: z.string(), message: z.string() });
export type JourneyProblem = z.infer<typeof JourneyProblem>;

/** 400 invalid_journey: the first problem as the error, and every problem, sorted by path. */
export const JourneyError = ApiError.extend({ problems: z.array(JourneyProblem).min(1) });
export type JourneyError = z.infer<typeof JourneyError>;

/** 200 of POST /v1/journeys/validate: every problem POST /v1/journeys would refuse the body for, sorted by path. */
export const JourneyValidation = z.object({
  valid: z.boolean().describe('no problem: POST /v1/journeys would take the body'),
  problems: z.array(JourneyProblem).describe('empty when valid; at most 100 (the last one then tells how many more)'),
});
export type JourneyValidation = z.infer<typeof JourneyValidation>;

/** The body of POST /v1/journeys/backtest. */
export const JourneyBacktestRequest = z.strictObject({
  /** A journey definition as POST /v1/journeys takes it (its status is ignored: it is backtested as live). */
  journey: PostedJourneyDraft,
  from: KpiDay.optional().describe('the first day of the history replayed, YYYY-MM-DD (UTC); default: its first event'),
  to: KpiDay.optional().describe('the last day replayed, inclusive; default: a day after the last event'),
});
export type JourneyBacktestRequest = z.infer<typeof JourneyBacktestRequest>;

const Counts = z.record(z.string(), count);

/** What one journey would have done over the history (functions/app/backtest/run.ts JourneyTotals). */
export const BacktestJourneyTotals = z.object({
  entered: count,
  refused: Counts.describe('entries refused, by reason (already_in, reentry_cap, outside_schedule, ...)'),
  completed: count,
  exited: count,
  heldOut: count,
  treated: count.describe('instances that passed a holdout into the journey'),
  converted: count.describe('goals reached by instances not held out'),
  holdoutConverted: count,
  treatedConverted: count,
  capped: count.describe('actions not sent because the journey had reached its daily cap'),
  actions: Counts.describe('actions by kind'),
  coupons: Counts.describe('coupons by pool'),
});

/** 200 of POST /v1/journeys/backtest: the report `growthloop journeys backtest --json` prints (without --sends). */
export const BacktestReport = z.object({
  from: Time,
  to: Time,
  events: count.describe('distinct events replayed'),
  customers: count,
  journeys: z.record(z.string(), BacktestJourneyTotals).describe('by journey id'),
  actions: Counts.describe('every action the journeys would have sent, by kind'),
  coupons: z.object({
    issued: count,
    byPool: Counts,
    cost: z.int().nullable().describe('minor units; null: no coupon values were given'),
  }),
  sends: z
    .array(
      z.object({
        at: Time,
        journeyId: z.string(),
        customerId: z.string(),
        activity: z.string(),
        kind: z.string(),
        key: z.string(),
      }),
    )
    .describe('empty: the sends one by one are for the CLI (--sends)'),
});

// ---- templates --------------------------------------------------------------------------------

/** The largest template body the templates admin API accepts, in bytes (the parts hold at most 256 KiB). */
export const MAX_TEMPLATE_BODY_BYTES = 512 * 1024;

export const TemplateIdParam = TemplateId.describe("the template's id");
export const TemplateVersionNumber = z.int().min(1).max(MAX_TEMPLATE_VERSION);

/** Any JSON value, as event properties and offers are (the templates' own schema, a component so it is named once). */
export const JsonValue = TemplateContext.shape.offer.unwrap().valueType;

/** The variables a template is checked against when it is created, replacing the sample's (whole variables). */
export const TemplateSample = TemplateContext.describe(
  'variables that replace the sample ones when the parts are rendered to check them (e.g. a profile with the traits the template reads)',
);

/** A template with the variables to check it against. */
export const TemplateWithSample = z.strictObject({ template: TemplateInput, sample: TemplateSample.optional() });

/** POST /v1/templates: the template, or `{template, sample}`. */
export const TemplateCreateRequest = z.union([TemplateInput, TemplateWithSample]);

/** A stored version of a template, never changed. */
export const TemplateVersion = z.object({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  version: TemplateVersionNumber,
  channels: ChannelParts,
  locales: z.record(z.string(), ChannelParts).optional(),
  createdAt: Time,
});
export type TemplateVersion = z.infer<typeof TemplateVersion>;

/** What the catalog shows of a template, without its text. */
export const TemplateSummary = z.object({
  templateId: z.string(),
  latest: TemplateVersionNumber.describe('the latest version'),
  name: z.string().optional(),
  channels: z.array(z.enum(TEMPLATE_CHANNELS)),
  locales: z.array(z.string()),
  createdAt: Time,
  updatedAt: Time,
});
export type TemplateSummary = z.infer<typeof TemplateSummary>;

export const TemplateList = z.object({ templates: z.array(TemplateSummary).describe('by id') });
export type TemplateList = z.infer<typeof TemplateList>;

const TemplateErrorCode = z.enum(TEMPLATE_ERROR_CODES);

/** Why a part did not render (or would not, for a customer): the TemplateError as JSON. */
export const TemplateRenderError = z.object({
  code: TemplateErrorCode,
  message: z.string(),
  part: z.string().optional().describe('the part that failed: email.subject, push.body, webhook.json'),
  variable: z.string().optional().describe('the missing variable, for code variable'),
});

/** One problem of a posted template, at its JSON path. */
export const TemplateProblem = z.object({
  path: z.string(),
  message: z.string(),
  code: TemplateErrorCode.optional().describe('for Liquid that does not parse or render against the sample'),
  variable: z.string().optional(),
});

/** 400 invalid_template: the first problem as the error, and every problem. */
export const TemplateError = ApiError.extend({ problems: z.array(TemplateProblem).min(1) });
export type TemplateError = z.infer<typeof TemplateError>;

/** POST /v1/templates/{templateId}/preview. */
export const TemplatePreviewRequest = z
  .strictObject({
    customerId: CustomerId.optional().describe("render for this customer's stored profile"),
    profile: TemplateProfile.optional().describe(
      'render for this profile (as templates see it); the sample profile when neither it nor customerId is given',
    ),
    version: TemplateVersionNumber.optional().describe('the latest when absent'),
    channels: z
      .array(z.enum(TEMPLATE_CHANNELS))
      .min(1)
      .max(TEMPLATE_CHANNELS.length)
      .optional()
      .describe('every channel of the template when absent'),
    locale: Locale.optional().describe("the translation to use; the profile's locale when absent"),
    variables: TemplateSample.optional().describe(
      'event, offer, coupon and unsubscribe_url as a send would give them (none when absent); profile and tenant come from the request and the tenant',
    ),
  })
  .superRefine((r, ctx) => {
    if (r.customerId !== undefined && r.profile !== undefined)
      ctx.addIssue({ code: 'custom', message: 'give customerId or profile, not both', path: ['profile'] });
    for (const name of ['profile', 'tenant'] as const)
      if (r.variables?.[name] !== undefined)
        ctx.addIssue({
          code: 'custom',
          message:
            name === 'profile' ? 'the profile is given as profile or customerId' : "tenant is the admin key's tenant",
          path: ['variables', name],
        });
  });
export type TemplatePreviewRequest = z.infer<typeof TemplatePreviewRequest>;

const RenderedParts = z.union([
  z.object({ channel: z.literal('email'), subject: z.string(), text: z.string(), html: z.string().optional() }),
  z.object({ channel: z.literal('sms'), body: z.string() }),
  z.object({ channel: z.literal('push'), title: z.string().optional(), body: z.string() }),
  z.object({ channel: z.literal('webhook'), json: z.unknown() }),
  z.object({
    channel: z.literal('wechat_miniprogram'),
    templateId: z.string(),
    page: z.string().optional(),
    data: z.record(z.string(), z.string()),
  }),
  z.object({
    channel: z.literal('wechat_oa'),
    templateId: z.string(),
    url: z.string().optional(),
    pagepath: z.string().optional(),
    data: z.record(z.string(), z.string()),
  }),
  z.object({ channel: z.literal('wecom'), text: z.string() }),
]);

/** 200 of the preview: each channel rendered, or the error that would skip its send. */
/** POST /v1/templates/{templateId}/test. */
export const TemplateTestSendRequest = z.strictObject({
  customerId: CustomerId.describe("render for this customer's stored profile"),
  channel: z.enum(['email', 'sms', 'push']).describe('the channel whose parts are sent'),
  to: z
    .string()
    .min(1)
    .max(2048)
    .describe("where it goes: one of the tenant's dispatch.testRecipients (never the customer's own address)"),
});
export type TemplateTestSendRequest = z.infer<typeof TemplateTestSendRequest>;

export const TemplateTestSend = z.object({
  key: z.string().describe("the test send's action key"),
  timeline: z.string().describe('where its outcome shows: the customer timeline'),
});

export const TemplatePreview = z.object({
  template: z.object({ id: z.string(), version: TemplateVersionNumber }),
  customerId: z.string().describe('whose profile was rendered (sample-customer for the sample)'),
  channels: z.array(
    z.union([
      z.object({ channel: z.enum(TEMPLATE_CHANNELS), rendered: RenderedParts }),
      z.object({ channel: z.enum(TEMPLATE_CHANNELS), error: TemplateRenderError }),
    ]),
  ),
});
export type TemplatePreview = z.infer<typeof TemplatePreview>;

// ---- coupon pools -----------------------------------------------------------------------------

export const PoolIdParam = PoolId.describe("the coupon pool's id");

/** A pool's settings as posted (functions/core/incentives/coupon-pool.ts CouponPoolSettings). */
export const CouponPoolRequest = CouponPoolSettings;

/** A pool's settings as stored, defaults filled in. */
export const CouponPoolSettingsView = z.object({
  id: z.string(),
  kind: z.enum(['uploaded', 'generated']),
  name: z.string().optional(),
  value: CouponValue,
  minimumSpend: Money.optional(),
  expiry: CouponExpiry.optional(),
  budget: CouponBudget.optional(),
  singleUse: z.boolean(),
  pattern: z
    .object({ prefix: z.string(), length: z.int(), alphabet: z.string() })
    .optional()
    .describe('generated pools: how codes are drawn'),
  count: z.int().optional().describe('generated pools: the codes the first generate draws'),
});

/** A pool's counters (functions/app/coupons/pools.ts PoolStats). */
export const CouponPoolStats = z.object({
  poolId: z.string(),
  size: count.describe('codes ready to give'),
  issued: count.describe('codes given'),
  wasted: count.describe('indexes taken by a duplicate delivery of an action: never handed out'),
  available: count,
  redeemed: count,
  voided: count,
  exhaustedAttempts: count.describe('issues refused because every code was given'),
  budgetRefusals: count.describe('issues refused by the count or money budget'),
  spent: count.describe('value handed out against the money budget, in minor units of its currency'),
});

/** A pool: its settings and stats, and the batch of codes being added when one was cut short. */
export const CouponPool = z.object({
  pool: CouponPoolSettingsView,
  createdAt: Time,
  pending: z
    .object({ batch: z.string(), from: count, count, startedAt: Time })
    .optional()
    .describe('a batch of codes being added (cut short: send it again to finish it)'),
  stats: CouponPoolStats,
});
export type CouponPool = z.infer<typeof CouponPool>;

/** 201 (created) or 200 (the same settings posted again) of POST /v1/coupon-pools. */
export const CouponPoolCreated = CouponPool.extend({ created: z.boolean() });

export const CouponPoolList = z.object({ pools: z.array(CouponPool).describe('by id') });

export const CouponPoolProblem = z.object({ path: z.string(), message: z.string() });

/** 400 invalid_pool: the first problem as the error, and every problem. */
export const CouponPoolError = ApiError.extend({ problems: z.array(CouponPoolProblem).min(1) });

/** POST /v1/coupon-pools/{poolId}/codes as JSON; as text/csv the body is the CSV file. */
export const UploadCodesRequest = z.strictObject({
  codes: z.array(z.string().max(256)).max(100_000).describe('one code an entry; entry i is line i + 1'),
});

/** A CSV file: one code a row, in the column headed code (or coupon, coupon_code, discount_code) or the first. */
export const CodesCsv = z.string().max(8_000_000);

/** One refused line of an upload. */
export const CodeProblem = z.object({
  line: z
    .int()
    .min(0)
    .describe('1-based, as an editor shows it (entry i of a JSON list is line i + 1); 0: the whole file'),
  code: z.string(),
  problem: z.enum(['invalid', 'duplicate', 'exists']),
  message: z.string(),
  firstLine: z.int().optional().describe('duplicate: the line it repeats'),
  poolId: z.string().optional().describe('exists: the pool that holds the code'),
});

/** 400 invalid_codes: nothing was added; every refused line. */
export const CodesError = ApiError.extend({ problems: z.array(CodeProblem).min(1) });

/** POST /v1/coupon-pools/{poolId}/generate (an empty body: the pool's count, when it has no codes yet). */
export const GenerateCodesRequest = z.strictObject({ count: z.int().min(1).max(1_000_000).optional() });

/** 200 of an upload or a generate. */
export const CodesAdded = z.object({
  added: count.describe('codes added (0 when the same batch had been added already)'),
  size: count.describe("the pool's codes now"),
});

// ---- store webhooks -------------------------------------------------------------------------

/** A Shopify Admin REST webhook payload: its shape is the one its X-Shopify-Topic promises. */
export const ShopifyWebhookPayload = z.record(z.string(), z.unknown());
export type ShopifyWebhookPayload = z.infer<typeof ShopifyWebhookPayload>;

/** A WooCommerce REST API v3 webhook payload (an order or a customer, as X-WC-Webhook-Topic says). */
export const WooCommerceWebhookPayload = z.record(z.string(), z.unknown());
export type WooCommerceWebhookPayload = z.infer<typeof WooCommerceWebhookPayload>;

/** The form body of the ping WooCommerce sends when a webhook is created or activated. */
export const WooCommercePing = z.object({ webhook_id: z.string().regex(/^\d+$/) });
export type WooCommercePing = z.infer<typeof WooCommercePing>;

/** 200: the delivery became canonical events, now on the bus. */
export const WebhookAccepted = z.object({
  accepted: z.int().min(1),
  released: z.int().min(1).optional().describe('refunds of this order that were parked, now on the bus too'),
});
export type WebhookAccepted = z.infer<typeof WebhookAccepted>;

/** 200: the delivery is valid but not used (an unmapped topic, an order without a customer...), counted as a metric. */
export const WebhookIgnored = z.object({ accepted: z.literal(0), ignored: z.string().describe('why') });
export type WebhookIgnored = z.infer<typeof WebhookIgnored>;

/** 200 of Shopify's mandatory privacy topics (functions/handlers/webhooks.ts): shop/redact's erasure runs in the background. */
export const ShopifyPrivacyResult = z.union([
  z.object({ privacy: z.literal('customer_redact'), erasedItems: count }),
  z.object({
    privacy: z.literal('shop_redact'),
    erasure: z
      .enum(['pending', 'done'])
      .describe('recorded: the tenant is erased in the background, audited when done'),
    requestedAt: z.iso.datetime().describe('when the erasure under way was requested'),
  }),
  z.object({ privacy: z.literal('customer_data_request'), exportedItems: count }),
  z.object({
    privacy: z.enum(['customer_data_request', 'customer_redact']),
    ignored: z.string().describe('the request names no Shopify customer id'),
  }),
]);
export type ShopifyPrivacyResult = z.infer<typeof ShopifyPrivacyResult>;

/** 200 of POST /v1/webhooks/shopify/{tenantId}. */
/** 200 of a Shopify refund whose order is not known yet: kept until the order's webhook arrives. */
export const WebhookParked = z.object({ accepted: z.literal(0), parked: z.literal(1) });
export type WebhookParked = z.infer<typeof WebhookParked>;

export const ShopifyWebhookResult = z.union([WebhookAccepted, WebhookParked, WebhookIgnored, ShopifyPrivacyResult]);
export type ShopifyWebhookResult = z.infer<typeof ShopifyWebhookResult>;

/** 200 of POST /v1/webhooks/woocommerce/{tenantId}. */
export const WooCommerceWebhookResult = z.union([
  WebhookAccepted,
  WebhookIgnored,
  z.object({ ping: z.literal(true) }).describe('the creation ping, answered without a signature check'),
]);
export type WooCommerceWebhookResult = z.infer<typeof WooCommerceWebhookResult>;

// ---- Segment-spec tracking API --------------------------------------------------------------

/** An id as Segment sends it: a string, or an integer (kept exactly). */
const segmentId = (max: number) => z.union([z.string().min(1).max(max), z.int()]);
/** ISO-8601 with a zone, as functions/platforms/segment.ts reads it. */
const segmentTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/)
  .describe('ISO-8601 with a zone; the time the request arrived when absent');

const segmentCall = {
  messageId: segmentId(120).describe('the idempotency key of the call'),
  userId: segmentId(128).nullish().describe('the customer; a userId or an anonymousId is required'),
  anonymousId: segmentId(123)
    .nullish()
    .describe('the customer as anon:<anonymousId> when there is no userId; merged into userId by an identify'),
  timestamp: segmentTime.nullish(),
  context: z
    .looseObject({
      timezone: IanaTimeZone.optional().describe('an IANA time zone; identify keeps it (anything else is dropped)'),
    })
    .optional(),
};

/**
 * A track call. Mapped events (compared case-insensitively): Order Completed, Order Cancelled,
 * Order Refunded, Checkout Started, Cart Viewed, Product Viewed, Product Added, Coupon Applied,
 * Signed In, Product Reviewed; any other answers unsupported_event. Amounts are decimal numbers
 * in major units of properties.currency (USD when absent).
 */
export const SegmentTrack = z.looseObject({
  ...segmentCall,
  event: z.string().min(1),
  properties: z.record(z.string(), z.unknown()).nullish(),
});
export type SegmentTrack = z.infer<typeof SegmentTrack>;

/** An identify call: scalar traits are kept (at most 50, names of 1-64 characters, strings up to 256). */
export const SegmentIdentify = z.looseObject({
  ...segmentCall,
  traits: z.record(z.string(), z.unknown()).nullish(),
});
export type SegmentIdentify = z.infer<typeof SegmentIdentify>;

/** A /v1/batch body: track and identify calls (page, screen, group and alias calls are reported per item). */
export const SegmentBatch = z.looseObject({
  batch: z
    .array(
      z.discriminatedUnion('type', [
        SegmentTrack.extend({ type: z.literal('track') }),
        SegmentIdentify.extend({ type: z.literal('identify') }),
      ]),
    )
    .min(1)
    .max(MAX_BATCH),
  context: z.record(z.string(), z.unknown()).optional().describe('shared by every call; a call’s own context wins'),
});
export type SegmentBatch = z.infer<typeof SegmentBatch>;

/** 200 of /v1/track and /v1/identify (an identify naming a userId and an anonymousId adds an alias event). */
export const SegmentCallAccepted = z.object({ success: z.literal(true), accepted: z.int().min(1).max(2) });
export type SegmentCallAccepted = z.infer<typeof SegmentCallAccepted>;

/** 200 of /v1/batch, also when every call was rejected. */
export const SegmentBatchAccepted = z.object({
  success: z.literal(true),
  accepted: count.describe('canonical events put on the bus (an identify may add an alias event)'),
  rejected: count,
  errors: z.array(ItemError),
});
export type SegmentBatchAccepted = z.infer<typeof SegmentBatchAccepted>;

// ---- GET / POST /u/{token} -------------------------------------------------------------------

/** The path parameter of /u/{token}: a signed one-click unsubscribe token (functions/core/dispatch/unsubscribe.ts). */
export const UnsubscribeToken = z
  .string()
  .min(1)
  .max(MAX_TOKEN_CHARS)
  .describe('base64url(payload) "." base64url(HMAC-SHA256, 128 bits), as the unsubscribe link carries it');

/** The body of POST /u/{token}: RFC 8058's one-click body, as mailbox providers and the confirmation page send it. */
export const UnsubscribeOneClick = z
  .object({ 'List-Unsubscribe': z.literal('One-Click').optional() })
  .describe('`List-Unsubscribe=One-Click` (RFC 8058); an empty body is accepted as well');

/** The answers of /u/{token}: a small HTML page in English or Simplified Chinese (by Accept-Language). */
export const UnsubscribePageHtml = z
  .string()
  .describe("an HTML document: no script, no external resource (Content-Security-Policy default-src 'none')");

// ---- meta -----------------------------------------------------------------------------------

/** 200 of GET /health. */
export const Health = z.object({ status: z.literal('ok'), version: z.string().describe('the growthloop version') });
export type Health = z.infer<typeof Health>;

/** 200 of GET /openapi.json: this API's OpenAPI 3.1 document (described here only by its required fields). */
export const OpenApiDocument = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
export type OpenApiDocument = z.infer<typeof OpenApiDocument>;

/**
 * Every schema that is a component of the OpenAPI document, under its export name. `input`:
 * rendered as what a client sends (defaults optional); the rest as what the API answers.
 */
// ---- GET /v1/customers/{customerId}/points, POST /v1/customers/{customerId}/points/redemptions ----

const points = z.int().describe('points');
const PointsFigures = {
  balance: points.describe('spendable points less any debt: negative when refunds took back points already spent'),
  available: points.min(0).describe('points that can be spent now'),
  pending: points.min(0).describe('points of orders still inside their return window'),
  debt: points.min(0).describe('points taken back by refunds after they were spent, paid from points earned next'),
};

/** A customer's points account, folded from their ledger as of `asOf`. */
export const PointsAccountView = z.object({
  customerId: CustomerId,
  ...PointsFigures,
  earned: points.min(0),
  redeemed: points.min(0),
  expired: points.min(0),
  clawedBack: points.min(0).describe('points refunds and cancellations took back'),
  forgiven: points.min(0).describe('clawbacks written off under the forgive policy'),
  streak: z
    .object({ day: z.string(), length: z.int().min(1) })
    .nullable()
    .describe('the unbroken run of sign-in days up to the latest one (local days of the tenant)'),
  expiring: z
    .array(z.object({ at: Time, points: points.min(1) }))
    .describe('points that will expire unless spent first, by the instant they do, soonest first'),
  tier: z.object({
    level: z.string().describe('the level held now: the one qualified for, or a bought one while it lasts'),
    since: Time,
    reviewAt: Time.nullable().describe('when the level is looked at again: only then can it go down'),
    qualified: z.string().describe('the level the 12 months behind qualify for'),
    measure: z.number().describe('what those 12 months count: spend in major units, or points'),
    paidUntil: Time.nullable().describe('until when a bought level holds'),
    benefits: z.object({
      pointsMultiplier: z.number(),
      freeShipping: z.boolean(),
      birthdayGift: z.string().nullable().describe('the coupon pool of the birthday gift'),
      exclusiveCoupons: z.array(z.string()),
    }),
  }),
  asOf: Time,
});
export type PointsAccountView = z.infer<typeof PointsAccountView>;

export const RedemptionRequest = z.strictObject({
  redemptionId: z
    .string()
    .min(1)
    .max(100)
    .describe('your id of this redemption: the same id again redeems nothing more and answers as the first time'),
  points: z.int().min(1).max(1_000_000_000),
  reason: z.string().max(256).optional(),
});
export type RedemptionRequest = z.infer<typeof RedemptionRequest>;

const RewardStatus = z.enum(['waiting', 'granted', 'cancelled', 'clawed_back', 'capped', 'daily_limit', 'rejected']);
const RewardView = z.union([
  z.object({ kind: z.literal('points'), points: z.int() }),
  z.object({ kind: z.literal('coupon'), pool: z.string(), value: z.int() }),
]);

/** A referral: the friend, the inviter, the flags of the fraud checks, the review and where each reward stands. */
export const ReferralView = z.object({
  friendId: z.string(),
  inviterId: z.string(),
  code: z.string(),
  acceptedAt: z.string().describe('when the friend accepted the invite'),
  acceptDay: z
    .string()
    .describe("the tenant's local day of the acceptance: the day whose rewarded invites it counts toward"),
  terms: z.object({
    friendReward: RewardView,
    friendRewardOn: z.enum(['accept', 'first_order']),
    inviterReward: RewardView,
    refundWindowDays: z.int(),
    secondLevelReward: RewardView.optional(),
  }),
  flags: z
    .array(z.string())
    .describe('what the fraud checks found: self, shared_email, shared_device, inviter_velocity, ...'),
  review: z.enum(['none', 'pending', 'approved', 'rejected']),
  reviews: z.array(
    z.object({
      decision: z.enum(['approve', 'reject']),
      reviewer: z.string(),
      note: z.string().optional(),
      at: z.string(),
    }),
  ),
  firstOrder: z.object({ orderId: z.string(), at: z.string(), refundedAt: z.string().optional() }).optional(),
  friend: RewardStatus,
  inviter: RewardStatus,
  secondInviterId: z.string().optional(),
  second: RewardStatus.optional(),
});

export const CustomerReferralView = z.object({
  code: z.string().optional().describe("the customer's invite code, once made"),
  link: z.string().optional().describe('the invite link, when the programme has a linkBase'),
  referredBy: ReferralView.optional().describe('the referral that brought the customer'),
  friends: z
    .array(z.object({ friendId: z.string(), acceptedAt: z.string() }))
    .describe('the friends they brought (the latest 100)'),
  rewardedFriends: z.int().describe("the friends whose reward counted toward the inviter's cap"),
});

export const InviteCodeAnswer = z.object({ code: z.string(), link: z.string().optional() });

export const ReviewList = z.object({ referrals: z.array(ReferralView) });
export const ReviewDecisionList = z.object({
  decisions: z.array(
    z.object({
      friendId: z.string(),
      inviterId: z.string(),
      flags: z.array(z.string()),
      decision: z.enum(['approve', 'reject']),
      reviewer: z.string(),
      note: z.string().optional(),
      at: z.string(),
    }),
  ),
});

export const ReviewRequest = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  reviewer: z.string().min(1).max(128).describe('who decided: kept with the decision'),
  note: z.string().max(1000).optional(),
});

export const MembershipRequest = z.strictObject({
  membershipId: z
    .string()
    .min(1)
    .max(100)
    .describe('your id of this purchase: the same id again buys nothing more and answers as the first time'),
});
export const MembershipAnswer = z.object({
  membershipId: z.string(),
  outcome: z.enum(['bought', 'replayed']),
  level: z.string(),
  paidUntil: Time,
});

export const RedemptionAnswer = z.object({
  redemptionId: z.string(),
  outcome: z.enum(['redeemed', 'replayed']),
  ...PointsFigures,
});

/** 409 of a redemption the spendable points do not cover. */
export const InsufficientPoints = ApiError.extend({ available: points.min(0) });

export const requestSchemas = {
  IngestRequest,
  RedemptionRequest,
  MembershipRequest,
  ReviewRequest,
  CampaignInput: Campaign,
  CampaignRunRequest,
  CampaignEstimateRequest,
  CanonicalEventBatch,
  CanonicalEventInput,
  JourneyDraft,
  JourneyBacktestRequest,
  TemplateCreateRequest,
  TemplateInput,
  TemplateWithSample,
  TemplateSample,
  JsonValue,
  TemplatePreviewRequest,
  TemplateTestSendRequest,
  CouponPoolRequest,
  UploadCodesRequest,
  CodesCsv,
  GenerateCodesRequest,
  SegmentTrack,
  SegmentIdentify,
  SegmentBatch,
  ShopifyWebhookPayload,
  WooCommerceWebhookPayload,
  WooCommercePing,
  UnsubscribeOneClick,
} as const;

export const responseSchemas = {
  ApiError,
  PointsAccountView,
  RedemptionAnswer,
  MembershipAnswer,
  ReferralView,
  CustomerReferralView,
  LoyaltyReport,
  InviteCodeAnswer,
  ReviewList,
  ReviewDecisionList,
  InsufficientPoints,
  KpiReport,
  ItemError,
  IngestAccepted,
  IngestError,
  CustomerProfile,
  ProfileView,
  CurrencyTotalsView,
  CartView,
  LifecycleState,
  ProfileScores,
  ValueScore,
  ModelScores,
  ErasureResult,
  QuarantinedMessage,
  QuarantineList,
  QuarantineReplayRequest,
  QuarantineReplayResult,
  CustomerExport,
  CustomerTimeline,
  OutboxList,
  OutboxMessage,
  TimelineEntry,
  TimelineEvent,
  ExportedItem,
  StoredModel,
  TenantModel,
  ModelDiagnostics,
  FitDiagnostics,
  JourneySummary,
  JourneyList,
  JourneyDetail,
  JourneyStats,
  LiftReport,
  LiftArm,
  LiftEstimate,
  PublishedVersion,
  Journey,
  JourneyError,
  JourneyProblem,
  JourneyValidation,
  BacktestReport,
  BacktestJourneyTotals,
  Campaign,
  CampaignSaved,
  CampaignList,
  CampaignDetail,
  CampaignRunView,
  CampaignReport,
  CampaignOffered,
  CampaignRunStarted,
  CampaignEstimate,
  CampaignError,
  TemplateVersion,
  TemplateSummary,
  TemplateTestSend,
  TemplateList,
  TemplateError,
  TemplateProblem,
  TemplateRenderError,
  TemplatePreview,
  CouponPool,
  CouponPoolCreated,
  CouponPoolList,
  CouponPoolSettingsView,
  CouponPoolStats,
  CouponPoolError,
  CouponPoolProblem,
  CodesAdded,
  CodesError,
  CodeProblem,
  WebhookAccepted,
  WebhookIgnored,
  ShopifyPrivacyResult,
  ShopifyWebhookResult,
  WooCommerceWebhookResult,
  SegmentCallAccepted,
  SegmentBatchAccepted,
  UnsubscribePageHtml,
  Health,
  OpenApiDocument,
} as const;

/** Schemas both kinds of body share (identical as sent and as answered). */
export const sharedSchemas = { Money, Condition: ConditionTree, Traits: TraitsShape } as const;
