/**
 * Shopify's orders export (Admin → Orders → Export, CSV) → canonical events. Pure. The export writes
 * one row per line item; the order's own columns (Email, Currency, Total, Created at, ...) are on its
 * first row only, and every row repeats its Name (#1001).
 *
 * Events get the ids the orders/create and orders/cancelled webhooks give the same order
 * (`shopify:order:<Id>:placed`, `…:cancelled`), so an order seen both ways, or a file imported
 * twice, is folded once. The export names no customer id: orders are attributed to
 * `email:<lower-case e-mail>` (as WooCommerce guest orders are), or to the Shopify customer id when
 * `customerIds` (from the customers export, see shopifyCustomerIds) knows the e-mail.
 */
import type { CanonicalEvent } from '../core/events/schemas';
import {
  csvRows,
  exportRefund,
  type Input,
  rowMoney as money,
  type OrderExport,
  type Row,
  RowProblem,
  readOrders,
} from './order-export';

const SOURCE = 'shopify';
/** `2025-10-07 09:50:26 +0200`, as the export writes times (ISO 8601 is read too). */
const EXPORT_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)\s*(Z|[+-]\d{2}:?\d{2})$/;

/** Whether a CSV header row is Shopify's orders export. */
export function isShopifyOrderExport(header: readonly string[]): boolean {
  return ['Name', 'Email', 'Financial Status', 'Created at', 'Lineitem quantity'].every((c) => header.includes(c));
}

function exportTime(text: string): string | undefined {
  const m = EXPORT_TIME.exec(text);
  const iso = m
    ? `${m[1]}T${m[2]?.length === 5 ? `${m[2]}:00` : m[2]}${m[3]?.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`
    : text;
  const ms = /\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(iso) ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** `'7254678093903` (the export's apostrophe keeps spreadsheets from rounding it) → `7254678093903`. */
const customerIdOf = (text: string) => text.replace(/^'/, '');

/**
 * E-mail (lower case) → Shopify customer id, from the customers export (Customers → Export), so that
 * imported orders land on the profiles the webhooks feed. Throws when the file is not that export.
 */
export function shopifyCustomerIds(text: string): Map<string, string> {
  const { header, rows } = csvRows(text);
  if (!header.includes('Customer ID') || !header.includes('Email')) {
    throw new Error('not a Shopify customers export: it needs the columns "Customer ID" and "Email"');
  }
  const ids = new Map<string, string>();
  for (const row of rows) {
    const id = customerIdOf(row.get('Customer ID'));
    const email = row.get('Email').toLowerCase();
    if (/^\d{1,40}$/.test(id) && email !== '') ids.set(email, id);
  }
  return ids;
}

/** The orders of an export, each as its canonical events; rows that cannot be read are named. */
export function shopifyOrderExportEvents(
  text: string,
  customerIds: ReadonlyMap<string, string> = new Map(),
): OrderExport {
  const { header, rows } = csvRows(text);
  if (!isShopifyOrderExport(header)) {
    const message = 'not a Shopify orders export (Name, Email, Financial Status, Created at, Lineitem quantity)';
    return { events: [], skipped: [], problems: [{ line: 1, message }] };
  }
  return readOrders(rows, {
    id: (row) => row.get('Name'),
    idColumn: 'Name',
    // Line-item rows after an order's first carry no Created at; the export repeats nothing else needed.
    repeats: (row, seen) => row.get('Created at') === '' && seen.has(row.get('Name')),
    events: (row) => orderEvents(row, customerIds),
  });
}

/** One order's events, or why it is left out. */
function orderEvents(row: Row, customerIds: ReadonlyMap<string, string>): Input[] | string {
  const name = row.get('Name');
  if (name === '') throw new RowProblem('the Name column is empty');
  const email = row.get('Email').toLowerCase();
  if (email === '') return `order ${name} has no e-mail to attribute it to`;
  const customerId = customerIds.get(email) ?? `email:${email}`;
  if (customerId.length > 128) return `order ${name} has an over-long e-mail`;
  const currency = row.get('Currency').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency))
    throw new RowProblem(`Currency ${JSON.stringify(currency)} is not an ISO 4217 code`);
  const placedAt = exportTime(row.get('Created at'));
  if (placedAt === undefined) throw new RowProblem(`Created at ${JSON.stringify(row.get('Created at'))} is not a time`);
  const id = row.get('Id');
  const orderId = /^\d{1,40}$/.test(id) ? id : name;
  const prefix = `shopify:order:${orderId}`;

  const state: Extract<CanonicalEvent, { type: 'order_placed' }>['properties'] = {
    orderId,
    total: money(row.get('Total'), currency, 'Total'),
    placedAt,
  };
  const discount = row.get('Discount Amount');
  if (discount !== '' && money(discount, currency, 'Discount Amount').amount > 0) {
    state.discount = money(discount, currency, 'Discount Amount');
  }
  const code = row.get('Discount Code');
  if (code !== '') state.discountCodes = [code.slice(0, 256)];

  const base = { customerId, source: SOURCE };
  const events: Input[] = [
    { ...base, type: 'order_placed', eventId: `${prefix}:placed`, occurredAt: placedAt, properties: state },
  ];
  const accepts = row.get('Accepts Marketing').toLowerCase();
  if (accepts === 'yes' || accepts === 'no') {
    events.push({
      ...base,
      type: 'consent_changed',
      eventId: `${prefix}:placed:consent:email`,
      occurredAt: placedAt,
      properties: { channel: 'email', granted: accepts === 'yes' },
    });
  }
  const cancelledAt = row.get('Cancelled at') === '' ? undefined : exportTime(row.get('Cancelled at'));
  if (row.get('Cancelled at') !== '' && cancelledAt === undefined) {
    throw new RowProblem(`Cancelled at ${JSON.stringify(row.get('Cancelled at'))} is not a time`);
  }
  if (cancelledAt) {
    events.push({
      ...base,
      type: 'order_cancelled',
      eventId: `${prefix}:cancelled`,
      occurredAt: cancelledAt,
      properties: state,
    });
  }
  const refund = exportRefund(
    { ...base, id: orderId, eventId: prefix, occurredAt: cancelledAt ?? placedAt },
    row,
    'Refunded Amount',
    currency,
  );
  if (refund) events.push(refund);
  return events;
}
