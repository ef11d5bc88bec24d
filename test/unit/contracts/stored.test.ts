// The schemas of stored items (functions/contracts/stored.ts): each accepts what its encoder
// writes, also after the adapters' round trip (DynamoDB's marshalling turns string sets into
// Sets), and a corrupt item fails with its key and the path of what is wrong.
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../functions/adapters/clock';
import { createLocalDataKeys } from '../../../functions/adapters/local/data-keys';
import { silentLog } from '../../../functions/adapters/log';
import { createMemoryBus } from '../../../functions/adapters/memory/bus';
import { createMemoryQueue } from '../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../functions/adapters/memory/store';
import { createMemoryTimers } from '../../../functions/adapters/memory/timers';
import { createAdvanceJourneys } from '../../../functions/app/advance-journeys/run';
import { createBuyerBackfill } from '../../../functions/app/daily-run/buyer-backfill';
import { createDailyRun } from '../../../functions/app/daily-run/run';
import { createFoldProfiles } from '../../../functions/app/fold-profiles/run';
import { publishEvents } from '../../../functions/app/ingest/publish';
import { createManageJourneys } from '../../../functions/app/manage-journeys/run';
import { createTenantErasure, requestTenantErasure } from '../../../functions/app/privacy/erase-tenant';
import { createPrivacy } from '../../../functions/app/privacy/run';
import { createRegistryDirectory } from '../../../functions/app/tenants/directory';
import { addTenant, rotateKey } from '../../../functions/app/tenants/registry';
import type { QueueRecord } from '../../../functions/contracts/messages';
import {
  DataKeyItem,
  decodeCounters,
  decodeItem,
  IndexBackfillItem,
  JourneyStateItem,
  KeyLookupItem,
  ProfileItem,
  RegistrySaltItem,
  StoredItemError,
  storedItemSchema,
  storedVersion,
  TenantEntryItem,
  TenantErasureItem,
} from '../../../functions/contracts/stored';
import { keyLookupKey, saltKey, tenantEntryKey } from '../../../functions/core/config/registry';
import type { TenantRecord } from '../../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../../functions/core/events/schemas';
import { createCatalog } from '../../../functions/core/journeys/catalog';
import { emptyCustomerJourneys, onCustomerEvent } from '../../../functions/core/journeys/customer';
import {
  catalogRevisionOf,
  fromCustomerJourneysItem,
  fromJourneyDraftItem,
  fromJourneyStateItem,
  fromJourneyVersionItem,
  publishedJourneys,
  stateKey,
  statsOf,
  toCustomerJourneysItem,
  versionKey,
} from '../../../functions/core/journeys/items';
import { Journey } from '../../../functions/core/journeys/schema';
import { buyerBackfillKey } from '../../../functions/core/migrations';
import { auditItem, erasedAtOf, tombstoneItem, tombstoneKey } from '../../../functions/core/privacy/records';
import { DATA_KEY_SK, isSealed } from '../../../functions/core/privacy/sealed';
import { tenantErasureKey } from '../../../functions/core/privacy/tenant-erasure';
import { planProfileWrite } from '../../../functions/core/profiles/apply';
import {
  aliasKey,
  aliasTarget,
  fromProfileItem,
  ledgerHashes,
  ledgerKey,
  orderCustomer,
  orderIndexKey,
  profileKey,
  profileLinks,
  type StoredProfile,
  toProfileItem,
  withoutProfileOutbox,
} from '../../../functions/core/profiles/items';
import { foldEvents, type Profile } from '../../../functions/core/profiles/profile';
import { rescore } from '../../../functions/core/profiles/profile-changes';
import { fromModelItem, ModelHistoryItem, modelItems } from '../../../functions/core/scoring/model-items';
import { DEFAULT_SCORING_SETTINGS } from '../../../functions/core/scoring/settings';
import { fitTenantModel } from '../../../functions/core/scoring/tenant-model';
import type { Item } from '../../../functions/ports';
import { INGEST_SOURCE } from '../../../functions/routes';
import { shopHistory } from '../../../scripts/workload';
import { testEvent } from '../../helpers/events';
import { welcomeJourney } from '../../helpers/journeys';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const HOUR = 3_600_000;
const tenantId = 'shop';

