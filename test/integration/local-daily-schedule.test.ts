// The daily schedule of `npm start` (functions/runtime/daily.ts) over the tenant registry: a tenant
// added with `growthloop tenants add` while the runtime runs has its daily pass at the next 00:15 UTC,
// without a restart, as the stack's daily fan-out reads the registry at every run. The system's
// timers are faked, so the day passes at once; the registry, the daily run and the store are real.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import { createDailyRun, type DailyRun } from '../../functions/app/daily-run/run';
import { createRegistryDirectory } from '../../functions/app/tenants/directory';
import { addTenant, seedTenants } from '../../functions/app/tenants/registry';
import { fromModelItem, modelKey } from '../../functions/core/scoring/model-items';
import { DAILY_RUN_MINUTE_UTC, startDailySchedule } from '../../functions/runtime/daily';
import { recordingBus } from '../helpers/scoring';

const START = Date.parse('2026-06-01T10:00:00Z');
const NEXT_RUN = Date.parse('2026-06-02T00:00:00Z') + DAILY_RUN_MINUTE_UTC * 60_000;

/** Lets the runtime's promises settle (on real immediates, which are not faked), until `done` holds. */
async function settle(done: () => boolean) {
  for (let i = 0; i < 10_000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(done()).toBe(true);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the local daily schedule', () => {
  it('gives a tenant added while the runtime runs its daily pass at the next run, without a restart', async () => {
    // Date and performance too: the schedule reads the time of day, the registry's cache its age.
    vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const clock = new ManualClock(START);
    const store = createMemoryStore();
    // As startLocal wires it: the config's tenant seeded into the registry, the functions' directory over it.
    await seedTenants(
      store,
      [{ id: 'shop', timezone: 'UTC', currency: 'EUR', apiKeySha256: 'a'.repeat(64), adminKeySha256: 'b'.repeat(64) }],
      clock,
    );
    const tenants = createRegistryDirectory({ store, clock });
    const daily = createDailyRun({ store, bus: recordingBus(), clock, tenants, log: silentLog });
    const passes: { tenantId: string; day: string }[] = [];
    const dailyRun: DailyRun = {
      ...daily,
      async run(command) {
        const results = await daily.run(command);
        const day = new Date(clock.now()).toISOString().slice(0, 10);
        passes.push(...results.map((r) => ({ tenantId: r.tenantId, day })));
        return results;
      },
    };
    const schedule = startDailySchedule({ store, dailyRun, tenants, clock });
    try {
      // The catch-up at start: the one tenant there is has no model of today.
      await settle(() => passes.length === 1);
      expect(passes).toEqual([{ tenantId: 'shop', day: '2026-06-01' }]);

      // `growthloop tenants add` while it runs: into the registry in the table.
      await addTenant(store, { id: 'shop-two', timezone: 'Asia/Shanghai', currency: 'CNY' }, clock);

      clock.set(NEXT_RUN);
      await vi.advanceTimersByTimeAsync(NEXT_RUN - Date.now());
      await settle(() => passes.length === 3);
      expect(passes.slice(1)).toEqual([
        { tenantId: 'shop', day: '2026-06-02' },
        { tenantId: 'shop-two', day: '2026-06-02' },
      ]);
      const model = fromModelItem(await store.get(modelKey('shop-two'), { consistent: true }));
      expect(model?.latest.fittedAt.slice(0, 10)).toBe('2026-06-02');
    } finally {
      await schedule.stop();
    }
  });
});
