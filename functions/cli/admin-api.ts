/**
 * What the CLI commands that work through the admin API of a running growthloop (local or deployed)
 * share: the options that name it (--url, --admin-key or GROWTHLOOP_ADMIN_KEY, --json) and one
 * call, whose refusals become one-line CliErrors (with the problems the API listed, one a line).
 */
import { readFileSync } from 'node:fs';
import { CliError, reportFailure, type UsageEntry, UsageError, usageText, wantsHelp } from './command';
import type { Io } from './io';

export const API_OPTIONS = {
  url: { type: 'string', default: 'http://127.0.0.1:3000' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export type ApiValues = { url: string; 'admin-key'?: string | undefined };

type Refusal = { message?: string; path?: string | null; problems?: { path?: string; message?: string }[] };

/** The problems of a refusal, one a line (the first 20), as `  path: message`. */
function problemLines(body: Refusal): string {
  const problems = Array.isArray(body.problems) ? body.problems : [];
  if (problems.length <= 1) return '';
  const lines = problems.slice(0, 20).map((p) => `\n  ${p.path ? `${p.path}: ` : ''}${p.message ?? ''}`);
  const more = problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : '';
  return `${lines.join('')}${more}`;
}

/** One admin API call: the answer's JSON, or a CliError naming the status and the API's message. */
export async function callAdmin(
  values: ApiValues,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: { json: unknown } | { text: string; contentType: string },
): Promise<unknown> {
  const key = values['admin-key'] ?? process.env.GROWTHLOOP_ADMIN_KEY;
  if (!key) throw new UsageError('the admin key is needed: --admin-key KEY or GROWTHLOOP_ADMIN_KEY');
  let url: URL;
  try {
    url = new URL(path, values.url);
  } catch {
    throw new UsageError(`--url ${values.url} is not a URL`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'json' in body ? 'application/json' : body.contentType }),
      },
      ...(body === undefined ? {} : { body: 'json' in body ? JSON.stringify(body.json) : body.text }),
    });
  } catch (e) {
    throw new CliError(`cannot reach ${values.url}: ${(e as Error).cause ?? (e as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as Refusal;
  if (!res.ok)
    throw new CliError(
      `${values.url} answered ${res.status}: ${answer.message ?? res.statusText}${problemLines(answer)}`,
    );
  return answer;
}

/** A file's text, or a CliError that names it. */
export function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new CliError(`${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** A JSON file's value, or a CliError that names it. */
export function readJsonFile(file: string): unknown {
  const text = readInput(file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/** A path segment for an id from the command line. */
export const segment = (id: string): string => encodeURIComponent(id);

/** `text` as a positive integer within `max`, or a UsageError naming `option`. */
export function positiveInt(option: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new UsageError(`${option} is an integer from 1 to ${max}`);
  return Number(text);
}

/** The JSON report, one document a line. */
export const jsonLine = (value: unknown): string => `${JSON.stringify(value)}\n`;

/**
 * A command of subcommands that talk to the admin API (`growthloop templates list`): help for the
 * command or a subcommand, a usage error (exit code 2) for an unknown or missing one, and the
 * failure report of the subcommand that ran.
 */
export async function runSubcommands(
  command: string,
  args: readonly string[],
  io: Io,
  spec: {
    entries: Record<string, UsageEntry>;
    notes: string;
    run: Record<string, (args: string[]) => Promise<number>>;
  },
): Promise<number> {
  const [sub, ...rest] = args;
  const names = Object.keys(spec.entries);
  const all = usageText(Object.values(spec.entries), spec.notes);
  const choice = names.length === 2 ? names.join(' or ') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  let usage = all;
  try {
    if (sub === undefined) throw new UsageError(`name a subcommand: ${choice}`);
    if (sub === 'help' || sub === '--help' || sub === '-h') {
      io.out(all);
      return 0;
    }
    const entry = Object.hasOwn(spec.entries, sub) ? spec.entries[sub] : undefined;
    const run = Object.hasOwn(spec.run, sub) ? spec.run[sub] : undefined;
    if (!entry || !run)
      throw new UsageError(sub.startsWith('-') ? `unknown option ${sub}` : `unknown command "${sub}" (${choice})`);
    usage = usageText([entry], spec.notes);
    if (wantsHelp(rest)) {
      io.out(usage);
      return 0;
    }
    return await run(rest);
  } catch (e) {
    return reportFailure(io, `growthloop ${command}${sub ? ` ${sub}` : ''}`, e, usage);
  }
}
