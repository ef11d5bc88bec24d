/**
 * WooCommerce's order export (WooCommerce → Export with Customer / Order / Coupon Export, CSV in its
 * default formats, one row per order or per item) → canonical events. Pure. Columns are read by
 * their keys (order_id, order_date, status, order_currency, order_total, discount_total,
 * refunded_total, customer_id, billing_email, coupon_items), which the extension keeps stable.
 *
 * Events get the ids the order.created webhook gives the same order
 * (`woocommerce:order:<order_id>:placed`), so an order seen both ways, or a file imported twice,
 * is folded once; customers are the WooCommerce customer id, or `email:<billing e-mail>` for a
 * guest, as the webhooks have them. order_date is the store's wall-clock time (WordPress's
 * timezone setting), so the reader needs that time zone.
 */
import type { CanonicalEvent } from '../core/events/schemas';
import { fromLocal, type LocalDateTimeParts } from '../core/journeys/local-time';
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

const SOURCE = 'woocommerce';
const REQUIRED = ['order_id', 'order_date', 'status', 'order_total', 'billing_email'] as const;
/** `2016-09-15 03:17:47`, with an offset when the export has one. */
const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Whether a CSV header row is WooCommerce's order export. */
export function isWooCommerceOrderExport(header: readonly string[]): boolean {
  return REQUIRED.every((c) => header.includes(c));
}

function orderTime(text: string, timeZone: string): string | undefined {
  const wall = WALL_TIME.exec(text);
  if (wall) {
    const [year, month, day, hour, minute, second] = wall.slice(1).map((n) => Number(n ?? 0)) as number[];
    try {
      const at = fromLocal({ year, month, day, hour, minute } as LocalDateTimeParts, timeZone);
      return new Date(at + (second as number) * 1000).toISOString();
    } catch {
      return undefined;
    }
  }
  const ms = /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** `code:SAVE10|description:…|amount:10.00;code:…` → the codes. */
function couponCodes(text: string): string[] {
  const codes = text
    .split(';')
    .map((item) => /(?:^|\|)code:([^|]*)/.exec(item)?.[1]?.trim() ?? '')
    .filter((code) => code !== '');
  return [...new Set(codes)].slice(0, 20).map((code) => code.slice(0, 256));
}

/** The orders of an export, each as its canonical events; rows that cannot be read are named. */
export function wooCommerceOrderExportEvents(text: string, timeZone: string): OrderExport {
  const { header, rows } = csvRows(text);
  if (!isWooCommerceOrderExport(header)) {
    return {
      events: [],
      skipped: [],
      problems: [{ line: 1, message: `not a WooCommerce order export (${REQUIRED.join(', ')})` }],
    };
  }
  return readOrders(rows, {
    id: (row) => row.get('order_id'),
    idColumn: 'order_id',
    // One row per item repeats the order's columns: its first row says it all.
    repeats: (row, seen) => seen.has(row.get('order_id')),
    events: (row) => orderEvents(row, timeZone),
  });
}

/** One order's events, or why it is left out. */
function orderEvents(row: Row, timeZone: string): Input[] | string {
  const id = row.get('order_id');
  if (!/^\d{1,20}$/.test(id)) throw new RowProblem(`order_id ${JSON.stringify(id)} is not an order number`);
  const status = row.get('status').replace(/^wc-/, '').toLowerCase();
  if (status === 'checkout-draft') return `order ${id} is a checkout draft, not a placed order`;
  const customer = row.get('customer_id');
  const email = row.get('billing_email').toLowerCase();
  const customerId = /^[1-9]\d{0,19}$/.test(customer) ? customer : email === '' ? undefined : `email:${email}`;
  if (customerId === undefined) return `guest order ${id} has no billing e-mail to attribute it to`;
  if (customerId.length > 128) return `guest order ${id} has an over-long e-mail`;
  const currency = (row.get('order_currency') || 'missing').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency))
    throw new RowProblem(`order_currency ${JSON.stringify(row.get('order_currency'))} is not an ISO 4217 code`);
  const placedAt = orderTime(row.get('order_date'), timeZone);
  if (placedAt === undefined) throw new RowProblem(`order_date ${JSON.stringify(row.get('order_date'))} is not a time`);

  const state: Extract<CanonicalEvent, { type: 'order_placed' }>['properties'] = {
    orderId: id,
    total: money(row.get('order_total'), currency, 'order_total'),
    placedAt,
  };
  const discount = row.get('discount_total');
  if (discount !== '' && money(discount, currency, 'discount_total').amount > 0)
    state.discount = money(discount, currency, 'discount_total');
  const codes = couponCodes(row.get('coupon_items'));
  if (codes.length > 0) state.discountCodes = codes;

  const base = { customerId, source: SOURCE };
  const prefix = `woocommerce:order:${id}`;
  const events: Input[] = [
    { ...base, type: 'order_placed', eventId: `${prefix}:placed`, occurredAt: placedAt, properties: state },
  ];
  if (status === 'cancelled') {
    events.push({
      ...base,
      type: 'order_cancelled',
      eventId: `${prefix}:export-cancelled`,
      occurredAt: placedAt,
      properties: state,
    });
  }
  const refund = exportRefund({ ...base, id, eventId: prefix, occurredAt: placedAt }, row, 'refunded_total', currency);
  if (refund) events.push(refund);
  return events;
}
