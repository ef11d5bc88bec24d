/**
 * `growthloop model fit|evaluate`: reads a transactions file (CDNOW text or CSV
 * `customer_id,date,amount`), fits BG/NBD (and Gamma-Gamma), and evaluates the churn score
 * against the BG/NBD probability alone and plain recency on the holdout after the calibration end.
 * A table on stdout, or with --json one JSON document; progress on stderr. Errors: a message, exit code 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type BgnbdParams, fitBgnbd } from '../functions/core/scoring/bgnbd';
import { scoreChurn } from '../functions/core/scoring/churn';
import { type ScoreQuality, scoreQuality } from '../functions/core/scoring/evaluate';
import { fitGammaGamma, type GammaGammaParams } from '../functions/core/scoring/gammagamma';
import {
  countSummaries,
  formatDay,
  noPurchaseWithin,
  parseDay,
  parseHorizon,
  parseTransactions,
  purchaseDays,
  type SummaryCounts,
  summarize,
} from '../functions/core/scoring/transactions';
import { type Io, processIo } from './cli-io';

export const MODEL_USAGE = `Usage:
  growthloop model fit --transactions FILE [--calibration-end YYYY-MM-DD] [--json]
  growthloop model evaluate --transactions FILE --calibration-end YYYY-MM-DD [--horizons 13w,26w,39w] [--json]
FILE is the CDNOW text format or CSV customer_id,date,amount. Horizons in weeks (13w) or days (91d).
`;

export class ModelCliError extends Error {
  override name = 'ModelCliError';
}

export interface HorizonReport {
  /** Share of the customers who buy within the horizon. */
  buyers: number;
  /** Share who do not (the event the churn score predicts); Brier of always predicting it = baseRate·(1−baseRate). */
  baseRate: number;
  baseRateBrier: number;
  trainHorizonWeeks: number;
  churn: ScoreQuality;
  model: ScoreQuality;
  recency: ScoreQuality;
}

export interface EvaluateReport {
  calibrationEnd: string;
  data: SummaryCounts;
  params: BgnbdParams;
  logLikelihood: number;
  horizons: Record<string, HorizonReport>;
}

export interface FitReport {
  calibrationEnd: string;
  data: SummaryCounts;
  params: BgnbdParams;
  logLikelihood: number;
  gammaGamma?: { params: GammaGammaParams; logLikelihood: number; customers: number };
}

function load(file: string | undefined) {
  if (!file) throw new ModelCliError('--transactions FILE is required');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelCliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return purchaseDays(parseTransactions(text));
  } catch (e) {
    throw new ModelCliError(`${file}: ${(e as Error).message}`);
  }
}

function calibrationDay(text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new ModelCliError('--calibration-end YYYY-MM-DD is required');
    return fallback;
  }
  const day = parseDay(text);
  if (day === undefined) throw new ModelCliError(`--calibration-end "${text}" is not a date (YYYY-MM-DD)`);
  return day;
}

/** The day of the latest purchase in the file. */
function lastPurchaseDay(days: ReturnType<typeof load>): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const list of days.values()) last = Math.max(last, (list[list.length - 1] as { day: number }).day);
  return last;
}

export function fitReport(file: string | undefined, calibrationEnd: string | undefined, io: Io): FitReport {
  const days = load(file);
  const last = lastPurchaseDay(days);
  const end = calibrationDay(calibrationEnd, last);
  const customers = summarize(days, end);
  if (customers.length === 0) throw new ModelCliError(`no customer bought on or before ${formatDay(end)}`);
  io.err(`fitting BG/NBD on ${customers.length} customers…\n`);
  const fit = fitBgnbd(customers);
  const report: FitReport = {
    calibrationEnd: formatDay(end),
    data: countSummaries(customers),
    params: fit.params,
    logLikelihood: fit.logLikelihood,
  };
  if (customers.some((c) => c.x > 0 && c.zbar > 0)) {
    const gg = fitGammaGamma(customers);
    report.gammaGamma = { params: gg.params, logLikelihood: gg.logLikelihood, customers: gg.customers };
  }
  return report;
}

export function evaluateReport(
  file: string | undefined,
  calibrationEnd: string | undefined,
  horizons: string,
  io: Io,
): EvaluateReport {
  const hs = horizons
    .split(',')
    .filter((h) => h.trim() !== '')
    .map((h) => {
      try {
        return { label: h.trim(), weeks: parseHorizon(h) };
      } catch (e) {
        throw new ModelCliError(`--horizons: ${(e as Error).message}`);
      }
    });
  if (hs.length === 0) throw new ModelCliError('--horizons needs at least one horizon, e.g. 13w,26w,39w');
  const days = load(file);
  const end = calibrationDay(calibrationEnd);
  const customers = summarize(days, end);
  if (customers.length === 0) throw new ModelCliError(`no customer bought on or before ${formatDay(end)}`);
  const last = lastPurchaseDay(days);
  io.err(`fitting BG/NBD on ${customers.length} customers (calibration to ${formatDay(end)})…\n`);
  const fit = fitBgnbd(customers);
  const report: EvaluateReport = {
    calibrationEnd: formatDay(end),
    data: countSummaries(customers),
    params: fit.params,
    logLikelihood: fit.logLikelihood,
    horizons: {},
  };
  for (const { label, weeks } of hs) {
    if (end + Math.round(weeks * 7) > last) {
      io.err(
        `warning: the data end ${formatDay(last)}, before the end of horizon ${label}: its labels are incomplete\n`,
      );
    }
    io.err(`horizon ${label}: learning the churn score on a time split inside the calibration period…\n`);
    let scores: ReturnType<typeof scoreChurn>;
    try {
      scores = scoreChurn(days, end, weeks, customers, fit.params);
    } catch (e) {
      throw new ModelCliError(`horizon ${label}: ${(e as Error).message}`);
    }
    const labels = customers.map((c) => noPurchaseWithin(c, weeks));
    const baseRate = labels.filter(Boolean).length / labels.length;
    report.horizons[label] = {
      buyers: 1 - baseRate,
      baseRate,
      baseRateBrier: baseRate * (1 - baseRate),
      trainHorizonWeeks: scores.trainHorizon,
      churn: scoreQuality(scores.churn, labels),
      model: scoreQuality(scores.model, labels),
      recency: scoreQuality(scores.recencyProbability, labels, scores.recency),
    };
  }
  return report;
}

