import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countSummaries,
  formatDay,
  noPurchaseWithin,
  parseDay,
  parseHorizon,
  parseTransactions,
  parseTransactionsFile,
  purchaseDays,
  summarize,
  TransactionParseError,
} from '../../../../functions/core/scoring/transactions';

const DATA = join(import.meta.dirname, '../../../fixtures/cdnow');
const day = (s: string) => parseDay(s)!;

describe('parsing transactions', () => {
  it('reads the CDNOW text format, the customer being the second column', () => {
    const rows = parseTransactions(' 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n\n');
    expect(rows).toEqual([
      { customerId: '1', day: day('1997-01-01'), amount: 29.33 },
      { customerId: '1', day: day('1997-01-18'), amount: 29.73 },
    ]);
  });

  it('reads CSV customer_id,date,amount with or without a header', () => {
    const withHeader = parseTransactions('customer_id,date,amount\nc1,2024-03-01,10\nc2,20240302,5.5\n');
    const without = parseTransactions('c1,2024-03-01,10\nc2,20240302,5.5');
    expect(withHeader).toEqual(without);
    expect(without[1]).toEqual({ customerId: 'c2', day: day('2024-03-02'), amount: 5.5 });
  });

  it('reads the CDNOW master layout (customer_id date number_of_cds dollar_value), with or without its header', () => {
    const body = '00001 19970101 1 11.77\n00002 19970112 1 12.00\n00001 19970102 2 20.76\n';
    const withHeader = parseTransactionsFile(`customer_id date number_of_cds dollar_value\n${body}`);
    expect(withHeader.format).toBe('cdnow-master');
    expect(withHeader.header).toBe(true);
    expect(withHeader.transactions).toEqual([
      { customerId: '1', day: day('1997-01-01'), amount: 11.77 },
      { customerId: '2', day: day('1997-01-12'), amount: 12 },
      { customerId: '1', day: day('1997-01-02'), amount: 20.76 },
    ]);
    expect(parseTransactionsFile(body)).toEqual({ ...withHeader, header: false });
  });

  it('tells the format from the first line', () => {
    expect(parseTransactionsFile(' 00004 0001 19970101  2   29.33\r\n').format).toBe('cdnow-sample');
    expect(parseTransactionsFile('0001 19970101 2 29.33').format).toBe('cdnow-master');
    expect(parseTransactionsFile('\n\nc1,2024-01-01,1').format).toBe('csv');
    expect(() => parseTransactions('1 19970101 2 3 4 5')).toThrow(/line 1: expected 4 columns .* found 6 columns/);
    expect(() => parseTransactions('0001 19970101 2 29.33\n 00004 0001 19970101 2 29.33')).toThrow(
      /line 2: expected 4 columns like line 1, found 5/,
    );
  });

  it('reads RFC 4180 CSV: quoted fields with commas, doubled quotes and line breaks, CRLF, a BOM', () => {
    const rows = parseTransactions(
      '\uFEFF"customer_id","date","amount"\r\n"Smith, J",2024-03-01,"10.5"\r\n"say ""hi""", 2024-03-02 ,3\r\n',
    );
    expect(rows).toEqual([
      { customerId: 'Smith, J', day: day('2024-03-01'), amount: 10.5 },
      { customerId: 'say "hi"', day: day('2024-03-02'), amount: 3 },
    ]);
    expect(parseTransactions('"two\nlines",2024-03-01,1')[0]?.customerId).toBe('two\nlines');
    expect(() => parseTransactions('c1,2024-03-01,1\n"c2,2024-03-01,1\n')).toThrow(/line 2: Quote Not Closed/);
    expect(() => parseTransactions('c1,2024-03-01,1\nc"2,2024-03-01,1\n')).toThrow(/line 2: /);
  });

  it('a first line is a header only when its date and amount are words; a bad first row is an error', () => {
    expect(parseTransactionsFile('id,day,total\nc1,2024-03-01,1').header).toBe(true);
    expect(() => parseTransactions('c1,2024/03/01,1\nc2,2024-03-01,1')).toThrow(/line 1: date "2024\/03\/01"/);
    expect(() => parseTransactions('c1,2024-03-01,-x\nc2,2024-03-01,1')).toThrow(/line 1: amount "-x"/);
    expect(() => parseTransactions('customer_id,date,amount\n')).toThrow(/no transactions/);
  });

  it('rejects bad dates, amounts and column counts with the line number', () => {
    expect(() => parseTransactions('c1,2024-02-30,10')).toThrow(/line 1: date "2024-02-30"/);
    expect(() => parseTransactions('c1,2024-02-03,ten')).toThrow(/line 1: amount "ten"/);
    expect(() => parseTransactions('c1,2024-02-03,1\nc1,2024-02-03')).toThrow(/line 2: expected 3 columns/);
    expect(() => parseTransactions(' 1 2 19970101 2')).toThrow(TransactionParseError);
    expect(() => parseTransactions('\n')).toThrow(/no transactions/);
  });

  it('parses horizons in weeks or days', () => {
    expect(parseHorizon('13w')).toBe(13);
    expect(parseHorizon('91d')).toBe(13);
    expect(parseHorizon('26')).toBe(26);
    expect(() => parseHorizon('0w')).toThrow(TransactionParseError);
    expect(() => parseHorizon('13m')).toThrow(TransactionParseError);
    expect(formatDay(day('1997-09-30'))).toBe('1997-09-30');
  });
});

