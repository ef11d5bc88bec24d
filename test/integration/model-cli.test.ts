import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EvaluateReport, type FitReport, runModelCli } from '../../scripts/model-cli';

const ROOT = join(import.meta.dirname, '../..');
const CDNOW = join(ROOT, '../shared/data/cdnow/CDNOW_sample.txt');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runModelCli(args, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe('growthloop model evaluate on CDNOW (calibration end 1997-09-30)', () => {
  const { code, stdout } = run([
    'evaluate',
    '--transactions',
    CDNOW,
    '--calibration-end',
    '1997-09-30',
    '--horizons',
    '13w,26w,39w',
    '--json',
  ]);
  const report = JSON.parse(stdout) as EvaluateReport;

  it('prints one JSON document with the published rebuild counts and BG/NBD fit', () => {
    expect(code).toBe(0);
    expect(report.data).toEqual({
      customers: 2357,
      repeatTransactions: 2457,
      holdoutTransactions: 1882,
      zeroRepeat: 1411,
      holdoutBuyers: 684,
    });
    expect(report.params.r).toBeCloseTo(0.243, 3);
    expect(report.params.alpha).toBeCloseTo(4.414, 2);
    expect(report.params.a).toBeCloseTo(0.793, 3);
    expect(report.params.b).toBeCloseTo(2.426, 2);
    expect(report.logLikelihood).toBeCloseTo(-9582.43, 1);
    expect(Object.keys(report.horizons)).toEqual(['13w', '26w', '39w']);
  });

  it.each(['13w', '26w', '39w'])(
    'at %s the churn score ranks at least as well as BG/NBD alone and recency alone, with Brier below the base rate',
    (h) => {
      const r = report.horizons[h]!;
      for (const q of [r.churn, r.model, r.recency]) {
        expect(Object.keys(q).sort()).toEqual(['auc', 'brier', 'topDecileLift']);
      }
      expect(r.buyers).toBeGreaterThan(0);
      expect(r.buyers).toBeLessThan(1);
      expect(r.churn.auc).toBeGreaterThanOrEqual(Math.max(r.model.auc, r.recency.auc));
      // below the Brier score of always predicting the base rate, p(1 − p), and so below p itself
      expect(r.churn.brier).toBeLessThan(r.baseRate * (1 - r.baseRate));
    },
  );

  it('holdout labels for a horizon are "no purchase in (cal-end, cal-end + h]"', () => {
    // 684 customers buy somewhere in the 39-week holdout, which is exactly the 39w window
    expect(Math.round(report.horizons['39w']!.buyers * 2357)).toBe(684);
    expect(report.horizons['13w']!.buyers).toBeLessThan(report.horizons['26w']!.buyers);
  });
});

describe('growthloop model (CLI)', () => {
  it('prints the evaluation table through bin/growthloop.ts', () => {
    const out = execFileSync(
      TSX,
      ['bin/growthloop.ts', 'model', 'evaluate', '--transactions', CDNOW, '--calibration-end', '1997-09-30'],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toMatch(/r 0\.242\d\s+alpha 4\.41\d\d/);
    for (const h of ['13w', '26w', '39w']) expect(out).toMatch(new RegExp(`^${h}\\s+\\d+\\.\\d%\\s+churn`, 'm'));
    expect(out).toMatch(/model \(BG\/NBD\)/);
    expect(out).toMatch(/recency/);
  });

  it('model fit --json prints the parameters and log-likelihood', () => {
    const { code, stdout } = run(['fit', '--transactions', CDNOW, '--calibration-end', '1997-09-30', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as FitReport;
    expect(report.logLikelihood).toBeCloseTo(-9582.43, 1);
    expect(report.gammaGamma?.customers).toBe(946);
  });

  it('exits with code 2 and a clear message on bad input', () => {
    const missing = run(['evaluate', '--transactions', '/nonexistent.csv', '--calibration-end', '1997-09-30']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\.csv/);
    expect(missing.stdout).toBe('');
    expect(run(['evaluate', '--transactions', CDNOW]).stderr).toMatch(/--calibration-end YYYY-MM-DD is required/);
    expect(run(['evaluate', '--transactions', CDNOW, '--calibration-end', '1997-13-01']).code).toBe(2);
    expect(
      run(['evaluate', '--transactions', CDNOW, '--calibration-end', '1997-09-30', '--horizons', '3m']).stderr,
    ).toMatch(/--horizons/);
    expect(run(['frobnicate']).code).toBe(2);
    const viaBin = spawnSync(TSX, ['bin/growthloop.ts', 'model', 'fit', '--bogus'], { cwd: ROOT, encoding: 'utf8' });
    expect(viaBin.status).toBe(2);
    expect(viaBin.stderr).toMatch(/growthloop model: .*bogus/);
  });
});
