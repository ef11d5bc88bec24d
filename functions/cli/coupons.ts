/**
 * `growthloop coupons create|list|stats|upload|generate`: the tenant's coupon pools, through the
 * admin API of a running growthloop (local or deployed).
 */

import type { PoolStats as Stats } from '../app/coupons/pools';
import {
  API_OPTIONS,
  callAdmin,
  jsonLine,
  positiveInt,
  readInput,
  readJsonFile,
  runSubcommands,
  segment,
} from './admin-api';
import { CliError, parseOptions, UsageError } from './command';
import { type Io, processIo } from './io';
import { API_NOTES, COUPONS, COUPONS_USAGE } from './usage';

export { COUPONS_USAGE };

type Pool = {
  pool: { id: string; kind: string; name?: string; value: { type: string } };
  createdAt: string;
  pending?: { batch: string };
  stats: Stats;
};

const MAX_GENERATE = 1_000_000;

function formatStats(p: Pool): string {
  const s = p.stats;
  return (
    `${p.pool.id} (${p.pool.kind}, ${p.pool.value.type})${p.pool.name ? `: ${p.pool.name}` : ''}\n` +
    `  codes ${s.size}, issued ${s.issued}, available ${s.available}, redeemed ${s.redeemed}, voided ${s.voided}\n` +
    `  wasted ${s.wasted}, refused exhausted ${s.exhaustedAttempts}, refused over budget ${s.budgetRefusals}, spent ${s.spent}\n` +
    (p.pending ? `  a batch of codes was cut short (${p.pending.batch}): send it again to finish it\n` : '')
  );
}

function formatList(pools: Pool[]): string {
  if (pools.length === 0) return 'no coupon pools\n';
  const lines = pools.map(
    (p) =>
      `${p.pool.id}  ${p.pool.kind}  ${p.stats.size}  ${p.stats.issued}  ${p.stats.available}  ${p.stats.redeemed}\n`,
  );
  return `${pools.length} coupon pools (id, kind, codes, issued, available, redeemed):\n${lines.join('')}`;
}

/** The upload body of FILE: JSON (a list, or {codes}) when it holds JSON, else the CSV file as it is. */
function uploadBody(file: string): { json: unknown } | { text: string; contentType: string } {
  const text = readInput(file);
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return { text, contentType: 'text/csv' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  return { json: Array.isArray(value) ? { codes: value } : value };
}

/** One pool id and nothing else, from the positionals. */
function poolOf(positionals: string[], usage: string, extra = 0): string[] {
  if (positionals.length < 1 + extra) throw new UsageError(`name ${usage}`);
  if (positionals.length > 1 + extra) throw new UsageError(`unexpected argument "${positionals[1 + extra]}"`);
  return positionals;
}

export function runCouponsCli(args: readonly string[], io: Io = processIo): Promise<number> {
  return runSubcommands('coupons', args, io, {
    entries: COUPONS,
    notes: API_NOTES,
    run: {
      async create(rest) {
        const { values, positionals } = parseOptions({ args: rest, options: API_OPTIONS, allowPositionals: true });
        const [file] = poolOf(positionals, 'the settings file: growthloop coupons create FILE') as [string];
        const answer = (await callAdmin(values, 'POST', '/v1/coupon-pools', { json: readJsonFile(file) })) as Pool & {
          created: boolean;
        };
        io.out(
          values.json
            ? jsonLine(answer)
            : `coupon pool ${answer.pool.id} ${answer.created ? 'created' : 'exists already with these settings'}\n`,
        );
        return 0;
      },
      async list(rest) {
        const { values } = parseOptions({ args: rest, options: API_OPTIONS });
        const answer = (await callAdmin(values, 'GET', '/v1/coupon-pools')) as { pools: Pool[] };
        io.out(values.json ? jsonLine(answer) : formatList(answer.pools));
        return 0;
      },
      async stats(rest) {
        const { values, positionals } = parseOptions({ args: rest, options: API_OPTIONS, allowPositionals: true });
        const [pool] = poolOf(positionals, 'the pool: growthloop coupons stats POOL') as [string];
        const answer = (await callAdmin(values, 'GET', `/v1/coupon-pools/${segment(pool)}`)) as Pool;
        io.out(values.json ? jsonLine(answer) : formatStats(answer));
        return 0;
      },
      async upload(rest) {
        const { values, positionals } = parseOptions({ args: rest, options: API_OPTIONS, allowPositionals: true });
        const [pool, file] = poolOf(positionals, 'the pool and the file: growthloop coupons upload POOL FILE', 1) as [
          string,
          string,
        ];
        const answer = (await callAdmin(
          values,
          'POST',
          `/v1/coupon-pools/${segment(pool)}/codes`,
          uploadBody(file),
        )) as {
          added: number;
          size: number;
        };
        io.out(values.json ? jsonLine(answer) : `${answer.added} codes added to ${pool} (${answer.size} in all)\n`);
        return 0;
      },
      async generate(rest) {
        const { values, positionals } = parseOptions({
          args: rest,
          options: { ...API_OPTIONS, count: { type: 'string' } },
          allowPositionals: true,
        });
        const [pool] = poolOf(positionals, 'the pool: growthloop coupons generate POOL') as [string];
        const count = positiveInt('--count', values.count, MAX_GENERATE);
        const answer = (await callAdmin(values, 'POST', `/v1/coupon-pools/${segment(pool)}/generate`, {
          json: count === undefined ? {} : { count },
        })) as { added: number; size: number };
        io.out(
          values.json ? jsonLine(answer) : `${answer.added} codes generated for ${pool} (${answer.size} in all)\n`,
        );
        return 0;
      },
    },
  });
}
