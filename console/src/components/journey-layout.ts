// Where a journey's activities go when drawn: columns by breadth-first distance from the start,
// and an edge for every `next` (labelled for branches, splits, holdouts and timeouts).
import type { components } from '../api/schema';

export type Activity = components['schemas']['Journey']['activities'][string];
export type Edge = { from: string; to: string; label?: string };

export function edgesOf(id: string, activity: Activity): Edge[] {
  const edge = (to: string | undefined, label?: string): Edge[] =>
    to === undefined ? [] : [{ from: id, to, ...(label === undefined ? {} : { label }) }];
  switch (activity.type) {
    case 'wait':
    case 'holdout':
    case 'action':
      return edge(activity.next, activity.type === 'holdout' ? `${100 - activity.percent}%` : undefined);
    case 'wait_for_event':
      return [...edge(activity.next, activity.event), ...edge(activity.timeoutNext, activity.timeout)];
    case 'branch':
      return [...activity.branches.flatMap((b, i) => edge(b.next, `#${i + 1}`)), ...edge(activity.default, 'else')];
    case 'split':
      return activity.paths.flatMap((p) => edge(p.next, `${p.name} ${p.percent}%`));
    case 'exit':
      return [];
  }
}

export type Layout = { columns: string[][]; edges: Edge[] };

/** Columns by breadth-first distance from the start; activities not reached from it come last. */
export function layoutJourney(start: string, activities: Readonly<Record<string, Activity>>): Layout {
  const ids = Object.keys(activities);
  const depth = new Map<string, number>([[start, 0]]);
  const queue = [start];
  const edges = ids.flatMap((id) => edgesOf(id, activities[id] as Activity));
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const e of edges) {
      if (e.from !== id || depth.has(e.to) || !(e.to in activities)) continue;
      depth.set(e.to, (depth.get(id) ?? 0) + 1);
      queue.push(e.to);
    }
  }
  const last = Math.max(0, ...depth.values()) + 1;
  const columns: string[][] = [];
  for (const id of ids) {
    const d = depth.get(id) ?? last;
    columns[d] = [...(columns[d] ?? []), id];
  }
  return { columns: columns.filter(Boolean), edges };
}
