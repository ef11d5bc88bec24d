/**
 * `growthloop import FILE`: a history of canonical events (one JSON object a line, as `growthloop
 * simulate` writes them) or Shopify's or WooCommerce's order export (CSV) into a running growthloop through its
 * ingest API, in batches, so every event takes the same path as a live one. Events are folded once
 * by their ids: importing a file twice gives the same profiles as once.
 */
import { readFileSync } from 'node:fs';
import { MAX_BATCH, MAX_BODY_BYTES } from '../core/events/ingest';
import { IANA_TIME_ZONE_MESSAGE, isIanaTimeZone } from '../core/time-zone';
import { csvRows, type OrderExport } from '../platforms/order-export';
import { shopifyCustomerIds, shopifyOrderExportEvents } from '../platforms/shopify-order-export';
import { isWooCommerceOrderExport, wooCommerceOrderExportEvents } from '../platforms/woocommerce-order-export';
import { CliError, parseOptions, reportFailure, UsageError, wantsHelp } from './command';
import { type Io, processIo } from './io';
import { IMPORT_USAGE } from './usage';

const OPTIONS = {
  url: { type: 'string', default: 'http://127.0.0.1:3000' },
  'api-key': { type: 'string' },
  customers: { type: 'string' },
  'time-zone': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Room left in a request body for the envelope `{"batch":[...]}`. */
const BODY_BUDGET = MAX_BODY_BYTES - 1024;
const RETRIES = 5;

type Line = { line: number; text: string };
type Problem = { line: number; message: string };
export type ImportReport = {
  file: string;
  lines: number;
  accepted: number;
  rejected: number;
  problems: Problem[];
  /** Orders of a CSV export left out on purpose (e.g. without an e-mail to attribute them to). */
  skipped: Problem[];
};
type ReadFile = { events: Line[]; problems: Problem[]; skipped: Problem[]; lines: number };

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** A file whose first character is not `{` is read as a CSV export: WooCommerce's or Shopify's. */
function readHistory(file: string, options: { customers?: string; timeZone?: string }): ReadFile {
  const text = readText(file);
  if (/^\uFEFF?\s*\{/.test(text) || text.trim() === '') {
    if (options.customers !== undefined) throw new UsageError('--customers applies to a Shopify orders export only');
    if (options.timeZone !== undefined) throw new UsageError('--time-zone applies to a WooCommerce order export only');
    return readLines(text);
  }
  let found: OrderExport;
  try {
    found = isWooCommerceOrderExport(csvRows(text.slice(0, text.indexOf('\n') + 1 || undefined)).header)
      ? wooCommerceExport(text, options)
      : shopifyExport(text, options);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file} is neither JSON lines nor a readable CSV file: ${(e as Error).message}`);
  }
  if (found.events.length === 0 && found.problems[0]?.line === 1) {
    throw new CliError(`${file}: ${found.problems[0].message}, nor JSON lines`);
  }
  const events = found.events.map(({ line, event }) => ({ line, text: JSON.stringify(event) }));
  const orders = new Set(found.events.map((e) => e.line)).size;
  return {
    events,
    problems: found.problems,
    skipped: found.skipped,
    lines: orders + found.problems.length + found.skipped.length,
  };
}

function wooCommerceExport(text: string, options: { customers?: string; timeZone?: string }): OrderExport {
  if (options.customers !== undefined) throw new UsageError('--customers applies to a Shopify orders export only');
  if (options.timeZone === undefined)
    throw new UsageError(
      "a WooCommerce order export gives order_date in the store's time zone (WordPress Settings → General): name it with --time-zone, such as Europe/Berlin",
    );
  if (!isIanaTimeZone(options.timeZone)) throw new UsageError(`--time-zone ${IANA_TIME_ZONE_MESSAGE}`);
  return wooCommerceOrderExportEvents(text, options.timeZone);
}

function shopifyExport(text: string, options: { customers?: string; timeZone?: string }): OrderExport {
  if (options.timeZone !== undefined) throw new UsageError('--time-zone applies to a WooCommerce order export only');
  let customerIds: Map<string, string> | undefined;
  if (options.customers !== undefined) {
    try {
      customerIds = shopifyCustomerIds(readText(options.customers));
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`${options.customers}: ${(e as Error).message}`);
    }
  }
  return shopifyOrderExportEvents(text, customerIds);
}

/** The text's events as lines, and the lines that are not JSON objects. */
function readLines(text: string): ReadFile {
  const events: Line[] = [];
  const problems: Problem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        problems.push({ line: i + 1, message: 'not a JSON object' });
      else events.push({ line: i + 1, text: line });
    } catch (e) {
      problems.push({ line: i + 1, message: `not JSON: ${(e as Error).message}` });
    }
  });
  return { events, problems, skipped: [], lines: events.length + problems.length };
}

/** Batches of at most MAX_BATCH events whose request bodies fit the API's limit. */
function batchesOf(events: readonly Line[]): Line[][] {
  const batches: Line[][] = [];
  let current: Line[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.text) + 1;
    if (current.length === MAX_BATCH || (current.length > 0 && bytes + size > BODY_BUDGET)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

type Answer = {
  accepted?: number;
  errors?: { index: number; message: string; path?: string | null }[];
  message?: string;
};

/** One batch posted, retried with backoff on throttling, 5xx and network errors. */
async function post(url: string, key: string, batch: readonly Line[], sleep: (ms: number) => Promise<void>) {
  const body = `{"batch":[${batch.map((e) => e.text).join(',')}]}`;
  for (let attempt = 0; ; attempt++) {
    let status: number;
    let answer: Answer = {};
    try {
      const res = await fetch(new URL('/v1/events', url), {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body,
      });
      status = res.status;
      answer = (await res.json().catch(() => ({}))) as Answer;
    } catch (e) {
      if (attempt >= RETRIES) throw new CliError(`cannot reach ${url}: ${(e as Error).cause ?? (e as Error).message}`);
      await sleep(2 ** attempt * 200);
      continue;
    }
    if ((status === 429 || status >= 500) && attempt < RETRIES) {
      await sleep(2 ** attempt * 200);
      continue;
    }
    if (status === 202 || status === 400) return answer;
    throw new CliError(`${url} answered ${status}: ${answer.message ?? 'no message'}`);
  }
}

export async function importHistory(
  file: string,
  options: {
    url: string;
    apiKey: string;
    io: Io;
    customers?: string;
    timeZone?: string;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<ImportReport> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const { events, problems, skipped, lines } = readHistory(file, options);
  const batches = batchesOf(events);
  let accepted = 0;
  let sent = 0;
  let told = 0;
  for (const batch of batches) {
    const answer = await post(options.url, options.apiKey, batch, sleep);
    accepted += answer.accepted ?? 0;
    for (const error of answer.errors ?? [])
      problems.push({
        line: batch[error.index]?.line ?? 0,
        message: `${error.path ? `${error.path.replace(/^\$\.batch\[\d+\]/, '$')}: ` : ''}${error.message}`,
      });
    sent += batch.length;
    const tenth = Math.floor((sent / events.length) * 10);
    if (events.length >= 10_000 && tenth > told) {
      told = tenth;
      options.io.err(`import: ${sent} of ${events.length} events sent (${tenth * 10} %)\n`);
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { file, lines, accepted, rejected: problems.length, problems, skipped };
}

/** Runs `import ARGS`; returns the exit code (0; 1 when a line was refused; 2 when the command cannot run). */
export async function runImportCli(args: readonly string[], io: Io = processIo): Promise<number> {
  try {
    if (wantsHelp(args)) {
      io.out(IMPORT_USAGE);
      return 0;
    }
    const { values, positionals } = parseOptions({ args: [...args], options: OPTIONS, allowPositionals: true });
    const [file, ...extra] = positionals;
    if (!file)
      throw new UsageError(
        'name the file to import (one canonical event a line, or a Shopify or WooCommerce order export)',
      );
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const apiKey = values['api-key'] ?? process.env.GROWTHLOOP_API_KEY;
    if (!apiKey) throw new UsageError('the API key is needed: --api-key KEY or GROWTHLOOP_API_KEY');
    const report = await importHistory(file, {
      url: values.url,
      apiKey,
      io,
      ...(values.customers === undefined ? {} : { customers: values.customers }),
      ...(values['time-zone'] === undefined ? {} : { timeZone: values['time-zone'] }),
    });
    if (values.json) io.out(`${JSON.stringify(report)}\n`);
    else {
      io.out(`${file}: ${report.accepted} events accepted, ${report.rejected} refused\n`);
      for (const p of report.problems.slice(0, 20)) io.out(`  line ${p.line}: ${p.message}\n`);
      if (report.problems.length > 20) io.out(`  ... and ${report.problems.length - 20} more\n`);
      if (report.skipped.length > 0)
        io.out(`  ${report.skipped.length} orders left out, e.g. ${report.skipped[0]?.message}\n`);
    }
    return report.rejected === 0 ? 0 : 1;
  } catch (e) {
    return reportFailure(io, 'growthloop import', e, IMPORT_USAGE);
  }
}
