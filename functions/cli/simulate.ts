/**
 * `growthloop simulate`: simulated shoppers (BG/NBD with the CDNOW parameters, see
 * functions/core/simulate/shoppers.ts) played through the whole pipeline on a fast clock, with a
 * known effect of the campaigns' offers, and each campaign's measured lift beside it
 * (functions/runtime/simulation.ts); with --history-only, just their history as canonical events,
 * one JSON document a line, in time order: the input `growthloop journeys backtest --events` reads.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { type ShopperSummary, simulateShoppers, summarizeShoppers } from '../core/simulate/shoppers';
import { type PipelineSimulationReport, SetupRefused, simulatePipeline } from '../runtime/simulation';
import { CliError, parseOptions, reportFailure, UsageError, wantsHelp } from './command';
import { type Io, processIo } from './io';
import { simulationSetup } from './simulation-setup';
import { SIMULATE_USAGE } from './usage';

export { SIMULATE_USAGE };

const MAX_CUSTOMERS = 1_000_000;
const MAX_DAYS = 3650;
/** From this many customers on, a progress line every 10 % of the simulated period. */
const PROGRESS_FROM = 10_000;
const CHUNK = 1 << 20;

const OPTIONS = {
  customers: { type: 'string' },
  days: { type: 'string' },
  seed: { type: 'string' },
  start: { type: 'string' },
  currency: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  effect: { type: 'string' },
  'opt-in': { type: 'string' },
  campaign: { type: 'string', multiple: true },
  journey: { type: 'string', multiple: true },
  template: { type: 'string', multiple: true },
  pool: { type: 'string', multiple: true },
  'history-only': { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseOptions<{ args: string[]; options: typeof OPTIONS }>>['values'];
const PIPELINE_ONLY = ['effect', 'opt-in', 'campaign', 'journey', 'template', 'pool'] as const;

function wholeNumber(text: string | undefined, flag: string, min: number, max: number): number {
  if (text === undefined) throw new UsageError(`${flag} is required`);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

function startTime(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  const year = Number.isNaN(ms) ? Number.NaN : new Date(ms).getUTCFullYear();
  // The ingest API refuses events before 2000.
  if (!(year >= 2000 && year <= 9000)) {
    throw new UsageError(`--start "${text}" is not a date (YYYY-MM-DD) or an ISO-8601 time from 2000 to 9000`);
  }
  return new Date(ms).toISOString();
}

function currencyCode(text: string | undefined): string | undefined {
  if (text !== undefined && !/^[A-Z]{3}$/.test(text)) {
    throw new UsageError(`--currency must be an ISO 4217 code such as EUR, not "${text}"`);
  }
  return text;
}

/** Where the lines go: a file (written in chunks) or `io.out`. */
function sink(out: string | undefined, io: Io): { write: (text: string) => void; close: () => void } {
  if (out === undefined) return { write: io.out, close: () => {} };
  let fd: number;
  try {
    fd = openSync(out, 'w');
  } catch (e) {
    throw new CliError(`cannot write ${out}: ${(e as Error).message}`);
  }
  return { write: (text) => writeSync(fd, text), close: () => closeSync(fd) };
}

export interface SimulateReport extends ShopperSummary {
  events: number;
  seed: number;
  days: number;
  start: string;
  end: string;
  currency: string;
  out: string | null;
}

function share(text: string | undefined, flag: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !(n >= 0 && n <= max))
    throw new UsageError(`${flag} must be a number from 0 to ${max}, not "${text}"`);
  return n;
}

/** What every mode is given: who is simulated, over which days, from which seed. */
function population(values: Values) {
  return {
    customers: wholeNumber(values.customers, '--customers', 1, MAX_CUSTOMERS),
    days: wholeNumber(values.days, '--days', 1, MAX_DAYS),
    seed: wholeNumber(values.seed, '--seed', 0, 0xffff_ffff),
    start: startTime(values.start),
    currency: currencyCode(values.currency),
  };
}

export function simulate(values: Values, io: Io): SimulateReport {
  const { customers, days, seed, start, currency } = population(values);
  const out = values.out;
  if (values.json && out === undefined) throw new UsageError('--json needs --out FILE (else the events go to stdout)');

  const simulation = simulateShoppers({
    customers,
    days,
    seed,
    ...(start ? { start } : {}),
    ...(currency ? { currency } : {}),
  });
  const { startMs, endMs } = simulation.settings;
  const progress = customers >= PROGRESS_FROM;
  const target = sink(out, io);
  let events = 0;
  let buffer = '';
  let nextTenth = 1;
  try {
    for (const event of simulation.events()) {
      buffer += `${JSON.stringify(event)}\n`;
      events++;
      if (buffer.length >= CHUNK) {
        target.write(buffer);
        buffer = '';
      }
      if (progress) {
        const done = (Date.parse(event.occurredAt) - startMs) / (endMs - startMs);
        while (nextTenth < 10 && done >= nextTenth / 10) {
          io.err(`simulate: ${nextTenth * 10} % of ${days} days, ${events} events\n`);
          nextTenth++;
        }
      }
    }
    if (buffer) target.write(buffer);
  } finally {
    target.close();
  }
  return {
    ...summarizeShoppers(simulation.truth),
    events,
    seed,
    days,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    currency: simulation.settings.currency,
    out: out ?? null,
  };
}

/** Plays the simulation through the pipeline; the history goes to --out as it is posted. */
export async function simulateThroughPipeline(values: Values, io: Io): Promise<PipelineSimulationReport> {
  const { customers, days, seed, start, currency } = population(values);
  const effectPp = share(values.effect, '--effect', 100) ?? 0;
  const optIn = share(values['opt-in'], '--opt-in', 1);
  const setup = simulationSetup({
    campaigns: values.campaign,
    journeys: values.journey,
    templates: values.template,
    pools: values.pool,
  });
  const target = values.out === undefined ? undefined : sink(values.out, io);
  let buffer = '';
  const started = performance.now();
  let nextTenth = 1;
  try {
    const report = await simulatePipeline({
      customers,
      days,
      seed,
      effectPp,
      setup,
      ...(start ? { start } : {}),
      ...(currency ? { currency } : {}),
      ...(optIn === undefined ? {} : { optIn: { email: optIn, push: optIn } }),
      onEvent: target
        ? (event) => {
            buffer += `${JSON.stringify(event)}\n`;
            if (buffer.length >= CHUNK) {
              target.write(buffer);
              buffer = '';
            }
          }
        : undefined,
      onDay: (day, events) => {
        while (nextTenth <= 10 && day >= (nextTenth * days) / 10) {
          const seconds = ((performance.now() - started) / 1000).toFixed(0);
          io.err(`simulate: ${progressBar(nextTenth)} day ${day} of ${days}, ${events} events, ${seconds} s\n`);
          nextTenth++;
        }
      },
    });
    if (target && buffer) target.write(buffer);
    return report;
  } catch (e) {
    if (e instanceof SetupRefused) throw new CliError(e.message);
    throw e;
  } finally {
    target?.close();
  }
}

const progressBar = (tenths: number) => `[${'#'.repeat(tenths)}${'.'.repeat(10 - tenths)}]`;
const signedPp = (pp: number) => `${pp >= 0 ? '+' : ''}${pp.toFixed(2)} pp`;

function formatPipelineReport(r: PipelineSimulationReport): string {
  const lines = [
    `simulated ${r.customers} customers over ${r.days} days from ${r.start} (seed ${r.seed}, offers add ${r.effectPp} pp): ` +
      `${r.events} events through the pipeline, ${r.injectedOrders} of the orders caused by offers`,
  ];
  for (const [id, c] of Object.entries(r.campaigns)) {
    const lift =
      c.runs === 0
        ? 'no run measured within the period'
        : c.lift
          ? `lift ${signedPp(c.lift.absolutePp)} (95 % CI ${signedPp(c.lift.ci95[0])} to ${signedPp(c.lift.ci95[1])})` +
            `${c.lift.status === 'ok' ? '' : ', insufficient data'}`
          : 'no lift: an arm has no member';
    lines.push(
      `  ${id}: ${c.runs} runs measured, ${c.treated} treated (${c.reached} reached), ${c.holdout} held out; ` +
        `recall rate ${(c.recallRate * 100).toFixed(2)} %; ${lift}; true effect ${signedPp(c.trueEffectPp)}; ` +
        `ROI ${c.roi === null ? 'n/a' : c.roi.toFixed(2)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const formatSummary = (r: SimulateReport): string =>
  `simulated ${r.customers} customers over ${r.days} days from ${r.start} (seed ${r.seed}): ${r.events} events, ` +
  `${r.orders} orders, ${r.repeatBuyers} repeat buyers, ${r.aliveAtEnd} alive at the end` +
  `${r.out === null ? '' : ` → ${r.out}`}\n`;

/** Runs `simulate ARGS`; returns the exit code (0; 2 when the command cannot run). */
export async function runSimulateCli(args: readonly string[], io: Io): Promise<number> {
  try {
    if (wantsHelp(args)) {
      io.out(SIMULATE_USAGE);
      return 0;
    }
    const { values } = parseOptions({ args: [...args], options: OPTIONS });
    if (values['history-only']) {
      const misplaced = PIPELINE_ONLY.find((flag) => values[flag] !== undefined);
      if (misplaced)
        throw new UsageError(`--${misplaced} plays through the pipeline: it does not go with --history-only`);
      const report = simulate(values, io);
      if (values.json) io.out(`${JSON.stringify(report)}\n`);
      else io.err(formatSummary(report));
      return 0;
    }
    const report = await simulateThroughPipeline(values, io);
    io.out(values.json ? `${JSON.stringify(report)}\n` : formatPipelineReport(report));
    return 0;
  } catch (e) {
    return reportFailure(io, 'growthloop simulate', e, SIMULATE_USAGE);
  }
}

/** Entry point for bin/growthloop.ts. */
export function runSimulate(args: readonly string[]): Promise<number> {
  return runSimulateCli(args, processIo);
}
