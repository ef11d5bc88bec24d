// The local runtime embedded in a test file: started before its tests, closed after them.
import { afterAll, beforeAll } from 'vitest';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalOptions, type LocalRuntime, startLocal } from '../../functions/runtime/local';

/** What differs from the default: in memory, on a free port, with the demo config. */
export type TestRuntimeOptions = Partial<LocalOptions>;

export type TestRuntime = {
  config: GrowthloopConfig;
  /** The config's first tenant. */
  tenant: GrowthloopConfig['tenants'][number];
  /** The running runtime; from the file's first test on. */
  readonly runtime: LocalRuntime;
  /** Resolves once the profile-updates queue is empty, looking every `pollMs`. */
  settled(pollMs?: number): Promise<void>;
};

/**
 * Starts `startLocal` in beforeAll (in memory, `port: 0`, the demo config unless `options.config`;
 * any other `LocalOptions` as given) and closes it in afterAll.
 */
export function startTestRuntime(options: TestRuntimeOptions = {}): TestRuntime {
  const config = options.config ?? demoConfig();
  let started: LocalRuntime | undefined;
  beforeAll(async () => {
    started = await startLocal({ dataDir: '', memory: true, port: 0, ...options, config });
  });
  afterAll(() => started?.close());
  const local: TestRuntime = {
    config,
    tenant: config.tenants[0]!,
    get runtime() {
      if (!started) throw new Error('the test runtime is not started yet (use it inside a test or hook)');
      return started;
    },
    async settled(pollMs = 10) {
      while (local.runtime.queue.depth('profile-updates') > 0) await new Promise((r) => setTimeout(r, pollMs));
    },
  };
  return local;
}

/** The queues an event goes through, from ingest to the dispatcher. */
export const PIPELINE_QUEUES = ['profile-updates', 'journey-events', 'journey-steps', 'actions'] as const;

/**
 * Resolves once `queues` have been empty at five looks in a row, 20 ms apart: what a test posted has
 * gone all the way through (a step that puts work on the next queue does so before it acknowledges).
 */
export async function pipelineSettled(
  runtime: Pick<LocalRuntime, 'queue'>,
  queues: readonly string[] = PIPELINE_QUEUES,
): Promise<void> {
  for (let quiet = 0; quiet < 5; ) {
    quiet = queues.every((q) => runtime.queue.depth(q) === 0) ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Calls of the runtime's admin API with `adminKey`: the status and the JSON answer. */
export const adminApi =
  (runtime: () => Pick<LocalRuntime, 'url'>, adminKey: string) =>
  async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${runtime().url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
