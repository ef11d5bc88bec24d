// What the readers of the platforms' order exports (CSV) share: the rows, the events they give and
// the notes on rows left out or unreadable. Pure.
import { parse as parseCsvText } from 'csv-parse/sync';
import type { CanonicalEvent } from '../core/events/schemas';
import { toMinorUnits } from './money';

export type Input = Omit<CanonicalEvent, 'tenantId'> & { tenantId?: string };
export type ExportEvent = { line: number; event: Input };
export type ExportNote = { line: number; message: string };
export type OrderExport = { events: ExportEvent[]; skipped: ExportNote[]; problems: ExportNote[] };

export type Row = { line: number; get: (column: string) => string };

/** The file's rows after its header, each with its 1-based line (a quoted value may span lines). */
export function csvRows(text: string): { header: string[]; rows: Row[] } {
  const records = parseCsvText(text, {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [first, ...rest] = records;
  const header = (first?.record ?? []).map((c) => c.trim());
  let line = first?.info.lines ?? 0;
  const rows = rest.map(({ record, info }) => {
    const row: Row = { line: line + 1, get: (column) => (record[header.indexOf(column)] ?? '').trim() };
    line = info.lines;
    return row;
  });
  return { header, rows };
}

/** A row that cannot be read: its order is named among the problems, the others go on. */
export class RowProblem extends Error {}

/** A money column (a sign dropped) in minor units of `currency`. */
export function rowMoney(text: string, currency: string, column: string) {
  try {
    return { amount: toMinorUnits(text.replace(/^-/, ''), currency), currency };
  } catch (e) {
    throw new RowProblem(`${column}: ${(e as Error).message}`);
  }
}

/**
 * The refund an export's refunded-amount column tells of (none when it is empty or zero), with ids
 * of its own: a refund webhook for the same order has the platform's refund id.
 */
export function exportRefund(
  order: { id: string; eventId: string; customerId: string; source: string; occurredAt: string },
  row: Row,
  column: string,
  currency: string,
): Input | undefined {
  const refunded = row.get(column);
  if (refunded === '') return undefined;
  const amount = rowMoney(refunded, currency, column);
  if (amount.amount <= 0) return undefined;
  const { id, eventId, customerId, source, occurredAt } = order;
  return {
    customerId,
    source,
    type: 'refund',
    eventId: `${eventId}:export-refund`,
    occurredAt,
    properties: { orderId: id, refundId: `${id}-export`, amount },
  };
}

/**
 * The orders of an export's rows, each read once on its first row (`repeats` tells the rows that
 * only repeat an order already read): its events, or why it is left out, or why it cannot be read.
 */
export function readOrders(
  rows: readonly Row[],
  order: {
    /** The order's name in notes, e.g. `#1001`; empty when the row has none. */
    id: (row: Row) => string;
    idColumn: string;
    repeats: (row: Row, seen: ReadonlySet<string>) => boolean;
    events: (row: Row) => Input[] | string;
  },
): OrderExport {
  const out: OrderExport = { events: [], skipped: [], problems: [] };
  const seen = new Set<string>();
  for (const row of rows) {
    const id = order.id(row);
    if (order.repeats(row, seen)) continue;
    seen.add(id);
    try {
      const events = order.events(row);
      if (typeof events === 'string') out.skipped.push({ line: row.line, message: events });
      else for (const event of events) out.events.push({ line: row.line, event });
    } catch (e) {
      if (!(e instanceof RowProblem)) throw e;
      out.problems.push({ line: row.line, message: `order ${id || `(no ${order.idColumn})`}: ${e.message}` });
    }
  }
  return out;
}
