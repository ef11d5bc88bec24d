import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CanonicalEventBatch,
  type ApiError as ContractApiError,
  CustomerProfile,
  IngestRequest,
  type ItemError,
  JourneyDetail,
  JourneyDraft,
  JourneyStats,
  type LifecycleState,
  LiftReport,
  MAX_JOURNEY_BYTES,
  type ProfileScores,
  type ProfileView,
  StoredModel,
} from '../../../functions/contracts/http-api';
import { openApiDocument } from '../../../functions/contracts/openapi';
import type { ApiError, ItemError as CoreItemError } from '../../../functions/core/events/ingest';
import type { CanonicalEvent } from '../../../functions/core/events/schemas';
import { NO_POINTS } from '../../../functions/core/journeys/facts';
import { statsOf } from '../../../functions/core/journeys/items';
import { armLifts, journeyLift } from '../../../functions/core/journeys/lift';
import type { Journey } from '../../../functions/core/journeys/schema';
import { jsonPath } from '../../../functions/core/json-path';
import { type LiftReport as CoreLiftReport, measureLift } from '../../../functions/core/metrics/lift';
import { foldEvents, type Profile } from '../../../functions/core/profiles/profile';
import { profileView } from '../../../functions/core/profiles/view';
import {
  type StoredModel as CoreStoredModel,
  fromModelItem,
  modelItems,
} from '../../../functions/core/scoring/model-items';
import {
  type LifecycleState as CoreLifecycleState,
  type ProfileScores as CoreProfileScores,
  evaluateProfile,
} from '../../../functions/core/scoring/profile-scores';
import { DEFAULT_SCORING_SETTINGS } from '../../../functions/core/scoring/settings';
import { fitTenantModel } from '../../../functions/core/scoring/tenant-model';
import { type FunctionName, httpRoutes, routeKey } from '../../../functions/http-routes';

const ROOT = join(import.meta.dirname, '../../..');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

type Json = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; schema?: Json; content?: Json; description?: string };
type Response = { description?: string; content?: Record<string, { schema?: Json }> };
type Operation = {
  operationId: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses: Record<string, Response>;
};
type Document = {
  openapi: string;
  info: { title: string; version: string };
  servers?: { url: string }[];
  tags?: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const doc = openApiDocument({ version }) as unknown as Document;

/** Every operation of the document, by route key ("POST /v1/events"). */
const operations = new Map<string, Operation>(
  Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => [`${m.toUpperCase()} ${path}`, item[m] as Operation]),
  ),
);
const operationOf = (key: string): Operation => {
  const operation = operations.get(key);
  if (!operation) throw new Error(`no operation ${key}`);
  return operation;
};

/** The component names a schema object refers to, directly or in anyOf / oneOf. */
function referencedComponents(schema: Json | undefined): string[] {
  if (!schema) return [];
  const own = typeof schema.$ref === 'string' ? [schema.$ref.replace('#/components/schemas/', '')] : [];
  const alternatives = [...((schema.anyOf as Json[]) ?? []), ...((schema.oneOf as Json[]) ?? [])];
  return [...own, ...alternatives.flatMap(referencedComponents)];
}

/** Every value in a JSON tree with the JSON pointer that reaches it. */
function* walk(value: unknown, pointer = '#'): Generator<[unknown, string]> {
  yield [value, pointer];
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      yield* walk(child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    }
  }
}

function resolve(pointer: string): unknown {
  if (!pointer.startsWith('#/')) return undefined;
  return pointer
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Json)[key] : undefined), doc);
}

// The unsubscribe link's token is its own credential (an HMAC in the path, which no security scheme describes).
const UNAUTHENTICATED = new Set(['GET /health', 'GET /openapi.json', 'GET /u/{token}', 'POST /u/{token}']);

