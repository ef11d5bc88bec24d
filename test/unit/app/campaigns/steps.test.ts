// A campaign run over memory ports, on profiles the profile function folded, carried out by the
// state machine under aws-local-stepfunctions: the early-warning audience, the holdout kept from
// every offer, the rung each member gets, the wait for the attribution window, the lift measured,
// a run carried out again that sends nothing twice, and the Retry and Catch paths.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryBus } from '../../../../functions/adapters/memory/bus';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { campaignRoutes } from '../../../../functions/app/campaigns/routes';
import { createFoldProfiles } from '../../../../functions/app/fold-profiles/run';
import type { ActionMessage } from '../../../../functions/contracts/messages';
import { isHeldOut } from '../../../../functions/core/campaigns/audience';
import { campaignDefinitionKey, campaignRunKey } from '../../../../functions/core/campaigns/runs';
import { Campaign } from '../../../../functions/core/campaigns/schema';
import { tenantDirectory } from '../../../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { minimumDetectableEffect } from '../../../../functions/core/metrics/power';
import type { Queue } from '../../../../functions/ports';
import { INGEST_SOURCE } from '../../../../functions/routes';
import { createLocalCampaignRuns } from '../../../../functions/runtime/campaign-runs';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.parse('2026-06-01T10:00:00Z');
const tenant = { id: 'shop', timezone: 'Europe/Berlin', currency: 'EUR' };
const recall = Campaign.parse(
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../../examples/campaigns/recall-at-risk.json'), 'utf8')),
);

let n = 0;
const event = (customerId: string, at: number, type: string, properties: object): CanonicalEvent =>
  ({
    type,
    tenantId: tenant.id,
    customerId,
    eventId: `e${n++}`,
    occurredAt: new Date(at).toISOString(),
    source: 'test',
    properties,
  }) as CanonicalEvent;
const order = (customerId: string, daysAgo: number) =>
  event(customerId, NOW - daysAgo * DAY, 'order_placed', {
    orderId: `${customerId}-${daysAgo}`,
    total: { amount: 5_000, currency: 'EUR' },
  });
const consent = (customerId: string) =>
  event(customerId, NOW - 200 * DAY, 'consent_changed', { channel: 'push', granted: true });

async function world(customers: { id: string; ordersDaysAgo: number[] }[]) {
  const store = createMemoryStore();
  const clock = new ManualClock(NOW);
  const sent: ActionMessage[] = [];
  const queue = {
    async send(name: string, bodies: string[]) {
      expect(name).toBe('actions');
      sent.push(...bodies.map((b) => JSON.parse(b) as ActionMessage));
    },
  } as unknown as Queue;
  const tenants = tenantDirectory([tenant]);
  const bus = createMemoryBus();
  const fold = createFoldProfiles({ store, bus: { put: async () => {} }, clock, tenants, log: silentLog });
  const foldAll = async (events: CanonicalEvent[]) => {
    const records = events.map((e, i) => ({
      id: `r${i}`,
      body: JSON.stringify({ 'detail-type': e.type, source: INGEST_SOURCE, detail: e }),
    }));
    expect(await fold({ records })).toEqual({ failedIds: [] });
  };
  await foldAll(customers.flatMap((c) => [consent(c.id), ...c.ordersDaysAgo.map((d) => order(c.id, d))]));
  const save = (campaign: Campaign) =>
    store.put({ ...campaignDefinitionKey(tenant.id, campaign.id), campaign, updatedAt: new Date(NOW).toISOString() });
  await save(recall);
  const runs = createLocalCampaignRuns({ store, queue, bus, clock, tenants, log: silentLog, retryMs: 0 });
  const ref = (runId: string, campaignId = recall.id) => ({ tenantId: tenant.id, campaignId, runId });
  const runRecord = async (runId: string, campaignId = recall.id) =>
    store.get(campaignRunKey(tenant.id, campaignId, runId), { consistent: true });
  return { store, clock, bus, sent, runs, ref, runRecord, save, foldAll };
}

const due = Array.from({ length: 60 }, (_, i) => ({ id: `due-${i}`, ordersDaysAgo: [120, 60, 25] }));
const later = Array.from({ length: 10 }, (_, i) => ({ id: `later-${i}`, ordersDaysAgo: [120, 60, 10] }));
// Already at_risk: past the early warning.
const lapsed = Array.from({ length: 10 }, (_, i) => ({ id: `lapsed-${i}`, ordersDaysAgo: [120, 60, 35] }));

