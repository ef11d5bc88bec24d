import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type EvaluateReport, type FitReport, runModelCli } from '../../functions/cli/model';
import { runCli } from '../helpers/runtime-cli';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/cdnow');
const CDNOW = join(FIXTURES, 'CDNOW_sample.txt');
/** The sample in the published master file's layout: a header line, then customer_id date number_of_cds dollar_value. */
const CDNOW_4COL = join(FIXTURES, 'CDNOW_sample_4col.txt');
const dir = mkdtempSync(join(tmpdir(), 'growthloop-model-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    const { status, stdout } = runCli([
      'model',
      'evaluate',
      '--transactions',
      CDNOW,
      '--calibration-end',
      '1997-09-30',
    ]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/r 0\.242\d\s+alpha 4\.41\d\d/);
    for (const h of ['13w', '26w', '39w']) expect(stdout).toMatch(new RegExp(`^${h}\\s+\\d+\\.\\d%\\s+churn`, 'm'));
    expect(stdout).toMatch(/model \(BG\/NBD\)/);
    expect(stdout).toMatch(/recency/);
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
    const viaBin = runCli(['model', 'fit', '--bogus']);
    expect(viaBin.status).toBe(2);
    expect(viaBin.stderr).toMatch(/^growthloop model: unknown option --bogus\n\nUsage:\n {2}growthloop model fit /);
  });
});

/** The sample's transactions as [customer_id, YYYYMMDD, amount]. */
const sampleRows = (): [string, string, string][] =>
  readFileSync(CDNOW, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [, id, date, , amount] = l.trim().split(/\s+/);
      return [String(Number(id)), date!, amount!];
    });

describe('growthloop model reads every transactions format', () => {
  const evaluateJson = (file: string) => {
    const result = run(['evaluate', '--transactions', file, '--calibration-end', '1997-09-30', '--json']);
    expect(result.stderr).not.toMatch(/growthloop model:/);
    expect(result.code).toBe(0);
    return { report: JSON.parse(result.stdout) as EvaluateReport, stderr: result.stderr };
  };
  const sample = evaluateJson(CDNOW).report;

  it('the CDNOW master layout with its header line gives the same parameters as the 5-column sample', () => {
    const { report, stderr } = evaluateJson(CDNOW_4COL);
    expect(stderr).toContain(
      'read 6919 transactions of 2357 customers (CDNOW master: customer_id date number_of_cds dollar_value, with a header line)',
    );
    expect(report.params).toEqual(sample.params);
    expect(report.logLikelihood).toBe(sample.logLikelihood);
    expect(report.data).toEqual(sample.data);
    expect(report.horizons).toEqual(sample.horizons);
  });

  it('the master layout through the real CLI gives the published BG/NBD parameters', () => {
    const { status, stdout } = runCli([
      'model',
      'evaluate',
      '--transactions',
      CDNOW_4COL,
      '--calibration-end',
      '1997-09-30',
      '--json',
    ]);
    expect(status).toBe(0);
    expect((JSON.parse(stdout) as EvaluateReport).params).toEqual(sample.params);
  });

  it('CSV with a header line, CRLF, and quoted fields holding commas and doubled quotes gives the same parameters', () => {
    const lines = sampleRows().map(([id, date, amount], i) => {
      const quotedId = `"cust, ""${id}"""`; // the id: cust, "17"
      return `${quotedId},${date},${i % 2 ? `"${amount}"` : amount}`;
    });
    const file = join(dir, 'quoted.csv');
    writeFileSync(file, `customer_id,date,amount\r\n${lines.join('\r\n')}\r\n`);
    const { report, stderr } = evaluateJson(file);
    expect(stderr).toContain('(CSV customer_id,date,amount, with a header line)');
    expect(report.params).toEqual(sample.params);
    expect(report.data).toEqual(sample.data);
  });

  it('CSV without a header, dates as YYYY-MM-DD, gives the same parameters', () => {
    const lines = sampleRows().map(
      ([id, d, amount]) => `${id},${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)},${amount}`,
    );
    const file = join(dir, 'plain.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { report, stderr } = evaluateJson(file);
    expect(stderr).toContain('(CSV customer_id,date,amount)');
    expect(report.params).toEqual(sample.params);
  });

  it('names the line of a bad row, in each format', () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'customer_id,date,amount\nc1,2024-01-01,10\nc2,2024-13-01,5\n');
    const badDate = run(['fit', '--transactions', csv]);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toBe(`growthloop model: ${csv}: line 3: date "2024-13-01" is not YYYYMMDD or YYYY-MM-DD\n`);
    const unclosed = join(dir, 'unclosed.csv');
    writeFileSync(unclosed, 'c1,2024-01-01,10\n"c2,2024-01-02,5\n');
    const quote = run(['fit', '--transactions', unclosed]);
    expect(quote.code).toBe(2);
    expect(quote.stderr).toMatch(/: line 2: Quote Not Closed/);
    const master = join(dir, 'bad-master.txt');
    writeFileSync(master, 'customer_id date number_of_cds dollar_value\n00001 19970101 1 11.77\n00002 19970112 1\n');
    expect(run(['fit', '--transactions', master]).stderr).toContain('line 3: expected 4 columns like line 1, found 3');
    const odd = join(dir, 'odd.txt');
    writeFileSync(odd, '1 2 3\n');
    expect(run(['fit', '--transactions', odd]).stderr).toMatch(/line 1: expected 4 columns .* found 3 columns/);
  });
});

describe('growthloop model refuses too little data', () => {
  const write = (name: string, rows: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, `customer_id,date,amount\n${rows.join('\n')}\n`);
    return file;
  };

  it('one customer: exit 2, a one-line reason and no parameters, from fit and evaluate', () => {
    const file = write('one.csv', ['c1,2024-01-01,10', 'c1,2024-02-01,12', 'c1,2024-03-01,9']);
    for (const sub of ['fit', 'evaluate']) {
      const { status, stdout, stderr } = runCli([
        'model',
        sub,
        '--transactions',
        file,
        '--calibration-end',
        '2024-02-15',
      ]);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n').at(-1)).toBe(
        'growthloop model: too little data: 1 customer by 2024-02-15, 1 with repeat purchases; ' +
          'a fit needs at least 50 customers, 10 with repeat purchases',
      );
    }
  });

  it('enough customers but too few repeat buyers', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `c${i},2024-01-${String((i % 28) + 1).padStart(2, '0')},10`);
    for (let i = 0; i < 5; i++) rows.push(`c${i},2024-03-01,20`);
    const { code, stdout, stderr } = run(['fit', '--transactions', write('few-repeat.csv', rows), '--json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'too little data: 60 customers by 2024-03-01, 5 with repeat purchases; a fit needs at least 50',
    );
  });

  it('fewer than 50 customers, even if all of them bought again', () => {
    const rows = Array.from({ length: 49 }, (_, i) => [`c${i},2024-01-01,10`, `c${i},2024-02-01,10`]).flat();
    const { code, stderr } = run(['fit', '--transactions', write('few.csv', rows)]);
    expect(code).toBe(2);
    expect(stderr).toContain('too little data: 49 customers by 2024-02-01, 49 with repeat purchases');
  });
});
