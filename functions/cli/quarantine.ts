/**
 * `growthloop quarantine list|replay`: the events parked because they could not be processed, through
 * the admin API of a running growthloop (local or deployed), so that a replay reaches the queues
 * that system reads.
 */
import { CliError, parseOptions, reportFailure, UsageError, usageText, wantsHelp } from './command';
import { type Io, processIo } from './io';
import { QUARANTINE, QUARANTINE_NOTES, QUARANTINE_USAGE } from './usage';

export { QUARANTINE_USAGE };

const API = {
  url: { type: 'string', default: 'http://127.0.0.1:3000' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

type Parked = { id: string; queue: string; reason: string; parkedAt: string };

async function call(values: { url: string; 'admin-key'?: string }, path: string, body?: unknown): Promise<unknown> {
  const key = values['admin-key'] ?? process.env.GROWTHLOOP_ADMIN_KEY;
  if (!key) throw new UsageError('the admin key is needed: --admin-key KEY or GROWTHLOOP_ADMIN_KEY');
  let res: Response;
  try {
    res = await fetch(new URL(path, values.url), {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new CliError(`cannot reach ${values.url}: ${(e as Error).cause ?? (e as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new CliError(`${values.url} answered ${res.status}: ${answer.message ?? res.statusText}`);
  return answer;
}

function formatList(list: { total: number; messages: Parked[] }): string {
  if (list.total === 0) return 'no events in quarantine\n';
  const lines = list.messages.map((m) => `${m.id}  ${m.parkedAt}  ${m.queue}  ${m.reason}\n`);
  const more = list.total > list.messages.length ? `... and ${list.total - list.messages.length} more\n` : '';
  return `${list.total} in quarantine (id, parked at, queue, reason):\n${lines.join('')}${more}`;
}

export async function runQuarantineCli(args: readonly string[], io: Io = processIo): Promise<number> {
  const [sub, ...rest] = args;
  let usage = QUARANTINE_USAGE;
  try {
    if (sub === undefined) throw new UsageError('name a subcommand: list or replay');
    if (sub !== 'list' && sub !== 'replay') {
      if (sub === 'help' || sub === '--help' || sub === '-h') {
        io.out(QUARANTINE_USAGE);
        return 0;
      }
      throw new UsageError(sub.startsWith('-') ? `unknown option ${sub}` : `unknown command "${sub}" (list or replay)`);
    }
    usage = usageText([QUARANTINE[sub]], QUARANTINE_NOTES);
    if (wantsHelp(rest)) {
      io.out(usage);
      return 0;
    }
    if (sub === 'list') {
      const { values } = parseOptions({ args: [...rest], options: API });
      const list = (await call(values, '/v1/quarantine')) as { total: number; messages: Parked[] };
      io.out(values.json ? `${JSON.stringify(list)}\n` : formatList(list));
      return 0;
    }
    const { values, positionals } = parseOptions({
      args: [...rest],
      options: { ...API, all: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    if (values.all === positionals.length > 0) throw new UsageError('name the events to replay, or --all');
    const result = (await call(values, '/v1/quarantine/replay', values.all ? {} : { ids: positionals })) as {
      replayed: string[];
      unknown: string[];
    };
    if (values.json) io.out(`${JSON.stringify(result)}\n`);
    else {
      io.out(`${result.replayed.length} replayed\n`);
      if (result.unknown.length > 0) io.err(`not in quarantine: ${result.unknown.join(', ')}\n`);
    }
    return result.unknown.length > 0 ? 1 : 0;
  } catch (e) {
    return reportFailure(io, `growthloop quarantine${sub ? ` ${sub}` : ''}`, e, usage);
  }
}