const reports = (bus: ReturnType<typeof createMemoryBus>) =>
  bus.events.filter((e) => e.detailType === 'campaign.report');

describe('a campaign run on the state machine', () => {
  it('offers each treated member of the early-warning audience their rung, gives the holdout nothing, and waits', async () => {
    const w = await world([...due, ...later, ...lapsed]);
    expect(await w.runs.start(w.ref('2026-06-01')).result).toEqual({
      status: 'waiting',
      measureAt: new Date(NOW + 14 * DAY).toISOString(),
    });
    const heldOut = due.filter((c) => isHeldOut(recall, c.id)).map((c) => c.id);
    expect(heldOut.length).toBeGreaterThan(0);
    const receivers = new Set(w.sent.map((m) => m.customerId));
    expect([...receivers].sort()).toEqual(
      due
        .map((c) => c.id)
        .filter((id) => !heldOut.includes(id))
        .sort(),
    );
    for (const m of w.sent) {
      expect(m).toMatchObject({ tenantId: 'shop', campaignId: 'recall-at-risk', instanceId: '2026-06-01' });
      expect(m.key).toMatch(/^shop:campaign:recall-at-risk:2026-06-01:due-\d+:\d$/);
    }
    const run = await w.runRecord('2026-06-01');
    // The audience index gives only the customers due to become at risk: the 20 others are never read.
    expect(run).toMatchObject({ status: 'offered', candidates: 60, audience: 60, pages: 1 });
    expect(run?.offered).toMatchObject({
      heldOut: heldOut.length,
      treated: 60 - heldOut.length,
      offers: w.sent.length,
    });
    expect(reports(w.bus)).toEqual([]);
  });

  it('measures at the end of the window: conversions and revenue per arm since the run began', async () => {
    const w = await world(due);
    await w.runs.start(w.ref('r1')).result;
    const treated = due.map((c) => c.id).filter((id) => !isHeldOut(recall, id));
    const heldOut = due.map((c) => c.id).filter((id) => isHeldOut(recall, id));
    // Ten treated members and one held out order in the window.
    w.clock.advance(3 * DAY);
    await w.foldAll([...treated.slice(0, 10), heldOut[0] as string].map((id) => order(id, -3)));
    expect(await w.runs.resumeDue([tenant.id])).toEqual([]);
    w.clock.advance(11 * DAY);
    expect(await w.runs.resumeDue([tenant.id])).toEqual([{ status: 'reported' }]);
    const [report] = reports(w.bus);
    expect(report?.source).toBe('growthloop.campaigns');
    expect(report?.detail).toMatchObject({
      campaignId: 'recall-at-risk',
      runId: 'r1',
      early: false,
      offersToHoldout: 0,
      recallRate: 10 / treated.length,
      lift: {
        status: 'insufficient_data',
        treated: { n: treated.length, conversions: 10 },
        holdout: { n: heldOut.length, conversions: 1 },
        revenue: { currency: 'EUR' },
      },
    });
    expect(await w.runRecord('r1')).toMatchObject({ status: 'reported', report: { runId: 'r1' } });
  });

  it('carried out again sends nothing twice: an offered run goes back to its wait, a reported one ends', async () => {
    const w = await world(due);
    await w.runs.start(w.ref('run-1')).result;
    const queued = w.sent.length;
    expect((await w.runs.start(w.ref('run-1')).result).status).toBe('waiting');
    expect(w.sent).toHaveLength(queued);
    expect(await w.runs.start(w.ref('run-1'), { now: true }).result).toEqual({ status: 'reported' });
    const again = w.runs.start(w.ref('run-1'));
    expect(await again.result).toEqual({ status: 'reported' });
    expect(again.events.some((e) => e.type === 'StateEntered' && e.state?.name === 'AlreadyReported')).toBe(true);
    expect(w.sent).toHaveLength(queued);
    expect(reports(w.bus)).toHaveLength(1);
  });

  it('starts a run when the schedule fires, in the tenant time zone, named by the firing: a firing seen twice sends once', async () => {
    const w = await world(due);
    // A definition saved before its expression was refused: skipped, the others still run.
    await w.save({ ...recall, id: 'unreadable', schedule: { cron: 'cron(0 25 ? * MON *)' } });
    // Monday 1 June 2026, 10:00 in Berlin (cron(0 10 ? * MON *)) is 08:00 UTC; NOW is 10:00 UTC.
    expect(await w.runs.startScheduled([tenant], NOW - 3 * HOUR, NOW - 2 * HOUR - 1)).toEqual([]);
    expect(await w.runs.startScheduled([tenant], NOW - 3 * HOUR, NOW)).toEqual([
      { status: 'waiting', measureAt: new Date(NOW + 14 * DAY).toISOString() },
    ]);
    const queued = w.sent.length;
    expect(queued).toBe(due.filter((c) => !isHeldOut(recall, c.id)).length);
    expect(await w.runRecord('scheduled-2026-06-01T08:00:00Z')).toMatchObject({ status: 'offered' });
    await w.runs.startScheduled([tenant], NOW - 3 * HOUR, NOW);
    expect(w.sent).toHaveLength(queued);
    // A campaign without a schedule is never started by it.
    await w.save({ ...recall, id: 'by-hand', schedule: undefined });
    await w.runs.startScheduled([tenant], NOW - 3 * HOUR, NOW);
    expect(await w.runRecord('scheduled-2026-06-01T08:00:00Z', 'by-hand')).toBeUndefined();
  });

  it('with now, measures at once and says so', async () => {
    const w = await world(due);
    expect(await w.runs.start(w.ref('now'), { now: true }).result).toEqual({ status: 'reported' });
    expect(reports(w.bus)[0]?.detail).toMatchObject({ early: true, runId: 'now' });
  });

  it('reports a run with an empty audience, with no lift and why, instead of failing it', async () => {
    const w = await world(later);
    expect(await w.runs.start(w.ref('empty'), { now: true }).result).toEqual({ status: 'reported' });
    expect(w.sent).toEqual([]);
    expect(reports(w.bus)[0]?.detail).toMatchObject({
      audience: 0,
      recallRate: 0,
      lift: null,
      liftNote: 'the audience was empty',
    });
  });

  it('keeps to maxAudience, the same members every time', async () => {
    const capped = { ...recall, id: 'capped', maxAudience: 20 };
    const a = await world(due);
    const b = await world(due);
    await a.save(capped);
    await b.save(capped);
    await a.runs.start(a.ref('r', 'capped')).result;
    await b.runs.start(b.ref('r', 'capped')).result;
    expect((await a.runRecord('r', 'capped'))?.audience).toBe(20);
    expect(new Set(a.sent.map((m) => m.customerId))).toEqual(new Set(b.sent.map((m) => m.customerId)));
  });

  it('retries a step that failed for a passing reason (the Retry path)', async () => {
    const w = await world(due);
    const getMany = w.store.getMany.bind(w.store);
    let failures = 1;
    w.store.getMany = async (keys, options) => {
      if (failures-- > 0) throw new Error('ProvisionedThroughputExceededException');
      return getMany(keys, options);
    };
    const execution = w.runs.start(w.ref('retried'));
    expect((await execution.result).status).toBe('waiting');
    expect(execution.events.filter((e) => e.type === 'StateRetried').map((e) => e.state?.name)).toEqual(['Select']);
    expect(w.sent.length).toBeGreaterThan(0);
  });

  it('a run that cannot go on is recorded failed and told on the bus (the Catch path); started again, it goes on', async () => {
    const w = await world(due);
    const execution = w.runs.start(w.ref('r', 'not-saved-yet'));
    expect(await execution.result).toMatchObject({ status: 'failed' });
    expect(execution.events.some((e) => e.type === 'StateCaught')).toBe(true);
    expect(await w.runRecord('r', 'not-saved-yet')).toMatchObject({ status: 'failed', error: 'CampaignRunRefused' });
    expect(w.bus.events.filter((e) => e.detailType === 'campaign.failed').map((e) => e.detail)).toEqual([
      expect.objectContaining({ campaignId: 'not-saved-yet', runId: 'r', error: 'CampaignRunRefused' }),
    ]);
    expect(w.sent).toEqual([]);

    await w.save({ ...recall, id: 'not-saved-yet' });
    expect((await w.runs.start(w.ref('r', 'not-saved-yet')).result).status).toBe('waiting');
    expect(await w.runRecord('r', 'not-saved-yet')).not.toHaveProperty('error');
    expect(w.sent.length).toBeGreaterThan(0);
  });
});

