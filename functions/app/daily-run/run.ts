import { z } from 'zod';
import { forEachConcurrently } from '../../concurrently';
import type { TenantRecord } from '../../core/config/tenants';
import { isPointsAccountKey } from '../../core/loyalty/items';
import type { KpiAlert } from '../../core/metrics/kpi-alerts';
import { fromProfileItem, type StoredProfile, toProfileItem, withoutProfileOutbox } from '../../core/profiles/items';
import { isMarker } from '../../core/profiles/markers';
import { DUE_SHARDS, dueShard, lifecycleChanged, rescore } from '../../core/profiles/profile-changes';
import { isReferralKey } from '../../core/referrals/items';
import { fromModelItem, modelItems, modelKey } from '../../core/scoring/model-items';
import { scoringSettings } from '../../core/scoring/settings';
import { fitTenantModel, type ModelDiagnostics } from '../../core/scoring/tenant-model';
import type { Item, Key } from '../../ports';
import { carryOut, type OutboxEntry } from '../common/carry-out';
import type { AppPorts } from '../common/ports';
import { createScoringContexts } from '../common/scoring-contexts';
import { writeWithOutbox } from '../common/versioned-write';
import { createPointsLedger } from '../loyalty/points';
import { kpiValuesOf, raiseKpiAlerts } from '../metrics/alerts';
import { writeKpiSnapshot } from '../metrics/kpi-snapshot';
import { historiesOf, kpiReport } from '../metrics/report';
import { removeErasedMarker } from '../privacy/run';
import { createReferrals } from '../referrals/referrals';
import { readBuyers } from './buyers';

export const DailyRunCommand = z.object({ tenantIds: z.array(z.string().min(1)).optional() });
export type DailyRunCommand = z.infer<typeof DailyRunCommand>;

/** Without `queue`, referrals coming due are left due (jobs that run no referral programme). */
export type DailyRunDeps = Pick<AppPorts, 'store' | 'bus' | 'clock' | 'tenants' | 'log' | 'metrics'> &
  Partial<Pick<AppPorts, 'queue'>>;

export type DuePassReport = { tenantId: string; due: number; changed: number; stageChanges: number; conflicts: number };
export type DailyRunResult = {
  tenantId: string;
  model: ModelDiagnostics;
  due: DuePassReport;
  /** With KPI targets: the alerts raised for yesterday (UTC). */
  kpiAlerts?: KpiAlert[];
}[];

/** Profiles read per due-index page: one BatchGet round per 100. */
const DUE_PAGE = 1000;
const SHARDS_IN_PARALLEL = 4;

/**
 * The scheduled jobs of customer intelligence: the per-tenant model fit, and the daily pass
 * that rescores the customers whose lifecycle is due to change (read through the sparse due
 * index, never by a scan).
 */
/** The customer id of a partition key `<tenant>#C#<customer>`. */
const customerOfPk = (tenantId: string, pk: string): string => pk.slice(`${tenantId}#C#`.length);

