import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacktestReport } from '../../functions/app/backtest/run';
import { runJourneysCli } from '../../functions/cli/journeys';
import { shopHistory } from '../../scripts/workload';

const ROOT = join(import.meta.dirname, '../..');
const EXAMPLES = readdirSync(join(ROOT, 'examples/journeys')).map((f) => join(ROOT, 'examples/journeys', f));
const dir = mkdtempSync(join(tmpdir(), 'growthloop-journeys-'));

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runJourneysCli(args, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe('growthloop journeys validate', () => {
  it('passes every example in examples/journeys', async () => {
    const { code, stdout } = await run(['validate', ...EXAMPLES, '--channels', 'email,sms,push,webhook']);
    expect(stdout.trim().split('\n')).toHaveLength(EXAMPLES.length);
    expect(stdout).not.toContain(':\n');
    expect(code).toBe(0);
  });

  it('exits 1 and names the file and JSON path of each problem', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        id: 'x',
        name: 'x',
        entry: { type: 'event', event: 'order_placed' },
        startActivity: 'a',
        activities: { a: { type: 'wait' } },
      }),
    );
    const missing = join(dir, 'missing.json');
    const { code, stdout } = await run(['validate', bad, missing]);
    expect(code).toBe(1);
    expect(stdout).toContain(`${bad}:\n  $.activities.a: a wait needs one of for, until or untilDate`);
    expect(stdout).toContain(`${missing}:\n  $: no such file`);
  });
});

describe('growthloop journeys schema', () => {
  it('prints a JSON Schema of the journey language, conditions included', async () => {
    const { code, stdout } = await run(['schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'name', 'entry', 'startActivity', 'activities']));
    expect(JSON.stringify(schema)).toContain('"within_last"');
  });
});

describe('growthloop journeys backtest', () => {
  const history = join(dir, 'history.jsonl');
  writeFileSync(
    history,
    shopHistory({ customers: 500, events: 15_000, seed: 3, start: '2026-06-01T00:00:00Z', days: 90 })
      .map((e) => JSON.stringify(e))
      .join('\n'),
  );
  const backtest = () =>
    run(['backtest', ...EXAMPLES, '--events', history, '--coupon-values', 'cart-10=1000', '--sends', '--json']);

  it('over a generated 90-day history is deterministic: the same input gives the same report', async () => {
    const first = await backtest();
    const second = await backtest();
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const report = JSON.parse(first.stdout) as BacktestReport;
    expect(report.events).toBe(15_000);
    expect(report.journeys['abandoned-checkout']?.entered).toBeGreaterThan(100);
    expect(report.coupons.cost).toBe((report.coupons.byPool['cart-10'] ?? 0) * 1000);
    expect(report.sends.length).toBe(Object.values(report.actions).reduce((a, b) => a + b, 0));
  });

  it('reports bad history lines with their line number and JSON path, and runs nothing', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"type":"order_placed"}\nnot json\n');
    const { code, stderr, stdout } = await run(['backtest', EXAMPLES[0]!, '--events', bad]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${bad}:1: $.eventId`);
    expect(stderr).toContain(`${bad}:2: not JSON`);
  });
});