describe('a campaign estimate before launch (POST /v1/campaigns/{campaignId}/estimate)', () => {
  const estimateOf = (w: Awaited<ReturnType<typeof world>>, body?: unknown) =>
    campaignRoutes({ store: w.store, clock: w.clock, tenants: tenantDirectory([tenant]) }).estimate({
      tenant,
      campaignId: recall.id,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('counts the audience a run would take now, by arm and rung, with the smallest lift its holdout detects', async () => {
    const w = await world([...due, ...later, ...lapsed]);
    const heldOut = due.filter((c) => isHeldOut(recall, c.id)).length;
    const answer = await estimateOf(w, { baseRate: 0.05 });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      campaignId: 'recall-at-risk',
      candidates: 60,
      audience: 60,
      treated: 60 - heldOut,
      heldOut,
      holdoutPercent: 10,
      baseRate: 0.05,
      baseRateFrom: 'request',
      alpha: 0.05,
      power: 0.8,
      note: null,
    });
    const body = answer.body as { byRung: Record<string, number>; minimumDetectableEffect: { absolute: number } };
    expect(Object.values(body.byRung).reduce((s, n) => s + n, 0)).toBe(60 - heldOut);
    const mde = minimumDetectableEffect({ nTreated: 60 - heldOut, nHoldout: heldOut, baseRate: 0.05 });
    expect(body.minimumDetectableEffect).toEqual(mde);
    // Nothing is written: no run, no page, no offer.
    expect(await w.store.query(`${tenant.id}#CAMPAIGNS`, { skPrefix: 'RUN#' })).toEqual([]);
    expect(w.sent).toEqual([]);
    // A run started now takes the very audience the estimate counted.
    await w.runs.start(w.ref('after-estimate')).result;
    expect(await w.runRecord('after-estimate')).toMatchObject({
      audience: 60,
      offered: { heldOut, treated: 60 - heldOut, byRung: body.byRung },
    });
  });

  it('takes the holdout rate of the latest measured run as the base rate when none is given', async () => {
    const w = await world(due);
    const none = await estimateOf(w);
    expect(none.body).toMatchObject({ baseRate: null, baseRateFrom: null, minimumDetectableEffect: null });
    expect((none.body as { note: string }).note).toMatch(/no base rate/);
    await w.runs.start(w.ref('measured')).result;
    const held = due.map((c) => c.id).filter((id) => isHeldOut(recall, id));
    w.clock.advance(3 * DAY);
    await w.foldAll([order(held[0] as string, -3)]);
    w.clock.advance(11 * DAY);
    expect(await w.runs.resumeDue([tenant.id])).toEqual([{ status: 'reported' }]);
    // Two weeks on, the first audience has lapsed: new customers are due to become at_risk now.
    const fresh = Array.from({ length: 40 }, (_, i) => `fresh-${i}`);
    await w.foldAll(fresh.flatMap((id) => [consent(id), ...[106, 46, 11].map((d) => order(id, d))]));
    const answer = await estimateOf(w);
    expect(answer.body).toMatchObject({ audience: fresh.length });
    expect(answer.body).toMatchObject({
      baseRate: 1 / held.length,
      baseRateFrom: 'last_run',
      baseRateRunId: 'measured',
      note: null,
    });
    expect(
      (answer.body as { minimumDetectableEffect: { absolute: number } }).minimumDetectableEffect.absolute,
    ).toBeGreaterThan(0);
  });

  it('refuses a base rate that is not one and a campaign that does not exist with 4xx at their paths', async () => {
    const w = await world(due.slice(0, 3));
    for (const baseRate of [0, 1, -0.1, '0.1']) {
      expect(await estimateOf(w, { baseRate })).toMatchObject({
        status: 400,
        body: { error: 'invalid_request', path: '$.baseRate' },
      });
    }
    expect(await estimateOf(w, { other: 1 })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const routes = campaignRoutes({ store: w.store, clock: w.clock, tenants: tenantDirectory([tenant]) });
    expect(await routes.estimate({ tenant, campaignId: 'no-such', body: '' })).toMatchObject({
      status: 404,
      body: { error: 'not_found', path: 'path.campaignId' },
    });
    expect(await routes.estimate({ tenant, campaignId: recall.id, body: '{' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_json' },
    });
  });
});
