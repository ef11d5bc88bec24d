import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Measurement = {
  value: number;
  unit: string;
  better: 'higher' | 'lower';
  target?: number;
  anchor?: { name: string; value: number; unit?: string };
  note?: string;
};
export type Results = Record<string, Measurement>;

const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Number(n.toPrecision(3)));

export function printTable(results: Results, out: NodeJS.WritableStream) {
  const rows = Object.entries(results).map(([key, m]) => {
    const met =
      m.target === undefined ? '' : (m.better === 'higher' ? m.value >= m.target : m.value <= m.target) ? 'yes' : 'NO';
    // A ratio only of like with like: a speedup's anchor is in the anchor's own unit.
    const comparable = m.anchor && m.anchor.value !== 0 && (m.anchor.unit ?? m.unit) === m.unit;
    const ratio = comparable && m.anchor ? `${round(m.value / m.anchor.value)}x ${m.anchor.name}` : '';
    return [
      key,
      `${round(m.value)} ${m.unit}`,
      m.target === undefined ? '' : `${m.better === 'higher' ? '≥' : '≤'} ${m.target}`,
      met,
      m.anchor ? `${round(m.anchor.value)} ${m.anchor.unit ?? m.unit}` : '',
      ratio,
    ];
  });
  const header = ['measurement', 'value', 'target', 'met', 'anchor', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  out.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
}

export function writeResults(path: string, results: Results) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
