/**
 * `growthloop start`: the whole system on this machine (functions/runtime/local.ts), one
 * process per data directory (a lock file in it), with a banner that lists every HTTP route of
 * functions/http-routes.ts and the credential it takes. On the first run (the demo config just
 * written), and with --demo, the demo tenant gets a simulated shop first (functions/runtime/demo-shop.ts)
 * unless it has one already.
 */
import { resolve } from 'node:path';
import { emfMetrics } from '../adapters/metrics';
import type { GrowthloopConfig } from '../core/config/schema';
import type { FunctionName, HttpRouteSpec } from '../http-routes';
import { httpRoutes } from '../http-routes';
import type { Store } from '../ports';
import { readOrCreateConfig } from '../runtime/config-file';
import { DataDirInUseError, type DataDirLock, lockDataDir } from '../runtime/data-dir-lock';
import type { DemoShopOptions, DemoShopProgress, DemoShopResult } from '../runtime/demo-shop';
import type { LocalOptions, LocalRuntime } from '../runtime/local';
import { CliError, parseOptions, reportFailure, UsageError, wantsHelp } from './command';
import { type Io, processIo } from './io';
import { START_USAGE } from './usage';

export { START_USAGE };

/** The header each kind of platform webhook is signed in (with the tenant's webhook secret for it). */
const WEBHOOK_SIGNATURES: Record<string, string> = {
  shopify: 'x-shopify-hmac-sha256: HMAC of the body with the tenant secret shopifyWebhookSecret',
  woocommerce: 'x-wc-webhook-signature: HMAC of the body with the tenant secret woocommerceWebhookSecret',
};

/** The credential a route takes, by the function that serves it (a new function must say). */
const CREDENTIALS: Record<FunctionName, (route: HttpRouteSpec) => string> = {
  ingest: () => 'x-api-key: <tenant apiKey>',
  admin: () => 'authorization: Bearer <tenant adminKey>',
  webhooks: (route) => {
    const platform = /\/webhooks\/([^/]+)\//.exec(route.path)?.[1] ?? '';
    return WEBHOOK_SIGNATURES[platform] ?? `the ${platform || 'platform'} webhook signature`;
  },
  segment: () => 'authorization: Basic <tenant secret segmentWriteKey as user name>',
};

/** The credential a route takes: routes outside the versioned API (/health, /openapi.json) take none. */
export const credentialOf = (route: HttpRouteSpec): string =>
  route.path.startsWith('/v1/') ? CREDENTIALS[route.fn](route) : 'no credential';

/** One line per route of the route table: method, URL, credential. */
export function routeLines(url: string, routes: readonly HttpRouteSpec[] = httpRoutes): string[] {
  const rows = routes.map((r) => [r.method, `${url}${r.path}`, credentialOf(r)] as const);
  const method = Math.max(...rows.map((r) => r[0].length));
  const path = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([m, p, c]) => `  ${m.padEnd(method)}  ${p.padEnd(path)}  ${c}`);
}

const OPTIONS = {
  config: { type: 'string', default: 'growthloop.config.json' },
  port: { type: 'string', default: '3000' },
  'data-dir': { type: 'string', default: '.growthloop' },
  memory: { type: 'boolean', default: false },
  demo: { type: 'boolean', default: false },
} as const;

export type StartDeps = {
  startLocal: (options: LocalOptions) => Promise<Pick<LocalRuntime, 'url' | 'close'>>;
  /** Where the stop signals come from (default: this process). */
  onSignal: (signal: 'SIGINT' | 'SIGTERM', handler: () => void) => void;
  /** Ends the process once stopped (default process.exit). */
  exit: (code: number) => void;
  /** Seeds the demo shop (default functions/runtime/demo-shop.ts; tests give smaller sizes). */
  seedDemoShop: (options: DemoShopOptions) => Promise<DemoShopResult & { store?: Store }>;
};

/** The tenant the demo shop goes into: "demo" if the config has it, else its first tenant. */
const demoTenantOf = (config: GrowthloopConfig) =>
  (config.tenants.find((t) => t.id === 'demo') ?? config.tenants[0])?.id ?? 'demo';

const progressBar = (tenths: number) => `[${'#'.repeat(tenths)}${'.'.repeat(10 - tenths)}]`;

/**
 * Seeds the demo shop before the runtime starts, with a line on stdout every 10 % of its period and
 * one at the end; resolves to the store to run on with --memory (the seeded in-memory store).
 */
