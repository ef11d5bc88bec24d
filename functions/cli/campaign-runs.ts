/**
 * `growthloop campaigns save|list|run|report`: campaigns saved to and run by a running growthloop
 * (local or deployed), through its admin API. `run` follows the run until it is offered (or, with
 * --now on the local runtime, measured), printing each step on stderr.
 */
import { API_OPTIONS, type ApiValues, callAdmin, jsonLine, positiveInt, readJsonFile, segment } from './admin-api';
import { CliError, parseOptions, UsageError } from './command';
import type { Io } from './io';

type Estimate = { estimate: number | null; lower: number; upper: number };
type Report = {
  recallRate: number;
  early?: boolean;
  offersToHoldout?: number;
  lift: {
    status: string;
    reasons: string[];
    treated: { n: number; conversions: number; rate: number };
    holdout: { n: number; conversions: number; rate: number };
    absoluteLift: Estimate;
    relativeLift: Estimate;
    incrementalConversions: Estimate;
    revenue: { currency: string; incremental: { amount: number } } | null;
    incentiveCost: { amount: number; currency: string } | null;
    roi: number | null;
  } | null;
  liftNote?: string | null;
};
type Run = {
  campaignId: string;
  runId: string;
  status: 'selected' | 'offered' | 'reported' | 'failed';
  candidates: number;
  audience: number;
  pages: number;
  measureAt?: string;
  offered?: { treated: number; heldOut: number; offers: number };
  report?: Report;
  error?: string;
};