/** The scheme each route must name: by its function, and for webhooks by its platform. */
function expectedScheme(route: { fn: FunctionName; path: string }, key: string): string | undefined {
  if (UNAUTHENTICATED.has(key)) return undefined;
  switch (route.fn) {
    case 'ingest':
      return 'ingestApiKey';
    case 'admin':
      return 'adminKey';
    case 'segment':
      return 'segmentWriteKey';
    case 'webhooks':
      return route.path.includes('/shopify/') ? 'shopifyHmac' : 'wooCommerceSignature';
  }
}

describe('the OpenAPI document', () => {
  it('has exactly one operation for every route in httpRoutes, and no other', () => {
    const keys = httpRoutes.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...operations.keys()].sort()).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining(['GET /health', 'GET /openapi.json']));
  });

  it('gives every operation a summary, a description and a 4xx answer whose body is an ApiError', () => {
    for (const [key, operation] of operations) {
      expect(operation.summary, key).toMatch(/\S/);
      expect(operation.description, key).toMatch(/\S/);
      const apiErrors = Object.entries(operation.responses).filter(
        ([status, response]) =>
          /^4(\d\d|XX)$/.test(status) &&
          referencedComponents(response.content?.['application/json']?.schema).includes('ApiError'),
      );
      expect(apiErrors.length, `${key} has no 4xx answer with an ApiError body`).toBeGreaterThan(0);
    }
  });

  it('names the security scheme of each route’s function, and answers 401 wherever a credential is needed', () => {
    for (const route of httpRoutes) {
      const key = routeKey(route);
      const operation = operationOf(key);
      const scheme = expectedScheme(route, key);
      if (scheme === undefined) {
        expect(operation.security, key).toEqual([]);
        continue;
      }
      // An admin route takes the tenant admin key or, by role, a JWT of the tenant's identity provider.
      const alternatives = scheme === 'adminKey' ? [{ adminKey: [] }, { identityToken: [] }] : [{ [scheme]: [] }];
      expect(operation.security, key).toEqual(alternatives);
      expect(doc.components.securitySchemes[scheme], key).toBeDefined();
      expect(operation.responses['401'], `${key} has no 401`).toBeDefined();
      if (scheme === 'adminKey') expect(operation.responses['403'], `${key} has no 403`).toBeDefined();
    }
    expect(doc.components.securitySchemes.identityToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(doc.components.securitySchemes.ingestApiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
    expect(doc.components.securitySchemes.adminKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.segmentWriteKey).toMatchObject({ type: 'http', scheme: 'basic' });
  });

  it('documents the webhook signature and topic headers as header parameters', () => {
    const headers = (key: string) =>
      new Map((operationOf(key).parameters ?? []).filter((p) => p.in === 'header').map((p) => [p.name, p]));
    const shopify = headers('POST /v1/webhooks/shopify/{tenantId}');
    expect(shopify.get('X-Shopify-Hmac-Sha256')?.required).toBe(true);
    expect(shopify.get('X-Shopify-Topic')?.required).toBe(true);
    for (const optional of ['X-Shopify-Webhook-Id', 'X-Shopify-Event-Id', 'X-Shopify-Triggered-At']) {
      expect(shopify.get(optional)?.required, optional).toBe(false);
    }
    const woo = headers('POST /v1/webhooks/woocommerce/{tenantId}');
    for (const name of ['X-WC-Webhook-Signature', 'X-WC-Webhook-Topic', 'X-WC-Webhook-Delivery-ID']) {
      expect(woo.get(name), name).toBeDefined();
    }
  });

  it('says the journeys body limit the journeys admin API enforces', () => {
    expect(MAX_JOURNEY_BYTES).toBe(256 * 1024);
    expect(operationOf('POST /v1/journeys').responses['413']?.description).toContain('256 KiB');
  });

  describe('is a structurally valid OpenAPI 3.1 document', () => {
    it('with the required top-level fields', () => {
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info).toMatchObject({ title: 'growthloop', version });
      expect(openApiDocument({ version: '9.9.9' }).info).toMatchObject({ version: '9.9.9' });
      expect(openApiDocument({ serverUrl: 'https://api.example.com' }).servers).toEqual([
        { url: 'https://api.example.com' },
      ]);
      for (const server of doc.servers ?? []) expect(server.url).toMatch(/\S/);
      for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\//);
      expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    });

    it('with unique operation ids, declared tags, and well-formed parameters, bodies and responses', () => {
      const ids = [...operations.values()].map((o) => o.operationId);
      expect(new Set(ids).size).toBe(ids.length);
      const tags = new Set((doc.tags ?? []).map((t) => t.name));
      for (const [key, operation] of operations) {
        for (const tag of operation.tags ?? []) expect(tags.has(tag), `${key}: tag ${tag}`).toBe(true);

        const path = key.slice(key.indexOf(' ') + 1);
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const parameters = operation.parameters ?? [];
        const inPath = parameters.filter((p) => p.in === 'path');
        expect(inPath.map((p) => p.name).sort(), key).toEqual([...templated].sort());
        for (const p of inPath) expect(p.required, `${key}: ${p.name}`).toBe(true);
        const seen = new Set<string>();
        for (const p of parameters) {
          expect(['query', 'header', 'path', 'cookie'], `${key}: ${p.name}`).toContain(p.in);
          expect(p.schema ?? p.content, `${key}: ${p.name} has no schema`).toBeDefined();
          const id = `${p.in}:${p.name.toLowerCase()}`;
          expect(seen.has(id), `${key}: ${p.name} twice`).toBe(false);
          seen.add(id);
        }

        if (operation.requestBody) {
          expect(Object.keys(operation.requestBody.content ?? {}).length, key).toBeGreaterThan(0);
        }
        const statuses = Object.keys(operation.responses);
        expect(statuses.length, key).toBeGreaterThan(0);
        expect(
          statuses.some((s) => /^2/.test(s)),
          `${key} has no 2xx`,
        ).toBe(true);
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(status, key).toMatch(/^([1-5](\d\d|XX)|default)$/);
          expect(response.description, `${key} ${status}`).toMatch(/\S/);
          // JSON everywhere, but for the HTML pages people see (the unsubscribe links).
          const media = Object.keys(response.content ?? {});
          expect(media.length, `${key} ${status}`).toBeGreaterThan(0);
          for (const type of media) {
            expect(['application/json', 'text/html'], `${key} ${status}`).toContain(type);
            expect(response.content?.[type]?.schema, `${key} ${status} ${type}`).toBeDefined();
          }
        }
        for (const requirement of operation.security ?? []) {
          for (const name of Object.keys(requirement)) {
            expect(doc.components.securitySchemes[name], `${key}: ${name}`).toBeDefined();
          }
        }
      }
    });

    it('with security schemes of the kinds OpenAPI 3.1 defines', () => {
      for (const [name, scheme] of Object.entries(doc.components.securitySchemes)) {
        expect(['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'], name).toContain(scheme.type);
        if (scheme.type === 'apiKey') {
          expect(['query', 'header', 'cookie'], name).toContain(scheme.in);
          expect(scheme.name, name).toMatch(/\S/);
        }
        if (scheme.type === 'http') expect(scheme.scheme, name).toMatch(/\S/);
      }
    });

    it('whose every $ref resolves, and whose schemas are draft 2020-12 shapes', () => {
      const types = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
      for (const [node, pointer] of walk(doc)) {
        if (!node || typeof node !== 'object' || Array.isArray(node)) continue;
        const schema = node as Json;
        if (typeof schema.$ref === 'string') {
          expect(resolve(schema.$ref), `${pointer}: ${schema.$ref}`).toBeDefined();
        }
        if (!pointer.startsWith('#/components/schemas')) continue;
        expect(schema.$id, pointer).toBeUndefined();
        expect(schema.$schema, pointer).toBeUndefined();
        if (typeof schema.type === 'string' && !pointer.endsWith('/properties/type')) {
          expect(types.has(schema.type), `${pointer}: type ${schema.type}`).toBe(true);
        }
        if (Array.isArray(schema.required) && schema.properties && typeof schema.properties === 'object') {
          for (const name of schema.required as string[]) {
            expect(Object.hasOwn(schema.properties, name), `${pointer}: required ${name}`).toBe(true);
          }
        }
      }
      for (const shared of ['ApiError', 'CanonicalEventInput', 'Journey', 'JourneyDraft', 'Condition', 'Money']) {
        expect(doc.components.schemas[shared], shared).toBeDefined();
      }
      expect(Object.keys(doc.components.schemas)).not.toContain('__shared');
    });
  });

  it('is what docs/openapi.json holds', () => {
    const expected = `${JSON.stringify(openApiDocument({ version }), null, 2)}\n`;
    let checkedIn: string | undefined;
    try {
      checkedIn = readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8');
    } catch {
      checkedIn = undefined;
    }
    expect(checkedIn, 'docs/openapi.json is out of date: run `npx tsx scripts/openapi.ts`').toBe(expected);
  });
});

