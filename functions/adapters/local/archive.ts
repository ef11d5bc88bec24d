// The local counterpart of the bus's EventBridge archive: the ingested events' envelopes, as the bus
// delivered them (personal fields sealed), one JSON line each in a file per UTC day of receipt,
// kept for a year. `growthloop export --events` reads them back.
import { appendFileSync, createReadStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Clock } from '../../ports';
import type { EventEnvelope } from './bus';

/** As long as the AWS archive keeps events (lib/event-bus.ts). */
export const ARCHIVE_RETENTION_DAYS = 365;
const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAY_MS = 86_400_000;

export interface LocalArchive {
  /** Appends the envelopes before they are delivered: an event the bus took is in the archive. */
  record(envelopes: readonly EventEnvelope[]): void;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The archive in `dir`; days older than the retention are removed when it is opened. */
export function openLocalArchive(options: { dir: string; clock: Clock }): LocalArchive {
  const { dir, clock } = options;
  mkdirSync(dir, { recursive: true });
  const oldest = dayOf(clock.now() - ARCHIVE_RETENTION_DAYS * DAY_MS);
  for (const name of readdirSync(dir)) {
    const day = DAY_FILE.exec(name)?.[1];
    if (day !== undefined && day < oldest) rmSync(join(dir, name), { force: true });
  }
  return {
    record(envelopes) {
      if (envelopes.length === 0) return;
      const lines = envelopes.map((e) => `${JSON.stringify(e)}\n`).join('');
      appendFileSync(join(dir, `${dayOf(clock.now())}.jsonl`), lines);
    },
  };
}

/**
 * The archived envelopes (JSON lines, unparsed) received on or after the UTC day of `since`, oldest
 * day first. A line being written while this reads may come cut short: the reader judges each line.
 */
export async function* readLocalArchive(dir: string, since?: number): AsyncGenerator<string> {
  if (!existsSync(dir)) return;
  const first = since === undefined ? '' : dayOf(since);
  const days = readdirSync(dir)
    .map((name) => DAY_FILE.exec(name)?.[1])
    .filter((day): day is string => day !== undefined && day >= first)
    .sort();
  for (const day of days) {
    const lines = createInterface({ input: createReadStream(join(dir, `${day}.jsonl`)), crlfDelay: Infinity });
    for await (const line of lines) if (line !== '') yield line;
  }
}
