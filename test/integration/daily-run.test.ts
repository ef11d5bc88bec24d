// The lifecycle through the real functions on dynalite: the profile function rescores on every
// event, the daily run moves the customers who are due, and every change goes on the bus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import { createScoringContexts } from '../../functions/app/common/scoring-contexts';
import { createBuyerBackfill } from '../../functions/app/daily-run/buyer-backfill';
import { createDailyFanOut, DAILY_SOURCE, TENANT_DUE } from '../../functions/app/daily-run/fan-out';
import { DailyRunCommand } from '../../functions/app/daily-run/run';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { buyerShards } from '../../functions/core/profiles/buyer-index';
import { customerPk, fromProfileItem, profileKey } from '../../functions/core/profiles/items';
import { PROFILES_SOURCE, STAGE_CHANGED, type StageChanged } from '../../functions/core/profiles/profile-changes';
import { fromModelItem, modelKey } from '../../functions/core/scoring/model-items';
import { evaluateProfile } from '../../functions/core/scoring/profile-scores';
import { scoringSettings } from '../../functions/core/scoring/settings';
import { fitTenantModel } from '../../functions/core/scoring/tenant-model';
import type { Bus, Store } from '../../functions/ports';
import { INGEST_SOURCE } from '../../functions/routes';
import { shopHistory } from '../../scripts/workload';
import { customerStory, recordingBus, testTenants } from '../helpers/scoring';
import { dynaliteStore, type TestStore } from '../helpers/stores';
import { createLifecycleJobs, createProfileUpdater, type QueueRecord } from '../helpers/use-cases';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const tenantId = 'shop';
const tenants = testTenants([tenantId]);

let db: TestStore;
beforeAll(async () => {
  db = await dynaliteStore();
});
afterAll(async () => db.stop());

let sequence = 0;
const record = (event: CanonicalEvent): QueueRecord => ({
  id: `m-${sequence++}`,
  body: JSON.stringify({ 'detail-type': event.type, source: INGEST_SOURCE, detail: event }),
});

/** An event of `customerId` at noon on day `day`. */
function event(customerId: string, day: number, kind: 'session' | 'order' | 'login' | 'recall'): CanonicalEvent {
  const base = {
    tenantId,
    customerId,
    eventId: `${customerId}-${kind}-${day}`,
    occurredAt: new Date(T0 + day * DAY + 12 * 3_600_000).toISOString(),
    source: 'test',
  };
  switch (kind) {
    case 'session':
      return { ...base, type: 'session_started', properties: {} };
    case 'login':
      return { ...base, type: 'login', properties: {} };
    case 'recall':
      return {
        ...base,
        type: 'message_delivered',
        properties: { messageId: `m-${day}`, channel: 'email', recall: true },
      };
    case 'order':
      return {
        ...base,
        type: 'order_placed',
        properties: { orderId: `${customerId}-${day}`, total: { amount: 5_000, currency: 'EUR' } },
      };
  }
}

const changes = (bus: { events: { detail: unknown }[] }) =>
  bus.events.map((e) => e.detail as StageChanged).filter((e) => e.type === STAGE_CHANGED);

