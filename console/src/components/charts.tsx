// Trends on uPlot (small and fast: an overview of 90 days draws in a few milliseconds) and the
// retention heatmap as a table, so that every value can be read by a screen reader too.
import { Table, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLORS = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9'];

export type Series = { label: string; values: (number | null)[] };

/** Lines over days ("2026-03-01"...), y as a share (0..1) when `percent`. */
export function TrendChart({
  days,
  series,
  label,
  percent = false,
  height = 180,
}: {
  days: readonly string[];
  series: readonly Series[];
  label: string;
  percent?: boolean;
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const x = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const format = (v: number | null) =>
      v === null ? '–' : percent ? `${(v * 100).toFixed(1)} %` : String(Math.round(v));
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 240),
        height,
        legend: { show: true },
        scales: { x: { time: true } },
        axes: [{}, { values: (_u, ticks) => ticks.map((v) => format(v)), size: 60 }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            value: (_u: uPlot, v: number | null) => format(v),
          })),
        ],
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 240), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, series, percent, height]);
  return <div ref={box} role="img" aria-label={label} />;
}

export type CohortRow = { cohort: string; size: number; values: (number | null)[] };

/** Rows: cohorts; columns: the retention measures (D1, D7...); cells shaded by their share. */
export function CohortHeatmap({
  columns,
  rows,
  caption,
  cohortLabel,
  sizeLabel,
}: {
  columns: readonly string[];
  rows: readonly CohortRow[];
  caption: string;
  cohortLabel: string;
  sizeLabel: string;
}) {
  const max = Math.max(0.0001, ...rows.flatMap((r) => r.values.map((v) => v ?? 0)));
  return (
    <Table withTableBorder withColumnBorders striped={false} data-testid="cohort-heatmap" captionSide="top">
      <Table.Caption>{caption}</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{cohortLabel}</Table.Th>
          <Table.Th scope="col">{sizeLabel}</Table.Th>
          {columns.map((c) => (
            <Table.Th scope="col" key={c}>
              {c}
            </Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.cohort}>
            <Table.Th scope="row">{row.cohort}</Table.Th>
            <Table.Td>{row.size}</Table.Td>
            {row.values.map((v, i) => (
              <Table.Td
                key={columns[i]}
                style={{ background: v === null ? undefined : `rgba(28, 126, 214, ${0.08 + 0.8 * (v / max)})` }}
              >
                <Text size="sm" c={v !== null && v / max > 0.6 ? 'white' : undefined}>
                  {v === null ? '–' : `${(v * 100).toFixed(1)} %`}
                </Text>
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
