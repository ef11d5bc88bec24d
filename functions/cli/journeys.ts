/**
 * `growthloop journeys schema|validate|backtest`: the journey language as JSON Schema, checks of
 * journey files, and a backtest of journeys over a history of events on a simulated clock.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type BacktestReport, backtest as runBacktest } from '../app/backtest/run';
import { type CanonicalEvent, CanonicalEventInput } from '../core/events/schemas';
import { Journey } from '../core/journeys/schema';
import { validateJourney } from '../core/journeys/validate';
import { jsonPath } from '../core/json-path';
import type { LoyaltySettings } from '../core/loyalty/settings';
import { scoringSettings } from '../core/scoring/settings';
import { readConfig } from '../runtime/config-file';
import { CliError, parseOptions, reportFailure, UsageError, usageText, wantsHelp } from './command';
import { channelList, formatReports, validateFiles } from './definition-files';
import { type Io, processIo } from './io';
import { JOURNEYS, JOURNEYS_USAGE } from './usage';

export { JOURNEYS_USAGE };

/** The journey language as a JSON Schema document (draft 2020-12). */
export function journeySchema(): object {
  return {
    $id: 'https://growthloop.dev/schemas/journey.json',
    title: 'growthloop journey',
    ...z.toJSONSchema(Journey, { io: 'input', unrepresentable: 'any' }),
  };
}

const validateJourneyFiles = (files: readonly string[], channels: readonly string[] | undefined) =>
  validateFiles(files, (input) => validateJourney(input, channels ? { channels } : {}).problems);

/** The history: one canonical event per line; every bad line is reported with its number and JSON path. */
export function readHistory(file: string, tenantId: string): CanonicalEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const events: CanonicalEvent[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      problems.push(`${file}:${i + 1}: not JSON: ${(e as Error).message}`);
      return;
    }
    const parsed = CanonicalEventInput.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push(`${file}:${i + 1}: ${jsonPath('$', issue?.path ?? [])}: ${issue?.message}`);
      return;
    }
    events.push({ ...parsed.data, tenantId } as CanonicalEvent);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).join('\n');
    throw new CliError(`${problems.length} bad lines in the history:\n${shown}${problems.length > 20 ? '\n…' : ''}`);
  }
  return events;
}