let n = 0;
const event = (type: string, customerId: string, at: number, properties: object) =>
  testEvent(tenantId, type, customerId, at, properties, `e-${n++}`);

/** What the DynamoDB adapter hands back after storing the item. */
const throughDynamo = (item: Item): Item => {
  const { pk, sk, ...rest } = unmarshall(marshall(item, { removeUndefinedValues: true }));
  return { pk: String(pk), sk: String(sk), ...rest };
};

/** A customer with every part of the profile set: orders, a refund, registers, tags, a cart, a merge. */
function richProfile(): StoredProfile {
  const events = [
    event('identify', 'ada', T0, {
      traits: { plan: 'gold', age: 36, vip: true, nick: null },
      timezone: 'Europe/Berlin',
    }),
    event('consent_changed', 'ada', T0 + 1000, { channel: 'email', granted: true }),
    event('tags_updated', 'ada', T0 + 2000, { add: ['vip'], remove: ['new'] }),
    event('order_placed', 'ada', T0 + 3000, { orderId: 'o#1', total: { amount: 4200, currency: 'EUR' } }),
    event('order_cancelled', 'ada', T0 + 4000, { orderId: 'o-2', total: { amount: 100, currency: 'USD' } }),
    event('refund', 'ada', T0 + 5000, { orderId: 'o#1', amount: { amount: 200, currency: 'EUR' } }),
    event('checkout_started', 'ada', T0 + 6000, {
      checkoutId: 'k1',
      value: { amount: 900, currency: 'EUR' },
      itemCount: 2,
    }),
    event('session_started', 'ada', T0 + 7000, {}),
    event('login', 'ada', T0 + 8000, {}),
  ];
  const planned = planProfileWrite(undefined, events, {}, T0 + HOUR).next;
  if (!planned) throw new Error('the fold planned no write');
  const context = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };
  const scored = rescore(planned, context, T0 + HOUR);
  return { ...scored, profile: { ...scored.profile, mergedFrom: ['anon:v1'] }, version: 3 };
}

/** The message a corrupt item fails with. */
function failure(run: () => unknown): StoredItemError {
  try {
    run();
  } catch (e) {
    if (e instanceof StoredItemError) return e;
    throw e;
  }
  throw new Error('the item decoded');
}

