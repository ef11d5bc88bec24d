/**
 * `growthloop simulate`: a history of simulated shoppers (BG/NBD with the CDNOW parameters, see
 * functions/core/simulate/shoppers.ts) as canonical events, one JSON document a line, in time
 * order: the input `growthloop journeys backtest --events` reads.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { type ShopperSummary, simulateShoppers, summarizeShoppers } from '../core/simulate/shoppers';
import { CliError, parseOptions, reportFailure, UsageError, wantsHelp } from './command';
import { type Io, processIo } from './io';
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
} as const;

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

export function simulate(values: { [K in keyof typeof OPTIONS]?: string | boolean }, io: Io): SimulateReport {
  const text = (k: keyof typeof OPTIONS) => values[k] as string | undefined;
  const customers = wholeNumber(text('customers'), '--customers', 1, MAX_CUSTOMERS);
  const days = wholeNumber(text('days'), '--days', 1, MAX_DAYS);
  const seed = wholeNumber(text('seed'), '--seed', 0, 0xffff_ffff);
  const start = startTime(text('start'));
  const currency = currencyCode(text('currency'));
  const out = text('out');
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

const formatSummary = (r: SimulateReport): string =>
  `simulated ${r.customers} customers over ${r.days} days from ${r.start} (seed ${r.seed}): ${r.events} events, ` +
  `${r.orders} orders, ${r.repeatBuyers} repeat buyers, ${r.aliveAtEnd} alive at the end` +
  `${r.out === null ? '' : ` → ${r.out}`}\n`;

/** Runs `simulate ARGS`; returns the exit code (0; 2 when the command cannot run). */
export function runSimulateCli(args: readonly string[], io: Io): number {
  try {
    if (wantsHelp(args)) {
      io.out(SIMULATE_USAGE);
      return 0;
    }
    const { values } = parseOptions({ args: [...args], options: OPTIONS });
    const report = simulate(values, io);
    if (values.json) io.out(`${JSON.stringify(report)}\n`);
    else io.err(formatSummary(report));
    return 0;
  } catch (e) {
    return reportFailure(io, 'growthloop simulate', e, SIMULATE_USAGE);
  }
}

/** Entry point for bin/growthloop.ts. */
export function runSimulate(args: readonly string[]): number {
  return runSimulateCli(args, processIo);
}
