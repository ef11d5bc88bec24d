// A journey drawn from its JSON (laid out by journey-layout.ts), each activity's count beside it.
import { Box, Text } from '@mantine/core';
import type { Schemas } from '../api/client';
import { type Activity, layoutJourney } from './journey-layout';

const W = 170;
const H = 56;
const GAP_X = 70;
const GAP_Y = 24;

function summary(activity: Activity): string {
  switch (activity.type) {
    case 'action':
      return activity.action.kind;
    case 'wait':
      return activity.for ?? activity.until?.time ?? activity.untilDate?.date ?? '';
    case 'wait_for_event':
      return activity.event;
    case 'holdout':
      return `${activity.percent}%`;
    case 'split':
      return `${activity.paths.length}`;
    case 'branch':
      return `${activity.branches.length + 1}`;
    default:
      return '';
  }
}

export function JourneyGraph({
  journey,
  counts,
  label,
}: {
  journey: Pick<Schemas['Journey'], 'startActivity' | 'activities'>;
  /** A number shown on each activity (e.g. customers waiting there). */
  counts?: Readonly<Record<string, number>>;
  label: string;
}) {
  const { columns, edges } = layoutJourney(journey.startActivity, journey.activities);
  const at = new Map<string, { x: number; y: number }>();
  columns.forEach((column, c) => {
    column.forEach((id, r) => {
      at.set(id, { x: c * (W + GAP_X) + 10, y: r * (H + GAP_Y) + 10 });
    });
  });
  const width = columns.length * (W + GAP_X);
  const height = Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) + 20;
  return (
    <Box style={{ overflowX: 'auto' }}>
      <svg width={width} height={height} role="img" aria-label={label} data-testid="journey-graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#868e96" />
          </marker>
        </defs>
        {edges.map((e) => {
          const a = at.get(e.from);
          const b = at.get(e.to);
          if (!a || !b) return null;
          const x1 = a.x + W;
          const y1 = a.y + H / 2;
          const x2 = b.x;
          const y2 = b.y + H / 2;
          const mid = (x1 + x2) / 2;
          return (
            <g key={`${e.from}-${e.to}-${e.label ?? ''}`}>
              <path
                d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
                fill="none"
                stroke="#adb5bd"
                markerEnd="url(#arrow)"
              />
              {e.label ? (
                <text x={mid} y={(y1 + y2) / 2 - 4} fontSize="10" textAnchor="middle" fill="#495057">
                  {e.label}
                </text>
              ) : null}
            </g>
          );
        })}
        {[...at].map(([id, p]) => {
          const activity = journey.activities[id] as Activity;
          const count = counts?.[id];
          return (
            <g key={id} data-activity={id}>
              <title>{`${id}: ${activity.type}`}</title>
              <rect
                x={p.x}
                y={p.y}
                width={W}
                height={H}
                rx="8"
                fill={id === journey.startActivity ? '#e7f5ff' : '#f8f9fa'}
                stroke="#4dabf7"
              />
              <text x={p.x + 8} y={p.y + 18} fontSize="12" fontWeight="600">
                {id.length > 22 ? `${id.slice(0, 21)}…` : id}
              </text>
              <text x={p.x + 8} y={p.y + 36} fontSize="11" fill="#495057">
                {`${activity.type} ${summary(activity)}`.slice(0, 26)}
              </text>
              {count !== undefined ? (
                <text x={p.x + W - 8} y={p.y + 50} fontSize="11" textAnchor="end" fill="#1c7ed6">
                  {count}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
    </Box>
  );
}
