#!/usr/bin/env -S npx tsx
// The CLI entry: dispatches to the commands in functions/cli (bench: scripts/bench/run.ts).
// Each command answers --help on stdout with exit code 0; a bad command line gets one line and
// the usage on stderr, exit code 2.
import { readFileSync } from 'node:fs';
import { isParseArgsError, reportFailure, UsageError, usageErrorOf, wantsHelp } from '../functions/cli/command';
import { type Io, processIo } from '../functions/cli/io';
import { BENCH_USAGE, mainUsage } from '../functions/cli/usage';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const commands: Record<string, (args: string[], io: Io) => Promise<number>> = {
  start: async (args, io) => (await import('../functions/cli/start')).runStartCli(args, io),
  model: async (args, io) => (await import('../functions/cli/model')).runModelCli(args, io),
  journeys: async (args, io) => (await import('../functions/cli/journeys')).runJourneysCli(args, io),
  campaigns: async (args, io) => (await import('../functions/cli/campaigns')).runCampaignsCli(args, io),
  report: async (args, io) => (await import('../functions/cli/report')).runReportCli(args, io),
  import: async (args, io) => (await import('../functions/cli/import')).runImportCli(args, io),
  export: async (args, io) => (await import('../functions/cli/export')).runExportCli(args, io),
  simulate: async (args, io) => (await import('../functions/cli/simulate')).runSimulateCli(args, io),
  tenants: async (args, io) => (await import('../functions/cli/tenants')).runTenantsCli(args, io),
  quarantine: async (args, io) => (await import('../functions/cli/quarantine')).runQuarantineCli(args, io),
  dlq: async (args, io) => (await import('../functions/cli/dlq')).runDlqCli(args, io),
  templates: async (args, io) => (await import('../functions/cli/templates')).runTemplatesCli(args, io),
  coupons: async (args, io) => (await import('../functions/cli/coupons')).runCouponsCli(args, io),
  bench: async (args, io) => {
    if (wantsHelp(args)) {
      io.out(BENCH_USAGE);
      return 0;
    }
    try {
      const { runBench } = await import('../scripts/bench/run');
      await runBench(args);
      return 0;
    } catch (e) {
      return reportFailure(io, 'growthloop bench', isParseArgsError(e) ? usageErrorOf(e) : e, BENCH_USAGE);
    }
  },
};

async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.out(`${version}\n`);
    return 0;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    const [topic, ...more] = rest;
    if (topic === undefined) {
      io.out(mainUsage(version));
      return 0;
    }
    return main([topic, ...more, '--help'], io);
  }
  const run = command === undefined ? undefined : Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!run) {
    const problem =
      command === undefined
        ? 'name a command'
        : command.startsWith('-')
          ? `unknown option ${command}`
          : `unknown command "${command}"`;
    return reportFailure(io, 'growthloop', new UsageError(problem), mainUsage());
  }
  return run(rest, io);
}

main(process.argv.slice(2), processIo).then(
  (code) => {
    // A command that could not run may leave children (the embedded DynamoDB) holding the loop open.
    if (code !== 0) process.exit(code);
  },
  (e) => {
    process.stderr.write(`growthloop: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  },
);