describe('the lifecycle over 400 days with a fake clock', () => {
  it('moves a customer through every stage, including a recall, with one stage change on the bus per transition', async () => {
    const store = db.store;
    const clock = new ManualClock(T0);
    const bus = recordingBus();
    const update = createProfileUpdater({ store, bus, clock, tenants });
    const jobs = createLifecycleJobs({ store, bus, clock, tenants });
    const ada = 'ada';
    const plan = customerStory;
    // Bystanders who ordered yesterday: due in 30 days, so no daily pass before then reads them.
    const bystanders = Array.from({ length: 40 }, (_, i) => event(`bystander-${i}`, 399, 'order'));
    const dueReads: Record<number, number> = {};
    for (let day = 0; day <= 400; day++) {
      clock.set(T0 + day * DAY + 30 * 60_000);
      dueReads[day] = (await jobs.duePass(tenantId)).due;
      const todays = (plan[day] ?? []).map((kind) => event(ada, day, kind));
      if (day === 399) todays.push(...bystanders);
      if (todays.length === 0) continue;
      clock.set(T0 + day * DAY + 13 * 3_600_000);
      expect((await update(todays.map(record))).failedIds).toEqual([]);
    }

    const seen = changes(bus)
      .filter((c) => c.customerId === ada)
      .map((c) => [Math.floor((Date.parse(c.occurredAt) - T0) / DAY), c.properties.from, c.properties.to]);
    expect(seen).toEqual([
      [0, null, 'new'],
      [5, 'new', 'activated'],
      [20, 'activated', 'repeat'],
      [51, 'repeat', 'at_risk'],
      [111, 'at_risk', 'dormant'],
      [130, 'dormant', 'recalled'],
      [161, 'recalled', 'repeat'],
      [200, 'repeat', 'loyal'],
      [231, 'loyal', 'at_risk'],
      [291, 'at_risk', 'dormant'],
      [381, 'dormant', 'churned'],
    ]);
    expect(changes(bus).find((c) => c.properties.to === 'recalled')?.properties.reason).toBe(
      'ordered 10 days after a recall action, within the 30-day window',
    );
    for (const e of bus.events.filter((e) => (e.detail as StageChanged).customerId === ada)) {
      expect(e).toMatchObject({ source: PROFILES_SOURCE, detailType: STAGE_CHANGED });
    }
    // The daily pass read the customer only on the days a change was due.
    const readDays = Object.entries(dueReads)
      .filter(([, n]) => n > 0)
      .map(([day]) => Number(day));
    expect(readDays).toEqual([51, 111, 161, 231, 291, 381]);
    // Churned with nothing further due: the customer has left the due index.
    const stored = fromProfileItem((await store.get(profileKey(tenantId, ada), { consistent: true }))!);
    expect(stored.lifecycle).toMatchObject({ stage: 'churned' });
    expect(stored.lifecycle?.nextDueAt).toBeUndefined();
    expect(stored.outbox).toBeUndefined();
  }, 120_000);

  it('a stage change whose bus put failed is sent when the events are delivered again', async () => {
    const store = db.store;
    const clock = new ManualClock(T0);
    const sent = recordingBus();
    let down = true;
    const flaky: Bus = {
      async put(events) {
        if (down) throw new Error('EventBridge unavailable');
        await sent.put(events);
      },
    };
    const update = createProfileUpdater({ store, bus: flaky, clock, tenants });
    const records = [record(event('grace', 0, 'order'))];
    expect((await update(records)).failedIds).toEqual(records.map((r) => r.id));
    expect(
      fromProfileItem((await store.get(profileKey(tenantId, 'grace'), { consistent: true }))!).outbox,
    ).toHaveLength(1);
    down = false;
    expect((await update(records)).failedIds).toEqual([]);
    expect(changes(sent).map((c) => [c.customerId, c.properties.to])).toEqual([['grace', 'activated']]);
    const stored = fromProfileItem((await store.get(profileKey(tenantId, 'grace'), { consistent: true }))!);
    expect(stored.profile.orders).toBe(1);
    expect(stored.outbox).toBeUndefined();
  });
});

describe('the daily model fit', () => {
  it('stores the tenant model with its diagnostics, and profiles are scored against it', async () => {
    const store = db.store;
    const fitTenant = 'fit-shop';
    const clock = new ManualClock('2026-06-01T00:00:00Z');
    const bus = recordingBus();
    const fitTenants = testTenants([fitTenant]);
    const update = createProfileUpdater({ store, bus, clock, tenants: fitTenants });
    const events = shopHistory({
      customers: 400,
      events: 6000,
      seed: 5,
      prefix: 'fit',
      start: '2025-06-01T00:00:00Z',
      days: 360,
    }).map((e) => ({ ...e, tenantId: fitTenant }) as CanonicalEvent);
    for (let i = 0; i < events.length; i += 500) {
      expect((await update(events.slice(i, i + 500).map(record))).failedIds).toEqual([]);
    }
    const jobs = createLifecycleJobs({ store, bus, clock, tenants: fitTenants });
    const [result] = await jobs.run({ tenantIds: [fitTenant] });
    expect(result?.model).toMatchObject({ status: 'fitted', bgnbd: { converged: true } });
    const stored = fromModelItem(await store.get(modelKey(fitTenant), { consistent: true }));
    expect(stored?.model?.bgnbd.r).toBeGreaterThan(0);
    expect(stored?.diagnostics).toEqual(result?.model);

    // Scores now carry the model: every buyer gets a churn risk that tells them apart, and an RFM segment.
    const context = await createScoringContexts({ store, tenants: fitTenants, clock })(fitTenant);
    const buyers = (await store.scan(`${fitTenant}#C#`))
      .filter((item) => item.sk === 'PROFILE')
      .map(fromProfileItem)
      .filter((p) => p.profile.orders > 0);
    const scores = buyers.map((p) => evaluateProfile(p.profile, p.lifecycle, context, clock.now()).scores);
    const risks = scores.map((s) => s.model?.churnRisk as number);
    expect(Math.min(...risks)).toBeLessThan(0.8);
    expect(Math.max(...risks)).toBeGreaterThan(0.95);
    for (const s of scores) expect(s.rfm?.segment).toEqual(expect.any(String));
  }, 60_000);
});