const pp = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} pp`);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

function formatRun(run: Run): string {
  const lines = [`${run.campaignId} run ${run.runId}: ${run.status}`];
  if (run.status === 'failed') lines.push(`  error: ${run.error ?? 'unknown'}`);
  lines.push(`  audience ${run.audience} of ${run.candidates} candidates, ${run.pages} pages`);
  if (run.offered)
    lines.push(
      `  treated ${run.offered.treated}, held out ${run.offered.heldOut}, offers ${run.offered.offers}${run.measureAt ? `; window ends ${run.measureAt}` : ''}`,
    );
  const report = run.report;
  if (report && !report.lift) lines.push(`  no lift: ${report.liftNote ?? 'no arm to measure'}`);
  if (report?.lift) {
    const lift = report.lift;
    const arm = (name: string, a: { n: number; conversions: number; rate: number }) =>
      `  ${name}: ${a.conversions} of ${a.n} converted (${pct(a.rate)})`;
    lines.push(
      arm('treated', lift.treated),
      arm('holdout', lift.holdout),
      `  recall rate ${pct(report.recallRate)}`,
      `  lift ${pp(lift.absoluteLift.estimate)} (95 % CI ${pp(lift.absoluteLift.lower)} to ${pp(lift.absoluteLift.upper)}), relative ${pct(lift.relativeLift.estimate)}`,
      `  incremental conversions ${lift.incrementalConversions.estimate?.toFixed(1) ?? 'n/a'}${lift.revenue ? `, revenue ${money(lift.revenue.incremental.amount, lift.revenue.currency)}` : ''}`,
      `  incentive cost ${lift.incentiveCost ? money(lift.incentiveCost.amount, lift.incentiveCost.currency) : 'none'}, ROI ${lift.roi === null ? 'n/a' : lift.roi.toFixed(2)}`,
    );
    if (lift.status !== 'ok') lines.push(`  insufficient data: ${lift.reasons.join(', ')}`);
    if (report.early) lines.push('  measured before the attribution window ended (--now)');
    if (report.offersToHoldout) lines.push(`  WARNING: ${report.offersToHoldout} offers reached the holdout`);
  }
  return `${lines.join('\n')}\n`;
}

const runPath = (campaignId: string, runId: string) => `/v1/campaigns/${segment(campaignId)}/runs/${segment(runId)}`;

/** Polls the run until it has ended (reported, failed) or, unless `measured` is wanted, waits for its window. */
async function follow(
  values: ApiValues,
  io: Io,
  campaignId: string,
  runId: string,
  measured: boolean,
  timeoutS: number,
) {
  const until = Date.now() + timeoutS * 1000;
  let said = '';
  for (;;) {
    const run = (await callAdmin(values, 'GET', runPath(campaignId, runId)).catch((e: unknown) => {
      // The run record appears once the state machine has started selecting.
      if (e instanceof CliError && / 404: /.test(e.message)) return undefined;
      throw e;
    })) as Run | undefined;
    if (run && run.status !== said) {
      said = run.status;
      io.err(`${run.status}${run.status === 'selected' ? `: ${run.audience} of ${run.candidates} candidates` : ''}\n`);
    }
    if (run && (run.status === 'reported' || run.status === 'failed' || (run.status === 'offered' && !measured)))
      return run;
    if (Date.now() > until)
      throw new CliError(
        `run ${runId} did not ${measured ? 'end' : 'make its offers'} within ${timeoutS} s; read it later with growthloop campaigns report ${campaignId} ${runId}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export const CAMPAIGN_API_COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  async save(args, io) {
    const { values, positionals } = parseOptions({ args, options: API_OPTIONS, allowPositionals: true });
    if (positionals.length === 0) throw new UsageError('name at least one campaign file');
    const saved: { id: string; updatedAt: string }[] = [];
    for (const file of positionals) {
      const body = readJsonFile(file);
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || id === '') throw new CliError(`${file}: the campaign has no "id"`);
      const answer = (await callAdmin(values, 'PUT', `/v1/campaigns/${segment(id)}`, { json: body }).catch(
        (e: unknown) => {
          throw e instanceof CliError ? new CliError(`${file}: ${e.message}`) : e;
        },
      )) as { updatedAt: string };
      saved.push({ id, updatedAt: answer.updatedAt });
    }
    io.out(values.json ? jsonLine({ saved }) : saved.map((s) => `saved ${s.id} (${s.updatedAt})\n`).join(''));
    return 0;
  },

  async list(args, io) {
    const { values } = parseOptions({ args, options: API_OPTIONS });
    const answer = (await callAdmin(values, 'GET', '/v1/campaigns')) as {
      campaigns: { id: string; name: string; schedule: { cron: string } | null; updatedAt: string }[];
    };
    if (values.json) io.out(jsonLine(answer));
    else if (answer.campaigns.length === 0) io.out('no campaigns\n');
    else
      io.out(
        answer.campaigns
          .map((c) => `${c.id}  ${c.schedule?.cron ?? 'unscheduled'}  ${c.updatedAt}  ${c.name}\n`)
          .join(''),
      );
    return 0;
  },

  async run(args, io) {
    const { values, positionals } = parseOptions({
      args,
      options: {
        ...API_OPTIONS,
        run: { type: 'string' },
        now: { type: 'boolean', default: false },
        'no-wait': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '600' },
      },
      allowPositionals: true,
    });
    const [campaignId, ...extra] = positionals;
    if (campaignId === undefined || extra.length > 0) throw new UsageError('name one campaign id');
    const timeout = positiveInt('--timeout', values.timeout, 86_400) ?? 600;
    const started = (await callAdmin(values, 'POST', `/v1/campaigns/${segment(campaignId)}/runs`, {
      json: { ...(values.run === undefined ? {} : { runId: values.run }), ...(values.now ? { now: true } : {}) },
    })) as { runId: string };
    io.err(`started ${campaignId} run ${started.runId}\n`);
    if (values['no-wait']) {
      io.out(values.json ? jsonLine(started) : `${started.runId}\n`);
      return 0;
    }
    const run = await follow(values, io, campaignId, started.runId, values.now, timeout);
    io.out(values.json ? jsonLine(run) : formatRun(run));
    return run.status === 'failed' ? 1 : 0;
  },

  async report(args, io) {
    const { values, positionals } = parseOptions({ args, options: API_OPTIONS, allowPositionals: true });
    if (positionals.length !== 2) throw new UsageError('name the campaign id and the run id');
    const [campaignId, runId] = positionals as [string, string];
    const run = (await callAdmin(values, 'GET', runPath(campaignId, runId))) as Run;
    io.out(values.json ? jsonLine(run) : formatRun(run));
    return 0;
  },
};
