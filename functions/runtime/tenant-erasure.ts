import type { TenantErasureReport, TenantErasureWorker } from '../app/privacy/erase-tenant';

/** How often the local worker looks for unfinished tenant erasures (the stack's schedule runs every 15 minutes). */
export const ERASURE_POLL_MS = 2_000;

/**
 * Plays the stack's tenant-erasure function under `npm start`: looks for unfinished erasures
 * every few seconds and works on them one run at a time. A failed run is logged and tried again.
 */
export function startTenantErasures(options: { worker: TenantErasureWorker; intervalMs?: number }) {
  const { worker } = options;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let chain: Promise<unknown> = Promise.resolve();

  /** Runs every unfinished erasure now, after any run under way. */
  const runNow = (): Promise<TenantErasureReport[]> => {
    const run = chain.then(() => (stopped ? [] : worker.runPending()));
    chain = run.catch((e) => {
      process.stderr.write(`tenant erasure failed, tried again shortly: ${String(e)}\n`);
    });
    return run;
  };
  const tick = () => {
    timer = setTimeout(() => {
      void runNow()
        .catch(() => {})
        .finally(() => {
          if (!stopped) tick();
        });
    }, options.intervalMs ?? ERASURE_POLL_MS);
    timer.unref();
  };
  tick();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
  };
}
