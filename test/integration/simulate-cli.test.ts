import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacktestReport } from '../../functions/app/backtest/run';
import { runJourneysCli } from '../../functions/cli/journeys';
import { runSimulateCli } from '../../functions/cli/simulate';
import { CanonicalEventInput } from '../../functions/core/events/schemas';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'growthloop-simulate-'));

function capture() {
  const io = { stdout: '', stderr: '' };
  return {
    io,
    sink: {
      out: (t: string) => {
        io.stdout += t;
      },
      err: (t: string) => {
        io.stderr += t;
      },
    },
  };
}

/** The history alone (--history-only): the pipeline's run is in test/e2e/simulate-pipeline.test.ts. */
async function simulate(args: string[]) {
  const { io, sink } = capture();
  const code = await runSimulateCli(['--history-only', ...args], sink);
  return { code, ...io };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('growthloop simulate', () => {
  it("writes N customers' canonical events to --out, in time order, with a summary on stderr", async () => {
    const out = join(dir, 'history.jsonl');
    const { code, stdout, stderr } = await simulate([
      '--customers',
      '120',
      '--days',
      '90',
      '--seed',
      '7',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const events = lines(readFileSync(out, 'utf8')).map((l) => JSON.parse(l));
    for (const event of events) expect(CanonicalEventInput.safeParse(event).success).toBe(true);
    expect(new Set(events.map((e) => e.customerId)).size).toBe(120);
    const times = events.map((e) => e.occurredAt);
    expect(times).toEqual([...times].sort());
    const orders = events.filter((e) => e.type === 'order_placed').length;
    expect(stderr).toMatch(
      new RegExp(
        `^simulated 120 customers over 90 days from 2025-01-01T00:00:00.000Z \\(seed 7\\): ${events.length} events, ${orders} orders, \\d+ repeat buyers, \\d+ alive at the end → ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n$`,
      ),
    );
  });

  it('the same seed writes the same bytes, to a file or stdout; another seed writes others', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const args = ['--customers', '80', '--days', '60', '--seed', '11', '--start', '2026-03-01', '--currency', 'USD'];
    expect((await simulate([...args, '--out', a])).code).toBe(0);
    expect((await simulate([...args, '--out', b])).code).toBe(0);
    const text = readFileSync(a, 'utf8');
    expect(readFileSync(b, 'utf8')).toBe(text);
    expect(text).toContain('"currency":"USD"');
    expect(lines(text)[0]).toMatch(/"occurredAt":"2026-03-0/);
    const toStdout = await simulate(args);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(text);
    const other = await simulate(['--customers', '80', '--days', '60', '--seed', '12', '--start', '2026-03-01']);
    expect(other.stdout).not.toBe(text);
  });

  it('--json with --out prints the summary as one JSON document on stdout', async () => {
    const out = join(dir, 'json.jsonl');
    const { code, stdout } = await simulate([
      '--customers',
      '50',
      '--days',
      '30',
      '--seed',
      '1',
      '--out',
      out,
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ customers: 50, days: 30, seed: 1, currency: 'EUR', out });
    expect(report.events).toBe(lines(readFileSync(out, 'utf8')).length);
    expect(report.orders).toBeGreaterThanOrEqual(50);
    expect(report.aliveAtEnd).toBeLessThanOrEqual(50);
  });

  it('a large run reports its progress every 10 % of the period on stderr', async () => {
    const out = join(dir, 'large.jsonl');
    const { code, stderr } = await simulate(['--customers', '10000', '--days', '14', '--seed', '2', '--out', out]);
    expect(code).toBe(0);
    const progress = stderr.split('\n').filter((l) => l.startsWith('simulate: '));
    expect(progress.map((l) => /^simulate: (\d+) %/.exec(l)?.[1])).toEqual([
      '10',
      '20',
      '30',
      '40',
      '50',
      '60',
      '70',
      '80',
      '90',
    ]);
  });

  it.each([
    [[], '--customers is required'],
    [['--customers', '10', '--days', '30'], '--seed is required'],
    [
      ['--customers', '0', '--days', '30', '--seed', '1'],
      '--customers must be a whole number from 1 to 1000000, not "0"',
    ],
    [['--customers', '2.5', '--days', '30', '--seed', '1'], '--customers must be a whole number'],
    [['--customers', '10', '--days', '1e3', '--seed', '1'], '--days must be a whole number from 1 to 3650, not "1e3"'],
    [['--customers', '10', '--days', '30', '--seed', 'x'], '--seed must be a whole number from 0 to 4294967295'],
    [['--customers', '10', '--days', '30', '--seed', '1', '--start', 'soon'], '--start "soon" is not a date'],
    [
      ['--customers', '10', '--days', '30', '--seed', '1', '--start', '1999-12-31'],
      '--start "1999-12-31" is not a date (YYYY-MM-DD) or an ISO-8601 time from 2000',
    ],
    [['--customers', '10', '--days', '30', '--seed', '1', '--currency', 'eur'], '--currency must be an ISO 4217 code'],
    [['--customers', '10', '--days', '30', '--seed', '1', '--json'], '--json needs --out FILE'],
    [['--customers', '10', '--days', '30', '--seed', '1', '--bogus'], 'unknown option --bogus'],
    [['--customers', '10', '--days', '30', '--seed', '1', 'extra'], 'unexpected argument "extra"'],
    [
      ['--customers', '10', '--days', '30', '--seed', '1', '--effect', '5'],
      '--effect plays through the pipeline: it does not go with --history-only',
    ],
  ])('%j exits 2 with one line and the usage', async (args, message) => {
    const { code, stdout, stderr } = await simulate(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const [first, blank, usage] = stderr.split('\n');
    expect(first?.startsWith(`growthloop simulate: ${message}`)).toBe(true);
    expect(blank).toBe('');
    expect(usage).toBe('Usage:');
  });

  it('an --out it cannot write exits 2 with one line', async () => {
    const blocked = join(dir, 'a-directory');
    mkdirSync(blocked, { recursive: true });
    const { code, stderr } = await simulate(['--customers', '5', '--days', '30', '--seed', '1', '--out', blocked]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^growthloop simulate: cannot write .*a-directory: .*\n$/);
  });

  it('journeys backtest reads the simulated history', async () => {
    const out = join(dir, 'backtest.jsonl');
    expect((await simulate(['--customers', '150', '--days', '120', '--seed', '3', '--out', out])).code).toBe(0);
    const { io, sink } = capture();
    const journey = join(ROOT, 'examples/journeys/winback-no-login.json');
    const code = await runJourneysCli(['backtest', journey, '--events', out, '--json'], sink);
    expect(io.stderr).not.toContain('bad lines');
    expect(code).toBe(0);
    const report = JSON.parse(io.stdout) as BacktestReport;
    expect(report.customers).toBe(150);
    expect(report.events).toBe(lines(readFileSync(out, 'utf8')).length);
    expect(report.journeys['winback-no-login']?.entered).toBeGreaterThan(0);
  }, 60_000);
});
