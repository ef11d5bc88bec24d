// The real CLI (bin/growthloop.ts through tsx): --version, --help on every command and
// subcommand, and one-line errors with the usage for bad command lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/runtime-cli';

const ROOT = join(import.meta.dirname, '../..');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** Every command and subcommand, with the synopsis its help starts with. */
const COMMANDS: [string[], string][] = [
  [['start'], 'growthloop start [--config FILE]'],
  [['bench'], 'growthloop bench [--only PREFIX]'],
  [['model'], 'growthloop model fit --transactions FILE'],
  [['model', 'fit'], 'growthloop model fit --transactions FILE'],
  [['model', 'evaluate'], 'growthloop model evaluate --transactions FILE'],
  [['journeys'], 'growthloop journeys schema'],
  [['journeys', 'schema'], 'growthloop journeys schema'],
  [['journeys', 'validate'], 'growthloop journeys validate FILE...'],
  [['journeys', 'backtest'], 'growthloop journeys backtest FILE...'],
  [['report'], 'growthloop report --from DATE --to DATE'],
  [['import'], 'growthloop import FILE'],
  [['campaigns'], 'growthloop campaigns schema'],
  [['campaigns', 'schema'], 'growthloop campaigns schema'],
  [['campaigns', 'validate'], 'growthloop campaigns validate FILE...'],
  [['campaigns', 'run', '--help'], 'growthloop campaigns run ID [--run RUN] [--now]'],
  [['simulate'], 'growthloop simulate --customers N --days D --seed S'],
];

describe('growthloop --version', () => {
  it.each(['--version', '-v'])('%s prints the package.json version', (flag) => {
    expect(runCli([flag])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('growthloop --help', () => {
  it('lists every command and subcommand', () => {
    const { status, stdout, stderr } = runCli(['--help']);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(`growthloop ${version}`);
    for (const [, synopsis] of COMMANDS) expect(stdout).toContain(`  ${synopsis}`);
    expect(stdout).toContain('growthloop --version');
    expect(runCli(['-h']).stdout).toBe(stdout);
    expect(runCli(['help']).stdout).toBe(stdout);
  });

  it.each(COMMANDS.flatMap(([command, synopsis]) => ['--help', '-h'].map((flag) => [[...command, flag], synopsis])))(
    '%j prints its usage on stdout with exit code 0',
    (args, synopsis) => {
      const { status, stdout, stderr } = runCli(args as string[]);
      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect(stdout.startsWith(`Usage:\n  ${synopsis}`)).toBe(true);
    },
  );

  it('a subcommand help names only that subcommand; --help wins over the other arguments', () => {
    const fit = runCli(['model', 'fit', '--transactions', '/nonexistent', '--bogus', '--help']);
    expect(fit.status).toBe(0);
    expect(fit.stdout).toContain('growthloop model fit');
    expect(fit.stdout).not.toContain('growthloop model evaluate');
    expect(fit.stdout).toContain('CSV customer_id,date,amount');
    expect(runCli(['help', 'model', 'fit']).stdout).toBe(fit.stdout);
    expect(runCli(['journeys', 'validate', 'x.json', '-h']).stdout).not.toContain('backtest');
  });
});

describe('bad command lines: one line, then the usage, on stderr; exit code 2', () => {
  it.each([
    [['frobnicate'], 'growthloop: unknown command "frobnicate"', 'growthloop start'],
    [['--frobnicate'], 'growthloop: unknown option --frobnicate', 'growthloop start'],
    [[], 'growthloop: name a command', 'growthloop start'],
    [['start', '--bogus'], 'growthloop: unknown option --bogus', 'growthloop start'],
    [['start', '--port', 'x'], 'growthloop: --port must be 0-65535, not x', 'growthloop start'],
    [['start', 'extra'], 'growthloop: unexpected argument "extra"', 'growthloop start'],
    [['bench', '--bogus'], 'growthloop bench: unknown option --bogus', 'growthloop bench'],
    [['model'], 'growthloop model: name a subcommand: fit or evaluate', 'growthloop model fit'],
    [['model', 'frobnicate'], 'growthloop model: unknown command "frobnicate" (fit or evaluate)', 'growthloop model'],
    [['model', 'fit', '--bogus'], 'growthloop model: unknown option --bogus', 'growthloop model fit'],
    [['model', 'fit', '--transactions'], 'growthloop model: --transactions needs a value', 'growthloop model fit'],
    [['model', 'evaluate', '--json=1'], 'growthloop model: --json takes no value', 'growthloop model evaluate'],
    [['model', 'fit', 'extra.csv'], 'growthloop model: unexpected argument "extra.csv"', 'growthloop model fit'],
    [['journeys'], 'growthloop journeys: name a subcommand: schema, validate or backtest', 'growthloop journeys'],
    [['journeys', 'frobnicate'], 'growthloop journeys: unknown command "frobnicate"', 'growthloop journeys'],
    [['journeys', 'schema', '--bogus'], 'growthloop journeys: unknown option --bogus', 'growthloop journeys schema'],
    [['journeys', 'validate'], 'growthloop journeys: name at least one journey file', 'growthloop journeys validate'],
    [['report'], 'growthloop report: --from DATE and --to DATE are required', 'growthloop report'],
    [['import'], 'growthloop import: name the file to import', 'growthloop import'],
    [
      ['campaigns'],
      'growthloop campaigns: name a subcommand: schema, validate, save, list, run or report',
      'growthloop campaigns',
    ],
    [
      ['campaigns', 'validate'],
      'growthloop campaigns: name at least one campaign file',
      'growthloop campaigns validate',
    ],
    [
      ['campaigns', 'validate', 'x.json', '--audience', '1000'],
      'growthloop campaigns: --audience and --base-rate go together',
      'growthloop campaigns validate',
    ],
    [
      ['campaigns', 'validate', 'x.json', '--audience', '1000', '--base-rate', '4'],
      'growthloop campaigns: --base-rate must be a rate between 0 and 1, got "4"',
      'growthloop campaigns validate',
    ],
    [
      ['journeys', 'backtest', 'x.json'],
      'growthloop journeys: --events HISTORY.jsonl is required',
      'growthloop journeys',
    ],
    [
      ['simulate', '--customers', 'lots', '--days', '30', '--seed', '1'],
      'growthloop simulate: --customers must be a whole number from 1 to 1000000, not "lots"',
      'growthloop simulate --customers N',
    ],
  ])('%j', (args, message, usage) => {
    const { status, stdout, stderr } = runCli(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    const [first, blank, ...rest] = stderr.split('\n');
    expect(first).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(blank).toBe('');
    expect(rest[0]).toBe('Usage:');
    expect(rest.join('\n')).toContain(usage);
    expect(stderr).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace
  });
});
