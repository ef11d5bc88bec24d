/**
 * The local channel `npm start` uses when no real provider is configured: every message is one
 * JSON line appended to `<dataDir>/outbox.jsonl` and flushed to disk (fsync) before the send
 * resolves, so a message the dispatcher counts as sent is in the file after a crash.
 * `listOutbox` reads it back, a tenant at a time, for the admin API (`GET /v1/outbox`).
 *
 * Local only: the lines hold what was sent (addresses, subjects, bodies) for the developer to
 * look at. Webhook signing secrets are never written. Given the data keys, every field but the
 * ids is sealed under the customer's key, as events are on the bus: erasing the customer deletes
 * the key, and their lines open to nothing but ids.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IV_BYTES, isSealed, openValue, sealValue, type TraitValue } from '../../core/privacy/sealed';
import type { Clock, DataKeys, OutgoingMessage, SendReceipt } from '../../ports';

export const OUTBOX_FILE = 'outbox.jsonl';
export const OUTBOX_PROVIDER = 'outbox';

/** One line of the outbox: the message as sent (a webhook without its secrets), when, and its id. */
export type OutboxEntry = {
  id: string;
  sentAt: string;
  channel: OutgoingMessage['channel'];
  tenantId: string;
  customerId: string;
  key: string;
  [field: string]: unknown;
};

export type OutboxOptions = { dataDir: string; clock: Clock; dataKeys?: DataKeys };

/** The fields every line keeps in clear: they name the message, not the person. */
const CLEAR_FIELDS = new Set(['id', 'sentAt', 'channel', 'tenantId', 'customerId', 'key', 'signatures']);
const sealedPath = (field: string) => ['outbox', field];

async function sealed(entry: OutboxEntry, dataKeys: DataKeys): Promise<OutboxEntry> {
  const key = await dataKeys.obtain(entry.tenantId, entry.customerId);
  const out: OutboxEntry = { ...entry };
  for (const [field, value] of Object.entries(entry)) {
    if (CLEAR_FIELDS.has(field) || value === undefined) continue;
    out[field] = sealValue(key, randomBytes(IV_BYTES), entry, sealedPath(field), JSON.stringify(value) as TraitValue);
  }
  return out;
}

/** An entry with its sealed fields opened; those whose key is gone (an erased customer) are left out. */
async function opened(entry: OutboxEntry, dataKeys: DataKeys | undefined): Promise<OutboxEntry> {
  if (!Object.values(entry).some(isSealed)) return entry;
  const key = await dataKeys?.find(entry.tenantId, entry.customerId);
  const out: OutboxEntry = { ...entry };
  for (const [field, value] of Object.entries(entry)) {
    if (!isSealed(value)) continue;
    const open = openValue(key, entry, sealedPath(field), value);
    if (open) out[field] = JSON.parse(String(open.value));
    else delete out[field];
  }
  return out;
}
export type Outbox = { send(message: OutgoingMessage): Promise<SendReceipt> };

/**
 * Appends are serialised per file within the process, so lines never interleave; the lines that
 * arrive while one append is under way go together in the next (one write and one fsync for all
 * of them), so that sends do not queue behind each other's fsync.
 */
const tails = new Map<string, Promise<unknown>>();
const gathering = new Map<string, { lines: string[]; written: Promise<void> }>();

function appendInTurn(dataDir: string, path: string, line: string): Promise<void> {
  let batch = gathering.get(path);
  if (!batch) {
    const lines: string[] = [];
    const previous = tails.get(path) ?? Promise.resolve();
    const written = previous
      .catch(() => {})
      .then(() => {
        gathering.delete(path);
        return appendLine(dataDir, path, lines.join(''));
      });
    batch = { lines, written };
    gathering.set(path, batch);
    tails.set(path, written);
    void written
      .finally(() => {
        if (tails.get(path) === written) tails.delete(path);
      })
      .catch(() => {});
  }
  batch.lines.push(line);
  return batch.written;
}