async function seedDemo(
  seed: StartDeps['seedDemoShop'],
  options: { config: GrowthloopConfig; dataDir: string; memory: boolean },
  io: Io,
): Promise<Store | undefined> {
  const tenantId = demoTenantOf(options.config);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  let nextTenth = 1;
  let announced = false;
  const onProgress = (p: DemoShopProgress) => {
    // Once it plays (a tenant that has its shop already is not seeded again).
    if (!announced) io.out(`Seeding tenant "${tenantId}" with a simulated shop, once (a restart keeps it)…\n`);
    announced = true;
    if (p.phase === 'copying') {
      io.out(`demo shop: copying ${p.items} items into the table, ${elapsed()}\n`);
      return;
    }
    while (nextTenth <= 10 && p.day >= (nextTenth * p.days) / 10) {
      io.out(`demo shop: ${progressBar(nextTenth)} day ${p.day} of ${p.days}, ${p.events} events, ${elapsed()}\n`);
      nextTenth++;
    }
  };
  let result: DemoShopResult & { store?: Store };
  try {
    result = await seed({
      config: options.config,
      tenantId,
      ...(options.memory ? {} : { dataDir: options.dataDir }),
      onProgress,
    });
  } catch (e) {
    // The tenant has definitions of its own: it starts as it is.
    if ((e as Error).name !== 'DemoShopRefused') throw e;
    io.out(`demo shop not seeded: ${(e as Error).message}\n`);
    return undefined;
  }
  const period = `${result.from.slice(0, 10)} to ${result.to.slice(0, 10)}`;
  if (!result.seeded) {
    io.out(`demo shop: tenant "${tenantId}" has its simulated shop already (${period}); not seeded again\n`);
    return undefined;
  }
  const campaigns = Object.entries(result.report?.campaigns ?? {}).map(
    ([id, c]) =>
      `${id}: ${c.runs} runs measured${c.lift ? `, lift ${c.lift.absolutePp >= 0 ? '+' : ''}${c.lift.absolutePp.toFixed(1)} pp` : ''}`,
  );
  io.out(
    `demo shop: ${result.customers} customers over ${result.days} days (${period}), ${result.report?.events ?? 0} events` +
      `${campaigns.length > 0 ? `; ${campaigns.join('; ')}` : ''}; seeded in ${elapsed()}\n`,
  );
  return result.store;
}

/**
 * Runs `start ARGS`. Resolves 0 once listening (the runtime keeps the process alive until a
 * signal stops it), or 2 with one line on stderr when it cannot start: then nothing it took
 * is left held (the data directory's lock is released; the caller ends the process, which ends
 * the embedded DynamoDB child with it).
 */
export async function runStartCli(args: readonly string[], io: Io, deps?: Partial<StartDeps>): Promise<number> {
  if (wantsHelp(args)) {
    io.out(START_USAGE);
    return 0;
  }
  let lock: DataDirLock | undefined;
  try {
    const { values } = parseOptions({ args: [...args], options: OPTIONS });
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port must be 0-65535, not ${values.port}`);
    const dataDir = resolve(values['data-dir']);
    if (!values.memory) {
      try {
        lock = lockDataDir(dataDir, { label: values['data-dir'] });
      } catch (e) {
        if (e instanceof DataDirInUseError) throw new CliError(`${e.message}; stop it or pass --data-dir`);
        throw e;
      }
      const held = lock;
      process.once('exit', () => held.release());
    }
    const configPath = resolve(values.config);
    const { config, created } = readOrCreateConfig(configPath);
    // loaded only now: --help and bad command lines answer without loading the runtime
    const startLocal = deps?.startLocal ?? (await import('../runtime/local')).startLocal;
    const onSignal = deps?.onSignal ?? ((signal, handler) => process.on(signal, handler));
    const exit = deps?.exit ?? ((code) => process.exit(code));
    if (created) {
      const [demo] = config.tenants;
      io.out(`No config found: wrote a demo config to ${configPath} with tenant "${demo?.id}". Its keys:\n`);
      io.out(`  export GROWTHLOOP_API_KEY=${demo?.apiKey}\n`);
      io.out(`  export GROWTHLOOP_ADMIN_KEY=${demo?.adminKey}\n`);
    }
    // The demo shop plays in a runtime of its own on a simulated clock, closed before this one starts.
    const store =
      created || values.demo
        ? await seedDemo(
            deps?.seedDemoShop ?? (await import('../runtime/demo-shop')).seedDemoShop,
            { config, dataDir, memory: values.memory },
            io,
          )
        : undefined;
    let runtime: Awaited<ReturnType<StartDeps['startLocal']>>;
    try {
      // Metrics beside the logs on stderr, as Lambda writes both to one log stream.
      const metrics = emfMetrics((line) => io.err(`${line}\n`));
      runtime = await startLocal({
        config,
        dataDir,
        memory: values.memory,
        port,
        metrics,
        ...(store ? { store } : {}),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CliError(`port ${port} is in use; pass --port N`);
      }
      throw e;
    }
    const stopWith = lock;
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      io.out(`\n${signal}: stopping…\n`);
      await runtime.close();
      stopWith?.release();
      io.out('stopped; accepted events not yet folded are kept and processed on the next start\n');
      exit(0);
    };
    // Before the "listening" line: a signal sent as soon as it is read must find its handler
    // (without one, the default action ends the process at once).
    onSignal('SIGINT', () => void stop('SIGINT'));
    onSignal('SIGTERM', () => void stop('SIGTERM'));
    // one write: whoever waits for the "listening" line gets the routes with it
    const where = values.memory ? 'in memory' : `data in ${dataDir}`;
    io.out(`growthloop listening on ${runtime.url} (${where})\n${routeLines(runtime.url).join('\n')}\n`);
    return 0;
  } catch (e) {
    lock?.release();
    return reportFailure(io, 'growthloop', e, START_USAGE);
  }
}

/** Entry point for bin/growthloop.ts. */
export function runStart(args: readonly string[]): Promise<number> {
  return runStartCli(args, processIo);
}
