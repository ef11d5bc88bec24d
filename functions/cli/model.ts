/**
 * `growthloop model fit|evaluate`: reads a transactions file (CSV `customer_id,date,amount`, the
 * CDNOW master file or the CDNOW sample), fits BG/NBD (and Gamma-Gamma), and evaluates the churn
 * score against the BG/NBD probability alone and plain recency on the holdout after the
 * calibration end. A table on stdout, or with --json one JSON document; progress on stderr.
 * Errors: one line on stderr, exit code 2.
 */
import { readFileSync } from 'node:fs';
import { type BgnbdParams, fitBgnbd } from '../core/scoring/bgnbd';
import { scoreChurn } from '../core/scoring/churn';
import { type ScoreQuality, scoreQuality } from '../core/scoring/evaluate';
import { fitGammaGamma, type GammaGammaParams } from '../core/scoring/gammagamma';
import { MIN_BUYERS, MIN_REPEAT_BUYERS } from '../core/scoring/tenant-model';
import {
  type CustomerSummary,
  countSummaries,
  FORMAT_NAMES,
  formatDay,
  noPurchaseWithin,
  parseDay,
  parseHorizon,
  parseTransactionsFile,
  purchaseDays,
  type SummaryCounts,
  summarize,
} from '../core/scoring/transactions';
import { CliError, parseOptions, reportFailure, UsageError, usageText, wantsHelp } from './command';
import { type Io, processIo } from './io';
import { MODEL, MODEL_NOTES, MODEL_USAGE } from './usage';

export { MODEL_USAGE };

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

function load(file: string | undefined, io: Io) {
  if (!file) throw new UsageError('--transactions FILE is required');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let parsed: ReturnType<typeof parseTransactionsFile>;
  try {
    parsed = parseTransactionsFile(text);
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
  const days = purchaseDays(parsed.transactions);
  io.err(
    `read ${parsed.transactions.length} transactions of ${days.size} customers ` +
      `(${FORMAT_NAMES[parsed.format]}${parsed.header ? ', with a header line' : ''})\n`,
  );
  return days;
}

/** Refuses to fit on fewer customers than a fit can stand (the tenant model's minimums). */
function enoughData(customers: readonly CustomerSummary[], end: number): void {
  const repeat = customers.filter((c) => c.x > 0).length;
  if (customers.length >= MIN_BUYERS && repeat >= MIN_REPEAT_BUYERS) return;
  throw new CliError(
    `too little data: ${customers.length} customer${customers.length === 1 ? '' : 's'} by ${formatDay(end)}, ` +
      `${repeat} with repeat purchases; a fit needs at least ${MIN_BUYERS} customers, ` +
      `${MIN_REPEAT_BUYERS} with repeat purchases`,
  );
}

function calibrationDay(text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new UsageError('--calibration-end YYYY-MM-DD is required');
    return fallback;
  }
  const day = parseDay(text);
  if (day === undefined) throw new UsageError(`--calibration-end "${text}" is not a date (YYYY-MM-DD)`);
  return day;
}

/** The day of the latest purchase in the file. */
function lastPurchaseDay(days: ReturnType<typeof load>): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const list of days.values()) last = Math.max(last, (list[list.length - 1] as { day: number }).day);
  return last;
}

export function fitReport(file: string | undefined, calibrationEnd: string | undefined, io: Io): FitReport {
  if (calibrationEnd !== undefined) calibrationDay(calibrationEnd);
  const days = load(file, io);
  const last = lastPurchaseDay(days);
  const end = calibrationDay(calibrationEnd, last);
  const customers = summarize(days, end);
  enoughData(customers, end);
  io.err(`fitting BG/NBD on ${customers.length} customers…\n`);
  const fit = fitBgnbd(customers);
  const report: FitReport = {
    calibrationEnd: formatDay(end),
    data: countSummaries(customers),
    params: fit.params,
    logLikelihood: fit.logLikelihood,
  };
  if (customers.filter((c) => c.x > 0 && c.zbar > 0).length >= MIN_REPEAT_BUYERS) {
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
        throw new UsageError(`--horizons: ${(e as Error).message}`);
      }
    });
  if (hs.length === 0) throw new UsageError('--horizons needs at least one horizon, e.g. 13w,26w,39w');
  const end = calibrationDay(calibrationEnd);
  const days = load(file, io);
  const customers = summarize(days, end);
  enoughData(customers, end);
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
      throw new CliError(`horizon ${label}: ${(e as Error).message}`);
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

const OPTIONS = {
  fit: {
    transactions: { type: 'string' },
    'calibration-end': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  evaluate: {
    transactions: { type: 'string' },
    'calibration-end': { type: 'string' },
    horizons: { type: 'string', default: '13w,26w,39w' },
    json: { type: 'boolean', default: false },
  },
} as const;

const isSubcommand = (sub: string): sub is keyof typeof MODEL => Object.hasOwn(MODEL, sub);

/** Runs `model ARGS`; returns the exit code (0, or 2 with a message on stderr). */
export function runModelCli(args: readonly string[], io: Io): number {
  const [sub, ...rest] = args;
  let usage = MODEL_USAGE;
  try {
    if (sub === 'help' || sub === '--help' || sub === '-h') {
      const [topic] = rest;
      io.out(topic !== undefined && isSubcommand(topic) ? usageText([MODEL[topic]], MODEL_NOTES) : MODEL_USAGE);
      return 0;
    }
    if (sub === undefined) throw new UsageError('name a subcommand: fit or evaluate');
    if (!isSubcommand(sub)) {
      throw new UsageError(
        sub.startsWith('-') ? `unknown option ${sub}` : `unknown command "${sub}" (fit or evaluate)`,
      );
    }
    usage = usageText([MODEL[sub]], MODEL_NOTES);
    if (wantsHelp(rest)) {
      io.out(usage);
      return 0;
    }
    if (sub === 'fit') {
      const { values } = parseOptions({ args: [...rest], options: OPTIONS.fit });
      const report = fitReport(values.transactions, values['calibration-end'], io);
      io.out(values.json ? `${JSON.stringify(report)}\n` : formatFit(report));
      return 0;
    }
    const { values } = parseOptions({ args: [...rest], options: OPTIONS.evaluate });
    const report = evaluateReport(values.transactions, values['calibration-end'], values.horizons, io);
    io.out(values.json ? `${JSON.stringify(report)}\n` : formatEvaluate(report));
    return 0;
  } catch (e) {
    return reportFailure(io, 'growthloop model', e, usage);
  }
}

/** Entry point for bin/growthloop.ts. */
export function runModel(args: readonly string[]): number {
  return runModelCli(args, processIo);
}
