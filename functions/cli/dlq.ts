/**
 * `growthloop dlq list|redrive`: the dead-lettered actions (the quarantine's entries of the queue
 * `actions`: a provider refused them, or they kept failing until their retries ran out), through
 * the admin API of a running growthloop; a redrive sends them back to the actions queue, each once.
 */
import { API_OPTIONS, callAdmin, jsonLine, runSubcommands } from './admin-api';
import { parseOptions, UsageError } from './command';
import { type Io, processIo } from './io';
import { API_NOTES, DLQ, DLQ_USAGE } from './usage';

export { DLQ_USAGE };

const QUEUE = 'actions';

type Parked = { id: string; queue: string; reason: string; parkedAt: string; body: string };

/** What a parked action names (its customer, journey and kind), as far as its body says. */
function describeAction(body: string): string {
  try {
    const m = JSON.parse(body) as { customerId?: unknown; journeyId?: unknown; action?: { kind?: unknown } };
    return [m.customerId, m.journeyId, m.action?.kind].map((v) => (typeof v === 'string' ? v : '-')).join('  ');
  } catch {
    return '-  -  -';
  }
}

function formatList(list: { total: number; messages: Parked[] }): string {
  if (list.total === 0) return 'no dead-lettered actions\n';
  const lines = list.messages.map((m) => `${m.id}  ${m.parkedAt}  ${describeAction(m.body)}  ${m.reason}\n`);
  const more = list.total > list.messages.length ? `... and ${list.total - list.messages.length} more\n` : '';
  return `${list.total} dead-lettered actions (id, parked at, customer, journey, kind, reason):\n${lines.join('')}${more}`;
}

export function runDlqCli(args: readonly string[], io: Io = processIo): Promise<number> {
  return runSubcommands('dlq', args, io, {
    entries: DLQ,
    notes: API_NOTES,
    run: {
      async list(rest) {
        const { values } = parseOptions({ args: rest, options: API_OPTIONS });
        const list = (await callAdmin(values, 'GET', `/v1/quarantine?queue=${QUEUE}`)) as {
          total: number;
          messages: Parked[];
        };
        io.out(values.json ? jsonLine(list) : formatList(list));
        return 0;
      },
      async redrive(rest) {
        const { values, positionals } = parseOptions({
          args: rest,
          options: { ...API_OPTIONS, all: { type: 'boolean', default: false } },
          allowPositionals: true,
        });
        if (values.all === positionals.length > 0) throw new UsageError('name the actions to redrive, or --all');
        const result = (await callAdmin(values, 'POST', `/v1/quarantine/replay?queue=${QUEUE}`, {
          json: values.all ? {} : { ids: positionals },
        })) as { replayed: string[]; unknown: string[] };
        if (values.json) io.out(jsonLine(result));
        else {
          io.out(`${result.replayed.length} sent back to the actions queue\n`);
          if (result.unknown.length > 0) io.err(`not dead-lettered actions: ${result.unknown.join(', ')}\n`);
        }
        return result.unknown.length > 0 ? 1 : 0;
      },
    },
  });
}