describe('stored profiles', () => {
  it('decode to what was encoded, also after the DynamoDB round trip', () => {
    const stored = richProfile();
    expect(stored.outbox?.length).toBeGreaterThan(0);
    expect(stored.lifecycle).toBeDefined();
    const item = toProfileItem(stored);
    expect(fromProfileItem(item)).toEqual(stored);
    expect(fromProfileItem(structuredClone(item))).toEqual(stored);
    expect(fromProfileItem(throughDynamo(item))).toEqual(stored);
    expect(withoutProfileOutbox(item).outbox).toBeUndefined();
  });

  it('decode every profile a season of shopping folds', () => {
    const events = shopHistory({ customers: 200, events: 5000, seed: 3 }).map(
      (e) => ({ ...e, tenantId }) as CanonicalEvent,
    );
    const items = new Map<string, Item>();
    for (let i = 0; i < events.length; i += 50) {
      const batch = events.slice(i, i + 50);
      for (const customerId of new Set(batch.map((e) => e.customerId))) {
        const current = items.get(customerId);
        const mine = batch.filter((e) => e.customerId === customerId);
        const next = planProfileWrite(current && fromProfileItem(current), mine, {}, T0).next;
        if (next) items.set(customerId, toProfileItem(next));
      }
    }
    for (const item of items.values()) expect(fromProfileItem(throughDynamo(item))).toEqual(fromProfileItem(item));
  });

  it('pass through attributes the schema does not name, so a later write keeps them', () => {
    const item = { ...toProfileItem(richProfile()), addedLater: { x: 1 } };
    expect(toProfileItem(fromProfileItem(item)).addedLater).toEqual({ x: 1 });
  });

  it('fail with the key and the path of a wrong attribute', () => {
    const item = toProfileItem(richProfile());
    const key = `${item.pk} / ${item.sk}`;
    expect(failure(() => fromProfileItem({ ...item, version: '3' })).message).toBe(
      `stored item ${key} does not decode: $.version: Invalid input: expected number, received string`,
    );
    const { tenantId: _, ...withoutTenant } = item;
    expect(failure(() => fromProfileItem(withoutTenant)).message).toMatch(
      /does not decode: \$\.tenantId: Invalid input: expected string, received undefined$/,
    );
    expect(failure(() => fromProfileItem({ ...item, version: 2.5 })).message).toMatch(/\$\.version: .*int/);
    expect(failure(() => fromProfileItem({ ...item, orders: null })).message).toMatch(/\$\.orders: .*expected number/);
  });

  it('fail on a wrong entry of a map, at the entry', () => {
    const item = toProfileItem(richProfile());
    const profile = fromProfileItem(item).profile;
    const cases: [Record<string, unknown>, string][] = [
      [{ counts: { ...profile.counts, login: '5' } }, '$.counts.login: expected a number'],
      [
        { orderBook: { ...profile.orderBook, 'o#1': { ...profile.orderBook['o#1'], total: '4200' } } },
        '$.orderBook["o#1"]: expected an order',
      ],
      [{ revenue: { EUR: { orders: 1, gross: 1 } } }, '$.revenue.EUR: expected currency totals'],
      [{ traits: { plan: { v: { nested: true }, at: 'x' } } }, '$.traits.plan: expected a register'],
      [{ consent: { email: true } }, '$.consent.email: expected a register {v: boolean'],
      [{ seen: { '2900': 42 } }, '$.seen["2900"]: expected a string'],
      [{ traits: [] }, '$.traits: expected a map'],
    ];
    for (const [change, message] of cases) {
      expect(failure(() => fromProfileItem({ ...item, ...change })).message).toContain(`does not decode: ${message}`);
    }
  });

  it('fail on a wrong lifecycle or outbox', () => {
    const item = toProfileItem(richProfile());
    const outbox = fromProfileItem(item).outbox ?? [];
    expect(
      failure(() => fromProfileItem({ ...item, lifecycle: { ...fromProfileItem(item).lifecycle, stage: 'gone' } }))
        .message,
    ).toMatch(/\$\.lifecycle\.stage: /);
    expect(failure(() => fromProfileItem({ ...item, outbox: [...outbox, { type: 'x' }] })).message).toMatch(
      new RegExp(`\\$\\.outbox\\[${outbox.length}\\]`),
    );
    expect(failure(() => fromProfileItem({ ...item, mergedInto: 7 })).message).toMatch(/\$\.mergedInto: /);
  });

  it('report the key and every issue on the error', () => {
    const item = toProfileItem(richProfile());
    const error = failure(() => fromProfileItem({ ...item, version: 'x', orders: 'y' }));
    expect(error.key).toEqual({ pk: item.pk, sk: 'PROFILE' });
    expect(error.issues.map((i) => i.path.join('.')).sort()).toEqual(['orders', 'version']);
    expect(error.message).toMatch(/\(and 1 more\)$/);
  });

  it('yield the links erasure follows even when the rest is corrupt', () => {
    const item = { ...toProfileItem(richProfile()), counts: 'corrupt' };
    expect(profileLinks(item)).toEqual({ orderIds: ['o#1', 'o-2'], mergedFrom: ['anon:v1'] });
    expect(() => profileLinks({ ...item, mergedFrom: 'anon:v1' })).toThrow(/\$\.mergedFrom: /);
  });
});

