import type { Log, LogFields } from '../ports';

/** JSON lines on stderr, the shape Powertools Logger writes in Lambda, so local logs read alike. */
export function jsonLinesLog(
  base: LogFields = {},
  write: (line: string) => void = (l) => process.stderr.write(l),
): Log {
  const line =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      write(`${JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...base, ...fields })}\n`);
  return { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

/** Discards everything: for benchmarks and simulations that would drown in their own logs. */
export const silentLog: Log = { info() {}, warn() {}, error() {} };