const f = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

function paramsLine(p: BgnbdParams, ll: number): string {
  return `BG/NBD  r ${f(p.r, 4)}  alpha ${f(p.alpha, 4)}  a ${f(p.a, 4)}  b ${f(p.b, 4)}  log-likelihood ${f(ll, 2)}\n`;
}

function dataLine(d: SummaryCounts, end: string): string {
  return (
    `${d.customers} customers, calibration to ${end}: ${d.repeatTransactions} repeat transactions, ` +
    `${d.zeroRepeat} with x = 0; holdout: ${d.holdoutTransactions} transactions by ${d.holdoutBuyers} customers\n`
  );
}

export function formatFit(r: FitReport): string {
  let s = dataLine(r.data, r.calibrationEnd) + paramsLine(r.params, r.logLikelihood);
  if (r.gammaGamma) {
    const g = r.gammaGamma;
    s += `Gamma-Gamma (${g.customers} customers)  p ${f(g.params.p, 4)}  q ${f(g.params.q, 4)}  gamma ${f(g.params.gamma, 4)}  log-likelihood ${f(g.logLikelihood, 2)}\n`;
  }
  return s;
}

export function formatEvaluate(r: EvaluateReport): string {
  const rows: string[][] = [['horizon', 'buyers', 'score', 'AUC', 'Brier', 'top-decile lift']];
  for (const [label, h] of Object.entries(r.horizons)) {
    const line = (name: string, q: ScoreQuality, first: boolean) =>
      rows.push([
        first ? label : '',
        first ? `${f(h.buyers * 100, 1)}%` : '',
        name,
        f(q.auc, 4),
        f(q.brier, 4),
        f(q.topDecileLift, 3),
      ]);
    line('churn', h.churn, true);
    line('model (BG/NBD)', h.model, false);
    line('recency', h.recency, false);
    rows.push(['', '', 'base rate', '0.5000', f(h.baseRateBrier, 4), '1.000']);
  }
  const widths = (rows[0] as string[]).map((_, j) => Math.max(...rows.map((row) => (row[j] as string).length)));
  const table = rows
    .map((row) =>
      row.map((c, j) => (j >= 3 ? c.padStart(widths[j] as number) : c.padEnd(widths[j] as number))).join('  '),
    )
    .join('\n');
  return `${dataLine(r.data, r.calibrationEnd)}${paramsLine(r.params, r.logLikelihood)}\nchurn = P(no purchase within the horizon)\n${table}\n`;
}

/** Runs `model ARGS`; returns the exit code (0, or 2 with a message on stderr). */
export function runModelCli(args: readonly string[], io: Io): number {
  try {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
      io.out(MODEL_USAGE);
      return sub === undefined ? 2 : 0;
    }
    let values: { transactions?: string; 'calibration-end'?: string; horizons?: string; json?: boolean };
    try {
      ({ values } = parseArgs({
        args: [...rest],
        options: {
          transactions: { type: 'string' },
          'calibration-end': { type: 'string' },
          horizons: { type: 'string', default: '13w,26w,39w' },
          json: { type: 'boolean', default: false },
        },
      }));
    } catch (e) {
      throw new ModelCliError((e as Error).message);
    }
    if (sub === 'fit') {
      const report = fitReport(values.transactions, values['calibration-end'], io);
      io.out(values.json ? `${JSON.stringify(report)}\n` : formatFit(report));
      return 0;
    }
    if (sub === 'evaluate') {
      const report = evaluateReport(values.transactions, values['calibration-end'], values.horizons ?? '', io);
      io.out(values.json ? `${JSON.stringify(report)}\n` : formatEvaluate(report));
      return 0;
    }
    throw new ModelCliError(`unknown model command "${sub}" (fit or evaluate)`);
  } catch (e) {
    io.err(`growthloop model: ${(e as Error).message}\n`);
    if (!(e instanceof ModelCliError)) io.err(`${(e as Error).stack ?? ''}\n`);
    if (e instanceof ModelCliError) io.err(`\n${MODEL_USAGE}`);
    return 2;
  }
}

/** Entry point for bin/growthloop.ts. */
export function runModel(args: readonly string[]): void {
  process.exitCode = runModelCli(args, processIo);
}