describe('the customer partition and its indexes', () => {
  const profile = profileKey(tenantId, 'ada');

  it('ledgers hold a set of hashes, as the adapters hand back string sets', () => {
    const item = { ...ledgerKey(profile, '2900'), hashes: new Set(['AAAAAAAA', 'BBBBBBBB']) };
    expect(ledgerHashes(item)).toEqual(new Set(['AAAAAAAA', 'BBBBBBBB']));
    expect(ledgerHashes(throughDynamo(item))).toEqual(new Set(['AAAAAAAA', 'BBBBBBBB']));
    expect(ledgerHashes(ledgerKey(profile, '2900'))).toEqual(new Set());
    expect(failure(() => ledgerHashes({ ...item, hashes: ['AAAAAAAA'] })).message).toBe(
      `stored item ${profile.pk} / SEEN#2900 does not decode: $.hashes: expected a set of strings`,
    );
  });

  it('aliases and order index items name a customer', () => {
    expect(aliasTarget({ ...aliasKey(tenantId, 'anon:v1'), customerId: 'ada' })).toBe('ada');
    expect(orderCustomer({ ...orderIndexKey(tenantId, 'o-1'), customerId: 'ada' })).toBe('ada');
    expect(failure(() => aliasTarget(aliasKey(tenantId, 'anon:v1'))).message).toBe(
      `stored item ${tenantId}#C#anon:v1 / ALIAS does not decode: $.customerId: Invalid input: expected string, received undefined`,
    );
    expect(() => orderCustomer({ ...orderIndexKey(tenantId, 'o-1'), customerId: '' })).toThrow(/\$\.customerId: /);
  });

  it('tombstones hold the erasure time, and audit entries what was done', () => {
    const tombstone = tombstoneItem(tenantId, 'ada', T0);
    expect(erasedAtOf(throughDynamo(tombstone))).toBe(new Date(T0).toISOString());
    expect(() => erasedAtOf({ ...tombstone, erasedAt: T0 })).toThrow(/\$\.erasedAt: /);
    expect(() => erasedAtOf({ ...tombstone, erasedAt: '1 June' })).toThrow(/\$\.erasedAt: /);
    const audit = auditItem(tenantId, 'erase', 'ada', 'admin_api', T0, { erasedItems: 3 });
    expect(storedItemSchema(audit)?.safeParse(audit).success).toBe(true);
    expect(storedItemSchema(tombstoneKey(tenantId, 'ada'))?.safeParse(tombstone).success).toBe(true);
  });
});

