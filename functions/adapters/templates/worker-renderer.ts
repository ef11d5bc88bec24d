/**
 * The template renderer (TemplateRenderer, functions/core/templates/renderer.ts): Liquid in a
 * small pool of worker threads (one by default), each reused across renders. liquidjs's own limits
 * are cooperative (one advisory's payload ran 2.26 s against a 50 ms renderLimit), so every request
 * also has a wall-clock limit (1 s by default): a worker that has not answered by then is
 * terminated, the caller gets TemplateError('timeout'), and a fresh worker is started for the
 * next request. The process stays up. Workers also run under V8 resource limits (heap and stack):
 * a render that exhausts them ends its worker and fails as `limit`.
 *
 * Requests wait in one queue for a free worker; a request's time starts when a worker takes it.
 * Idle workers are unref'd: they never keep a process (or a test run) alive.
 *
 * The worker's code (render-worker.ts) is a separate entry point:
 * - under tsx or vitest (this file is `.ts`), the worker runs render-worker.ts with
 *   `--import tsx`, as functions/runtime/dynalite.ts forks its child;
 * - bundled (esbuild, NodejsFunction), `new URL('./render-worker.ts', import.meta.url)` is not
 *   followed by the bundler: bundle render-worker.ts as a second entry point into the same
 *   directory as `render-worker.mjs` (e.g. a NodejsFunction `commandHooks.afterBundling` that runs
 *   esbuild on it), or pass `workerUrl`. This module then looks for `./render-worker.mjs` beside
 *   the bundle, and without it every render fails as `unavailable` (never silently unsandboxed).
 */
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { TemplateError, type TemplateErrorJson } from '../../core/templates/errors';
import type { PartSourceToCheck, TemplateRenderer } from '../../core/templates/renderer';
import type { PartsOf, RenderedTemplate, TemplateContext } from '../../core/templates/schema';
import type { LiquidLimits } from './liquid';

export const DEFAULT_RENDER_TIMEOUT_MS = 1000;

export type WorkerRendererOptions = {
  /** Wall-clock milliseconds a request may take once a worker has it. */
  timeoutMs?: number;
  /** Worker threads in the pool. */
  workers?: number;
  /** Requests that may wait for a worker; more fail as `unavailable`. */
  maxQueue?: number;
  /** liquidjs's cooperative limits. */
  limits?: Partial<LiquidLimits>;
  /** V8 limits of each worker. */
  resourceLimits?: ResourceLimits;
  /** How long a worker may take to load before its requests fail as `unavailable`. */
  startTimeoutMs?: number;
  /** The worker's entry point; by default render-worker.ts (under tsx) or render-worker.mjs (bundled) beside this module. */
  workerUrl?: URL;
  /** Node options of the worker; by default `--import tsx` for a `.ts` entry point. */
  execArgv?: string[];
  /** Told of each worker started, terminated on a timeout, or lost (logs and metrics). */
  onEvent?: (event: { kind: 'spawn' | 'timeout' | 'crash'; detail?: string }) => void;
};

export type RendererStats = { requests: number; timeouts: number; crashes: number; spawns: number };

type Job = {
  message:
    | { op: 'render'; parts: PartsOf; context: TemplateContext }
    | { op: 'check'; sources: readonly PartSourceToCheck[] };
  resolve: (value: unknown) => void;
  reject: (error: TemplateError) => void;
};

type Slot = {
  worker?: Worker;
  ready: boolean;
  current?: { id: number; job: Job; timer: NodeJS.Timeout };
};

type WorkerAnswer =
  | { ready: true }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: TemplateErrorJson };

const defaultWorkerUrl = (): URL =>
  import.meta.url.endsWith('.ts')
    ? new URL('./render-worker.ts', import.meta.url)
    : new URL('./render-worker.mjs', import.meta.url);

