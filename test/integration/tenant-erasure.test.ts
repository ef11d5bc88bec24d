// Shopify's shop/redact: the webhook records the erasure and answers at once; a background worker
// deletes the tenant's items page by page, resumes where it stopped, and audits the completion once.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { SimulatedCrash } from '../../functions/adapters/memory/faults';
import { createMemoryStore, type MemoryStore } from '../../functions/adapters/memory/store';
import { createTenantErasure, LEASE_MS, requestTenantErasure } from '../../functions/app/privacy/erase-tenant';
import { ShopifyWebhookResult } from '../../functions/contracts/http-api';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { tenantErasureKey, tenantErasureOf } from '../../functions/core/privacy/tenant-erasure';
import type { Item } from '../../functions/ports';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';

const SECRET = 'shpss_test_erasure_secret';
const sign = (body: Buffer) => createHmac('sha256', SECRET).update(body).digest('base64');
const shopRedact = readFileSync(join(import.meta.dirname, '../fixtures/shopify/shop__redact.json'));

/** A tenant's items of every kind, and its audit log. */
const tenantItems = (tenantId: string, customers: number): Item[] => [
  ...Array.from({ length: customers }, (_, i) => ({ pk: `${tenantId}#C#c-${i}`, sk: 'PROFILE', orders: i })),
  ...Array.from({ length: customers }, (_, i) => ({ pk: `${tenantId}#C#c-${i}`, sk: `SEEN#2026-W${i % 50}` })),
  ...Array.from({ length: customers }, (_, i) => ({ pk: `${tenantId}#ORDER#o-${i}`, sk: 'CUSTOMER' })),
  { pk: `${tenantId}#MODEL`, sk: 'LATEST' },
  { pk: `${tenantId}#AUDIT`, sk: '2026-01-01T00:00:00.000Z#earlier', action: 'export' },
];
const ofTenant = (store: MemoryStore, tenantId: string) =>
  store.items().filter((item) => item.pk.startsWith(`${tenantId}#`));
const audits = (store: MemoryStore, tenantId: string) =>
  ofTenant(store, tenantId).filter((item) => item.pk === `${tenantId}#AUDIT` && item.action === 'erase_tenant');

describe('shop/redact through the local runtime', () => {
  const tenant = (id: string) => ({ ...demoConfig().tenants[0]!, id, secrets: { shopifyWebhookSecret: SECRET } });
  const config: GrowthloopConfig = { tenants: [tenant('gone'), tenant('gone-next-door')] };
  const clock = new ManualClock('2026-11-21T12:00:00Z');
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, clock, daily: false, log: silentLog });
    await runtime.store.putMany([...tenantItems('gone', 40), ...tenantItems('gone-next-door', 10)]);
  });
  afterAll(async () => runtime.close());

  const redact = () =>
    fetch(`${runtime.url}/v1/webhooks/shopify/gone`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'shop/redact',
        'x-shopify-hmac-sha256': sign(shopRedact),
      },
      body: shopRedact,
    });

  it('answers 200 at once having recorded the erasure, then the worker erases all but the audit log', async () => {
    const res = await redact();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(ShopifyWebhookResult.safeParse(body).success).toBe(true);
    expect(body).toEqual({
      privacy: 'shop_redact',
      erasure: 'pending',
      requestedAt: '2026-11-21T12:00:00.000Z',
    });
    // Nothing was deleted inside the webhook call.
    expect((await runtime.store.scan('gone#')).length).toBeGreaterThan(100);
    const job = tenantErasureOf((await runtime.store.get(tenantErasureKey('gone'), { consistent: true }))!);
    expect(job).toMatchObject({ status: 'pending', requestedBy: 'shopify', requests: 1 });

    // The worker also polls: after this, whichever run took the job has finished it.
    await runtime.runTenantErasures();
    const left = await runtime.store.scan('gone#');
    expect(left.map((item) => [item.pk, item.action]).sort()).toEqual([
      ['gone#AUDIT', 'erase_tenant'],
      ['gone#AUDIT', 'export'],
    ]);
    expect(left.find((item) => item.action === 'erase_tenant')).toMatchObject({
      requestedBy: 'shopify',
      erasedItems: 121,
      requestedAt: '2026-11-21T12:00:00.000Z',
    });
    expect(await runtime.store.scan('gone-next-door#')).toHaveLength(32);
  });

  it('a shop/redact delivered again after the erasure starts a new one, which erases what came since', async () => {
    await runtime.store.put({ pk: 'gone#C#late', sk: 'PROFILE' });
    clock.advance(60_000);
    const res = await redact();
    expect(await res.json()).toMatchObject({ erasure: 'pending', requestedAt: '2026-11-21T12:01:00.000Z' });
    await runtime.runTenantErasures();
    const erasures = (await runtime.store.scan('gone#')).filter((i) => i.action === 'erase_tenant');
    expect(erasures.map((e) => e.erasedItems).sort()).toEqual([1, 121]);
  });
});