describe('journeys', () => {
  const journey = Journey.parse({ ...welcomeJourney, status: 'live', version: 1 });
  const state = { status: 'paused' as const, version: 1, updatedAt: new Date(T0).toISOString() };
  const definitions: Item[] = [
    { ...versionKey(tenantId, 'welcome', 1), journey, publishedAt: new Date(T0).toISOString() },
    { ...stateKey(tenantId, 'welcome'), state, version: 2 },
  ];

  it('definitions decode to the catalog, with the current status', () => {
    expect(publishedJourneys(definitions.map(throughDynamo))).toEqual([{ ...journey, status: 'paused' }]);
    expect(fromJourneyStateItem(definitions[1]!)).toEqual({ state, revision: 2 });
    expect(fromJourneyVersionItem(definitions[0]!)).toEqual({ journey, publishedAt: new Date(T0).toISOString() });
    const draft = { journey: { id: 'welcome', name: 'Welcome', anything: 'as posted' }, updatedAt: 'now' };
    expect(fromJourneyDraftItem({ pk: 'p', sk: 'welcome#DRAFT', ...draft })).toEqual(draft);
    expect(catalogRevisionOf(undefined)).toBe(0);
    expect(catalogRevisionOf({ pk: `${tenantId}#JOURNEYS`, sk: 'CATALOG', revision: 4 })).toBe(4);
  });

  it('a corrupt definition fails the catalog instead of running', () => {
    const [version, stateItem] = definitions as [Item, Item];
    const noActivities = { ...version, journey: { ...journey, activities: undefined } };
    expect(failure(() => publishedJourneys([noActivities])).message).toMatch(
      /^stored item shop#JOURNEYS \/ welcome#V#000001 does not decode: \$\.journey\.activities: /,
    );
    const badStatus = { ...stateItem, state: { ...state, status: 'running' } };
    expect(failure(() => publishedJourneys([version, badStatus])).message).toMatch(/\$\.state\.status: /);
    expect(failure(() => decodeItem(JourneyStateItem, { ...stateItem, version: undefined })).message).toMatch(
      /\$\.version: /,
    );
  });

  it("a customer's journeys decode to what was encoded", () => {
    const entered = onCustomerEvent(
      createCatalog([journey]),
      emptyCustomerJourneys(),
      event('login', 'ada', T0, {}),
      { profile: { customerId: 'ada' }, timeZone: 'UTC' },
      T0,
    );
    expect(entered.state.instances.length).toBe(1);
    const stored = { state: entered.state, version: 4, outbox: entered.intents };
    const item = toCustomerJourneysItem(tenantId, 'ada', stored);
    expect(fromCustomerJourneysItem(throughDynamo(item))).toEqual(stored);
    expect(fromCustomerJourneysItem(undefined)).toBeUndefined();
    const instance = entered.state.instances[0]!;
    const corrupt = { ...item, state: { ...entered.state, instances: [{ ...instance, version: undefined }] } };
    expect(failure(() => fromCustomerJourneysItem(corrupt)).message).toMatch(
      /does not decode: \$\.state\.instances\[0\]\.version: /,
    );
    const visits = { ...item, state: { ...entered.state, instances: [{ ...instance, visits: { hello: 'once' } }] } };
    expect(failure(() => fromCustomerJourneysItem(visits)).message).toMatch(
      /\$\.state\.instances\[0\]\.visits\.hello: expected a number$/,
    );
    const intents = stored.outbox;
    expect(intents.some((i) => i.type === 'send')).toBe(true);
    const badTimer = { ...item, outbox: [...intents, { ...intents[0], type: 'set_timer', timerId: 't', at: 'soon' }] };
    expect(failure(() => fromCustomerJourneysItem(badTimer)).message).toMatch(
      new RegExp(`\\$\\.outbox\\[${intents.length}\\]\\.at: expected a time$`),
    );
    const unknownIntent = { ...item, outbox: [{ ...intents[0], type: 'teleport' }] };
    expect(failure(() => fromCustomerJourneysItem(unknownIntent)).message).toMatch(/\$\.outbox\[0\]\.type: /);
    const enrollments = { ...item, state: { ...entered.state, enrollments: { welcome: { entries: '1' } } } };
    expect(failure(() => fromCustomerJourneysItem(enrollments)).message).toMatch(
      /\$\.state\.enrollments\.welcome: expected an enrollment/,
    );
  });

  it('counters decode, and a counter that is not a number fails', () => {
    const key = { pk: `${tenantId}#JSTATS`, sk: 'welcome' };
    const counters = {
      ...key,
      entered: 3,
      sent: 2,
      'at#wait': 1,
      'at#hello': 0,
      'in#wait': 3,
      'arm#split#A': 2,
      'arm#split#B #2': 1,
      'conv#split#A': 1,
      'arm#hold#holdout': 1,
    };
    expect(statsOf(throughDynamo(counters))).toEqual({
      entered: 3,
      completed: 0,
      exited: 0,
      heldOut: 0,
      treated: 0,
      holdoutConverted: 0,
      treatedConverted: 0,
      failed: 0,
      converted: 0,
      queued: 0,
      sent: 2,
      skipped: 0,
      skippedBy: {},
      capped: 0,
      couponsRedeemed: 0,
      couponsVoided: 0,
      waiting: { wait: 1 },
      // Per activity, and per arm of a split or holdout (a path's name may hold "#").
      reached: { wait: 3 },
      arms: {
        split: { A: { n: 2, conversions: 1 }, 'B #2': { n: 1, conversions: 0 } },
        hold: { holdout: { n: 1, conversions: 0 } },
      },
    });
    expect(statsOf(undefined).entered).toBe(0);
    expect(failure(() => statsOf({ ...key, 'arm#split#A': '2' })).message).toMatch(/expected a number$/);
    expect(failure(() => statsOf({ ...key, sent: '2' })).message).toMatch(/\$\.sent: /);
    expect(failure(() => statsOf({ ...key, 'at#wait': '1' })).message).toMatch(/\$\["at#wait"\]: expected a number$/);
    expect(storedVersion({ ...key, version: 3 })).toBe(3);
    expect(failure(() => storedVersion(key)).message).toMatch(/\$\.version: /);
    expect(decodeCounters(key, ['entered'], { ...key, entered: 1, sent: 2 })).toEqual({ entered: 1 });
    expect(failure(() => decodeCounters(key, ['entered'], { entered: '1' })).message).toBe(
      'stored item shop#JSTATS / welcome does not decode: $.entered: Invalid input: expected number, received string',
    );
  });
});