describe('summaries', () => {
  it('merges same-day purchases and measures x, t_x, T in weeks, zbar over repeat days', () => {
    const tx = parseTransactions(
      [
        'a,1997-01-01,10',
        'a,1997-01-08,5',
        'a,1997-01-08,7',
        'a,1997-01-15,20',
        'a,1997-02-05,99',
        'b,1997-01-29,3',
      ].join('\n'),
    );
    const [a, b] = summarize(purchaseDays(tx), day('1997-01-29'));
    expect(a).toEqual({ id: 'a', x: 2, tx: 2, T: 4, zbar: 16, holdout: [1] });
    expect(b).toEqual({ id: 'b', x: 0, tx: 0, T: 0, zbar: 0, holdout: [] });
    expect(noPurchaseWithin(a!, 0.5)).toBe(true);
    expect(noPurchaseWithin(a!, 1)).toBe(false);
  });

  it('leaves out customers whose first purchase is after the end of calibration', () => {
    const tx = parseTransactions('a,2024-01-01,1\nb,2024-02-01,1');
    expect(summarize(purchaseDays(tx), day('2024-01-15')).map((c) => c.id)).toEqual(['a']);
  });

  it('rebuilds the published CDNOW counts from CDNOW_sample.txt', () => {
    const tx = parseTransactions(readFileSync(join(DATA, 'CDNOW_sample.txt'), 'utf8'));
    expect(tx).toHaveLength(6919);
    const customers = summarize(purchaseDays(tx), day('1997-09-30'));
    expect(countSummaries(customers)).toEqual({
      customers: 2357,
      repeatTransactions: 2457,
      holdoutTransactions: 1882,
      zeroRepeat: 1411,
      holdoutBuyers: 684,
    });
    // and agrees with the published summary (rounded to 2 decimals)
    const published = readFileSync(join(DATA, 'cdnow_customers_summary_with_transactions.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));
    for (const [i, c] of customers.entries()) {
      const [id, x, txp, T, zbar] = published[i]!;
      expect(c.id).toBe(String(id));
      expect(c.x).toBe(x);
      expect(c.tx).toBeCloseTo(txp!, 2);
      expect(c.T).toBeCloseTo(T!, 2);
      expect(Math.abs(c.zbar - zbar!)).toBeLessThan(0.006);
    }
  });
});
