/**
 * Transactions for the repeat-buying models: parsing (the CDNOW master and sample text formats
 * and CSV `customer_id,date,amount`) and summaries per customer, with the conventions of the published
 * CDNOW results (test/fixtures/cdnow/README.md): time in days/7, purchases on the same day merged
 * into one, x = repeat purchase days in calibration, t_x = last calibration purchase since the
 * first, T = age at the end of calibration, zbar = mean value of the repeat purchases (0 if x = 0).
 * Pure: takes text, returns data.
 */

import { parse as parseCsvText } from 'csv-parse/sync';

export interface Transaction {
  customerId: string;
  /** Days since 1970-01-01 (UTC calendar day). */
  day: number;
  amount: number;
}

export class TransactionParseError extends Error {
  override name = 'TransactionParseError';
}

const DAY_MS = 86_400_000;

/** `YYYYMMDD` or `YYYY-MM-DD` to days since 1970-01-01; undefined if not a real calendar date. */
export function parseDay(text: string): number | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

/** Days since 1970-01-01 back to `YYYY-MM-DD`. */
export const formatDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

function parseAmount(text: string | undefined, line: number): number {
  const amount = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(amount)) {
    throw new TransactionParseError(`line ${line}: amount "${text ?? ''}" is not a number`);
  }
  return amount;
}

function dayOf(text: string | undefined, line: number): number {
  const day = text === undefined ? undefined : parseDay(text);
  if (day === undefined)
    throw new TransactionParseError(`line ${line}: date "${text ?? ''}" is not YYYYMMDD or YYYY-MM-DD`);
  return day;
}

/** The file layouts read: see `parseTransactionsFile`. */
export type TransactionFormat = 'cdnow-master' | 'cdnow-sample' | 'csv';

export const FORMAT_NAMES: Record<TransactionFormat, string> = {
  'cdnow-master': 'CDNOW master: customer_id date number_of_cds dollar_value',
  'cdnow-sample': 'CDNOW sample: master_id customer_id date number_of_cds dollar_value',
  csv: 'CSV customer_id,date,amount',
};

export interface TransactionsFile {
  format: TransactionFormat;
  /** True when the first line was a header (skipped). */
  header: boolean;
  transactions: Transaction[];
}

/**
 * A header line names the columns: its date and amount fields are words, never a date or a
 * number (a data line whose date or amount is bad starts with a digit, a sign or a dot, and is
 * reported as bad rather than skipped).
 */
const isHeader = (date: string | undefined, amount: string | undefined): boolean =>
  /^[A-Za-z_]/.test(date ?? '') && /^[A-Za-z_]/.test(amount ?? '');

/** CDNOW customer ids are zero-padded numbers ("0001"): the customer is the number. */
const cdnowId = (text: string): string => (/^\d+$/.test(text) ? text.replace(/^0+(?=\d)/, '') : text);

/** Where the columns are in each whitespace-separated CDNOW layout. */
const CDNOW_LAYOUTS = {
  4: { format: 'cdnow-master', customer: 0, date: 1, amount: 3 },
  5: { format: 'cdnow-sample', customer: 1, date: 2, amount: 4 },
} as const;

/**
 * The CDNOW text formats, whitespace-separated, told apart by the number of columns on the
 * first line: the master file as published (`customer_id date number_of_cds dollar_value`, with
 * that header line or without) and the 1/10 sample (`master_id customer_id date number_of_cds
 * dollar_value`, no header; the customer is the second column, 1..2357, as in the summaries).
 */
export function parseCdnowText(text: string): Transaction[] {
  return parseCdnow(text).transactions;
}

function parseCdnow(text: string): TransactionsFile {
  const out: Transaction[] = [];
  let layout: (typeof CDNOW_LAYOUTS)[4 | 5] | undefined;
  let header = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const cols = line.split(/\s+/);
    if (!layout) {
      layout = cols.length === 4 || cols.length === 5 ? CDNOW_LAYOUTS[cols.length] : undefined;
      if (!layout) {
        throw new TransactionParseError(
          `line ${i + 1}: expected 4 columns (customer_id date number_of_cds dollar_value), 5 (the CDNOW ` +
            `sample: master_id customer_id date number_of_cds dollar_value) or CSV customer_id,date,amount; ` +
            `found ${cols.length} columns`,
        );
      }
      if (isHeader(cols[layout.date], cols[layout.amount])) {
        header = true;
        return;
      }
    }
    if (cols.length !== (layout.format === 'cdnow-master' ? 4 : 5)) {
      throw new TransactionParseError(
        `line ${i + 1}: expected ${layout.format === 'cdnow-master' ? 4 : 5} columns like line 1, found ${cols.length}`,
      );
    }
    out.push({
      customerId: cdnowId(cols[layout.customer] as string),
      day: dayOf(cols[layout.date], i + 1),
      amount: parseAmount(cols[layout.amount], i + 1),
    });
  });
  return { format: layout?.format ?? 'cdnow-sample', header, transactions: out };
}

/**
 * CSV `customer_id,date,amount` (RFC 4180: quoted fields, doubled quotes, CRLF or LF), with or
 * without a header line; spaces around fields are ignored.
 */
export function parseTransactionsCsv(text: string): Transaction[] {
  return parseCsv(text).transactions;
}