function parseTime(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} "${text}" is not a date (YYYY-MM-DD) or an ISO-8601 time`);
  return ms;
}

function parseCouponValues(text: string | undefined): Record<string, number> | undefined {
  if (text === undefined) return undefined;
  const values: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [pool, amount] = pair.split('=');
    if (!pool || !/^\d+$/.test(amount ?? '')) {
      throw new UsageError(`--coupon-values "${pair}" is not POOL=AMOUNT (an amount in minor units)`);
    }
    values[pool] = Number(amount);
  }
  return values;
}

type BacktestValues = {
  events?: string;
  from?: string;
  to?: string;
  config?: string;
  tenant?: string;
  'coupon-values'?: string;
  sends?: boolean;
};

export async function backtest(files: readonly string[], values: BacktestValues, io: Io): Promise<BacktestReport> {
  if (files.length === 0) throw new UsageError('name at least one journey file');
  if (!values.events) throw new UsageError('--events HISTORY.jsonl is required');
  const reports = validateJourneyFiles(files, undefined);
  const invalid = reports.filter((r) => !r.valid);
  if (invalid.length > 0) throw new CliError(`invalid journeys:\n${formatReports(invalid)}`);
  const journeys = files.map((file) => {
    const parsed = validateJourney(JSON.parse(readFileSync(file, 'utf8')));
    // A backtest asks what the journey would do if it were live.
    return { ...(parsed.journey as Journey), status: 'live' as const };
  });
  let tenant: { id: string; currency: string; timezone: string; scoring?: unknown; loyalty?: LoyaltySettings } = {
    id: values.tenant ?? 'backtest',
    currency: 'EUR',
    timezone: 'UTC',
  };
  if (values.config) {
    const config = readConfig(values.config);
    const found = values.tenant ? config.tenants.find((t) => t.id === values.tenant) : config.tenants[0];
    if (!found) throw new CliError(`no tenant "${values.tenant}" in ${values.config}`);
    tenant = found;
  }
  const events = readHistory(values.events, tenant.id);
  io.err(`backtesting ${journeys.length} journeys over ${events.length} events…\n`);
  const from = parseTime(values.from, '--from');
  const to = parseTime(values.to, '--to');
  const couponValues = parseCouponValues(values['coupon-values']);
  const report = await runBacktest({
    journeys,
    events,
    scoring: {
      settings: scoringSettings(tenant.scoring as Parameters<typeof scoringSettings>[0]),
      currency: tenant.currency,
      timeZone: tenant.timezone,
    },
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(couponValues ? { couponValues } : {}),
    ...(tenant.loyalty ? { loyalty: tenant.loyalty } : {}),
  });
  return values.sends ? report : { ...report, sends: [] };
}

function formatBacktest(report: BacktestReport): string {
  const pct = (n: number, of: number) => (of === 0 ? '–' : `${((100 * n) / of).toFixed(1)}%`);
  const kinds = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const lines = [
    `backtest ${report.from} → ${report.to}: ${report.events} events, ${report.customers} customers`,
    '',
    ...Object.entries(report.journeys)
      .sort()
      .flatMap(([id, t]) => [
        `${id}: entered ${t.entered}, converted ${t.converted} (${pct(t.converted, t.entered - t.heldOut)}), completed ${t.completed}, exited ${t.exited}, held out ${t.heldOut}${t.heldOut ? ` (converted ${t.holdoutConverted}, ${pct(t.holdoutConverted, t.heldOut)})` : ''}`,
        `  actions: ${kinds(t.actions)}; coupons: ${kinds(t.coupons)}`,
        ...(Object.keys(t.refused).length ? [`  refused entries: ${kinds(t.refused)}`] : []),
      ]),
    '',
    `actions: ${kinds(report.actions)}`,
    `coupons: ${report.coupons.issued} issued${report.coupons.cost === null ? '' : `, cost ${report.coupons.cost} (minor units)`}`,
  ];
  return `${lines.join('\n')}\n`;
}

const OPTIONS = {
  schema: {},
  validate: {
    channels: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  backtest: {
    json: { type: 'boolean', default: false },
    events: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    config: { type: 'string' },
    tenant: { type: 'string' },
    'coupon-values': { type: 'string' },
    sends: { type: 'boolean', default: false },
  },
} as const;

const isSubcommand = (sub: string): sub is keyof typeof JOURNEYS => Object.hasOwn(JOURNEYS, sub);

/** Runs `journeys ARGS`; returns the exit code (0; 1 when validate finds a problem; 2 when the command cannot run). */
export async function runJourneysCli(args: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  let usage = JOURNEYS_USAGE;
  try {
    if (sub === 'help' || sub === '--help' || sub === '-h') {
      const [topic] = rest;
      io.out(topic !== undefined && isSubcommand(topic) ? usageText([JOURNEYS[topic]]) : JOURNEYS_USAGE);
      return 0;
    }
    if (sub === undefined) throw new UsageError('name a subcommand: schema, validate or backtest');
    if (!isSubcommand(sub)) {
      throw new UsageError(
        sub.startsWith('-') ? `unknown option ${sub}` : `unknown command "${sub}" (schema, validate or backtest)`,
      );
    }
    usage = usageText([JOURNEYS[sub]]);
    if (wantsHelp(rest)) {
      io.out(usage);
      return 0;
    }
    if (sub === 'schema') {
      parseOptions({ args: [...rest], options: OPTIONS.schema });
      io.out(`${JSON.stringify(journeySchema(), null, 2)}\n`);
      return 0;
    }
    if (sub === 'validate') {
      const { values, positionals } = parseOptions({
        args: [...rest],
        options: OPTIONS.validate,
        allowPositionals: true,
      });
      if (positionals.length === 0) throw new UsageError('name at least one journey file');
      const reports = validateJourneyFiles(positionals, channelList(values.channels));
      io.out(values.json ? `${JSON.stringify(reports)}\n` : formatReports(reports));
      return reports.every((r) => r.valid) ? 0 : 1;
    }
    const { values, positionals } = parseOptions({
      args: [...rest],
      options: OPTIONS.backtest,
      allowPositionals: true,
    });
    const report = await backtest(positionals, values, io);
    io.out(values.json ? `${JSON.stringify(report)}\n` : formatBacktest(report));
    return 0;
  } catch (e) {
    return reportFailure(io, 'growthloop journeys', e, usage);
  }
}

/** Entry point for bin/growthloop.ts. */
export function runJourneys(args: readonly string[]): Promise<number> {
  return runJourneysCli(args, processIo);
}