describe('the tenant-erasure worker', () => {
  const setup = async (customers = 30) => {
    const store = createMemoryStore();
    const clock = new ManualClock('2026-11-21T12:00:00Z');
    await store.putMany([...tenantItems('shop', customers), ...tenantItems('shop-b', 5)]);
    await requestTenantErasure({ store, clock }, 'shop', 'shopify');
    return { store, clock, worker: createTenantErasure({ store, clock, log: silentLog }) };
  };

  it('stops when its time is up, keeping its place, and the next run resumes there', async () => {
    const { store, clock, worker } = await setup(400);
    const total = ofTenant(store, 'shop').length - 1;
    // The time is up after the first page: the run leaves the rest, and its place, for the next.
    const first = await worker.run('shop', { until: clock.now() });
    expect(first.status).toBe('pending');
    const deletes = store.faults.calls.filter((c) => c === 'store.delete').length;
    expect(deletes).toBeGreaterThan(0);
    const job = tenantErasureOf((await store.get(tenantErasureKey('shop')))!);
    expect(job.cursor).toEqual(expect.any(String));
    expect(job.leaseUntil).toBeUndefined();
    const second = await worker.runPending();
    expect(second).toEqual([{ tenantId: 'shop', status: 'done', erasedItems: total }]);
    // No item is deleted twice: the second run began where the first stopped.
    expect(store.faults.calls.filter((c) => c === 'store.delete')).toHaveLength(total);
    expect(ofTenant(store, 'shop').map((i) => i.pk)).toEqual(['shop#AUDIT', 'shop#AUDIT']);
    expect(ofTenant(store, 'shop-b')).toHaveLength(17);
  });

  it('finishes after a crash at any step, erasing everything and auditing the completion once', async () => {
    const { store: probe, worker: probeWorker } = await setup();
    const before = probe.faults.calls.length;
    await probeWorker.runPending();
    const steps = probe.faults.calls.length - before;
    expect(steps).toBeGreaterThan(90);
    for (let step = 1; step <= steps; step += 7) {
      const { store, clock, worker } = await setup();
      store.faults.crashAfterStep(step);
      await expect(worker.runPending()).rejects.toBeInstanceOf(SimulatedCrash);
      // A crashed worker's lease runs out before another takes the job over.
      expect(await worker.runPending()).toEqual(
        step === steps ? [] : [expect.objectContaining({ tenantId: 'shop', status: 'busy' })],
      );
      clock.advance(LEASE_MS + 1);
      await worker.runPending();
      expect(tenantErasureOf((await store.get(tenantErasureKey('shop')))!).status).toBe('done');
      expect(
        ofTenant(store, 'shop').filter((i) => i.action !== 'export'),
        `crash after step ${step}`,
      ).toEqual(audits(store, 'shop'));
      expect(audits(store, 'shop'), `crash after step ${step}`).toHaveLength(1);
      expect(ofTenant(store, 'shop-b')).toHaveLength(17);
    }
  });

  it('a request while an erasure is under way joins it; two workers never work on one job at once', async () => {
    const { store, clock, worker } = await setup();
    const joined = await requestTenantErasure({ store, clock }, 'shop', 'shopify');
    expect(joined).toMatchObject({ status: 'pending', requests: 2, requestedAt: '2026-11-21T12:00:00.000Z' });
    const [one, two] = await Promise.all([worker.run('shop'), worker.run('shop')]);
    expect([one?.status, two?.status].sort()).toEqual(['busy', 'done']);
    expect(audits(store, 'shop')).toHaveLength(1);
  });
});
