import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BgnbdParams, fitBgnbd, probabilityNoPurchase } from '../../functions/core/scoring/bgnbd';
import { fitGammaGamma } from '../../functions/core/scoring/gammagamma';
import type { Measurement, Results } from './results';

/** The CDNOW summaries shipped with the tests (test/fixtures/cdnow). */
const DATA = new URL('../../test/fixtures/cdnow/', import.meta.url);
const SUMMARY = fileURLToPath(new URL('cdnow_customers_summary_with_transactions.csv', DATA));
const SCIPY = fileURLToPath(new URL('./scipy_bgnbd.py', import.meta.url));

const FIT_ROUNDS = 15;
const SCORE_ROUNDS = 9;
const SCORE_REPEATS = 200;
const HORIZON_WEEKS = 13;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function readSummary(path: string) {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [, x, tx, T, zbar] = line.split(',').map(Number);
      return { x: x as number, tx: tx as number, T: T as number, zbar: zbar as number };
    });
}

/** Milliseconds of each of `rounds` calls of `run`, after one warm-up call. */
function timings(rounds: number, run: () => void): number[] {
  run();
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    run();
    ms.push(performance.now() - started);
  }
  return ms;
}

type ScipyFit = { ms: number; params: number[]; ll: number; nit: number; nfev: number; versions?: object };

/** The scipy BFGS fit of the same likelihood on the same CSV, or why it could not run. */
function scipyAnchor(): { fit: ScipyFit } | { missing: string } {
  const run = spawnSync('python3', [SCIPY, SUMMARY], { encoding: 'utf8', timeout: 120_000 });
  if (run.error) return { missing: `python3 could not be started (${run.error.message})` };
  if (run.status !== 0) {
    const why = run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`;
    return { missing: `scripts/bench/scipy_bgnbd.py failed (${why}); needs python3 with numpy and scipy` };
  }
  try {
    const fit = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as ScipyFit;
    if (!(fit.ms > 0)) throw new Error('no timing');
    return { fit };
  } catch (error) {
    return { missing: `scripts/bench/scipy_bgnbd.py printed no usable JSON (${(error as Error).message})` };
  }
}

/**
 * BG/NBD + Gamma-Gamma fits on the 2,357 CDNOW customers, the BG/NBD fit side by side with
 * scipy's BFGS on the same likelihood and data, and scoring throughput of P(no purchase in 13 weeks).
 */
export async function benchModels(): Promise<Results> {
  const customers = readSummary(SUMMARY);
  if (customers.length !== 2357) throw new Error(`expected 2,357 CDNOW customers, read ${customers.length}`);

  // Fits: median of FIT_ROUNDS after a warm-up, both models together and BG/NBD alone.
  let bgnbd = fitBgnbd(customers);
  let gammaGamma = fitGammaGamma(customers);
  const bothMs = median(
    timings(FIT_ROUNDS, () => {
      bgnbd = fitBgnbd(customers);
      gammaGamma = fitGammaGamma(customers);
    }),
  );
  const bgnbdMs = median(
    timings(FIT_ROUNDS, () => {
      bgnbd = fitBgnbd(customers);
    }),
  );
  if (!bgnbd.converged || !gammaGamma.converged) throw new Error('a CDNOW fit did not converge');
  const p = bgnbd.params;
  const g = gammaGamma.params;

  // Scoring: P(no purchase in the next 13 weeks) for every customer, repeated; the anchor is
  // plain recency (T − t_x, the baseline churn score) over the same customers in the same rounds.
  const params: BgnbdParams = p;
  let sink = 0;
  const score = () => {
    for (let k = 0; k < SCORE_REPEATS; k++)
      for (const c of customers) sink += probabilityNoPurchase(params, HORIZON_WEEKS, c);
  };
  const recency = () => {
    for (let k = 0; k < SCORE_REPEATS; k++) for (const c of customers) sink += c.T - c.tx;
  };
  score();
  recency();
  const scoreRates: number[] = [];
  const recencyRates: number[] = [];
  const perSecond = (ms: number) => (SCORE_REPEATS * customers.length) / (ms / 1000);
  for (let r = 0; r < SCORE_ROUNDS; r++) {
    scoreRates.push(perSecond(timings(1, score)[0] as number));
    recencyRates.push(perSecond(timings(1, recency)[0] as number));
  }
  if (!Number.isFinite(sink)) throw new Error('a score is not finite');

  const ours = `r=${p.r.toFixed(3)} α=${p.alpha.toFixed(3)} a=${p.a.toFixed(3)} b=${p.b.toFixed(3)} LL=${bgnbd.logLikelihood.toFixed(3)}`;
  const anchor = scipyAnchor();
  let bgnbdFit: Measurement;
  let speedup: Measurement;
  if ('fit' in anchor) {
    const s = anchor.fit;
    const agree = Math.abs(s.ll - bgnbd.logLikelihood) < 0.01 ? 'same optimum' : 'DIFFERENT optimum';
    const theirs = `scipy (r, α, a, b) = ${s.params.map((v) => v.toFixed(3)).join(' ')} LL=${s.ll.toFixed(3)} (${s.nit} iterations, ${s.nfev} evaluations)`;
    bgnbdFit = {
      value: bgnbdMs,
      unit: 'ms',
      better: 'lower',
      anchor: { name: 'scipy BFGS', value: s.ms },
      note: `BG/NBD fit alone, median of ${FIT_ROUNDS}; ours ${ours}; ${theirs}; ${agree}`,
    };
    speedup = {
      value: s.ms / bgnbdMs,
      unit: 'x',
      better: 'higher',
      target: 1,
      note: 'scipy.optimize.minimize(BFGS, numerical gradient, gammaln, all 2,357 rows) ms ÷ our BG/NBD fit ms, same CSV, same run',
    };
  } else {
    bgnbdFit = {
      value: bgnbdMs,
      unit: 'ms',
      better: 'lower',
      note: `BG/NBD fit alone, median of ${FIT_ROUNDS}; ours ${ours}; scipy anchor missing: ${anchor.missing}`,
    };
    speedup = {
      value: Number.NaN,
      unit: 'x',
      better: 'higher',
      target: 1,
      note: `not measured: scipy anchor missing: ${anchor.missing}`,
    };
  }

  return {
    'models.fit_cdnow_ms': {
      value: bothMs,
      unit: 'ms',
      better: 'lower',
      target: 50,
      note: `BG/NBD (2,357 customers) + Gamma-Gamma (${gammaGamma.customers} repeat buyers, p=${g.p.toFixed(2)} q=${g.q.toFixed(2)} γ=${g.gamma.toFixed(2)}), median of ${FIT_ROUNDS} after a warm-up`,
    },
    'models.bgnbd_fit_ms': bgnbdFit,
    'models.fit_speedup_vs_scipy': speedup,
    'models.score_customers_per_s': {
      value: median(scoreRates),
      unit: 'customers/s',
      better: 'higher',
      target: 500_000,
      anchor: { name: 'recency T − t_x', value: median(recencyRates) },
      note: `probabilityNoPurchase(fitted BG/NBD, ${HORIZON_WEEKS} weeks) over the 2,357 customers × ${SCORE_REPEATS}, median of ${SCORE_ROUNDS} rounds, one core`,
    },
  };
}