type CsvRow = { record: string[]; info: { lines: number } };

function parseCsv(text: string): TransactionsFile {
  let rows: CsvRow[];
  try {
    rows = parseCsvText(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as CsvRow[];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new TransactionParseError(`${line === undefined ? '' : `line ${line}: `}${(e as Error).message}`);
  }
  const out: Transaction[] = [];
  let header = false;
  rows.forEach(({ record: cols, info }, i) => {
    const line = info.lines;
    if (i === 0 && cols.length === 3 && isHeader(cols[1], cols[2])) {
      header = true;
      return;
    }
    if (cols.length !== 3) throw new TransactionParseError(`line ${line}: expected 3 columns, found ${cols.length}`);
    if (!cols[0]) throw new TransactionParseError(`line ${line}: empty customer_id`);
    out.push({ customerId: cols[0], day: dayOf(cols[1], line), amount: parseAmount(cols[2], line) });
  });
  return { format: 'csv', header, transactions: out };
}

/**
 * Reads a transactions file, its format told by the first non-empty line: CSV
 * `customer_id,date,amount` when it has a comma (or opens a quoted field), otherwise the CDNOW text format with 4 columns
 * (the master file) or 5 (the sample). A bad line is reported with its line number.
 */
export function parseTransactionsFile(text: string): TransactionsFile {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const file = first.includes(',') || /^\s*"/.test(first) ? parseCsv(text) : parseCdnow(text);
  if (file.transactions.length === 0) throw new TransactionParseError('no transactions');
  return file;
}

/** The transactions of a file in any format `parseTransactionsFile` reads. */
export const parseTransactions = (text: string): Transaction[] => parseTransactionsFile(text).transactions;

/** One purchase day of one customer: the same-day transactions merged, amounts summed. */
export interface PurchaseDay {
  day: number;
  amount: number;
}

/** Purchase days per customer, sorted by day, customers in order of first appearance. */
export function purchaseDays(transactions: readonly Transaction[]): Map<string, PurchaseDay[]> {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    let days = byCustomer.get(t.customerId);
    if (!days) {
      days = new Map();
      byCustomer.set(t.customerId, days);
    }
    days.set(t.day, (days.get(t.day) ?? 0) + t.amount);
  }
  const out = new Map<string, PurchaseDay[]>();
  for (const [id, days] of byCustomer) {
    out.set(
      id,
      [...days].map(([day, amount]) => ({ day, amount })).sort((a, b) => a.day - b.day),
    );
  }
  return out;
}

export interface CustomerSummary {
  id: string;
  /** Repeat purchase days in calibration. */
  x: number;
  /** Weeks from the first purchase to the last calibration purchase. */
  tx: number;
  /** Weeks from the first purchase to the end of calibration. */
  T: number;
  /** Mean value of the repeat purchase days, 0 if x = 0. */
  zbar: number;
  /** Purchase days after the end of calibration (the holdout), in weeks since the end of calibration. */
  holdout: number[];
}

/**
 * Summaries at the end of calibration `calibrationEnd` (a day, inclusive). Customers whose first
 * purchase is after it are left out; purchases after it go to `holdout`.
 */
export function summarize(
  days: ReadonlyMap<string, readonly PurchaseDay[]>,
  calibrationEnd: number,
): CustomerSummary[] {
  const out: CustomerSummary[] = [];
  for (const [id, list] of days) {
    const first = list[0];
    if (!first || first.day > calibrationEnd) continue;
    const calibration = list.filter((d) => d.day <= calibrationEnd);
    const repeat = calibration.slice(1);
    const last = calibration[calibration.length - 1] as PurchaseDay;
    out.push({
      id,
      x: repeat.length,
      tx: (last.day - first.day) / 7,
      T: (calibrationEnd - first.day) / 7,
      zbar: repeat.length > 0 ? repeat.reduce((s, d) => s + d.amount, 0) / repeat.length : 0,
      holdout: list.filter((d) => d.day > calibrationEnd).map((d) => (d.day - calibrationEnd) / 7),
    });
  }
  return out;
}

/** True when the customer makes no purchase in (end of calibration, end of calibration + h weeks]. */
export const noPurchaseWithin = (c: CustomerSummary, h: number): boolean => !c.holdout.some((w) => w <= h + 1e-9);

export interface SummaryCounts {
  customers: number;
  repeatTransactions: number;
  holdoutTransactions: number;
  zeroRepeat: number;
  holdoutBuyers: number;
}

export function countSummaries(customers: readonly CustomerSummary[]): SummaryCounts {
  return {
    customers: customers.length,
    repeatTransactions: customers.reduce((s, c) => s + c.x, 0),
    holdoutTransactions: customers.reduce((s, c) => s + c.holdout.length, 0),
    zeroRepeat: customers.filter((c) => c.x === 0).length,
    holdoutBuyers: customers.filter((c) => c.holdout.length > 0).length,
  };
}

/** `13w` or `91d` (or a bare number of weeks) to weeks. */
export function parseHorizon(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([wd]?)\s*$/i.exec(text);
  const value = Number(m?.[1]);
  if (!m || !(value > 0)) throw new TransactionParseError(`horizon "${text}" is not like 13w or 91d`);
  return m[2]?.toLowerCase() === 'd' ? value / 7 : value;
}
