/**
 * The OpenAPI 3.1 document of the HTTP API: one operation per route of functions/http-routes.ts,
 * its bodies generated from the zod schemas of ./http-api.ts with z.toJSONSchema (draft 2020-12,
 * the dialect OpenAPI 3.1 uses). Pure: the version comes in as an argument.
 *
 * docs/openapi.json is this document for the package.json version; `npx tsx scripts/openapi.ts`
 * writes it, and test/unit/contracts/openapi.test.ts fails when it is out of date.
 */

import { z } from 'zod';
import { ADMIN_ROUTE_PERMISSIONS, rolesWith } from '../core/auth/permissions';
import { MAX_BATCH, MAX_BODY_BYTES } from '../core/events/ingest';
import { TraitObject, Traits } from '../core/events/schemas';
import { KpiDay } from '../core/metrics/kpi-input';
import { type FunctionName, type HttpRouteSpec, httpRoutes, routeKey } from '../http-routes';
import * as api from './http-api';

export type OpenApiOptions = { version?: string; serverUrl?: string };
type Json = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';
const ref = (id: string) => ({ $ref: `${COMPONENTS}${id}` });

// ---- security -------------------------------------------------------------------------------

export const securitySchemes = {
  ingestApiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: "The tenant's API key: it names the tenant every event is stamped with.",
  },
  adminKey: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'tenant admin key',
    description: "`Authorization: Bearer <the tenant's admin key>`: only that tenant's data is reachable.",
  },
  identityToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "`Authorization: Bearer <ID or access token>` signed by the tenant's identity provider (a Cognito user pool " +
      "or an OIDC issuer: the tenant's `auth` in the config). Its issuer and audience (`aud`, or `client_id`) name " +
      'the tenant; its roles claim (`cognito:groups` by default) gives the roles: analyst reads, marketer also ' +
      'writes journeys, campaigns, templates, coupon pools, referral reviews and points; engineer also exports and ' +
      'erases customers and replays the quarantine. A role short of the route answers 403.',
  },
  shopifyHmac: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Shopify-Hmac-Sha256',
    description:
      "Not a static key: base64(HMAC-SHA256(the tenant's Shopify webhook secret, the raw body)), compared in " +
      'constant time. While a secret is rotated, the previous one is accepted until shopifyPreviousSecretValidUntil.',
  },
  wooCommerceSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-WC-Webhook-Signature',
    description:
      "Not a static key: base64(HMAC-SHA256(the tenant's WooCommerce webhook secret, the raw body)), compared in " +
      'constant time. The creation ping carries none and needs none.',
  },
  segmentWriteKey: {
    type: 'http',
    scheme: 'basic',
    description: "HTTP Basic with the tenant's Segment write key as the user name and an empty password (`writeKey:`).",
  },
} as const;

export type SecurityScheme = keyof typeof securitySchemes;

/** The schemes each function's routes may use; besides, GET /health and GET /openapi.json need no credential. */
export const SECURITY_BY_FUNCTION: Record<FunctionName, readonly SecurityScheme[]> = {
  ingest: ['ingestApiKey'],
  admin: ['adminKey', 'identityToken'],
  webhooks: ['shopifyHmac', 'wooCommerceSignature'],
  segment: ['segmentWriteKey'],
};

// ---- components -----------------------------------------------------------------------------

type Io = 'input' | 'output';

const entriesOf = (schemas: Record<string, z.ZodType>, io: Io[]) =>
  Object.entries(schemas).map(([name, schema]) => ({ name, schema, io }));

/** Every component schema, by name, with the side of the exchange it is rendered for. */
const COMPONENT_ENTRIES: readonly { name: string; schema: z.ZodType; io: Io[] }[] = [
  ...entriesOf(api.requestSchemas, ['input']),
  ...entriesOf(api.responseSchemas, ['output']),
  ...entriesOf(api.sharedSchemas, ['input', 'output']),
];

/** Schemas rendered as a reference to another component rather than from themselves. */
const REFERENCES = new Map<unknown, string>([
  [api.PostedJourneyDraft, 'JourneyDraft'],
  [api.CampaignView, 'Campaign'],
  [Traits, 'Traits'],
  [TraitObject, 'Traits'],
]);