export function createWorkerRenderer(options: WorkerRendererOptions = {}): TemplateRenderer & {
  stats(): RendererStats;
} {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS;
  const maxQueue = options.maxQueue ?? 1000;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const workerUrl = options.workerUrl ?? defaultWorkerUrl();
  const execArgv = options.execArgv ?? (workerUrl.pathname.endsWith('.ts') ? ['--import', 'tsx'] : []);
  const resourceLimits = options.resourceLimits ?? {
    maxOldGenerationSizeMb: 128,
    maxYoungGenerationSizeMb: 32,
    stackSizeMb: 4,
  };
  const slots: Slot[] = Array.from({ length: Math.max(1, options.workers ?? 1) }, () => ({ ready: false }));
  const queue: Job[] = [];
  const stats: RendererStats = { requests: 0, timeouts: 0, crashes: 0, spawns: 0 };
  let seq = 0;
  let closed = false;

  function spawn(slot: Slot) {
    stats.spawns++;
    options.onEvent?.({ kind: 'spawn' });
    const worker = new Worker(workerUrl, { execArgv, workerData: { limits: options.limits ?? {} }, resourceLimits });
    slot.worker = worker;
    slot.ready = false;
    worker.unref();
    const starting = setTimeout(
      () =>
        lose(
          slot,
          worker,
          new TemplateError('unavailable', `the template worker did not start within ${startTimeoutMs} ms`),
        ),
      startTimeoutMs,
    );
    starting.unref();
    worker.on('message', (answer: WorkerAnswer) => {
      if (slot.worker !== worker) return;
      if ('ready' in answer) {
        clearTimeout(starting);
        slot.ready = true;
        pump();
        return;
      }
      const current = slot.current;
      if (!current || current.id !== answer.id) return;
      clearTimeout(current.timer);
      slot.current = undefined;
      worker.unref();
      if (answer.ok) current.job.resolve(answer.result);
      else current.job.reject(TemplateError.fromJSON(answer.error));
      pump();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      clearTimeout(starting);
      const outOfMemory = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      lose(
        slot,
        worker,
        new TemplateError(
          outOfMemory ? 'limit' : 'unavailable',
          outOfMemory
            ? 'the render ran out of the memory a template may use'
            : `the template worker failed: ${e.message}`,
        ),
      );
    });
    worker.on('exit', (code) => {
      clearTimeout(starting);
      lose(slot, worker, new TemplateError('unavailable', `the template worker exited (code ${code})`));
    });
  }

  /** The slot's worker is gone (or going): its request fails with `error`, a fresh worker takes the queue. */
  function lose(slot: Slot, worker: Worker, error: TemplateError) {
    if (slot.worker !== worker) return;
    const wasReady = slot.ready;
    slot.worker = undefined;
    slot.ready = false;
    void worker.terminate();
    const current = slot.current;
    slot.current = undefined;
    if (current) {
      clearTimeout(current.timer);
      current.job.reject(error);
    }
    if (error.code !== 'timeout' && !closed) {
      stats.crashes++;
      options.onEvent?.({ kind: 'crash', detail: error.message });
    }
    if (closed) return;
    if (!wasReady) {
      // It never loaded: starting another would fail the same way, so the waiting requests fail now.
      for (const job of queue.splice(0)) job.reject(error);
      return;
    }
    spawn(slot); // warm for the next request
    pump();
  }

  function pump() {
    if (closed) return;
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.worker) {
        spawn(slot);
        continue;
      }
      if (!slot.ready || slot.current) continue;
      const job = queue.shift();
      if (!job) return;
      const worker = slot.worker;
      const id = ++seq;
      const timer = setTimeout(() => {
        stats.timeouts++;
        options.onEvent?.({ kind: 'timeout' });
        lose(
          slot,
          worker,
          new TemplateError('timeout', `the render did not end within ${timeoutMs} ms: it was stopped`),
        );
      }, timeoutMs);
      slot.current = { id, job, timer };
      worker.ref();
      try {
        worker.postMessage({ id, ...job.message });
      } catch (e) {
        clearTimeout(timer);
        slot.current = undefined;
        worker.unref();
        job.reject(
          new TemplateError('render', `the render's variables cannot be sent to the worker: ${(e as Error).message}`),
        );
      }
    }
  }

  function request<T>(message: Job['message']): Promise<T> {
    stats.requests++;
    if (closed) return Promise.reject(new TemplateError('unavailable', 'the template renderer is closed'));
    if (queue.length >= maxQueue)
      return Promise.reject(new TemplateError('unavailable', `${maxQueue} renders are waiting already`));
    return new Promise<T>((resolve, reject) => {
      queue.push({ message, resolve: resolve as (value: unknown) => void, reject });
      pump();
    });
  }

  return {
    render: (parts, context) => request<RenderedTemplate>({ op: 'render', parts, context }),
    check: (sources) => request<void>({ op: 'check', sources }),
    async close() {
      if (closed) return;
      closed = true;
      const closing = new TemplateError('unavailable', 'the template renderer is closed');
      for (const job of queue.splice(0)) job.reject(closing);
      await Promise.all(
        slots.map(async (slot) => {
          const { worker, current } = slot;
          slot.worker = undefined;
          slot.current = undefined;
          if (current) {
            clearTimeout(current.timer);
            current.job.reject(closing);
          }
          if (worker) await worker.terminate();
        }),
      );
    },
    stats: () => ({ ...stats }),
  };
}