describe('the request schemas accept the documented examples', () => {
  const dir = join(ROOT, 'examples/journeys');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it.each(files)(
    'examples/journeys/%s is a valid POST /v1/journeys body once its status is left to the API',
    (file) => {
      // The examples say "status": "live" (what publishing gives them); the API sets the status itself.
      const { status: _status, ...draft } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
      const parsed = JourneyDraft.safeParse(draft);
      expect(parsed.error?.issues, file).toBeUndefined();
    },
  );

  it('a journey body may carry a status and version (the API ignores them), but not unknown ones', () => {
    const example = JSON.parse(readFileSync(join(dir, files[0] as string), 'utf8')) as Json;
    expect(JourneyDraft.safeParse({ ...example, status: 'live', version: 3 }).success).toBe(true);
    expect(JourneyDraft.safeParse({ ...example, status: 'running' }).success).toBe(false);
    expect(JourneyDraft.safeParse({ ...example, version: 0 }).success).toBe(false);
  });

  // The bodies of the README's "Post an order" and "Post a batch" (its first two events).
  const readmeOrder = {
    type: 'order_placed',
    eventId: 'order-1001',
    customerId: 'cust-42',
    occurredAt: '2026-11-20T10:00:00Z',
    properties: { orderId: '1001', total: { amount: 4999, currency: 'EUR' } },
  };
  const readmeBatch = {
    batch: [
      {
        type: 'session_started',
        eventId: 's-1',
        customerId: 'cust-42',
        occurredAt: '2026-11-21T08:00:00Z',
        properties: {},
      },
      {
        type: 'consent_changed',
        eventId: 'c-1',
        customerId: 'cust-42',
        occurredAt: '2026-11-21T08:01:00Z',
        properties: { channel: 'email', granted: true },
      },
    ],
  };

  it('the README’s sample events are valid POST /v1/events bodies', () => {
    expect(IngestRequest.safeParse(readmeOrder).error?.issues).toBeUndefined();
    expect(IngestRequest.safeParse(readmeBatch).error?.issues).toBeUndefined();
  });

  it('the README’s bad batch event is refused where the README says', () => {
    const bad = {
      type: 'order_placed',
      eventId: 'o-2',
      customerId: 'cust-42',
      occurredAt: '2026-11-21T08:02:00Z',
      properties: { orderId: '1002', total: { amount: 19.99, currency: 'EUR' } },
    };
    expect(IngestRequest.safeParse({ batch: [...readmeBatch.batch, bad] }).success).toBe(false);
    const issue = CanonicalEventBatch.safeParse({ batch: [...readmeBatch.batch, bad] }).error?.issues[0];
    expect(jsonPath('$', issue?.path ?? [])).toBe('$.batch[2].properties.total.amount');
    expect(IngestRequest.safeParse({ batch: [] }).success).toBe(false);
    expect(IngestRequest.safeParse({ batch: Array.from({ length: 501 }, () => readmeOrder) }).success).toBe(false);
  });
});