describe('the daily model fit beside a tenant ten times larger', () => {
  it("reads only the tenant's buyers, through the buyer index, and fits what a scan of all its profiles would", async () => {
    const memory = createMemoryStore();
    const reads: string[] = [];
    const store: Store = {
      ...memory,
      consumed: memory.consumed,
      scan: async (prefix) => {
        reads.push(`scan ${prefix}`);
        return memory.scan(prefix);
      },
      scanPage: async (prefix, options) => {
        reads.push(`scan ${prefix}`);
        return memory.scanPage(prefix, options);
      },
      getMany: async (keys, options) => {
        reads.push(...keys.map((k) => k.pk));
        return memory.getMany(keys, options);
      },
    };
    const clock = new ManualClock('2026-06-01T00:00:00Z');
    const bus = recordingBus();
    const both = testTenants(['fit-small', 'fit-large']);
    const update = createProfileUpdater({ store: memory, bus, clock, tenants: both });
    const history = (tenant: string, customers: number, seed: number) =>
      shopHistory({
        customers,
        events: customers * 15,
        seed,
        prefix: tenant,
        start: '2025-06-01T00:00:00Z',
        days: 360,
      }).map((e) => ({ ...e, tenantId: tenant }) as CanonicalEvent);
    const events = [...history('fit-small', 200, 7), ...history('fit-large', 2000, 8)];
    for (let i = 0; i < events.length; i += 500) {
      expect((await update(events.slice(i, i + 500).map(record))).failedIds).toEqual([]);
    }
    const profiles = (tenant: string) =>
      memory
        .items()
        .filter((item) => item.pk.startsWith(`${tenant}#C#`) && item.sk === 'PROFILE')
        .map((item) => fromProfileItem(item).profile);
    const small = profiles('fit-small');
    const buyers = small.filter((p) => p.orders > 0);
    expect(buyers.length).toBeGreaterThan(50);
    expect(buyers.length).toBeLessThan(small.length);

    const jobs = createLifecycleJobs({ store, bus, clock, tenants: both });
    const tenant = await both.byId('fit-small');
    const before = memory.consumed.read;
    const diagnostics = await jobs.fitModel(tenant!);
    const fitReads = memory.consumed.read - before;

    expect(reads.filter((r) => r.startsWith('scan'))).toEqual([]);
    const profileReads = reads.filter((pk) => pk.includes('#C#'));
    expect(new Set(profileReads)).toEqual(new Set(buyers.map((p) => customerPk('fit-small', p.customerId))));
    expect(profileReads).toHaveLength(buyers.length);
    expect(fitReads / buyers.length).toBeLessThanOrEqual(1.2);

    const settings = scoringSettings(tenant!.scoring);
    const overAll = fitTenantModel('fit-small', small, tenant!.currency, settings, clock.now());
    expect(diagnostics).toMatchObject({ status: 'fitted', buyers: overAll.diagnostics.buyers });
    expect(diagnostics.repeatBuyers).toBe(overAll.diagnostics.repeatBuyers);
    const stored = fromModelItem(await memory.get(modelKey('fit-small'), { consistent: true }));
    expect(stored?.model?.bgnbd.r).toBeCloseTo(overAll.model?.bgnbd.r as number, 4);
    expect(stored?.model?.bgnbd.alpha).toBeCloseTo(overAll.model?.bgnbd.alpha as number, 2);
  }, 120_000);

  it('a customer merged into another leaves the buyer index', async () => {
    const memory = createMemoryStore();
    const clock = new ManualClock('2026-06-01T00:00:00Z');
    const bus = recordingBus();
    const one = testTenants(['fit-merge']);
    const update = createProfileUpdater({ store: memory, bus, clock, tenants: one });
    const order = (customerId: string, n: number): CanonicalEvent => ({
      type: 'order_placed',
      tenantId: 'fit-merge',
      customerId,
      eventId: `${customerId}-${n}`,
      occurredAt: new Date(clock.now() - n * DAY).toISOString(),
      source: 'test',
      properties: { orderId: `${customerId}-${n}`, total: { amount: 1_000, currency: 'EUR' } },
    });
    await update([order('visitor', 3), order('member', 2)].map(record));
    const indexed = async () =>
      (await Promise.all(buyerShards('fit-merge').map((shard) => memory.buyerKeys(shard)))).flatMap((p) => p.items);
    expect((await indexed()).map((k) => k.pk).sort()).toEqual(['fit-merge#C#member', 'fit-merge#C#visitor']);
    const alias: CanonicalEvent = {
      type: 'alias',
      tenantId: 'fit-merge',
      customerId: 'member',
      eventId: 'alias-1',
      occurredAt: new Date(clock.now() - DAY).toISOString(),
      source: 'test',
      properties: { previousId: 'visitor' },
    };
    expect((await update([record(alias)])).failedIds).toEqual([]);
    expect((await indexed()).map((k) => k.pk)).toEqual(['fit-merge#C#member']);
  });
});

