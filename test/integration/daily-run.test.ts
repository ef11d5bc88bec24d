// The lifecycle through the real functions on dynalite: the profile function rescores on every
// event, the daily run moves the customers who are due, and every change goes on the bus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { createScoringContexts } from '../../functions/app/common/scoring-contexts';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { fromProfileItem, profileKey } from '../../functions/core/profiles/items';
import { PROFILES_SOURCE, STAGE_CHANGED, type StageChanged } from '../../functions/core/profiles/profile-changes';
import { fromModelItem, modelKey } from '../../functions/core/scoring/model-items';
import { evaluateProfile } from '../../functions/core/scoring/profile-scores';
import type { Bus } from '../../functions/ports';
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