function stripMeta(schema: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** components.schemas: requests as clients send them (io input), responses as the API answers (io output). */
function componentSchemas(): Record<string, Json> {
  const rendered = new Map<string, Json>();
  for (const io of ['input', 'output'] as const) {
    const registry = z.registry<{ id: string }>();
    for (const entry of COMPONENT_ENTRIES) if (entry.io.includes(io)) registry.add(entry.schema, { id: entry.name });
    const { schemas } = z.toJSONSchema(registry, {
      target: 'draft-2020-12',
      io,
      uri: (id) => `${COMPONENTS}${id}`,
      unrepresentable: ({ zodSchema }) => {
        const target = REFERENCES.get(zodSchema);
        return target ? ref(target) : 'throw';
      },
    });
    for (const [name, schema] of Object.entries(schemas)) {
      if (name === '__shared') {
        throw new Error(`a schema used in several components is not one itself: ${Object.keys(schema.$defs ?? {})}`);
      }
      const json = stripMeta(schema as Json);
      const known = rendered.get(name);
      if (known && JSON.stringify(known) !== JSON.stringify(json)) {
        throw new Error(`component ${name} differs between requests and responses: give each side its own schema`);
      }
      rendered.set(name, json);
    }
  }
  return Object.fromEntries([...rendered].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The component name of a body schema (each body is a component, so every body is a $ref). */
function componentRef(schema: z.ZodType): { $ref: string } {
  const entry = COMPONENT_ENTRIES.find((e) => e.schema === schema);
  if (!entry) throw new Error('a request or response body schema is not a component: add it to http-api.ts');
  return ref(entry.name);
}

/** An inline schema (parameters, headers). */
const inline = (schema: z.ZodType): Json => stripMeta(z.toJSONSchema(schema, { io: 'input' }) as Json);

// ---- operations -----------------------------------------------------------------------------

/** One way an operation can answer: its status, error code (for errors), when, its body and its media type. */
type Outcome = { status: number; code?: string; when: string; schema: z.ZodType; media?: string };

const outcome = (status: number, schema: z.ZodType, when: string, code?: string, media?: string): Outcome => ({
  status,
  schema,
  when,
  ...(code ? { code } : {}),
  ...(media ? { media } : {}),
});
const fail = (status: number, code: string, when: string, schema: z.ZodType = api.ApiError): Outcome =>
  outcome(status, schema, when, code);

type Header = { name: string; required: boolean; description: string; schema?: z.ZodType };

type Operation = {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  /** none: no credential. */
  security: SecurityScheme | 'none';
  headers?: Header[];
  /** Query parameters (a Header's fields: name, required, description, schema). */
  query?: Header[];
  body?: { description: string; content: Record<string, z.ZodType> };
  outcomes: Outcome[];
};

const PATH_PARAMETERS: Record<string, { schema: z.ZodType; description: string }> = {
  customerId: { schema: api.CustomerId, description: "The customer's id, as the events name it (customerId)." },
  journeyId: { schema: api.JourneyId, description: "The journey's id; an id no journey can have answers 404." },
  tenantId: { schema: api.TenantId, description: 'The tenant the platform delivers for.' },
  templateId: {
    schema: api.TemplateIdParam,
    description: "The template's id; an id no template can have answers 404.",
  },
  poolId: { schema: api.PoolIdParam, description: "The coupon pool's id; an id no pool can have answers 404." },
  campaignId: { schema: z.string(), description: "The campaign's id; an id no campaign can have answers 404." },
  runId: { schema: z.string(), description: "The run's id, as POST /v1/campaigns/{campaignId}/runs answered it." },
  friendId: { schema: api.CustomerId, description: 'The id of the customer the referral brought (the friend).' },
  token: {
    schema: api.UnsubscribeToken,
    description: 'The signed unsubscribe token of the link: it names the tenant, the customer and the channel.',
  },
};

const mib = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;
const kib = (bytes: number) => `${bytes / 1024} KiB`;

const internalError = fail(
  500,
  'internal_error',
  'an unexpected failure: the details go to the log, never to the caller; the request can be retried',
);

const unauthorized = (when: string) => fail(401, 'unauthorized', when);

/** What /u/{token} answers: HTML pages for people, JSON only from the HTTP layer and an unexpected failure. */
function unsubscribeOutcomes(ok: string): Outcome[] {
  const page = (status: number, when: string) => outcome(status, api.UnsubscribePageHtml, when, undefined, 'text/html');
  return [
    page(200, ok),
    page(
      400,
      'the token is malformed, truncated, too long, of another version, or its signature does not verify under ' +
        "the tenant's unsubscribe secret (a tampered link, or a tenant whose secret changed or was removed)",
    ),
    undecodablePath,
    page(404, 'the tenant the token names is not known'),
    bodyOverLimit,
    page(500, 'an unexpected failure: the page says to try again; the details go to the log'),
  ];
}
const adminUnauthorized = unauthorized(
  '`authorization` is missing or not `Bearer <a tenant admin key>`, or its JWT does not verify (expired, signed by ' +
    "another key, or of an issuer and audience no tenant's identity provider names)",
);

/** What a route open to the admin key answers a signed-in user (identityToken) besides: roles short of it, keys unfetched. */
function signedInOutcomes(key: string): Outcome[] {
  const permission = ADMIN_ROUTE_PERMISSIONS.get(key);
  const roles = permission === undefined ? [] : rolesWith(permission);
  return [
    fail(
      403,
      'forbidden',
      roles.length === 0
        ? 'the credential is a JWT: only the tenant admin key may call this route'
        : `the credential is a JWT whose roles include none of ${roles.join(', ')}; the message names its roles and the route`,
    ),
    fail(
      503,
      'unavailable',
      "the credential is a JWT and the identity provider's signing keys could not be fetched; retry",
    ),
  ];
}

/** What the HTTP layer answers before a function sees the request (the local runtime; API Gateway on AWS). */
const bodyOverLimit = fail(
  413,
  'payload_too_large',
  `the request body exceeds ${mib(MAX_BODY_BYTES)}: the local runtime refuses it before the function ` +
    "(on AWS, API Gateway's own payload limit applies)",
);
const undecodablePath = fail(
  400,
  'invalid_request',
  'a path parameter is not valid percent-encoding (refused by the local runtime before the function)',
);

/** What every route addressed to one customer can answer besides its own outcomes: a path or a key that will not do. */
const customerPathFailures = [
  fail(400, 'invalid_request', 'the path names no customer'),
  fail(400, 'invalid_id', 'the customer id is longer than 128 characters'),
  undecodablePath,
  adminUnauthorized,
];

const journeyNotFound = fail(404, 'not_found', 'no journey with this id in the tenant, or an id no journey can have');
const journeyUnsupportedType = fail(
  415,
  'unsupported_media_type',
  '`content-type` is given and is not JSON (application/json or application/*+json)',
);
const journeyTooLarge = fail(413, 'payload_too_large', `the body exceeds ${kib(api.MAX_JOURNEY_BYTES)}`);
const invalidJson = fail(400, 'invalid_json', 'the body is not valid JSON');

/** The query of the reports over a range of days, and its refusal. */
const dayRange = [
  { name: 'from', required: true, description: 'The first day, YYYY-MM-DD (UTC).', schema: KpiDay },
  { name: 'to', required: true, description: 'The last day, YYYY-MM-DD (UTC).', schema: KpiDay },
];
const invalidDayRange = fail(400, 'invalid_request', 'from or to missing, not a day, or from after to');
const invalidJourney = (what: string) =>
  fail(
    400,
    'invalid_journey',
    `${what}: the first problem is the message and path, every problem (sorted by path) is in problems`,
    api.JourneyError,
  );
const journeyConflict = (when: string) => fail(409, 'conflict', when);

const templatesDescription = 'Only the tenant of the admin key is reachable.';
const couponsDescription = 'Only the tenant of the admin key is reachable; amounts are integer minor units.';
const invalidTemplate = fail(
  400,
  'invalid_template',
  'the template has problems: the first is the message and path, every one (a JSON path into the body, the ' +
    'template error code and the variable where one is missing) is in problems',
  api.TemplateError,
);
const unsupportedJson = fail(
  415,
  'unsupported_media_type',
  '`content-type` is given and is not JSON (application/json or application/*+json)',
);
const renderUnavailable = fail(503, 'unavailable', 'the template renderer is not available here right now; retry');
const templatePathTooLong = fail(400, 'invalid_id', 'the template id is longer than 128 characters');
const poolPathTooLong = fail(400, 'invalid_id', 'the pool id is longer than 128 characters');
const poolNotFound = fail(404, 'not_found', 'no coupon pool with this id in the tenant, or an id no pool can have');
const queueParameter: Header = {
  name: 'queue',
  required: false,
  description:
    'Only the messages of this queue (`actions`: dead-lettered actions; profile-updates, journey-events...).',
  schema: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
};
const invalidQueue = fail(400, 'invalid_request', 'queue is not the name of a queue (path query.queue)');

const campaignsDescription =
  'A campaign is a scheduled recall: an audience, an offer ladder, a holdout never sent anything, and the ' +
  'attribution window its lift is measured over. Each run is a Step Functions execution (the local runner on ' +
  '`npm start`). Only the tenant of the admin key is reachable.';
const campaignPathTooLong = fail(400, 'invalid_id', 'the campaign or run id is longer than 128 characters');
const campaignNotFound = fail(404, 'not_found', 'no campaign with this id in the tenant');

const journeysDescription =
  'A journey has a draft (its working copy) and immutable published versions; customers in flight ' +
  'finish on the version they entered. Only the tenant of the admin key is reachable.';

function transition(name: 'pause' | 'resume' | 'archive'): Operation {
  const text = {
    pause: {
      summary: 'Pause a live journey',
      description: 'A paused journey takes no new customers and moves none on until it is resumed.',
      from: 'only a live journey can be paused',
    },
    resume: {
      summary: 'Resume a paused journey',
      description: 'The journey is live again, on its latest published version.',
      from: 'only a paused journey can be resumed',
    },
    archive: {
      summary: 'Archive a journey',
      description:
        'Archived is final: the journey can no longer be edited, published, paused or resumed. ' +
        'Archiving an archived journey again answers 200 and changes nothing.',
      from: '',
    },
  }[name];
  return {
    operationId: `${name}Journey`,
    tags: ['journeys'],
    summary: text.summary,
    description: `${text.description} Takes no body. ${journeysDescription}`,
    security: 'adminKey',
    outcomes: [
      outcome(200, api.JourneySummary, 'the journey with its new status'),
      undecodablePath,
      adminUnauthorized,
      journeyNotFound,
      ...(text.from ? [fail(409, 'invalid_transition', `${text.from}; the message names the current status`)] : []),
      journeyConflict(`the journey kept changing while it was being ${name}d (three tries); retry`),
      bodyOverLimit,
      internalError,
    ],
  };
}

const segmentCall = (call: 'track' | 'identify', forTenant: boolean): Operation => ({
  operationId: `segment${call === 'track' ? 'Track' : 'Identify'}${forTenant ? 'ForTenant' : ''}`,
  tags: ['segment'],
  summary: `Segment-spec ${call} call${forTenant ? ' for a named tenant' : ''}`,
  description:
    `One ${call} call in the shape of Segment's HTTP Tracking API, so Segment, RudderStack or Jitsu can forward ` +
    'unchanged. `messageId` is the idempotency key; the customer is the userId, else `anon:<anonymousId>`. ' +
    (call === 'identify'
      ? 'An identify that names both a userId and an anonymousId also merges the anonymous visitor into the customer. '
      : '') +
    (forTenant ? "The write key must be the tenant's in the path." : 'The write key names the tenant.'),
  security: 'segmentWriteKey',
  body: {
    description: `A ${call} call.`,
    content: { 'application/json': call === 'track' ? api.SegmentTrack : api.SegmentIdentify },
  },
  outcomes: [
    outcome(200, api.SegmentCallAccepted, 'the call became canonical events, now on the bus'),
    invalidJson,
    fail(
      400,
      'invalid_event',
      'the call is unusable: not an object, no messageId, no userId nor anonymousId, a bad timestamp, or a value ' +
        'the canonical event refuses; path points into the body',
    ),
    ...(call === 'track'
      ? [
          fail(
            400,
            'unsupported_event',
            'the event is not mapped to a canonical event (or Coupon Applied has no order_id)',
          ),
        ]
      : []),
    ...(call === 'track'
      ? [fail(400, 'invalid_amount', 'an amount is not a decimal that is exact in its currency')]
      : []),
    ...(forTenant ? [undecodablePath] : []),
    unauthorized(
      forTenant
        ? '`authorization` is not Basic with the write key of the tenant in the path'
        : "`authorization` is not Basic with a tenant's write key as the user name",
    ),
    bodyOverLimit,
    internalError,
  ],
});

const segmentBatch = (forTenant: boolean): Operation => ({
  operationId: `segmentBatch${forTenant ? 'ForTenant' : ''}`,
  tags: ['segment'],
  summary: `Segment-spec batch${forTenant ? ' for a named tenant' : ''}`,
  description:
    `Up to ${MAX_BATCH} track and identify calls. Each call that cannot be used is reported in errors with its ` +
    'index (page, screen, group and alias calls as unsupported_type); the others are accepted. The answer is 200 ' +
    'also when every call was rejected. ' +
    (forTenant ? "The write key must be the tenant's in the path." : 'The write key names the tenant.'),
  security: 'segmentWriteKey',
  body: { description: 'A batch of calls.', content: { 'application/json': api.SegmentBatch } },
  outcomes: [
    outcome(200, api.SegmentBatchAccepted, 'the usable calls are on the bus as canonical events'),
    invalidJson,
    fail(400, 'invalid_body', 'the body is not `{"batch": [...]}`, or the batch is empty'),
    ...(forTenant ? [undecodablePath] : []),
    unauthorized(
      forTenant
        ? '`authorization` is not Basic with the write key of the tenant in the path'
        : "`authorization` is not Basic with a tenant's write key as the user name",
    ),
    fail(413, 'batch_too_large', `more than ${MAX_BATCH} calls`),
    bodyOverLimit,
    internalError,
  ],
});

const OPERATIONS: Record<string, Operation> = {
  'POST /v1/events': {
    operationId: 'ingestEvents',
    tags: ['events'],
    summary: 'Ingest canonical events',
    description:
      `One canonical event, or \`{"batch": [...]}\` of up to ${MAX_BATCH}. The valid events go on the bus; ` +
      "the tenant is the API key's (an event may leave tenantId out). In a batch, invalid events are reported " +
      'one by one and the rest are accepted; when no event is valid the answer is 400. The same eventId never ' +
      'changes a profile twice.',
    security: 'ingestApiKey',
    body: { description: 'One event or a batch.', content: { 'application/json': api.IngestRequest } },
    outcomes: [
      outcome(202, api.IngestAccepted, 'the valid events are on the bus; errors lists the rejected ones of a batch'),
      fail(400, 'invalid_json', 'the body is not valid JSON', api.IngestError),
      fail(
        400,
        'invalid_body',
        'the body is neither an event object nor `{"batch": [...]}` (batch not an array, empty, or beside other keys)',
        api.IngestError,
      ),
      fail(
        400,
        'invalid_event',
        'no event is valid: the first problem is the message and path, every event’s is in errors',
        api.IngestError,
      ),
      unauthorized('`x-api-key` is missing or not a tenant API key'),
      fail(403, 'wrong_tenant', 'an event names a tenantId that is not the API key’s: nothing is accepted'),
      fail(413, 'payload_too_large', `the body exceeds ${mib(MAX_BODY_BYTES)}`),
      fail(413, 'batch_too_large', `more than ${MAX_BATCH} events`),
      internalError,
    ],
  },

  'GET /v1/customers/{customerId}': {
    operationId: 'getCustomer',
    tags: ['customers'],
    summary: "A customer's profile, lifecycle stage and scores",
    description:
      'The profile as folded from the events, its lifecycle stage as stored, and its scores as of now: value ' +
      "tier, RFM and model scores against the tenant's latest model.",
    security: 'adminKey',
    outcomes: [
      outcome(200, api.CustomerProfile, 'the profile'),
      ...customerPathFailures,
      fail(404, 'not_found', 'the tenant has no profile for this customer'),
      bodyOverLimit,
      internalError,
    ],
  },

  'DELETE /v1/customers/{customerId}': {
    operationId: 'eraseCustomer',
    tags: ['customers'],
    summary: 'Erase a customer',
    description:
      'Erases everything growthloop holds about the customer (its partition, the anonymous ids merged into it, ' +
      'its order index) and leaves a hashed tombstone, so that late or redelivered events cannot bring it back. ' +
      'The request is written to the audit log. A customer with nothing stored answers 200 with erasedItems 0.',
    security: 'adminKey',
    outcomes: [
      outcome(200, api.ErasureResult, 'the customer is erased'),
      ...customerPathFailures,
      bodyOverLimit,
      internalError,
    ],
  },

  'GET /v1/customers/{customerId}/export': {
    operationId: 'exportCustomer',
    tags: ['customers'],
    summary: "Export a customer's data",
    description:
      'Every item growthloop holds in the customer’s partition, as JSON (GDPR, PIPL access requests). The request ' +
      'is written to the audit log. A customer with nothing stored answers 200 with no items.',
    security: 'adminKey',
    outcomes: [outcome(200, api.CustomerExport, 'the export'), ...customerPathFailures, bodyOverLimit, internalError],
  },

  'GET /v1/customers/{customerId}/timeline': {
    operationId: 'customerTimeline',
    tags: ['customers'],
    summary: "A customer's events, sends and skips",
    description:
      'The messages (`entries`): every action the dispatcher took for the customer, latest first: sent (with its ' +
      'provider), skipped with its reason and rule, deferred until when, and the guardrails applied in order. The ' +
      'events (`events`): what the profile and the journeys keep of them, latest first: the recent orders, the latest ' +
      'consent per channel, the cart, tags, the last session and login, the lifecycle stage, each journey entered, ' +
      'converted and ended; each with a summary that is not personal (order id and total, channel...). A customer ' +
      'with nothing answers 200 with both empty.',
    security: 'adminKey',
    outcomes: [
      outcome(200, api.CustomerTimeline, 'the timeline'),
      ...customerPathFailures,
      bodyOverLimit,
      internalError,
    ],
  },

  'GET /v1/customers/{customerId}/points': {
    operationId: 'customerPoints',
    tags: ['loyalty'],
    summary: "A customer's points",
    description:
      'The points account folded from every entry of the ledger as of now: spendable, pending (orders inside their ' +
      'return window), debt (refunds after the points were spent), lifetime totals, the sign-in streak and the ' +
      'points that will expire, soonest first. A customer without points answers 200 with zeros.',
    security: 'adminKey',
    outcomes: [
      outcome(200, api.PointsAccountView, 'the account'),
      ...customerPathFailures,
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/customers/{customerId}/points/redemptions': {
    operationId: 'redeemPoints',
    tags: ['loyalty'],
    summary: 'Spend points',
    description:
      'Spends `points` of the spendable points, those that expire first, once per `redemptionId`: the same id ' +
      'again answers 200 and spends nothing more. Two redemptions racing for the same points are both refused ' +
      '(409); either may be sent again.',
    security: 'adminKey',
    body: { description: 'The redemption.', content: { 'application/json': api.RedemptionRequest } },
    outcomes: [
      outcome(201, api.RedemptionAnswer, 'the points are spent'),
      outcome(200, api.RedemptionAnswer, 'this redemption was made before'),
      invalidJson,
      fail(400, 'invalid_request', 'the body is not {redemptionId, points, reason?}'),
      ...customerPathFailures,
      fail(409, 'insufficient_points', 'fewer points are spendable than asked', api.InsufficientPoints),
      fail(413, 'payload_too_large', 'the body exceeds 4 KiB'),
      internalError,
    ],
  },

  'GET /v1/customers/{customerId}/referral': {
    operationId: 'customerReferral',
    tags: ['referrals'],
    summary: "A customer's invite code and referrals",
    description:
      'The invite code and link (once made), the referral that brought the customer with where its rewards stand, ' +
      'and the friends they brought. 409 when the tenant runs no referral programme.',
    security: 'adminKey',
    outcomes: [
      outcome(200, api.CustomerReferralView, 'the referrals'),
      ...customerPathFailures,
      fail(409, 'no_referral_programme', 'the tenant config has no `referrals`'),
      internalError,
    ],
  },

  'POST /v1/customers/{customerId}/referral/code': {
    operationId: 'makeInviteCode',
    tags: ['referrals'],
    summary: "The customer's invite code, made on first use",
    description:
      'An 8-character code (Crockford base32, 40 random bits, matched without regard to case) and its link; a ' +
      'customer who has a code (made here, or sent by the store with invite_sent) gets the same one again.',
    security: 'adminKey',
    outcomes: [
      outcome(200, api.InviteCodeAnswer, 'the code'),
      ...customerPathFailures,
      fail(409, 'no_referral_programme', 'the tenant config has no `referrals`'),
      internalError,
    ],
  },

  'GET /v1/referrals/review': {
    operationId: 'referralsToReview',
    tags: ['referrals'],
    summary: 'Referrals held for review',
    description:
      'Referrals a fraud check flagged (self-referral, shared e-mail, phone, device, card or address, velocity, ' +
      'disposable e-mail, bursts of first orders), oldest first, their rewards held. `?decided=true` lists the ' +
      'decisions made instead: the audit of every approval and rejection.',
    security: 'adminKey',
    query: [
      {
        name: 'decided',
        required: false,
        description: '`true`: the decisions made instead of the referrals awaiting one',
        schema: z.enum(['true', 'false']),
      },
    ],
    outcomes: [
      outcome(200, api.ReviewList, 'the referrals awaiting review'),
      outcome(200, api.ReviewDecisionList, 'with decided=true: the decisions made'),
      fail(400, 'invalid_request', 'decided is not true or false'),
      adminUnauthorized,
      fail(409, 'no_referral_programme', 'the tenant config has no `referrals`'),
      internalError,
    ],
  },

  'POST /v1/referrals/{friendId}/review': {
    operationId: 'reviewReferral',
    tags: ['referrals'],
    summary: 'Approve or reject a held referral',
    description:
      'Approving releases the rewards that are due (the friend at once, the inviter once the first order is past ' +
      'the refund window); rejecting pays neither. The decision, its reviewer and note are kept on the referral and ' +
      'in the audit list.',
    security: 'adminKey',
    body: { description: 'The decision.', content: { 'application/json': api.ReviewRequest } },
    outcomes: [
      outcome(200, api.ReferralView, 'the referral as decided'),
      invalidJson,
      fail(400, 'invalid_request', 'the body is not {decision, reviewer, note?}'),
      undecodablePath,
      adminUnauthorized,
      fail(404, 'not_found', 'the customer was brought by no referral'),
      fail(409, 'not_awaiting_review', 'the referral is not held for review (decided already, or never flagged)'),
      fail(413, 'payload_too_large', 'the body exceeds 4 KiB'),
      internalError,
    ],
  },

  'POST /v1/customers/{customerId}/tier/memberships': {
    operationId: 'buyMembership',
    tags: ['loyalty'],
    summary: 'Buy the paid tier',
    description:
      "Gives the customer the tenant's paid level (loyalty.tiers.paid) for its months, from now or from the end of " +
      'a membership still running, once per `membershipId`: the same id again answers 200 and buys nothing more. ' +
      'The level holds until the membership ends, whatever the customer qualifies for.',
    security: 'adminKey',
    body: { description: 'The purchase.', content: { 'application/json': api.MembershipRequest } },
    outcomes: [
      outcome(201, api.MembershipAnswer, 'the membership is bought'),
      outcome(200, api.MembershipAnswer, 'this purchase was made before'),
      invalidJson,
      fail(400, 'invalid_request', 'the body is not {membershipId}'),
      ...customerPathFailures,
      fail(409, 'no_paid_tier', "the tenant's tiers have no paid level"),
      fail(413, 'payload_too_large', 'the body exceeds 4 KiB'),
      internalError,
    ],
  },

  'GET /v1/model': {
    operationId: 'getModel',
    tags: ['model'],
    summary: "The tenant's fitted model",
    description:
      'The parameters of the last successful fit (BG/NBD, Gamma-Gamma, churn weights, RFM breakpoints) with its ' +
      'diagnostics, and the diagnostics of the latest attempt, which may have found too little data.',
    security: 'adminKey',
    outcomes: [
      outcome(200, api.StoredModel, 'the model'),
      adminUnauthorized,
      fail(404, 'not_found', 'no model has been fitted for this tenant yet'),
      bodyOverLimit,
      internalError,
    ],
  },

  'GET /v1/metrics/loyalty': {
    operationId: 'getLoyaltyMetrics',
    tags: ['referrals'],
    summary: 'The loyalty programme over a range of days',
    description:
      "Referrals (K-factor, participation, new customers per referring customer, the referred cohort's 30-day " +
      'repurchase against everyone else, reward cost per acquired customer), the points liability at ' +
      '`loyalty.points.valuePerPoint`, and customers per tier at each month end, read from the buyers and the ' +
      'invites and attributions kept by time. `from` and `to` are UTC days (YYYY-MM-DD); every ratio gives its ' +
      'numerator and denominator, and null when that is 0.',
    security: 'adminKey',
    query: dayRange,
    outcomes: [
      outcome(200, api.LoyaltyReport, 'the metrics'),
      invalidDayRange,
      adminUnauthorized,
      bodyOverLimit,
      internalError,
    ],
  },

  'GET /v1/metrics/kpis': {
    operationId: 'getKpis',
    tags: ['model'],
    summary: "The tenant's KPIs over a range of days",
    description:
      'New and active customers (DAU, MAU) per day, revenue, orders and AOV per day in the tenant currency, ' +
      'D1/D7/D30/D60 retention of first-order cohorts, 30/60/90-day repurchase and churn per calendar month ' +
      '(no order for 90 days), from the order histories of the buyers: those of the daily run’s snapshot ' +
      '(`snapshotAt`; the figures are as of then) when it is less than 26 hours old, else (none yet, or a customer ' +
      'was erased since) and with `live=true` read from every buyer’s profile now. For the overview besides: each KPI’s value ' +
      'as the daily check judges it (`values`) against the tenant’s `targets`, the `kpi.alert`s raised for days ' +
      'of the range (`alerts`), the retention of each first-order cohort day of the range (`cohorts`: the heatmap), ' +
      'repurchase by first-order month (`repurchaseByMonth`) and the recall rate of every campaign run measured in ' +
      'the range (`recall`). `from` and `to` are UTC days (YYYY-MM-DD), at most 3,660 days apart; every ratio ' +
      'gives its numerator and denominator, and null when that is 0.',
    security: 'adminKey',
    query: [
      ...dayRange,
      {
        name: 'live',
        required: false,
        description: "true: read every buyer's profile now instead of the daily run's snapshot.",
        schema: api.KpiLive,
      },
    ],
    outcomes: [
      outcome(200, api.KpiReport, 'the KPIs'),
      fail(400, 'invalid_request', 'from or to missing, not a day, or from after to; live not true or false'),
      adminUnauthorized,
      bodyOverLimit,
      internalError,
    ],
  },

  'GET /v1/outbox': {
    operationId: 'listOutbox',
    tags: ['customers'],
    summary: 'Messages the local runtime sent to its outbox',
    description:
      'Under `npm start` push, SMS and e-mail (without an SMTP server) go to an outbox instead of a provider: ' +
      'one JSON line per message in the data directory, listed here oldest first, a page at a time ' +
      '(`limit` 1 to 1000, default 100; `after` the `next` of the page before). A deployed growthloop sends ' +
      'to its providers and answers 404.',
    security: 'adminKey',
    outcomes: [
      outcome(200, api.OutboxList, 'a page of the outbox'),
      fail(400, 'invalid_request', 'a limit or cursor that is not one'),
      adminUnauthorized,
      fail(404, 'not_found', 'no outbox here: messages go to their providers'),
      bodyOverLimit,
      internalError,
    ],
  },

  'GET /v1/quarantine': {
    operationId: 'listQuarantine',
    tags: ['quarantine'],
    summary: 'Messages parked in quarantine',
    description:
      'Events that could not be processed however often they were delivered (a total past what the store keeps ' +
      'exactly, a stored item that does not decode) are parked here with their reason instead of taking the ' +
      "customer's other events with them. Replay sends them back once the cause is fixed. Actions a provider " +
      'refused, or that kept failing until their retries ran out, are parked under the queue `actions` ' +
      '(`?queue=actions`: the dead-letter queue of the dispatcher).',
    security: 'adminKey',
    query: [queueParameter],
    outcomes: [
      outcome(200, api.QuarantineList, 'the parked messages (of the queue asked for)'),
      invalidQueue,
      adminUnauthorized,
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/quarantine/replay': {
    operationId: 'replayQuarantine',
    tags: ['quarantine'],
    summary: 'Replay parked messages',
    description:
      'Sends the messages named (all when the body is empty) back to their queues and removes them. With ' +
      '`?queue=NAME` only messages of that queue are replayed: ids of other queues are answered as unknown, and an ' +
      'empty body replays that whole queue. A dead-lettered action is sent once more, once: its failed send ' +
      'record is opened again first.',
    security: 'adminKey',
    query: [queueParameter],
    body: {
      description: 'The ids to replay, or nothing.',
      content: { 'application/json': api.QuarantineReplayRequest },
    },
    outcomes: [
      outcome(200, api.QuarantineReplayResult, 'the messages are back on their queues'),
      fail(400, 'invalid_json', 'the body is not JSON'),
      fail(400, 'invalid_request', 'the body is not {"ids": [string, ...]}'),
      invalidQueue,
      adminUnauthorized,
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/journeys': {
    operationId: 'createJourney',
    tags: ['journeys'],
    summary: 'Create a journey draft',
    description:
      'Stores a new journey as a draft (status draft, version 0); publish puts it live. The body is checked ' +
      'with the journey schema and the static checks (activities that exist and are reachable, loops with a ' +
      `wait, branches with a default, splits that add up to 100). ${journeysDescription}`,
    security: 'adminKey',
    body: { description: 'The journey, without version.', content: { 'application/json': api.JourneyDraft } },
    outcomes: [
      outcome(201, api.JourneySummary, 'the journey is created as a draft'),
      invalidJson,
      invalidJourney('the journey has problems'),
      adminUnauthorized,
      fail(409, 'journey_exists', 'a journey with this id exists already: PUT /v1/journeys/{journeyId} edits it'),
      journeyTooLarge,
      bodyOverLimit,
      journeyUnsupportedType,
      internalError,
    ],
  },

  'POST /v1/journeys/validate': {
    operationId: 'validateJourney',
    tags: ['journeys'],
    summary: 'Check a journey without saving it',
    description:
      'The checks POST and PUT /v1/journeys make, and nothing saved: the journey schema, then (once the schema ' +
      'holds) the static checks of its graph (activities that exist and are reachable, loops with a wait, branches ' +
      'with a default, splits that add up to 100, known event types). Answers 200 whether or not the journey is ' +
      'valid, with every problem at its JSON path into the body (`$.activities.wait-1h.for`), sorted by path, as ' +
      '`growthloop journeys validate` reports them. The channels the tenant has set up are checked at publish. ' +
      journeysDescription,
    security: 'adminKey',
    body: {
      description: 'The journey, as POST /v1/journeys takes it.',
      content: { 'application/json': api.JourneyDraft },
    },
    outcomes: [
      outcome(200, api.JourneyValidation, 'the journey is checked: valid, or every problem'),
      invalidJson,
      adminUnauthorized,
      journeyTooLarge,
      bodyOverLimit,
      journeyUnsupportedType,
      internalError,
    ],
  },

  'POST /v1/journeys/backtest': {
    operationId: 'backtestJourney',
    tags: ['journeys'],
    summary: 'Backtest a journey over the stored event history',
    description:
      "Replays the tenant's own ingested events (the local runtime's event archive; erased customers left out) " +
      'through the same use cases the live system runs, on a simulated clock, with the journey live: the report ' +
      '`growthloop journeys backtest --json` prints (entered, refused, completed, exited, held out, conversions, ' +
      'actions and coupons), sending nothing. `from` and `to` are UTC days; `to` is inclusive. At most ' +
      `${api.MAX_BACKTEST_EVENTS.toLocaleString('en')} events are replayed: a range holding more is refused. A ` +
      'deployed growthloop keeps its history in the EventBridge archive and answers 501: run `growthloop journeys ' +
      'backtest --events FILE` over an export instead. ' +
      journeysDescription,
    security: 'adminKey',
    body: {
      description: 'The journey, and optionally the days to replay.',
      content: { 'application/json': api.JourneyBacktestRequest },
    },
    outcomes: [
      outcome(200, api.BacktestReport, 'what the journey would have done'),
      invalidJson,
      fail(
        400,
        'invalid_request',
        'the body is not {journey, from?, to?}, a day is not YYYY-MM-DD, or from is after to',
      ),
      fail(
        400,
        'invalid_journey',
        'the journey has problems: the first is the message and path (under $.journey), every one is in problems',
        api.JourneyError,
      ),
      adminUnauthorized,
      fail(413, 'payload_too_large', `the body exceeds ${kib(api.MAX_JOURNEY_BYTES + 1024)}`),
      bodyOverLimit,
      journeyUnsupportedType,
      fail(
        422,
        'too_many_events',
        `the days asked for hold more than ${api.MAX_BACKTEST_EVENTS.toLocaleString('en')} events: backtest fewer (from, to)`,
      ),
      internalError,
      fail(
        501,
        'not_available',
        'no event history here (a deployed growthloop): backtests in the console need the local runtime',
      ),
    ],
  },

  'GET /v1/journeys': {
    operationId: 'listJourneys',
    tags: ['journeys'],
    summary: "The tenant's journeys",
    description:
      'Every journey of the tenant, as a summary with its status and its main counters: entered, active (customers ' +
      `waiting at an activity now), completed, exited, goal conversions, held out, failed and sent. ${journeysDescription}`,
    security: 'adminKey',
    outcomes: [outcome(200, api.JourneyList, 'the journeys'), adminUnauthorized, bodyOverLimit, internalError],
  },

  'GET /v1/journeys/{journeyId}': {
    operationId: 'getJourney',
    tags: ['journeys'],
    summary: 'A journey, its draft, versions and stats',
    description:
      'The summary, the draft as posted, every published version, the journey as it runs (the latest published ' +
      'version with the current status, or the draft when none was published) and its counters, with the customers ' +
      'waiting at and having reached each activity, the lift of its one holdout (`lift`), and every split and ' +
      'holdout activity with its arms’ members, goal conversions and lift against the reference arm with 95 % ' +
      `intervals (\`arms\`). ${journeysDescription}`,
    security: 'adminKey',
    outcomes: [
      outcome(200, api.JourneyDetail, 'the journey'),
      undecodablePath,
      adminUnauthorized,
      journeyNotFound,
      bodyOverLimit,
      internalError,
    ],
  },

  'PUT /v1/journeys/{journeyId}': {
    operationId: 'updateJourney',
    tags: ['journeys'],
    summary: "Replace a journey's draft",
    description:
      'Replaces the working copy; customers keep running on the published versions until the next publish. The ' +
      `body's id must be the one in the path. ${journeysDescription}`,
    security: 'adminKey',
    body: { description: 'The whole journey, without version.', content: { 'application/json': api.JourneyDraft } },
    outcomes: [
      outcome(200, api.JourneySummary, 'the draft is replaced'),
      invalidJson,
      invalidJourney('the journey has problems, or its id is not the one in the path'),
      undecodablePath,
      adminUnauthorized,
      journeyNotFound,
      fail(409, 'invalid_transition', 'the journey is archived: it cannot be edited'),
      journeyTooLarge,
      bodyOverLimit,
      journeyUnsupportedType,
      internalError,
    ],
  },

  'POST /v1/journeys/{journeyId}/publish': {
    operationId: 'publishJourney',
    tags: ['journeys'],
    summary: 'Publish the draft as a new version',
    description:
      'The draft becomes version n+1, immutable, and the journey goes live. Publishing also checks the channels: ' +
      `a journey may not act on a channel the tenant has not configured. Takes no body. ${journeysDescription}`,
    security: 'adminKey',
    outcomes: [
      outcome(200, api.JourneySummary, 'the new version is live'),
      invalidJourney('the draft has problems (a channel the tenant has not configured, say)'),
      undecodablePath,
      adminUnauthorized,
      fail(404, 'not_found', 'no journey with this id, or it has no draft'),
      fail(409, 'invalid_transition', 'the journey is archived: it cannot be published'),
      journeyConflict(
        'a publish, pause or archive won the race for this version, or the version is stored already; reload and retry',
      ),
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/journeys/{journeyId}/pause': transition('pause'),
  'POST /v1/journeys/{journeyId}/resume': transition('resume'),
  'POST /v1/journeys/{journeyId}/archive': transition('archive'),

  'POST /v1/templates': {
    operationId: 'createTemplate',
    tags: ['templates'],
    summary: 'Create a template, or a new version of it',
    description:
      'Stores the template as version 1, or as the next version of the template with its id: versions are never ' +
      'changed, and sends name the template (its latest version). The template is checked first: its shape, every ' +
      'part parses as Liquid and reads only the template variables (profile, event, offer, coupon, tenant, ' +
      'unsubscribe_url), and every channel and translation renders against sample variables. A template that ' +
      'reads traits the sample lacks posts `{template, sample}` with a sample that has them. ' +
      templatesDescription,
    security: 'adminKey',
    body: {
      description: 'The template, or `{template, sample}`.',
      content: { 'application/json': api.TemplateCreateRequest },
    },
    outcomes: [
      outcome(201, api.TemplateVersion, 'the new version is stored'),
      invalidJson,
      invalidTemplate,
      adminUnauthorized,
      fail(413, 'payload_too_large', `the body exceeds ${kib(api.MAX_TEMPLATE_BODY_BYTES)}`),
      bodyOverLimit,
      unsupportedJson,
      internalError,
      renderUnavailable,
    ],
  },

  'GET /v1/templates': {
    operationId: 'listTemplates',
    tags: ['templates'],
    summary: "The tenant's templates",
    description: `Every template of the tenant, by id, without its text: its latest version, channels and translations. ${templatesDescription}`,
    security: 'adminKey',
    outcomes: [outcome(200, api.TemplateList, 'the templates'), adminUnauthorized, bodyOverLimit, internalError],
  },

  'GET /v1/templates/{templateId}': {
    operationId: 'getTemplate',
    tags: ['templates'],
    summary: 'A version of a template',
    description: `The latest version of the template, or the one \`?version=N\` names. ${templatesDescription}`,
    security: 'adminKey',
    query: [
      {
        name: 'version',
        required: false,
        description: 'The version to read (1 to 999999); the latest when absent.',
        schema: api.TemplateVersionNumber,
      },
    ],
    outcomes: [
      outcome(200, api.TemplateVersion, 'the version'),
      fail(400, 'invalid_request', 'version is not an integer from 1 to 999999'),
      templatePathTooLong,
      undecodablePath,
      adminUnauthorized,
      fail(404, 'not_found', 'no template with this id (path names it), or no such version of it (path query.version)'),
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/templates/{templateId}/preview': {
    operationId: 'previewTemplate',
    tags: ['templates'],
    summary: 'Render a template for a customer',
    description:
      "Renders every channel of the template (or those asked for) for a customer's stored profile (`customerId`), " +
      'for a profile given as templates see it (`profile`), or for the sample profile when neither is given; with ' +
      'the variables a send would give (`variables`: none by default, as for an action without a coupon). Each ' +
      'channel answers its rendered parts, or the error that would skip its send (a missing variable names it). ' +
      `Nothing is sent or stored. ${templatesDescription}`,
    security: 'adminKey',
    body: {
      description: 'Whom to render for, and how; an empty body renders the latest version for the sample profile.',
      content: { 'application/json': api.TemplatePreviewRequest },
    },
    outcomes: [
      outcome(200, api.TemplatePreview, 'each channel rendered, or the error that would skip its send'),
      invalidJson,
      fail(
        400,
        'invalid_request',
        'the body is not a preview request; path points into it, problems lists every problem',
      ),
      templatePathTooLong,
      undecodablePath,
      adminUnauthorized,
      fail(
        404,
        'not_found',
        'no template with this id, no such version ($.version), or no profile for the customer ($.customerId)',
      ),
      fail(413, 'payload_too_large', `the body exceeds ${kib(api.MAX_TEMPLATE_BODY_BYTES)}`),
      bodyOverLimit,
      unsupportedJson,
      internalError,
      renderUnavailable,
    ],
  },

  'POST /v1/templates/{templateId}/test': {
    operationId: 'testSendTemplate',
    tags: ['templates'],
    summary: 'Send a template to a test recipient',
    description:
      "Queues the latest version of the template, rendered for a customer's stored profile, on one channel, " +
      "to one of the tenant's test recipients (`dispatch.testRecipients` in the config): it goes through the " +
      'dispatcher as a transactional send (no caps, quiet hours or control group), never to the customer. ' +
      `Its outcome shows in the customer's timeline. ${templatesDescription}`,
    security: 'adminKey',
    body: {
      description: 'For whom it renders, on which channel, to which test recipient.',
      content: { 'application/json': api.TemplateTestSendRequest },
    },
    outcomes: [
      outcome(202, api.TemplateTestSend, 'queued for the dispatcher'),
      invalidJson,
      fail(
        400,
        'invalid_request',
        'the body is not a test send request, or the template has no parts for the channel ($.channel)',
      ),
      fail(400, 'not_a_test_recipient', "to is not one of the tenant's dispatch.testRecipients"),
      templatePathTooLong,
      undecodablePath,
      adminUnauthorized,
      fail(404, 'not_found', 'no template with this id, or no profile for the customer ($.customerId)'),
      fail(413, 'payload_too_large', `the body exceeds ${kib(api.MAX_TEMPLATE_BODY_BYTES)}`),
      bodyOverLimit,
      unsupportedJson,
      internalError,
    ],
  },

  'PUT /v1/campaigns/{campaignId}': {
    operationId: 'saveCampaign',
    tags: ['campaigns'],
    summary: 'Save a campaign',
    description:
      'Creates or replaces the campaign (growthloop campaigns schema gives its JSON Schema); runs already made keep ' +
      `their members. The body's id, if given, must be the one in the path. ${campaignsDescription}`,
    security: 'adminKey',
    body: { description: 'The campaign.', content: { 'application/json': api.requestSchemas.CampaignInput } },
    outcomes: [
      outcome(200, api.CampaignSaved, 'the campaign is saved'),
      invalidJson,
      fail(
        400,
        'invalid_campaign',
        "the campaign has problems, or its id is not the path's: the first is the message and path, every one is in problems",
        api.CampaignError,
      ),
      campaignPathTooLong,
      undecodablePath,
      adminUnauthorized,
      fail(413, 'payload_too_large', 'the body exceeds 256 KiB'),
      bodyOverLimit,
      unsupportedJson,
      internalError,
    ],
  },

  'GET /v1/campaigns': {
    operationId: 'listCampaigns',
    tags: ['campaigns'],
    summary: "The tenant's campaigns",
    description: `Every saved campaign with its schedule. ${campaignsDescription}`,
    security: 'adminKey',
    outcomes: [outcome(200, api.CampaignList, 'the campaigns'), adminUnauthorized, bodyOverLimit, internalError],
  },

  'GET /v1/campaigns/{campaignId}': {
    operationId: 'getCampaign',
    tags: ['campaigns'],
    summary: 'A campaign with its runs',
    description: `The campaign as saved and every run of it, latest first, with its report once measured. ${campaignsDescription}`,
    security: 'adminKey',
    outcomes: [
      outcome(200, api.CampaignDetail, 'the campaign'),
      campaignPathTooLong,
      undecodablePath,
      adminUnauthorized,
      campaignNotFound,
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/campaigns/{campaignId}/runs': {
    operationId: 'startCampaignRun',
    tags: ['campaigns'],
    summary: 'Start a run of a campaign',
    description:
      'Starts the run now: the audience is chosen, the holdout kept out, offers go through the dispatcher (consent, ' +
      'caps, quiet hours, the control group and the budget apply), and the lift is measured when the attribution ' +
      'window ends. Starting a run id again sends nothing twice: an offered run goes back to its wait, a reported ' +
      `one ends. ${campaignsDescription}`,
    security: 'adminKey',
    body: { description: 'Optional: the run id, and now.', content: { 'application/json': api.CampaignRunRequest } },
    outcomes: [
      outcome(202, api.CampaignRunStarted, 'the run is started (or carried on)'),
      invalidJson,
      fail(400, 'invalid_request', 'the body is not a run request, or asks for now where runs wait for their window'),
      campaignPathTooLong,
      undecodablePath,
      adminUnauthorized,
      campaignNotFound,
      bodyOverLimit,
      unsupportedJson,
      internalError,
      fail(503, 'unavailable', 'no state machine is configured to run campaigns'),
    ],
  },

  'GET /v1/campaigns/{campaignId}/runs/{runId}': {
    operationId: 'getCampaignRun',
    tags: ['campaigns'],
    summary: 'A run of a campaign, with its report',
    description:
      'Where the run is (selected, offered, reported, failed), what it offered, and once measured its report: ' +
      'conversions and revenue per arm, absolute lift with a Newcombe interval, relative lift with a Katz interval, ' +
      'incremental conversions and revenue, incentive cost, ROI, the sample-ratio check, and insufficient_data below ' +
      `1,000 members an arm or 30 holdout conversions. ${campaignsDescription}`,
    security: 'adminKey',
    outcomes: [
      outcome(200, api.CampaignRunView, 'the run'),
      campaignPathTooLong,
      undecodablePath,
      adminUnauthorized,
      fail(404, 'not_found', 'no campaign with this id, or it has no run with this id'),
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/campaigns/{campaignId}/estimate': {
    operationId: 'estimateCampaign',
    tags: ['campaigns'],
    summary: 'Before launch: the audience a run would take and what its holdout can detect',
    description:
      'Chooses the audience as a run started now would (the same selection: criteria, offer ladder, maxAudience, ' +
      'the stable holdout), writes nothing and sends nothing, and answers its size, treated and held-out members ' +
      'and treated members by rung, with the smallest absolute lift the holdout detects at 80 % power and ' +
      'α = 0.05 (two-sided two-proportion z test) over the base rate: the body’s `baseRate`, else the holdout ' +
      'conversion rate of the campaign’s latest measured run, else none (minimumDetectableEffect null and a note). ' +
      '`growthloop campaigns validate --audience N --base-rate R` computes the same from numbers given by hand. ' +
      'The body may be empty. The runs themselves, latest first with their reports, are in ' +
      `GET /v1/campaigns/{campaignId}. ${campaignsDescription}`,
    security: 'adminKey',
    body: {
      description: 'Optional: the base rate.',
      content: { 'application/json': api.CampaignEstimateRequest },
    },
    outcomes: [
      outcome(200, api.CampaignEstimate, 'the estimate'),
      invalidJson,
      fail(400, 'invalid_request', 'the body is not {baseRate?}, or baseRate is not strictly between 0 and 1'),
      campaignPathTooLong,
      undecodablePath,
      adminUnauthorized,
      campaignNotFound,
      fail(413, 'payload_too_large', 'the body exceeds 256 KiB'),
      bodyOverLimit,
      unsupportedJson,
      internalError,
    ],
  },

  'POST /v1/coupon-pools': {
    operationId: 'createCouponPool',
    tags: ['coupons'],
    summary: 'Create a coupon pool',
    description:
      'A pool of uploaded codes (`kind: uploaded`; add them with POST /v1/coupon-pools/{poolId}/codes) or of codes ' +
      'generated from a pattern (`kind: generated`; POST /v1/coupon-pools/{poolId}/generate draws them), with the ' +
      'coupon it gives, its expiry and budgets. A pool never changes: posting the same settings again answers 200, ' +
      `other settings under its id 409. ${couponsDescription}`,
    security: 'adminKey',
    body: { description: 'The pool settings.', content: { 'application/json': api.CouponPoolRequest } },
    outcomes: [
      outcome(201, api.CouponPoolCreated, 'the pool is created'),
      outcome(200, api.CouponPoolCreated, 'the pool existed already with these settings'),
      invalidJson,
      fail(
        400,
        'invalid_pool',
        'the settings have problems: the first is the message and path, every one is in problems',
        api.CouponPoolError,
      ),
      adminUnauthorized,
      fail(409, 'pool_exists', 'a pool with this id exists with other settings'),
      bodyOverLimit,
      unsupportedJson,
      internalError,
    ],
  },

  'GET /v1/coupon-pools': {
    operationId: 'listCouponPools',
    tags: ['coupons'],
    summary: "The tenant's coupon pools",
    description: `Every pool of the tenant, by id, with its settings and stats. ${couponsDescription}`,
    security: 'adminKey',
    outcomes: [outcome(200, api.CouponPoolList, 'the pools'), adminUnauthorized, bodyOverLimit, internalError],
  },

  'GET /v1/coupon-pools/{poolId}': {
    operationId: 'getCouponPool',
    tags: ['coupons'],
    summary: 'A coupon pool with its stats',
    description:
      'The settings, and the stats: codes ready, issued, available, redeemed, voided, issues refused because the ' +
      `pool was exhausted or over budget, and the value handed out. ${couponsDescription}`,
    security: 'adminKey',
    outcomes: [
      outcome(200, api.CouponPool, 'the pool'),
      poolPathTooLong,
      undecodablePath,
      adminUnauthorized,
      poolNotFound,
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/coupon-pools/{poolId}/codes': {
    operationId: 'uploadCouponCodes',
    tags: ['coupons'],
    summary: 'Upload codes to a pool',
    description:
      'Adds codes to a pool of uploaded codes: JSON `{codes: [...]}` or a CSV file (text/csv: one code a row, in the ' +
      'column headed code, coupon, coupon_code or discount_code, else the first). All or nothing: a code that is ' +
      'invalid, repeats another line (compared without case) or is a code of a pool already is refused with its ' +
      'line, and nothing is added. Sending the same codes again adds nothing and answers 200; a batch cut short is ' +
      `finished by sending it again. ${couponsDescription}`,
    security: 'adminKey',
    body: {
      description: 'The codes, as JSON or as a CSV file.',
      content: { 'application/json': api.UploadCodesRequest, 'text/csv': api.CodesCsv },
    },
    outcomes: [
      outcome(200, api.CodesAdded, 'every code was added (or had been, by the same upload)'),
      invalidJson,
      fail(400, 'invalid_request', 'the JSON body is not {"codes": [string, ...]}', api.CouponPoolError),
      fail(
        400,
        'invalid_codes',
        'nothing was added: every refused line is in problems (line 1-based; entry i of a JSON list is line i + 1)',
        api.CodesError,
      ),
      poolPathTooLong,
      undecodablePath,
      adminUnauthorized,
      poolNotFound,
      fail(409, 'wrong_pool_kind', 'the pool generates its codes: it takes no uploads'),
      fail(409, 'batch_pending', 'another batch of codes is being added to the pool: send that one again to finish it'),
      fail(413, 'payload_too_large', 'the JSON body exceeds 8 MiB, or the CSV file 8 000 000 characters'),
      bodyOverLimit,
      fail(415, 'unsupported_media_type', '`content-type` is neither JSON nor text/csv'),
      internalError,
    ],
  },

  'POST /v1/coupon-pools/{poolId}/generate': {
    operationId: 'generateCouponCodes',
    tags: ['coupons'],
    summary: 'Generate codes for a pool',
    description:
      "Draws `count` more codes from a generated pool's pattern (an empty body: the pool's count, when it has no " +
      'codes yet), distinct within the tenant. A generation cut short is finished by calling it again. ' +
      couponsDescription,
    security: 'adminKey',
    body: {
      description: '`{count}`, or nothing.',
      content: { 'application/json': api.GenerateCodesRequest },
    },
    outcomes: [
      outcome(200, api.CodesAdded, 'the codes are added'),
      invalidJson,
      fail(400, 'invalid_request', 'count is not an integer from 1 to 1000000', api.CouponPoolError),
      poolPathTooLong,
      undecodablePath,
      adminUnauthorized,
      poolNotFound,
      fail(409, 'wrong_pool_kind', 'the pool takes uploaded codes: it generates none'),
      fail(409, 'batch_pending', 'another batch of codes is being added to the pool: send that one again to finish it'),
      bodyOverLimit,
      unsupportedJson,
      internalError,
      fail(503, 'unavailable', 'this admin function has no random source'),
    ],
  },

  'POST /v1/webhooks/shopify/{tenantId}': {
    operationId: 'shopifyWebhook',
    tags: ['webhooks'],
    summary: 'A Shopify webhook delivery',
    description:
      'Verified with the tenant’s Shopify secret, checked against the shape its topic promises, normalized into ' +
      'canonical events and put on the bus. Topics: orders/create, orders/paid, orders/updated, orders/cancelled, ' +
      'refunds/create, customers/create, customers/update, checkouts/create, checkouts/update, app/uninstalled, ' +
      'and the mandatory privacy topics customers/data_request, customers/redact and shop/redact, done at once. ' +
      'Other topics are answered 200 and counted (metric growthloop/IgnoredWebhooks). Redeliveries change nothing: ' +
      'event ids come from Shopify’s own keys.',
    security: 'shopifyHmac',
    headers: [
      {
        name: 'X-Shopify-Hmac-Sha256',
        required: true,
        description: 'base64 HMAC-SHA256 of the raw body under the tenant’s Shopify webhook secret.',
      },
      { name: 'X-Shopify-Topic', required: true, description: 'The topic, e.g. orders/create.' },
      {
        name: 'X-Shopify-Webhook-Id',
        required: false,
        description: 'One per delivery; accepted for tracing, never part of an event id.',
      },
      {
        name: 'X-Shopify-Event-Id',
        required: false,
        description: 'Shared by the deliveries of one merchant action; accepted for tracing.',
      },
      {
        name: 'X-Shopify-Triggered-At',
        required: false,
        description: 'The event time when the payload carries none.',
      },
    ],
    body: {
      description: 'The Admin REST payload of the topic (integers beyond 2^53 are kept exact).',
      content: { 'application/json': api.ShopifyWebhookPayload },
    },
    outcomes: [
      outcome(
        200,
        api.ShopifyWebhookResult,
        'the delivery is on the bus ({accepted}, with {released} refunds of the order that were parked), a refund ' +
          'of an order not received yet, parked until the order’s webhook arrives ({accepted: 0, parked: 1}), valid ' +
          'but not used ({accepted: 0, ignored}), or a privacy request that is done ({privacy, ...})',
      ),
      fail(400, 'invalid_request', 'X-Shopify-Topic is missing'),
      invalidJson,
      fail(400, 'invalid_body', 'the body is not a JSON object'),
      fail(
        400,
        'topic_mismatch',
        'the body is not the payload its topic promises (the signature covers the body, not X-Shopify-Topic: an ' +
          'order sent as customers/redact or shop/redact); nothing is erased, audited or published; path points ' +
          'into it',
      ),
      fail(
        400,
        'invalid_payload',
        'the body is its topic’s kind of payload but a field is malformed; path points into it',
      ),
      undecodablePath,
      unauthorized(
        'X-Shopify-Hmac-Sha256 is missing or does not match the body under the tenant’s secret (also for a tenant ' +
          'with no Shopify secret)',
      ),
      bodyOverLimit,
      internalError,
    ],
  },

  'POST /v1/webhooks/woocommerce/{tenantId}': {
    operationId: 'wooCommerceWebhook',
    tags: ['webhooks'],
    summary: 'A WooCommerce webhook delivery',
    description:
      'Verified with the tenant’s WooCommerce secret, checked against its topic (headers and body), normalized into canonical ' +
      'events and put on the bus. Topics: order.created, order.updated, customer.created, customer.updated; ' +
      'others are answered 200 and counted. The ping WooCommerce sends when a webhook is created ' +
      '(a form body webhook_id=<n> without X-WC-Webhook-* headers) is answered 200 without a signature check.',
    security: 'wooCommerceSignature',
    headers: [
      {
        name: 'X-WC-Webhook-Signature',
        required: false,
        description:
          'base64 HMAC-SHA256 of the raw body under the tenant’s WooCommerce secret; required on every delivery ' +
          'but the creation ping.',
      },
      {
        name: 'X-WC-Webhook-Topic',
        required: false,
        description: 'The topic, e.g. order.created; required on every delivery but the creation ping.',
      },
      {
        name: 'X-WC-Webhook-Delivery-ID',
        required: false,
        description: 'New on every delivery; accepted for tracing, never part of an event id.',
      },
      {
        name: 'X-WC-Webhook-Resource',
        required: false,
        description: 'The topic’s resource, e.g. order; when given it must be the first half of the topic.',
      },
      {
        name: 'X-WC-Webhook-Event',
        required: false,
        description: 'The topic’s event, e.g. created; when given it must be the second half of the topic.',
      },
      { name: 'X-WC-Webhook-Source', required: false, description: 'The store’s home URL; accepted, not used.' },
    ],
    body: {
      description: 'The REST API v3 order or customer; the creation ping as a form.',
      content: {
        'application/json': api.WooCommerceWebhookPayload,
        'application/x-www-form-urlencoded': api.WooCommercePing,
      },
    },
    outcomes: [
      outcome(200, api.WooCommerceWebhookResult, 'the delivery is on the bus, valid but not used, or the ping'),
      fail(400, 'invalid_request', 'X-WC-Webhook-Topic is missing'),
      invalidJson,
      fail(
        400,
        'topic_mismatch',
        'X-WC-Webhook-Resource or X-WC-Webhook-Event disagrees with the topic, or the body is not the topic’s ' +
          'resource (a customer sent as order.created); nothing is published; path names the header or points into ' +
          'the body',
      ),
      fail(400, 'invalid_body', 'the body is not a JSON object'),
      fail(400, 'invalid_event', 'the body is the topic’s resource but a field is malformed; path points into it'),
      fail(400, 'invalid_amount', 'an amount is not exact in the order’s currency'),
      undecodablePath,
      unauthorized(
        'X-WC-Webhook-Signature is missing or does not match the body under the tenant’s secret (also for a ' +
          'tenant with no WooCommerce secret)',
      ),
      bodyOverLimit,
      internalError,
    ],
  },

  'GET /u/{token}': {
    operationId: 'showUnsubscribe',
    tags: ['unsubscribe'],
    summary: 'The confirmation page of a one-click unsubscribe link',
    description:
      'The link in a marketing message (`unsubscribe_url`, and the List-Unsubscribe header of e-mail). Answers a ' +
      'small HTML page whose button POSTs to the same URL, in Simplified Chinese when Accept-Language prefers ' +
      '`zh*`, else in English. Changes nothing: mail scanners and link previews fetch links. No credential: the ' +
      "token, an HMAC under the tenant's unsubscribeSecret, is verified in constant time. Answers carry " +
      "Content-Security-Policy default-src 'none', Cache-Control no-store and Referrer-Policy no-referrer.",
    security: 'none',
    headers: [
      {
        name: 'Accept-Language',
        required: false,
        description: 'zh, zh-CN, … for the Chinese page; English otherwise.',
      },
    ],
    outcomes: unsubscribeOutcomes('the confirmation page'),
  },

  'POST /u/{token}': {
    operationId: 'confirmUnsubscribe',
    tags: ['unsubscribe'],
    summary: 'One-click unsubscribe (RFC 8058)',
    description:
      "Withdraws the customer's consent on the token's channel (e-mail, SMS or push): a canonical consent_changed " +
      '`{channel, granted: false}` event goes on the bus like an ingested one, and marketing on that channel stops ' +
      'once it is folded. Mailbox providers POST `List-Unsubscribe=One-Click`; the confirmation page posts the ' +
      'same; an empty body is accepted too. Idempotent: the event id comes from the token and the day. A customer ' +
      'erased since is not brought back: the page answers, nothing is published.',
    security: 'none',
    headers: [
      {
        name: 'Accept-Language',
        required: false,
        description: 'zh, zh-CN, … for the Chinese page; English otherwise.',
      },
    ],
    body: {
      description: 'The one-click body of RFC 8058 (form-encoded, or multipart/form-data), or nothing.',
      content: { 'application/x-www-form-urlencoded': api.UnsubscribeOneClick },
    },
    outcomes: [
      ...unsubscribeOutcomes('the customer is unsubscribed from the channel: the page that says so'),
      outcome(
        400,
        api.UnsubscribePageHtml,
        'the body has List-Unsubscribe with another value than One-Click',
        undefined,
        'text/html',
      ),
    ],
  },

  'POST /v1/track': segmentCall('track', false),
  'POST /v1/segment/{tenantId}/track': segmentCall('track', true),
  'POST /v1/identify': segmentCall('identify', false),
  'POST /v1/segment/{tenantId}/identify': segmentCall('identify', true),
  'POST /v1/batch': segmentBatch(false),
  'POST /v1/segment/{tenantId}/batch': segmentBatch(true),

  'GET /health': {
    operationId: 'getHealth',
    tags: ['meta'],
    summary: 'Liveness and version',
    description: 'Answers while the API is up, with the growthloop version. Needs no credential.',
    security: 'none',
    outcomes: [outcome(200, api.Health, 'the API is up'), bodyOverLimit, internalError],
  },

  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    tags: ['meta'],
    summary: 'This OpenAPI document',
    description: 'The OpenAPI 3.1 document of this API, as docs/openapi.json holds it. Needs no credential.',
    security: 'none',
    outcomes: [outcome(200, api.OpenApiDocument, 'the document'), bodyOverLimit, internalError],
  },
};

/** The responses object: the outcomes grouped by status, each error code named with when it is answered. */
function responsesOf(outcomes: readonly Outcome[]): Json {
  const byStatus = new Map<number, Outcome[]>();
  for (const o of outcomes) byStatus.set(o.status, [...(byStatus.get(o.status) ?? []), o]);
  const responses: Json = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const content: Json = {};
    for (const media of [...new Set(group.map((o) => o.media ?? 'application/json'))]) {
      const of = group.filter((o) => (o.media ?? 'application/json') === media);
      const schemas = [...new Set(of.map((o) => o.schema))].map(componentRef);
      content[media] = { schema: schemas.length === 1 ? schemas[0] : { anyOf: schemas } };
    }
    const byCode = new Map<string, string[]>();
    for (const o of group) byCode.set(o.code ?? '', [...(byCode.get(o.code ?? '') ?? []), o.when]);
    const description = [...byCode]
      .map(([code, whens]) => (code ? `\`${code}\`: ${whens.join('; or ')}` : whens.join('; or ')))
      .join('; ');
    const codes = [...new Set(group.flatMap((o) => (o.code ? [o.code] : [])))];
    responses[String(status)] = {
      description: description.charAt(0).toUpperCase() + description.slice(1),
      ...(codes.length > 0 ? { 'x-error-codes': codes } : {}),
      content,
    };
  }
  return responses;
}

function operationOf(route: HttpRouteSpec, operation: Operation): Json {
  if (operation.security !== 'none' && !SECURITY_BY_FUNCTION[route.fn].includes(operation.security)) {
    throw new Error(`${routeKey(route)}: ${operation.security} is not a scheme of the ${route.fn} function`);
  }
  const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const parameters = [
    ...pathNames.map((name) => {
      const parameter = PATH_PARAMETERS[name];
      if (!parameter) throw new Error(`${routeKey(route)}: the path parameter ${name} is not described`);
      return { name, in: 'path', required: true, description: parameter.description, schema: inline(parameter.schema) };
    }),
    ...(operation.query ?? []).map((q) => ({
      name: q.name,
      in: 'query',
      required: q.required,
      description: q.description,
      schema: inline(q.schema ?? z.string()),
    })),
    ...(operation.headers ?? []).map((h) => ({
      name: h.name,
      in: 'header',
      required: h.required,
      description: h.description,
      schema: inline(h.schema ?? z.string()),
    })),
  ];
  const body = operation.body;
  return {
    operationId: operation.operationId,
    tags: operation.tags,
    summary: operation.summary,
    description: operation.description,
    // A route open to the admin key is open to the tenant's identity provider's JWTs too, by role.
    security:
      operation.security === 'none'
        ? []
        : [{ [operation.security]: [] }, ...(operation.security === 'adminKey' ? [{ identityToken: [] }] : [])],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            description: body.description,
            required: true,
            content: Object.fromEntries(
              Object.entries(body.content).map(([type, schema]) => [type, { schema: componentRef(schema) }]),
            ),
          },
        }
      : {}),
    responses: responsesOf(
      operation.security === 'adminKey'
        ? [...operation.outcomes, ...signedInOutcomes(routeKey(route))]
        : operation.outcomes,
    ),
  };
}

const DESCRIPTION = `Open marketing-automation backend for e-commerce: it receives store webhooks and events, keeps a \
profile, lifecycle stage and scores for every customer, and runs the journeys marketers write as JSON.

Every error answers JSON \`{error, message, path}\` (ApiError): \`error\` is a stable code, \`path\` says where (a JSON \
path into the body, \`headers.<name>\` or \`path.<parameter>\`). Bad input gets a 4xx and changes nothing. A path that \
is no route answers 404 \`not_found\`; a route's path with another method answers 405 \`method_not_allowed\` with an \
\`allow\` header.`;

/** The OpenAPI 3.1 document of every route in httpRoutes. */
export function openApiDocument(options: OpenApiOptions = {}): Json {
  const paths: Record<string, Json> = {};
  for (const route of httpRoutes) {
    const operation = OPERATIONS[routeKey(route)];
    if (!operation) throw new Error(`${routeKey(route)} has no operation in functions/contracts/openapi.ts`);
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operationOf(route, operation);
    paths[route.path] = item;
  }
  const described = new Set(httpRoutes.map(routeKey));
  const extra = Object.keys(OPERATIONS).filter((key) => !described.has(key));
  if (extra.length > 0) throw new Error(`operations for routes not in httpRoutes: ${extra.join(', ')}`);

  return {
    openapi: '3.1.0',
    info: { title: 'growthloop', version: options.version ?? '0.0.0', description: DESCRIPTION },
    servers: [
      options.serverUrl
        ? { url: options.serverUrl }
        : { url: 'http://127.0.0.1:3000', description: 'the local runtime (npm start)' },
    ],
    tags: [
      { name: 'events', description: 'Canonical events from the shop, apps and backends' },
      { name: 'customers', description: 'Profiles, export and erasure (admin key)' },
      { name: 'model', description: "The tenant's fitted scoring model (admin key)" },
      { name: 'quarantine', description: 'Events parked because they could not be processed (admin key)' },
      { name: 'journeys', description: 'Journeys: drafts, versions, status (admin key)' },
      { name: 'templates', description: 'Message templates: versions, previews (admin key)' },
      { name: 'campaigns', description: 'Scheduled recall campaigns, their runs and lift (admin key)' },
      { name: 'coupons', description: 'Coupon pools: settings, codes, stats (admin key)' },
      { name: 'loyalty', description: 'Points and tiers: balances, redemptions, paid memberships (admin key)' },
      { name: 'referrals', description: 'Invite codes, referrals, and the review of flagged ones (admin key)' },
      { name: 'webhooks', description: 'Store platform webhooks, signed by the platform' },
      { name: 'segment', description: 'The Segment-spec tracking API (Segment, RudderStack, Jitsu)' },
      { name: 'unsubscribe', description: 'One-click unsubscribe links of marketing messages (signed token)' },
      { name: 'meta', description: 'Health and this document' },
    ],
    paths,
    components: { schemas: componentSchemas(), securitySchemes },
  };
}