describe('the buyer index in a table from before it', () => {
  it('is backfilled once, page by page, without undoing a profile written meanwhile', async () => {
    const store = createMemoryStore();
    const clock = new ManualClock('2026-06-01T00:00:00Z');
    const bus = recordingBus();
    const one = testTenants(['fit-old']);
    const update = createProfileUpdater({ store, bus, clock, tenants: one });
    const events = shopHistory({
      customers: 300,
      events: 3000,
      seed: 9,
      prefix: 'old',
      start: '2025-06-01T00:00:00Z',
      days: 360,
    }).map((e) => ({ ...e, tenantId: 'fit-old' }) as CanonicalEvent);
    for (let i = 0; i < events.length; i += 500) await update(events.slice(i, i + 500).map(record));
    // As an earlier version wrote them: no buyer-index key.
    const profiles = store.items().filter((item) => item.sk === 'PROFILE' && item.buyerShard !== undefined);
    expect(profiles.length).toBeGreaterThan(50);
    await store.putMany(profiles.map(({ buyerShard: _, ...old }) => old));
    const jobs = createLifecycleJobs({ store, bus, clock, tenants: one });
    const tenant = (await one.byId('fit-old'))!;
    expect((await jobs.fitModel(tenant)).buyers).toBe(0);

    // A profile written meanwhile (a newer version) is not written over with the version the backfill read.
    const [first] = profiles;
    const newer = { ...first!, version: (first!.version as number) + 1, marker: 'newer' };
    const backfill = createBuyerBackfill({ store, log: silentLog, now: () => clock.now() });
    const originalScanPage = store.scanPage;
    let pages = 0;
    store.scanPage = async (prefix, options) => {
      const page = await originalScanPage(prefix, { ...options, limit: 250 });
      if (pages++ === 0) await store.put(newer);
      return page;
    };
    let state = await backfill({ until: clock.now() });
    expect(state.done).toBe(false);
    while (!state.done) state = await backfill({ until: clock.now() });
    expect(pages).toBeGreaterThan(2);
    expect((await store.get(profileKey('fit-old', String(first!.customerId))))?.marker).toBe('newer');
    expect(state.indexed).toBeGreaterThanOrEqual(profiles.length - 1);

    const refit = await jobs.fitModel(tenant);
    expect(refit.customers).toBe(profiles.length);
    const scansBefore = pages;
    expect(await backfill()).toEqual(state);
    expect(pages).toBe(scansBefore);
  }, 60_000);
});

describe('the scheduled daily run', () => {
  it('puts one tenant_due event per tenant on the bus, in batches EventBridge takes, each naming one tenant', async () => {
    const ids = Array.from({ length: 23 }, (_, i) => `shop-${String(i).padStart(2, '0')}`);
    const bus = recordingBus();
    const puts: number[] = [];
    const counting: Bus = {
      async put(events) {
        puts.push(events.length);
        await bus.put(events);
      },
    };
    const fanOut = createDailyFanOut({ bus: counting, tenants: testTenants(ids), log: silentLog });
    expect(await fanOut()).toEqual({ tenants: 23 });
    expect(Math.max(...puts)).toBeLessThanOrEqual(10);
    expect(bus.events.map((e) => [e.source, e.detailType])).toEqual(ids.map(() => [DAILY_SOURCE, TENANT_DUE]));
    const named = bus.events.map((e) =>
      DailyRunCommand.parse({ tenantIds: [(e.detail as { tenantId: string }).tenantId] }),
    );
    expect(named.map((c) => c.tenantIds)).toEqual(ids.map((id) => [id]));
  });
});
