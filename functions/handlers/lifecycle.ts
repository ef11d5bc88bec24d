import middy from '@middy/core';
import { systemClock } from '../adapters/clock';
import type { TenantDirectory, TenantRecord } from '../core/config/tenants';
import { customerPk, fromProfileItem, type StoredProfile, toProfileItem } from '../core/profiles/items';
import { DUE_SHARDS, dueShard, lifecycleChanged, rescore } from '../core/profiles/lifecycle';
import { fromModelItem, modelItems, modelKey } from '../core/scoring/model-items';
import { scoringSettings } from '../core/scoring/settings';
import { fitTenantModel, type ModelDiagnostics } from '../core/scoring/tenant-model';
import { type Bus, type Clock, ConditionFailedError, type Store } from '../ports';
import { awsBus, awsStore, awsTenants, lazyHandler } from './aws';
import { createScoringContexts, flushOutbox } from './scoring';

export type LifecycleDeps = { store: Store; bus: Bus; clock: Clock; tenants: TenantDirectory };

/** Profiles read per due-index page: one BatchGet round per 100. */
const DUE_PAGE = 1000;
const SHARDS_IN_PARALLEL = 4;
const log = (message: string, fields: Record<string, unknown>) =>
  console.error(JSON.stringify({ level: 'info', message, ...fields }));

export type DuePassReport = { tenantId: string; due: number; changed: number; stageChanges: number; conflicts: number };

/**
 * The scheduled jobs of customer intelligence: the per-tenant model fit, and the daily pass
 * that rescores the customers whose lifecycle is due to change (read through the sparse due
 * index, never by a scan).
 */
export function createLifecycleJobs(deps: LifecycleDeps) {
  const { store, bus, clock } = deps;

  /** Fits the tenant's models on all its profiles and stores them with their diagnostics. */
  async function fitModel(tenant: TenantRecord): Promise<ModelDiagnostics> {
    const items = await store.scan(customerPk(tenant.id, ''));
    const profiles = items
      .filter((item) => item.sk === 'PROFILE' && item.mergedInto === undefined)
      .map((item) => fromProfileItem(item).profile);
    const now = clock.now();
    const fit = fitTenantModel(tenant.id, profiles, tenant.currency, scoringSettings(tenant.scoring), now);
    const previous = fromModelItem(await store.get(modelKey(tenant.id), { consistent: true }));
    await store.putMany(modelItems(tenant.id, fit, previous));
    log('model fit', { tenantId: tenant.id, ...fit.diagnostics });
    return fit.diagnostics;
  }

  /** Rescores every customer of the tenant whose due day has come, one shard at a time. */
  async function duePass(tenantId: string): Promise<DuePassReport> {
    // A fresh context: the model may have just been fitted.
    const contextOf = createScoringContexts(deps);
    const context = await contextOf(tenantId);
    const report: DuePassReport = { tenantId, due: 0, changed: 0, stageChanges: 0, conflicts: 0 };
    const today = new Date(clock.now()).toISOString().slice(0, 10);

    async function rescoreDue(stored: StoredProfile) {
      const next = rescore(stored, context, clock.now());
      if (!lifecycleChanged(stored, next)) return;
      const written = { ...next, version: stored.version + 1 };
      try {
        await store.put(toProfileItem(written), { ifVersion: stored.version });
      } catch (e) {
        // An event for the customer was folded meanwhile, which rescored it.
        if (e instanceof ConditionFailedError) return void report.conflicts++;
        throw e;
      }
      report.changed++;
      report.stageChanges += (next.outbox?.length ?? 0) - (stored.outbox?.length ?? 0);
      await flushOutbox(store, bus, written);
    }

    async function runShard(shard: number) {
      const seen = new Set<string>();
      // Rescored customers leave today's due keys; a page repeats only keys the index has not caught up on.
      for (;;) {
        const keys = (await store.dueKeys(dueShard(tenantId, shard), { upTo: today, limit: DUE_PAGE })).filter(
          (key) => !seen.has(key.pk),
        );
        if (keys.length === 0) return;
        for (const key of keys) seen.add(key.pk);
        report.due += keys.length;
        for (const item of await store.getMany(keys)) {
          const stored = fromProfileItem(item);
          if (!stored.mergedInto) await rescoreDue(stored);
        }
      }
    }

    let next = 0;
    await Promise.all(
      Array.from({ length: SHARDS_IN_PARALLEL }, async () => {
        while (next < DUE_SHARDS) await runShard(next++);
      }),
    );
    log('lifecycle due pass', report);
    return report;
  }

  /** The daily run for every tenant: refit the models, then move the customers who are due. */
  async function runDaily(tenantIds: readonly string[]) {
    const results: { tenantId: string; model: ModelDiagnostics; due: DuePassReport }[] = [];
    for (const tenantId of tenantIds) {
      const tenant = deps.tenants.byId(tenantId);
      if (!tenant) throw new Error(`tenant ${tenantId} is not configured`);
      const model = await fitModel(tenant);
      results.push({ tenantId, model, due: await duePass(tenantId) });
    }
    return results;
  }

  return { fitModel, duePass, runDaily };
}
export type LifecycleJobs = ReturnType<typeof createLifecycleJobs>;

/** The scheduled function: the daily run over the tenants the schedule names (all by default). */
export function createLifecycleHandler(deps: LifecycleDeps) {
  const jobs = createLifecycleJobs(deps);
  return middy(async (event: { tenantIds?: string[] } | undefined) =>
    jobs.runDaily(event?.tenantIds ?? deps.tenants.all().map((t) => t.id)),
  );
}

export const handler = lazyHandler(() =>
  createLifecycleHandler({ store: awsStore(), bus: awsBus(), clock: systemClock, tenants: awsTenants() }),
);