export function createDailyRun(deps: DailyRunDeps) {
  const { store, clock, log } = deps;
  const points = createPointsLedger(deps);
  const queue = deps.queue;
  const referrals = queue && createReferrals({ ...deps, queue });

  /** Fits the tenant's models on its buyers' profiles (the buyer index) and stores them with their diagnostics. */
  async function fitModel(tenant: TenantRecord, buyers?: StoredProfile[]): Promise<ModelDiagnostics> {
    const profiles = (buyers ?? (await readBuyers(store, tenant.id))).map((stored) => stored.profile);
    const fit = fitTenantModel(tenant.id, profiles, tenant.currency, scoringSettings(tenant.scoring), clock.now());
    const previous = fromModelItem(await store.get(modelKey(tenant.id), { consistent: true }));
    await store.putMany(modelItems(tenant.id, fit, previous));
    log.info('model fit', { tenantId: tenant.id, ...fit.diagnostics });
    return fit.diagnostics;
  }

  /**
   * Rescores every customer of the tenant whose due day has come, and folds again the points
   * accounts due (points released or expiring, a reminder, a tier review), one shard at a time.
   */
  async function duePass(tenantId: string): Promise<DuePassReport> {
    const tenant = await deps.tenants.byId(tenantId);
    // A fresh context: the model may have just been fitted.
    const context = await createScoringContexts(deps)(tenantId);
    const report: DuePassReport = { tenantId, due: 0, changed: 0, stageChanges: 0, conflicts: 0 };
    const today = new Date(clock.now()).toISOString().slice(0, 10);

    const rescoreDue = (key: Key, first: Item) =>
      writeWithOutbox<void, OutboxEntry>(
        store,
        {
          key,
          first,
          metrics: deps.metrics,
          decide(current, attempt) {
            if (attempt > 1) report.conflicts++;
            if (!current) return { result: undefined };
            const stored = fromProfileItem(current);
            if (stored.mergedInto) return { result: undefined };
            const next = rescore(stored, context, clock.now());
            if (!lifecycleChanged(stored, next)) return { result: undefined };
            report.changed++;
            report.stageChanges += (next.outbox?.length ?? 0) - (stored.outbox?.length ?? 0);
            return { write: toProfileItem({ ...next, version: stored.version + 1 }), result: undefined };
          },
        },
        (entries) => carryOut(deps, { tenantId, customerId: fromProfileItem(first).profile.customerId }, entries),
        withoutProfileOutbox,
      );

    /** A referral whose rewards cannot be sent now stays due; the others go on. */
    async function referralDue(tenant: TenantRecord, friendId: string) {
      if (!referrals) {
        log.warn('a referral came due where no actions queue is given; it stays due', { tenantId });
        return;
      }
      try {
        await referrals.due(tenant, friendId);
      } catch (e) {
        log.warn('a referral could not be brought up to date; it stays due', {
          tenantId,
          reason: (e as Error).message,
        });
      }
    }

    /** One account that cannot be folded now (the bus refusing its notices) stays due; the others go on. */
    async function refreshPoints(tenant: TenantRecord, customerId: string) {
      try {
        await points.refresh(tenant, customerId);
      } catch (e) {
        log.warn('a points account could not be folded; it stays due', { tenantId, reason: (e as Error).message });
      }
    }

    async function runShard(shard: number) {
      const seen = new Set<string>();
      // Rescored customers leave today's due keys; a page repeats only keys the index has not caught up on.
      for (;;) {
        const keys = (await store.dueKeys(dueShard(tenantId, shard), { upTo: today, limit: DUE_PAGE })).filter(
          (key) => !seen.has(`${key.pk}\u0000${key.sk}`),
        );
        if (keys.length === 0) return;
        for (const key of keys) seen.add(`${key.pk}\u0000${key.sk}`);
        report.due += keys.length;
        for (const item of await store.getMany(keys)) {
          if (isMarker(item)) await removeErasedMarker(store, item);
          else if (isPointsAccountKey(item)) {
            if (tenant) await refreshPoints(tenant, customerOfPk(tenantId, item.pk));
          } else if (isReferralKey(item)) {
            if (tenant) await referralDue(tenant, customerOfPk(tenantId, item.pk));
          } else await rescoreDue({ pk: item.pk, sk: item.sk }, item);
        }
      }
    }

    await forEachConcurrently(
      Array.from({ length: DUE_SHARDS }, (_, shard) => shard),
      SHARDS_IN_PARALLEL,
      runShard,
    );
    log.info('lifecycle due pass', report);
    return report;
  }

  /** The buyers' order histories as the KPI snapshot; a failure leaves the last one, which reports stop using after a day. */
  async function snapshotKpis(tenantId: string, buyers: StoredProfile[]): Promise<void> {
    try {
      await writeKpiSnapshot(store, tenantId, await historiesOf(store, buyers), clock.now());
    } catch (e) {
      log.warn('the KPI snapshot could not be written', { tenantId, reason: (e as Error).message });
    }
  }

  /** Yesterday's KPIs (the last whole UTC day) against the tenant's targets: the alerts raised now. */
  async function checkKpis(tenant: TenantRecord): Promise<KpiAlert[]> {
    const now = clock.now();
    const day = new Date(now - 86_400_000).toISOString().slice(0, 10);
    const report = await kpiReport({ store, now }, tenant, { from: day, to: day });
    const raised = await raiseKpiAlerts(
      { store, bus: deps.bus, now },
      tenant.id,
      tenant.kpiTargets ?? {},
      kpiValuesOf(report),
      day,
    );
    for (const alert of raised) log.info('kpi alert', { tenantId: tenant.id, ...alert });
    return raised;
  }

  /** The daily run for every tenant named (all by default): refit the models, take the KPI snapshot, then move the customers who are due. */
  async function run(command: DailyRunCommand = {}): Promise<DailyRunResult> {
    const results: DailyRunResult = [];
    for (const tenantId of command.tenantIds ?? (await deps.tenants.all()).map((t) => t.id)) {
      const tenant = await deps.tenants.byId(tenantId);
      if (!tenant) throw new Error(`tenant ${tenantId} is not configured`);
      const buyers = await readBuyers(store, tenant.id);
      const model = await fitModel(tenant, buyers);
      await snapshotKpis(tenant.id, buyers);
      const due = await duePass(tenantId);
      results.push({ tenantId, model, due, ...(tenant.kpiTargets ? { kpiAlerts: await checkKpis(tenant) } : {}) });
    }
    return results;
  }

  return { fitModel, duePass, run };
}
export type DailyRun = ReturnType<typeof createDailyRun>;
