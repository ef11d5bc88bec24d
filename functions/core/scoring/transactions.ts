/**
 * Transactions for the repeat-buying models: parsing (the CDNOW text format and CSV
 * `customer_id,date,amount`) and summaries per customer, with the conventions of the published
 * CDNOW results (shared/data/cdnow/README.md): time in days/7, purchases on the same day merged
 * into one, x = repeat purchase days in calibration, t_x = last calibration purchase since the
 * first, T = age at the end of calibration, zbar = mean value of the repeat purchases (0 if x = 0).
 * Pure: takes text, returns data.
 */

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

/**
 * CDNOW text: whitespace-separated `master_id customer_id YYYYMMDD number_of_cds dollar_value`,
 * no header. The customer is the second column (1..2357 in the sample), as in the summaries.
 */
export function parseCdnowText(text: string): Transaction[] {
  const out: Transaction[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const cols = line.split(/\s+/);
    if (cols.length !== 5) throw new TransactionParseError(`line ${i + 1}: expected 5 columns, found ${cols.length}`);
    out.push({ customerId: String(Number(cols[1])), day: dayOf(cols[2], i + 1), amount: parseAmount(cols[4], i + 1) });
  });
  return out;
}

/** CSV `customer_id,date,amount`, with or without that header line. */
export function parseTransactionsCsv(text: string): Transaction[] {
  const out: Transaction[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const cols = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (i === 0 && parseDay(cols[1] ?? '') === undefined && /customer/i.test(cols[0] ?? '')) return; // header
    if (cols.length !== 3) throw new TransactionParseError(`line ${i + 1}: expected 3 columns, found ${cols.length}`);
    if (!cols[0]) throw new TransactionParseError(`line ${i + 1}: empty customer_id`);
    out.push({ customerId: cols[0], day: dayOf(cols[1], i + 1), amount: parseAmount(cols[2], i + 1) });
  });
  return out;
}

/** CSV when the first non-empty line has commas, the CDNOW text format otherwise. */
export function parseTransactions(text: string): Transaction[] {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const rows = first.includes(',') ? parseTransactionsCsv(text) : parseCdnowText(text);
  if (rows.length === 0) throw new TransactionParseError('no transactions');
  return rows;
}

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
