import { silentLog } from '../adapters/log';
import { createAudienceBackfill } from '../app/daily-run/audience-backfill';
import { createBuyerBackfill } from '../app/daily-run/buyer-backfill';
import type { DailyRun } from '../app/daily-run/run';
import type { TenantDirectory } from '../core/config/tenants';
import { fromModelItem, modelKey } from '../core/scoring/model-items';
import type { Clock, Log, Store } from '../ports';

const DAY_MS = 86_400_000;

/** Minutes after midnight UTC at which the daily run starts, as the stack's schedule does. */
export const DAILY_RUN_MINUTE_UTC = 15;

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The tenants whose models were not fitted today: a machine that was off at the scheduled time catches up. */
export async function tenantsBehind(store: Store, tenantIds: readonly string[], now: number): Promise<string[]> {
  const behind: string[] = [];
  for (const id of tenantIds) {
    const latest = fromModelItem(await store.get(modelKey(id), { consistent: true }))?.latest;
    if (!latest || dateOf(Date.parse(latest.fittedAt)) < dateOf(now)) behind.push(id);
  }
  return behind;
}

/**
 * Plays the stack's daily schedule: catches up at start, then runs at 00:15 UTC each day (on
 * the system's timers; `clock` says what day it is). Each run reads the tenants from the
 * directory (the registry in the table) when it starts, as the stack's daily fan-out does, so a
 * tenant added with `growthloop tenants add` while this runs has its daily pass at the next run.
 * A failed run (or a registry that cannot be read) is logged and retried the next day.
 */
export function startDailySchedule(options: {
  store: Store;
  dailyRun: DailyRun;
  /** The tenants, read again at every run (and by id, for the audience index backfill's scoring). */
  tenants: Pick<TenantDirectory, 'all' | 'byId'>;
  clock: Clock;
  log?: Log;
}) {
  const { store, dailyRun, tenants, clock } = options;
  const tenantIds = async () => (await tenants.all()).map((t) => t.id);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();

  // Each tenant in a run of its own, as in AWS: one tenant's failure does not hold up the others.
  const runFor = async (ids: readonly string[]) => {
    if (stopped || ids.length === 0) return;
    process.stderr.write(`daily run: fitting models and moving due customers of ${ids.join(', ')}…\n`);
    for (const id of ids) {
      if (stopped) return;
      try {
        for (const { tenantId, model, due } of await dailyRun.run({ tenantIds: [id] })) {
          process.stderr.write(
            `  ${tenantId}: model ${model.status}${model.reason ? ` (${model.reason})` : ''}; ` +
              `${due.due} customers due, ${due.stageChanges} stage changes\n`,
          );
        }
      } catch (e) {
        process.stderr.write(`  ${id}: daily run failed, tried again at the next one: ${String(e)}\n`);
      }
    }
  };
  const enqueue = (task: () => Promise<void>) => {
    chain = chain.then(task).catch((e) => {
      process.stderr.write(`daily run failed, tried again at the next one: ${String(e)}\n`);
    });
  };
  const scheduleNext = () => {
    const now = Date.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS + DAILY_RUN_MINUTE_UTC * 60_000;
    timer = setTimeout(
      () => {
        enqueue(async () => runFor(await tenantIds()));
        scheduleNext();
      },
      (today > now ? today : today + DAY_MS) - now,
    );
    timer.unref();
  };

  enqueue(async () => {
    // A table from before the buyer index: its buyers are indexed before the first fit reads them;
    // and from before the audience index: its profiles are indexed before the first campaign run.
    const log = options.log ?? silentLog;
    await createBuyerBackfill({ store, log, now: () => clock.now() })();
    await createAudienceBackfill({ store, log, tenants, now: () => clock.now() })();
    await runFor(await tenantsBehind(store, await tenantIds(), clock.now()));
  });
  scheduleNext();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
  };
}