describe('tenant models', () => {
  it('decode to what the fit wrote, with and without a model', () => {
    const events = shopHistory({
      customers: 400,
      events: 12_000,
      seed: 7,
      start: '2025-01-01T00:00:00Z',
      days: 450,
    }).map((e) => ({ ...e, tenantId }) as CanonicalEvent);
    const byCustomer = Map.groupBy(events, (e) => e.customerId);
    const profiles = [...byCustomer.values()].map((list) => foldEvents(undefined, list) as Profile);
    const now = Date.parse('2026-04-01T00:00:00Z');
    const fit = fitTenantModel(tenantId, profiles, 'EUR', DEFAULT_SCORING_SETTINGS, now);
    expect(fit.model, fit.diagnostics.reason).toBeDefined();
    const [current, history] = modelItems(tenantId, fit, undefined).map(throughDynamo) as [Item, Item];
    expect(fromModelItem(current)).toEqual({ model: fit.model, diagnostics: fit.diagnostics, latest: fit.diagnostics });
    expect(ModelHistoryItem.safeParse(history).success).toBe(true);
    const unfitted = fitTenantModel(tenantId, profiles.slice(0, 3), 'EUR', DEFAULT_SCORING_SETTINGS, now);
    const [kept] = modelItems(tenantId, unfitted, fromModelItem(current));
    expect(fromModelItem(kept)).toEqual({
      model: fit.model,
      diagnostics: fit.diagnostics,
      latest: unfitted.diagnostics,
    });
    const broken = { ...current, model: { ...fit.model, bgnbd: { ...fit.model?.bgnbd, r: 'one' } } };
    expect(failure(() => fromModelItem(broken)).message).toMatch(
      /^stored item shop#MODEL \/ CURRENT does not decode: \$\.model\.bgnbd\.r: /,
    );
    expect(failure(() => fromModelItem({ ...current, latest: undefined })).message).toMatch(/\$\.latest: /);
  });
});