function entryOf(message: OutgoingMessage, id: string, sentAt: string): OutboxEntry {
  const { channel, tenantId, customerId, key } = message;
  const head = { id, sentAt, channel, tenantId, customerId, key };
  switch (message.channel) {
    case 'email': {
      const { to, from, subject, text, html, unsubscribeUrl } = message;
      return { ...head, to, from, subject, text, html, unsubscribeUrl };
    }
    case 'sms': {
      const { to, body, originator } = message;
      return { ...head, to, body, originator };
    }
    case 'push': {
      const { endpoint, title, body, data } = message;
      return { ...head, endpoint, title, body, data };
    }
    case 'webhook': {
      const { url, body } = message;
      return { ...head, url, body, signatures: message.secrets.length };
    }
    case 'wechat_miniprogram': {
      const { to, templateId, page, data, state, lang } = message;
      return { ...head, to, templateId, page, data, state, lang };
    }
    case 'wechat_oa': {
      const { to, templateId, url, miniprogram, data } = message;
      return { ...head, to, templateId, url, miniprogram, data };
    }
    case 'wecom': {
      const { to, sender, text } = message;
      return { ...head, to, sender, text };
    }
  }
}

export function createOutbox(options: OutboxOptions): Outbox {
  const path = join(options.dataDir, OUTBOX_FILE);
  return {
    async send(message) {
      const id = randomUUID();
      const entry = entryOf(message, id, new Date(options.clock.now()).toISOString());
      const line = `${JSON.stringify(options.dataKeys ? await sealed(entry, options.dataKeys) : entry)}\n`;
      await appendInTurn(options.dataDir, path, line);
      return { provider: OUTBOX_PROVIDER, providerMessageId: id };
    },
  };
}

async function appendLine(dataDir: string, path: string, line: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const handle = await open(path, 'a+');
  try {
    // a line torn by a crash mid-append is closed off, so it cannot swallow this one
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    const torn = size > 0 && (await handle.read(last, 0, 1, size - 1)).bytesRead === 1 && last[0] !== 10;
    const bytes = Buffer.from(torn ? `\n${line}` : line, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export type OutboxQuery = {
  tenantId: string;
  /** At most this many entries (1–1000); default 100. */
  limit?: number;
  /** The `next` cursor of the page before: entries after it. Absent: from the oldest. */
  after?: string;
};

/** Entries oldest first; `next` is there when the page was cut at `limit` (more may follow). */
export type OutboxPage = { items: OutboxEntry[]; next?: string };

export class OutboxCursorError extends Error {
  constructor(cursor: string) {
    super(`not an outbox cursor: ${JSON.stringify(cursor)}`);
    this.name = 'OutboxCursorError';
  }
}

/**
 * One tenant's outbox entries, oldest first. The cursor is the byte offset of the next line,
 * so paging reads from there rather than from the top. A torn last line (a crash mid-append) and
 * lines that are not entries are skipped.
 */
export async function listOutbox(dataDir: string, query: OutboxQuery, dataKeys?: DataKeys): Promise<OutboxPage> {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new RangeError(`limit must be an integer in 1..1000, not ${limit}`);
  let start = 0;
  if (query.after !== undefined) {
    if (!/^\d{1,15}$/.test(query.after)) throw new OutboxCursorError(query.after);
    start = Number(query.after);
  }
  const path = join(dataDir, OUTBOX_FILE);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { items: [] };
    throw error;
  }
  if (start >= size) return { items: [] };

  const items: OutboxEntry[] = [];
  let offset = start;
  let pending: Buffer[] = [];
  // reads only what was there when listing began: appends meanwhile wait for the next page
  const stream = createReadStream(path, { start, end: size - 1 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (let newline = chunk.indexOf(10, from); newline !== -1; newline = chunk.indexOf(10, from)) {
        pending.push(chunk.subarray(from, newline));
        const line = Buffer.concat(pending);
        pending = [];
        offset += line.length + 1;
        from = newline + 1;
        const entry = parseEntry(line);
        if (entry && entry.tenantId === query.tenantId) {
          items.push(await opened(entry, dataKeys));
          if (items.length === limit) return { items, next: String(offset) };
        }
      }
      if (from < chunk.length) pending.push(chunk.subarray(from));
    }
  } finally {
    stream.destroy();
  }
  return { items };
}

function parseEntry(line: Buffer): OutboxEntry | undefined {
  try {
    const value: unknown = JSON.parse(line.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const entry = value as Record<string, unknown>;
    const strings = ['id', 'sentAt', 'channel', 'tenantId', 'customerId', 'key'];
    return strings.every((field) => typeof entry[field] === 'string') ? (entry as OutboxEntry) : undefined;
  } catch {
    return undefined;
  }
}
