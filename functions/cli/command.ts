/**
 * What every CLI command shares: the two kinds of failure, the argument parser, --help, and the
 * error report. Exit codes: 0 done, 1 a check failed (journeys validate), 2 the command could
 * not run (bad command line, unreadable or too small input, busy port or data directory).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../runtime/config-file';
import type { Io } from './io';

/** A bad command line: one line, then the command's usage, on stderr; exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command cannot do what was asked (bad input file, too little data, busy port): one line on stderr, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}

/** True when `--help` or `-h` comes before any `--`, whatever else the command line holds. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** node's parseArgs messages, shortened to one line. */
function parseArgsMessage(e: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? e.message}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted ?? e.message}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(e.message)) return `${/--[\w-]+/.exec(quoted ?? '')?.[0] ?? quoted} needs a value`;
      if (/does not take an argument/.test(e.message)) return `${quoted} takes no value`;
      return e.message.split(/\.\s/)[0] ?? e.message;
    default: {
      const first = e.message.split(/\.\s/)[0] ?? e.message;
      return first.charAt(0).toLowerCase() + first.slice(1);
    }
  }
}

export const isParseArgsError = (e: unknown): e is Error & { code: string } =>
  e instanceof Error && /^ERR_PARSE_ARGS/.test(String((e as Error & { code?: unknown }).code));

/** node's parseArgs (strict), its errors as UsageErrors. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (e) {
    if (isParseArgsError(e)) throw new UsageError(parseArgsMessage(e));
    throw e;
  }
}

/** A UsageError for a parseArgs error thrown by code that parses its own arguments. */
export const usageErrorOf = (e: Error & { code: string }): UsageError => new UsageError(parseArgsMessage(e));

/**
 * Reports a failure of the command `name` ("growthloop model") on stderr and returns its exit
 * code; errors the command did not anticipate are thrown on (a bug: the caller prints the stack).
 */
export function reportFailure(io: Io, name: string, e: unknown, usage: string): number {
  if (e instanceof UsageError) {
    io.err(`${name}: ${e.message}\n\n${usage}`);
    return 2;
  }
  if (e instanceof CliError || e instanceof ConfigError) {
    io.err(`${name}: ${e.message}\n`);
    return 2;
  }
  throw e;
}

/** One form of a command: its synopsis line and the indented lines that explain it. */
export interface UsageEntry {
  synopsis: string;
  details: string;
}

/** The usage of a command with subcommands (or of one of them): the entries, then the notes. */
export function usageText(entries: readonly UsageEntry[], notes = ''): string {
  const body = entries.map((e) => `  ${e.synopsis}\n${e.details}`).join('');
  return `Usage:\n${body}${notes ? `\n${notes}` : ''}`;
}
