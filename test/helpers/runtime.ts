// The local runtime embedded in a test file: started before its tests, closed after them.
import { afterAll, beforeAll, expect } from 'vitest';
import { createWorkerRenderer } from '../../functions/adapters/templates/worker-renderer';
import { createTemplateVersion } from '../../functions/app/templates/run';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import type { Clock } from '../../functions/ports';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalOptions, type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { postEvents } from './events';

/** What differs from the default: in memory, on a free port, with the demo config. */
export type TestRuntimeOptions = Partial<LocalOptions>;

export type TestRuntime = {
  config: GrowthloopConfig;
  /** The config's first tenant. */
  tenant: GrowthloopConfig['tenants'][number];
  /** The running runtime; from the file's first test on. */
  readonly runtime: LocalRuntime;
  /** Resolves once the queues that take ingested events (profile updates, loyalty, groups) are empty, looking every `pollMs`. */
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
      const busy = () => INGEST_QUEUES.some((q) => local.runtime.queue.depth(q) > 0);
      while (busy()) await new Promise((r) => setTimeout(r, pollMs));
    },
  };
  return local;
}

/** The queues an ingested event lands on first. */
export const INGEST_QUEUES = ['profile-updates', 'loyalty', 'groups'] as const;

/** The queues an event goes through, from ingest to the dispatcher. */
export const PIPELINE_QUEUES = [
  'profile-updates',
  'journey-events',
  'journey-steps',
  'actions',
  'loyalty',
  'groups',
] as const;

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

/** Stores version 1 of each template straight in the runtime's table (checked and rendered as the admin API does). */
export async function storeTemplates(
  runtime: Pick<LocalRuntime, 'store'>,
  clock: Clock,
  tenant: { id: string; currency: string; timezone: string },
  inputs: readonly unknown[],
): Promise<void> {
  const renderer = createWorkerRenderer();
  try {
    const deps = { store: runtime.store, clock, renderer };
    const sample = { id: tenant.id, currency: tenant.currency, timezone: tenant.timezone };
    for (const input of inputs) expect((await createTemplateVersion(deps, { tenant: sample, input })).ok).toBe(true);
  } finally {
    await renderer.close();
  }
}

/** Posts one event with the tenant's API key (202 expected) and waits for the pipeline to settle. */
export async function postSettled(runtime: Pick<LocalRuntime, 'url' | 'queue'>, apiKey: string, event: object) {
  expect((await postEvents(runtime.url, apiKey, event)).status).toBe(202);
  await pipelineSettled(runtime);
}