describe('the items outside every tenant: registry, erasure jobs, migrations; and data keys', () => {
  const iso = new Date(T0).toISOString();
  const hash = 'c'.repeat(64);
  const entry = {
    id: tenantId,
    timezone: 'Europe/Berlin',
    currency: 'EUR',
    keys: { api: { hash }, admin: { hash: 'd'.repeat(64) } },
    source: 'cli',
    createdAt: iso,
    updatedAt: iso,
  };
  const valid: [Item, unknown][] = [
    [{ ...saltKey, salt: 'A'.repeat(44) }, RegistrySaltItem],
    [{ ...tenantEntryKey(tenantId), version: 1, entry }, TenantEntryItem],
    [{ ...keyLookupKey(hash), tenantId, kind: 'api' }, KeyLookupItem],
    [
      {
        ...tenantErasureKey(tenantId),
        version: 1,
        tenantId,
        status: 'pending',
        requestedBy: 'shopify',
        requestedAt: iso,
        requests: 1,
        scanned: false,
        erasedItems: 0,
      },
      TenantErasureItem,
    ],
    [{ ...buyerBackfillKey, cursor: 'abc', done: false, indexed: 12 }, IndexBackfillItem],
    [
      { pk: profileKey(tenantId, 'ada').pk, sk: DATA_KEY_SK, wrapped: 'AAAA', wrappedBy: 'kms', createdAt: iso },
      DataKeyItem,
    ],
  ];

  it('each has its schema by its key, and decodes after the DynamoDB round trip', () => {
    for (const [item, schema] of valid) {
      expect(storedItemSchema(item), `${item.pk} / ${item.sk}`).toBe(schema);
      expect(() => decodeItem(schema as typeof DataKeyItem, throughDynamo(item))).not.toThrow();
    }
  });

  it('a corrupt one fails with its key and the path of what is wrong', () => {
    const corrupt = (index: number, change: object) => {
      const [item, schema] = valid[index]!;
      return failure(() => decodeItem(schema as typeof DataKeyItem, { ...item, ...change })).message;
    };
    expect(corrupt(0, { salt: 'short' })).toMatch(/^stored item TENANTS \/ SALT does not decode: \$\.salt: /);
    expect(corrupt(1, { entry: { ...entry, timezone: 'Mars/Olympus' } })).toMatch(
      /^stored item TENANTS \/ TENANT#shop does not decode: \$\.entry\.timezone: /,
    );
    expect(corrupt(2, { kind: 'root' })).toMatch(/^stored item TENANTKEY#c+ \/ KEY does not decode: \$\.kind: /);
    expect(corrupt(3, { status: 'half' })).toMatch(
      /^stored item ERASURES \/ TENANT#shop does not decode: \$\.status: /,
    );
    expect(corrupt(4, { indexed: '12' })).toMatch(
      /^stored item MIGRATIONS \/ BUYER_INDEX does not decode: \$\.indexed: /,
    );
    expect(corrupt(5, { wrapped: '' })).toMatch(/^stored item shop#C#ada \/ KEY does not decode: \$\.wrapped: /);
  });

  it('keys of no kind in those partitions have no schema', () => {
    for (const key of [
      { pk: 'TENANTS', sk: 'OTHER' },
      { pk: 'TENANTKEY#abc', sk: 'OTHER' },
      { pk: 'ERASURES', sk: 'OTHER' },
      { pk: 'MIGRATIONS', sk: 'OTHER' },
    ]) {
      expect(storedItemSchema(key), `${key.pk} / ${key.sk}`).toBeUndefined();
    }
  });
});

describe('every item the use cases write', () => {
  it('has a schema, and decodes', async () => {
    const clock = new ManualClock(T0);
    const store = createMemoryStore();
    const queue = createMemoryQueue({ clock });
    const bus = createMemoryBus();
    const timers = createMemoryTimers({ queue, clock });
    // The tenants as a deployment has them: the config's tenant seeded into the registry on first
    // read, one added and one key rotated by `growthloop tenants`.
    const configured: TenantRecord = {
      id: tenantId,
      timezone: 'UTC',
      currency: 'EUR',
      apiKeySha256: 'a'.repeat(64),
      adminKeySha256: 'b'.repeat(64),
    };
    const tenants = createRegistryDirectory({ store, clock, fallback: [configured], seed: true });
    const dataKeys = createLocalDataKeys({ store, clock });
    const deps = { store, queue, bus, timers, clock, tenants, dataKeys, log: silentLog };
    const tenant = (await tenants.byId(tenantId))!;
    await addTenant(store, { id: 'closed', timezone: 'Asia/Shanghai', currency: 'CNY', name: 'Closed' }, clock);
    await rotateKey(
      store,
      { tenantId, kind: 'api', previousValidUntil: new Date(T0 + 24 * HOUR).toISOString() },
      clock,
    );
    const journeys = createManageJourneys(deps);
    const body = JSON.stringify({ ...welcomeJourney, limits: { dailyCap: 10 } });
    expect((await journeys.create({ tenant, body })).status).toBe(201);
    expect((await journeys.publish({ tenant, journeyId: 'welcome' })).status).toBe(200);

    const records = (events: CanonicalEvent[]): QueueRecord[] =>
      events.map((e, i) => ({ id: `r${i}`, body: JSON.stringify({ source: INGEST_SOURCE, detail: e }) }));
    const events = [
      event('session_started', 'anon:v1', T0, {}),
      event('login', 'ada', T0 + 1000, {}),
      event('identify', 'ada', T0 + 2000, { traits: { plan: 'gold' } }),
      event('order_placed', 'ada', T0 + 3000, { orderId: 'o-1', total: { amount: 4200, currency: 'EUR' } }),
      event('alias', 'ada', T0 + 4000, { previousId: 'anon:v1' }),
      event('login', 'bob', T0 + 5000, {}),
      event('order_placed', 'bob', T0 + 6000, { orderId: 'o-2', total: { amount: 100, currency: 'EUR' } }),
    ];
    // Through ingest: the identify's traits travel sealed under ada's data key, which ingest creates.
    const ingested = createMemoryBus();
    await publishEvents({ bus: ingested, dataKeys }, events);
    const carried = ingested.events.map((e) => e.detail as CanonicalEvent);
    expect(carried.some((e) => e.type === 'identify' && Object.values(e.properties.traits).every(isSealed))).toBe(true);
    const fold = createFoldProfiles(deps);
    const advance = createAdvanceJourneys(deps);
    // A table from before the buyer index: the backfill runs (and finishes) before the first fit.
    expect(await createBuyerBackfill({ store, log: silentLog, now: () => clock.now() })()).toEqual({
      done: true,
      indexed: 0,
    });
    expect((await fold({ records: records(carried.slice(0, 1)) })).failedIds).toEqual([]);
    expect((await fold({ records: records(carried.slice(1)) })).failedIds).toEqual([]);
    expect((await advance({ records: records(carried) })).failedIds).toEqual([]);
    const closing = testEvent('closed', 'login', 'wu', T0, {}, 'closed-1');
    expect((await fold({ records: records([closing]) })).failedIds).toEqual([]);
    await store.putMany([
      { ...orderIndexKey(tenantId, 'o-1'), customerId: 'ada' },
      { ...orderIndexKey(tenantId, 'o-2'), customerId: 'bob' },
    ]);
    clock.set(T0 + 2 * HOUR);
    await createDailyRun(deps).run();
    const privacy = createPrivacy(deps);
    await privacy.erase(tenantId, 'bob', 'admin_api');
    await privacy.export(tenantId, 'ada', 'admin_api');
    // Shopify's shop/redact for the tenant that closed: one job done, and a second request pending.
    await requestTenantErasure(deps, 'closed', 'shopify');
    expect(await createTenantErasure(deps).run('closed')).toMatchObject({ status: 'done' });
    await requestTenantErasure(deps, 'closed', 'shopify');

    const items = await store.scan('');
    for (const item of items) {
      const schema = storedItemSchema(item);
      expect(schema, `${item.pk} / ${item.sk}`).toBeDefined();
      expect(() => decodeItem(schema!, throughDynamo(item)), `${item.pk} / ${item.sk}`).not.toThrow();
    }
    const journeyState = items.find((i) => i.sk === 'JOURNEYS');
    expect(fromCustomerJourneysItem(journeyState)?.state.instances.length).toBe(1);
    expect(items.some((i) => i.sk === 'ALIAS')).toBe(true);
    expect(items.some((i) => i.sk === 'TOMBSTONE')).toBe(true);
    expect(items.some((i) => i.sk === 'CURRENT')).toBe(true);
    expect(items.some((i) => i.sk.includes('#DAY#'))).toBe(true);
    expect(items.some((i) => i.pk.endsWith('#AUDIT'))).toBe(true);
    const at = (key: { pk: string; sk: string }) => items.find((i) => i.pk === key.pk && i.sk === key.sk);
    expect(at(saltKey)).toBeDefined();
    const entry = decodeItem(TenantEntryItem, at(tenantEntryKey(tenantId))!).entry;
    expect(entry.source).toMatchObject({ config: expect.any(String) });
    expect(entry.keys.api.previous).toBeDefined();
    expect(decodeItem(TenantEntryItem, at(tenantEntryKey('closed'))!).entry.source).toBe('cli');
    const lookups = items.filter((i) => i.pk.startsWith('TENANTKEY#'));
    expect(lookups.map((i) => decodeItem(KeyLookupItem, i).tenantId).sort()).toEqual([
      'closed',
      'closed',
      'closed',
      tenantId,
      tenantId,
      tenantId,
    ]);
    expect(decodeItem(TenantErasureItem, at(tenantErasureKey('closed'))!)).toMatchObject({
      status: 'pending',
      requests: 1,
      version: expect.any(Number),
    });
    expect(decodeItem(IndexBackfillItem, at(buyerBackfillKey)!).done).toBe(true);
    const dataKeyItems = items.filter((i) => i.pk.includes('#C#') && i.sk === DATA_KEY_SK);
    expect(dataKeyItems.map((i) => i.pk)).toEqual([profileKey(tenantId, 'ada').pk]);
    expect(decodeItem(DataKeyItem, dataKeyItems[0]!).wrappedBy).toBe('local');
    // The sealed traits were opened under ada's key before the fold.
    const ada = fromProfileItem(at({ pk: profileKey(tenantId, 'ada').pk, sk: 'PROFILE' })!);
    expect(ada.profile.traits).toMatchObject({ plan: { v: 'gold' } });
    expect(
      decodeItem(ProfileItem, items.find((i) => i.pk === profileKey(tenantId, 'ada').pk && i.sk === 'PROFILE')!)
        .mergedFrom,
    ).toEqual(['anon:v1']);
  });
});
