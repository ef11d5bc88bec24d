import { createHash } from 'node:crypto';
import type { Log, LogFields } from '../ports';

/** The service name of every log line and the namespace of every metric. */
export const SERVICE = 'growthloop';

/**
 * JSON lines on stderr, in the shape Powertools Logger writes in Lambda (level, message,
 * timestamp, service, then the fields), so local logs read and filter alike.
 */
export function jsonLinesLog(
  base: LogFields = {},
  write: (line: string) => void = (l) => process.stderr.write(l),
): Log {
  const line =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      write(
        `${JSON.stringify({ level, message, timestamp: new Date().toISOString(), service: SERVICE, ...base, ...fields })}\n`,
      );
  return { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

/** Discards everything: for benchmarks and simulations that would drown in their own logs. */
export const silentLog: Log = { info() {}, warn() {}, error() {} };

/**
 * An error as log fields, with customer ids in table keys (`<tenant>#C#<customer>`) replaced by a
 * hash: a customer id may be an e-mail address, and logs must hold no personal data.
 */
export function errorFields(error: unknown): LogFields {
  const text = error instanceof Error ? error.message : String(error);
  return {
    error: error instanceof Error ? error.name : typeof error,
    reason: text.replace(/#C#([^\s/]+)/g, (_, id: string) => `#C#~${pseudonym(id)}`),
  };
}

/** A short stable stand-in for an id, to follow one customer through the logs without naming them. */
export const pseudonym = (id: string): string => createHash('sha256').update(id).digest('base64url').slice(0, 10);
