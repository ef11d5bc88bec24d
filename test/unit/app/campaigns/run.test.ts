// A campaign run over memory ports, on profiles the profile function folded: the early-warning
// audience, the holdout kept from every offer, the rung each member gets, and a run carried out
// again that sends nothing twice.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { runCampaign } from '../../../../functions/app/campaigns/run';
import { createFoldProfiles } from '../../../../functions/app/fold-profiles/run';
import type { ActionMessage } from '../../../../functions/contracts/messages';
import { isHeldOut } from '../../../../functions/core/campaigns/audience';
import { Campaign } from '../../../../functions/core/campaigns/schema';
import { tenantDirectory } from '../../../../functions/core/config/tenants';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import type { Queue } from '../../../../functions/ports';
import { INGEST_SOURCE } from '../../../../functions/routes';

const DAY = 86_400_000;
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
  const bus = { put: async () => {} };
  const fold = createFoldProfiles({ store, bus, clock, tenants, log: silentLog });
  const events = customers.flatMap((c) => [consent(c.id), ...c.ordersDaysAgo.map((d) => order(c.id, d))]);
  const records = events.map((e, i) => ({
    id: `r${i}`,
    body: JSON.stringify({ 'detail-type': e.type, source: INGEST_SOURCE, detail: e }),
  }));
  expect(await fold({ records })).toEqual({ failedIds: [] });
  return { deps: { store, queue, clock, tenants }, sent };
}

const due = Array.from({ length: 60 }, (_, i) => ({ id: `due-${i}`, ordersDaysAgo: [120, 60, 25] }));
const later = Array.from({ length: 10 }, (_, i) => ({ id: `later-${i}`, ordersDaysAgo: [120, 60, 10] }));
const once = Array.from({ length: 10 }, (_, i) => ({ id: `once-${i}`, ordersDaysAgo: [25] }));

describe('a campaign run', () => {
  it('offers its rung to each treated member of the early-warning audience, and nothing to the holdout', async () => {
    const w = await world([...due, ...later, ...once]);
    const run = await runCampaign(w.deps, tenant.id, recall, '2026-06-01');
    const heldOut = due.filter((c) => isHeldOut(recall, c.id)).map((c) => c.id);
    expect(heldOut.length).toBeGreaterThan(0);
    expect(run).toMatchObject({ candidates: 80, audience: 60, heldOut: heldOut.length, treated: 60 - heldOut.length });
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
    expect(run.offers).toBe(w.sent.length);
    expect(Object.values(run.byRung).reduce((a, b) => a + b, 0)).toBe(run.treated);
  });

  it('carried out again, answers its record and queues nothing more', async () => {
    const w = await world(due);
    const first = await runCampaign(w.deps, tenant.id, recall, 'run-1');
    const queued = w.sent.length;
    expect(await runCampaign(w.deps, tenant.id, recall, 'run-1')).toEqual(first);
    expect(w.sent).toHaveLength(queued);
  });

  it('keeps to maxAudience, the same members every time', async () => {
    const capped = { ...recall, maxAudience: 20 };
    const a = await world(due);
    const b = await world(due);
    const runA = await runCampaign(a.deps, tenant.id, capped, 'r');
    await runCampaign(b.deps, tenant.id, capped, 'r');
    expect(runA.audience).toBe(20);
    expect(new Set(a.sent.map((m) => m.customerId))).toEqual(new Set(b.sent.map((m) => m.customerId)));
  });
});