describe('the response schemas match what the core produces today', () => {
  it('the types agree with the core’s', () => {
    expectTypeOf<ContractApiError>().toEqualTypeOf<ApiError>();
    expectTypeOf<ItemError>().toExtend<CoreItemError>();
    expectTypeOf<CoreItemError>().toExtend<ItemError>();
    expectTypeOf<ReturnType<typeof profileView>>().toExtend<ProfileView>();
    expectTypeOf<CoreLifecycleState>().toExtend<LifecycleState>();
    expectTypeOf<LifecycleState>().toExtend<CoreLifecycleState>();
    expectTypeOf<CoreProfileScores>().toExtend<ProfileScores>();
    expectTypeOf<ProfileScores>().toExtend<CoreProfileScores>();
    expectTypeOf<CoreStoredModel>().toExtend<StoredModel>();
    expectTypeOf<StoredModel>().toExtend<CoreStoredModel>();
    expectTypeOf<ReturnType<typeof statsOf>>().toEqualTypeOf<JourneyStats>();
    expectTypeOf<CoreLiftReport>().toEqualTypeOf<LiftReport>();
  });

  it('a lift report parses as documented, with revenue and cost or without, and with no holdout conversions', () => {
    const reports = [
      measureLift({
        treated: { n: 20, conversions: 6 },
        holdout: { n: 20, conversions: 2 },
        expectedHoldoutShare: 0.5,
      }),
      measureLift({ treated: { n: 9, conversions: 0 }, holdout: { n: 1, conversions: 0 }, expectedHoldoutShare: 0.1 }),
      measureLift({
        treated: { n: 5000, conversions: 400, revenue: { amount: 2_000_000, currency: 'EUR' } },
        holdout: { n: 5000, conversions: 300, revenue: { amount: 2_500_000, currency: 'EUR' } },
        expectedHoldoutShare: 0.5,
        incentiveCost: { amount: 10_000, currency: 'EUR' },
      }),
    ];
    expect(reports[2]?.status).toBe('ok');
    expect(reports[2]?.revenue?.incremental.amount).toBeLessThan(0);
    for (const report of reports) {
      const body = JSON.parse(JSON.stringify(report));
      expect(body).toEqual(report);
      expect(LiftReport.parse(body)).toEqual(body);
    }
  });

  /** Customers of one shop over two years: most order once, every fourth comes back. */
  function shop(): Profile[] {
    const start = Date.parse('2024-01-01T00:00:00Z');
    return Array.from({ length: 160 }, (_, c) => {
      const orders = c % 4 === 0 ? 2 + (c % 7) : 1;
      const events: CanonicalEvent[] = Array.from({ length: orders }, (_, o) => ({
        type: 'order_placed',
        tenantId: 'shop',
        eventId: `o-${c}-${o}`,
        customerId: `c-${c}`,
        occurredAt: new Date(start + ((c * 3 + o * (20 + (c % 50))) % 700) * 86_400_000).toISOString(),
        source: 'test',
        properties: { orderId: `${c}-${o}`, total: { amount: 1000 + ((c * 37 + o * 11) % 9000), currency: 'EUR' } },
      }));
      return foldEvents(undefined, events) as Profile;
    });
  }

  it('a profile with its lifecycle, scores and points, and the fitted model, parse as documented', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const profiles = shop();
    const fit = fitTenantModel('shop', profiles, 'EUR', DEFAULT_SCORING_SETTINGS, now);
    expect(fit.diagnostics.status).toBe('fitted');
    const stored = fromModelItem(modelItems('shop', fit, undefined)[0]) as CoreStoredModel;
    const model = JSON.parse(JSON.stringify(stored));
    expect(StoredModel.parse(model)).toEqual(model);

    const context = { model: fit.model, settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };
    for (const profile of [profiles[0] as Profile, profiles[1] as Profile]) {
      const { scores, lifecycle } = evaluateProfile(profile, undefined, context, now);
      const body = JSON.parse(
        JSON.stringify({
          ...profileView(profile),
          lifecycle: { stage: lifecycle.stage, since: lifecycle.since, reason: lifecycle.reason },
          scores,
          points: { balance: 120, available: 80, pending: 40, expiringNext: '2027-01-01T00:00:00.000Z' },
        }),
      );
      expect(CustomerProfile.parse(body)).toEqual(body);
    }
    const { scores } = evaluateProfile(profiles[0] as Profile, undefined, { ...context, model: undefined }, now);
    const unscored = JSON.parse(
      JSON.stringify({ ...profileView(profiles[0] as Profile), lifecycle: null, scores, points: NO_POINTS }),
    );
    expect(CustomerProfile.parse(unscored)).toEqual(unscored);
  });

  it('a journey’s stats parse as documented, counted or not', () => {
    expect(JourneyStats.parse(statsOf(undefined))).toEqual(statsOf(undefined));
    const counted = statsOf({ pk: 't#JSTATS', sk: 'j', entered: 3, sent: 2, 'at#wait-1h': 1 });
    expect(JourneyStats.parse(counted)).toEqual(counted);
  });

  it('a journey never published shows its draft as posted, without defaults', () => {
    const example = JSON.parse(readFileSync(join(ROOT, 'examples/journeys/abandoned-checkout.json'), 'utf8'));
    const { status: _status, ...draft } = example as Json;
    const detail = {
      id: 'abandoned-checkout',
      name: 'Abandoned checkout',
      status: 'draft',
      version: 0,
      updatedAt: '2026-01-01T00:00:00.000Z',
      draft,
      published: [],
      journey: draft,
      stats: statsOf(undefined),
      ...journeyLift(undefined, statsOf(undefined)),
      arms: armLifts(undefined, statsOf(undefined).arms),
    };
    const parsed = JourneyDetail.parse(detail);
    expect(parsed.draft).toEqual(draft);
    expect(parsed.journey).toEqual(draft);
    expect(parsed).toMatchObject({ lift: null, liftNote: 'no holdout activity' });
  });

  it('a journey detail with a lift parses as documented', () => {
    const journey = {
      activities: {
        control: { type: 'holdout', percent: 50, next: 'pick' },
        pick: {
          type: 'split',
          paths: [
            { name: 'A', percent: 50 },
            { name: 'B', percent: 50 },
          ],
        },
      },
    } as unknown as Pick<Journey, 'activities'>;
    const stats = {
      ...statsOf(undefined),
      entered: 40,
      treated: 22,
      heldOut: 18,
      treatedConverted: 5,
      holdoutConverted: 2,
      arms: {
        control: { treated: { n: 22, conversions: 5 }, holdout: { n: 18, conversions: 2 } },
        pick: { A: { n: 12, conversions: 3 }, B: { n: 10, conversions: 2 } },
      },
    };
    const detail = JSON.parse(
      JSON.stringify({
        id: 'lift',
        name: 'Lift',
        status: 'live',
        version: 1,
        updatedAt: '2026-01-01T00:00:00.000Z',
        draft: null,
        published: [{ version: 1, publishedAt: '2026-01-01T00:00:00.000Z' }],
        journey: null,
        stats,
        ...journeyLift(journey, stats),
        arms: armLifts(journey, stats.arms),
      }),
    );
    expect(detail.lift.status).toBe('insufficient_data');
    expect(detail.arms.map((a: { activity: string; lifts: unknown[] }) => [a.activity, a.lifts.length])).toEqual([
      ['control', 1],
      ['pick', 1],
    ]);
    expect(JourneyDetail.parse(detail)).toEqual(detail);
    expect(JourneyDetail.safeParse({ ...detail, liftNote: undefined }).success).toBe(false);
    expect(JourneyDetail.safeParse({ ...detail, lift: { ...detail.lift, status: 'won' } }).success).toBe(false);
  });
});
