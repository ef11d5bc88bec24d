// console.js_kb_gzip: the console's JavaScript as a browser downloads it (gzipped), against a bare
// React page built by the same Vite (the floor of any React app); console.overview_ms: the
// overview over 90 days of a shop with 12 monthly first-order cohorts, after the daily run that
// takes the KPI snapshot, rendered in Chromium from navigation to the last chart, against the KPI
// request it makes, timed alone in the same page (and, for what the snapshot saves, with live=true).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { buildConsole, gzippedJavaScriptBytes } from '../console-build';
import type { Results } from './results';

const MODULES = join(import.meta.dirname, '..', '..', 'node_modules');
const log = (message: string) => process.stderr.write(`  ${message}\n`);

/** A page that renders one element with React 19, nothing else. */
async function bareReactBytes(dir: string): Promise<number> {
  const root = join(dir, 'bare');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), '<div id="root"></div><script type="module" src="./main.js"></script>');
  writeFileSync(
    join(root, 'main.js'),
    "import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\n" +
      "createRoot(document.getElementById('root')).render(createElement('p', null, 'hello'));\n",
  );
  const outDir = join(root, 'dist');
  await build({
    root,
    configFile: false,
    logLevel: 'error',
    // the page lives outside the repository: its imports resolve to the repository's packages
    resolve: { alias: { react: join(MODULES, 'react'), 'react-dom': join(MODULES, 'react-dom') } },
    build: { outDir, emptyOutDir: true },
  });
  return gzippedJavaScriptBytes(outDir);
}

export async function benchConsoleSize(): Promise<Results> {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-console-bench-'));
  try {
    const outDir = join(dir, 'console');
    await buildConsole(outDir);
    const app = gzippedJavaScriptBytes(outDir) / 1024;
    const bare = (await bareReactBytes(dir)) / 1024;
    log(`console ${app.toFixed(1)} KB gzipped, a bare React page ${bare.toFixed(1)} KB`);
    return {
      'console.js_kb_gzip': {
        value: Number(app.toFixed(1)),
        unit: 'KB',
        better: 'lower',
        target: 300,
        anchor: { name: 'a bare React 19 page (same Vite)', value: Number(bare.toFixed(1)) },
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const OVERVIEW_RUNS = 5;
const BUYERS = 3000;
const DAY_MS = 86_400_000;

/** Buyers whose first orders fall in each of the last 12 months, with repeat orders after: 12 monthly cohorts. */
function shopHistory(now: number): object[] {
  const events: object[] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let c = 0; c < BUYERS; c++) {
    let at = now - Math.floor(random() * 360 * DAY_MS) - DAY_MS;
    const orders = 1 + Math.floor(random() * 4);
    for (let o = 0; o < orders && at < now; o++) {
      events.push({
        type: 'order_placed',
        eventId: `bench-${c}-${o}`,
        customerId: `bench-${c}`,
        occurredAt: new Date(at).toISOString(),
        properties: {
          orderId: `bench-${c}-${o}`,
          total: { amount: 1000 + Math.floor(random() * 9000), currency: 'EUR' },
        },
      });
      at += Math.floor((3 + random() * 60) * DAY_MS);
    }
  }
  return events;
}

export async function benchConsoleOverview(): Promise<Results> {
  const { launchChromium, chromiumPath } = await import('../chromium');
  if (!chromiumPath()) {
    log('console.overview_ms not measured: Chromium is not installed (apt-get install chromium)');
    return {};
  }
  const { demoConfig } = await import('../../functions/runtime/config-file');
  const { startLocal } = await import('../../functions/runtime/local');
  const { silentLog } = await import('../../functions/adapters/log');
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-overview-bench-'));
  const config = demoConfig();
  const tenant = config.tenants[0] as (typeof config.tenants)[number];
  const consoleDir = join(dir, 'console');
  await buildConsole(consoleDir);
  const runtime = await startLocal({
    config,
    dataDir: '',
    memory: true,
    port: 0,
    console: consoleDir,
    log: silentLog,
    daily: false,
  });
  const browser = await launchChromium();
  try {
    const events = shopHistory(Date.now());
    for (let i = 0; i < events.length; i += 500) {
      const res = await fetch(`${runtime.url}/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ batch: events.slice(i, i + 500) }),
      });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
    }
    while (runtime.queue.depth('profile-updates') > 0) await new Promise((r) => setTimeout(r, 20));
    log(`${events.length} orders of ${BUYERS} buyers over 12 months folded`);
    // The shop's daily run: the model fit and the KPI snapshot the overview reads.
    await runtime.runDaily();
    const rendered: number[] = [];
    const fetched: number[] = [];
    const fetchedLive: number[] = [];
    // One load first, not counted: the server's code warmed up, as on a runtime that has been serving.
    for (let run = -1; run < OVERVIEW_RUNS; run++) {
      // A fresh context each run: nothing cached, signed in as a tab that already holds the key.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript((key) => sessionStorage.setItem('growthloop.token', key), tenant.adminKey);
      const tab = await context.newPage();
      await tab.goto(`${runtime.url}/console/#/`);
      await tab.getByTestId('cohort-heatmap').waitFor();
      await tab.locator('.uplot').nth(2).waitFor();
      const renderedMs = await tab.evaluate(() => performance.now());
      const fetchedMs = (live: boolean) =>
        tab.evaluate(async (live) => {
          const to = new Date().toISOString().slice(0, 10);
          const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
          const started = performance.now();
          const answer = await fetch(`/v1/metrics/kpis?from=${from}&to=${to}${live ? '&live=true' : ''}`, {
            headers: { authorization: `Bearer ${sessionStorage.getItem('growthloop.token')}` },
          });
          const report = (await answer.json()) as { snapshotAt?: string | null };
          if (!live && !report.snapshotAt) throw new Error('the overview did not read the KPI snapshot');
          return performance.now() - started;
        }, live);
      const snapshotMs = await fetchedMs(false);
      const liveMs = await fetchedMs(true);
      if (run >= 0) {
        rendered.push(renderedMs);
        fetched.push(snapshotMs);
        fetchedLive.push(liveMs);
      }
      const rows = await tab.getByTestId('cohort-heatmap').locator('tbody tr').count();
      if (run === -1) log(`the overview's heatmap has ${rows} weekly cohorts over 90 days`);
      await context.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    log(
      `overview rendered in ${rendered.map((v) => v.toFixed(0)).join(', ')} ms; the KPI request alone ${fetched.map((v) => v.toFixed(0)).join(', ')} ms, with live=true (every buyer's profile) ${fetchedLive.map((v) => v.toFixed(0)).join(', ')} ms`,
    );
    return {
      'console.overview_ms': {
        value: Math.round(median(rendered)),
        unit: 'ms',
        better: 'lower',
        target: 500,
        anchor: { name: 'its KPI request alone (same page)', value: Math.round(median(fetched)) },
        note: `median of ${OVERVIEW_RUNS} loads in a fresh browser context after one warm-up, navigation start to the last chart, ${BUYERS} buyers in 12 monthly cohorts, KPIs from the daily run's snapshot (live=true: ${Math.round(median(fetchedLive))} ms)`,
      },
    };
  } finally {
    await browser.close();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
