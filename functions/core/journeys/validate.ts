/**
 * Validation of a journey as written: the schema, then the static checks a runtime cannot make
 * up for (activities that do not exist or cannot be reached, loops without a wait, more actions
 * in a row than one step may take, branches without a default, splits that do not add up,
 * channels the tenant has not configured). Every problem names its JSON path. Publishing and
 * the journey function's catalog (items.ts loadCatalog) both use it, so what publishes runs; the
 * graph walks are iterative, so a journey of any size validates.
 */

import type { z } from 'zod';
import { EVENT_TYPES } from '../events/schemas';
import { GROUP_NOTICE_TYPES } from '../groups/group';
import { jsonPath } from '../json-path';
import { LOYALTY_NOTICE_TYPES } from '../loyalty/items';
import { hasOwnKey, ownPath, ownValue } from '../own';
import { conditionErrors } from './conditions';
import { parseDuration } from './local-time';

const toPath = (path: readonly PropertyKey[]) => jsonPath('$', path);

import { type Activity, CHANNEL_OF, Journey } from './schema';

export type Problem = { path: string; message: string };

/** Event types journeys can name: the canonical ones and growthloop's own. */
export const JOURNEY_EVENT_TYPES: readonly string[] = [
  ...EVENT_TYPES,
  'lifecycle.stage_changed',
  'segment.entered',
  ...LOYALTY_NOTICE_TYPES,
  ...GROUP_NOTICE_TYPES,
];

/** What the input holds at a path (of an issue), own properties only. */
const at = (value: unknown, path: readonly PropertyKey[]): unknown => ownPath(value, path);

/** Schema problems; problems inside a condition are reported by the condition validator, which names the exact spot. */
function schemaProblems(input: unknown, issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = [];
  const conditions = new Map<string, readonly PropertyKey[]>();
  for (const issue of issues) {
    const index = issue.path.indexOf('condition');
    if (index >= 0) {
      const prefix = issue.path.slice(0, index + 1);
      conditions.set(toPath(prefix), prefix);
      continue;
    }
    problems.push({ path: toPath(issue.path), message: issue.message });
  }
  for (const [path, prefix] of conditions) problems.push(...conditionErrors(at(input, prefix), path));
  return problems;
}

/** The activities each activity can go to next, with the JSON path that names each target. */
function successors(activity: Activity): { target: string | undefined; path: PropertyKey[] }[] {
  switch (activity.type) {
    case 'exit':
      return [];
    case 'branch':
      return [
        ...activity.branches.map((b, i) => ({ target: b.next, path: ['branches', i, 'next'] })),
        { target: activity.default, path: ['default'] },
      ];
    case 'split':
      return activity.paths.map((p, i) => ({ target: p.next, path: ['paths', i, 'next'] }));
    case 'wait_for_event':
      return [
        { target: activity.next, path: ['next'] },
        { target: activity.timeoutNext, path: ['timeoutNext'] },
      ];
    default:
      return [{ target: activity.next, path: ['next'] }];
  }
}

/** At most this many actions may run one after another without a wait: they are written with the customer's state. */
export const MAX_ACTIONS_WITHOUT_WAIT = 200;
/** A loop is listed by at most this many of its activities. */
const LOOP_SHOWN = 12;
/** At most this many problems are listed, and how many more there are. */
const MAX_PROBLEMS = 100;

const durationOf = (text: string) => {
  try {
    return parseDuration(text);
  } catch {
    return 0;
  }
};

/**
 * Whether reaching the activity always stops the run until later: a wait for some time, until
 * a local time, or for an event with a timeout. A wait of zero, or until a date of the customer's
 * (which may have passed, or be missing), may end at once, and the run goes straight on.
 */
function holdsBack(activity: Activity | undefined): boolean {
  if (activity?.type === 'wait_for_event') return durationOf(activity.timeout) > 0;
  if (activity?.type !== 'wait') return false;
  return activity.until !== undefined || (activity.for !== undefined && durationOf(activity.for) > 0);
}

/**
 * The graph of what runs at once: for each activity that does not hold back, the activities it
 * may go on to in the same run (a target that holds back ends the run there, so it is left out).
 */
function instantTargets(journey: Journey): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const [id, activity] of Object.entries(journey.activities)) {
    if (holdsBack(activity)) continue;
    const next = successors(activity)
      .map((s) => s.target)
      .filter((t): t is string => t !== undefined && hasOwnKey(journey.activities, t))
      .filter((t) => !holdsBack(ownValue(journey.activities, t)));
    targets.set(id, [...new Set(next)]);
  }
  return targets;
}

/** Cycles that pass no wait that holds back, each as the list of activities around it; iterative, so any size. */
function loopsWithoutWait(targets: Map<string, string[]>): string[][] {
  const loops: string[][] = [];
  const done = new Set<string>();
  const depthOf = new Map<string, number>();
  const stack: { id: string; next: string[]; i: number }[] = [];
  const open = (id: string) => {
    depthOf.set(id, stack.length);
    stack.push({ id, next: targets.get(id) ?? [], i: 0 });
  };
  for (const root of targets.keys()) {
    if (done.has(root)) continue;
    open(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { id: string; next: string[]; i: number };
      const target = frame.next[frame.i++];
      if (target === undefined) {
        stack.pop();
        depthOf.delete(frame.id);
        done.add(frame.id);
        continue;
      }
      const depth = depthOf.get(target);
      if (depth !== undefined) loops.push([...stack.slice(depth).map((f) => f.id), target]);
      else if (!done.has(target)) open(target);
    }
  }
  return loops;
}

/**
 * For each activity, the most actions a run starting there can take before it waits, on a graph
 * without loops: each activity is settled once its targets are, in an iterative post-order.
 */
function actionsWithoutWait(journey: Journey, targets: Map<string, string[]>): Map<string, number> {
  const most = new Map<string, number>();
  const own = (id: string) => (ownValue(journey.activities, id)?.type === 'action' ? 1 : 0);
  for (const root of targets.keys()) {
    if (most.has(root)) continue;
    const stack = [{ id: root, i: 0 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { id: string; i: number };
      const next = targets.get(frame.id) ?? [];
      const target = next[frame.i++];
      if (target !== undefined) {
        if (!most.has(target)) stack.push({ id: target, i: 0 });
        continue;
      }
      stack.pop();
      most.set(frame.id, own(frame.id) + next.reduce((m, t) => Math.max(m, most.get(t) ?? 0), 0));
    }
  }
  return most;
}

const showLoop = (loop: readonly string[]) =>
  (loop.length > LOOP_SHOWN ? [...loop.slice(0, LOOP_SHOWN - 1), '…', loop.at(-1)] : loop).join(' → ');

function staticProblems(journey: Journey, channels: readonly string[] | undefined): Problem[] {
  const problems: Problem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path: toPath(path), message });
  const exists = (id: string | undefined) => id === undefined || hasOwnKey(journey.activities, id);
  const knownEvent = (path: PropertyKey[], event: string) => {
    if (JOURNEY_EVENT_TYPES.includes(event)) return;
    const near = JOURNEY_EVENT_TYPES.find((t) => t.startsWith(event.slice(0, 5)));
    add(path, `unknown event type "${event}"${near ? `; did you mean ${near}?` : ''}`);
  };

  if (!exists(journey.startActivity)) add(['startActivity'], `no activity "${journey.startActivity}" in activities`);
  if (journey.entry.type === 'event') knownEvent(['entry', 'event'], journey.entry.event);
  for (const [i, goal] of journey.goals.entries()) knownEvent(['goals', i, 'event'], goal.event);
  for (const [i, exit] of journey.exitWhen.entries()) knownEvent(['exitWhen', i, 'event'], exit.event);
  const { startTime, endTime } = journey.schedule ?? {};
  if (startTime && endTime && Date.parse(startTime) >= Date.parse(endTime)) {
    add(['schedule', 'endTime'], 'must be after startTime');
  }
  if (journey.quietTime && journey.quietTime.start === journey.quietTime.end) {
    add(['quietTime', 'end'], 'must differ from start');
  }
  if (
    journey.limits.liveInstances === 'per_correlation' &&
    !(journey.entry.type === 'event' && journey.entry.correlationKey)
  ) {
    add(['limits', 'liveInstances'], 'per_correlation needs entry.correlationKey');
  }

  for (const [id, activity] of Object.entries(journey.activities)) {
    const base = ['activities', id];
    for (const { target, path } of successors(activity)) {
      if (!exists(target)) add([...base, ...path], `no activity "${target}" in activities`);
    }
    switch (activity.type) {
      case 'branch':
        if (activity.default === undefined)
          add([...base, 'default'], 'a branch needs a default: the activity taken when no condition holds');
        break;
      case 'split': {
        const sum = activity.paths.reduce((s, p) => s + p.percent, 0);
        if (Math.abs(sum - 100) > 1e-9) add([...base, 'paths'], `percentages add up to ${sum}, not 100`);
        break;
      }
      case 'wait': {
        const kinds = (['for', 'until', 'untilDate'] as const).filter((k) => activity[k] !== undefined);
        if (kinds.length !== 1) {
          add(
            base,
            kinds.length === 0
              ? 'a wait needs one of for, until or untilDate'
              : `a wait takes one of ${kinds.join(', ')}, not several`,
          );
        }
        break;
      }
      case 'wait_for_event':
        knownEvent([...base, 'event'], activity.event);
        if (activity.correlate && !(journey.entry.type === 'event' && journey.entry.correlationKey)) {
          add([...base, 'correlate'], 'correlate needs entry.correlationKey');
        }
        break;
      case 'action': {
        const channel =
          CHANNEL_OF[activity.action.kind] ?? (activity.action.kind === 'coupon' ? activity.action.channel : undefined);
        if (channels && channel && !channels.includes(channel)) {
          add(
            [...base, 'action', 'kind'],
            `channel "${channel}" is not configured for this tenant (configured: ${channels.join(', ') || 'none'})`,
          );
        }
        break;
      }
    }
  }

  // Unreachable activities: not on any path from the start.
  const reached = new Set<string>();
  const queue = exists(journey.startActivity) ? [journey.startActivity] : [];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (reached.has(id)) continue;
    reached.add(id);
    const activity = ownValue(journey.activities, id);
    for (const { target } of activity ? successors(activity) : []) if (target && exists(target)) queue.push(target);
  }
  for (const id of Object.keys(journey.activities)) {
    if (!reached.has(id)) add(['activities', id], 'unreachable: no path from startActivity leads here');
  }
  const targets = instantTargets(journey);
  const loops = loopsWithoutWait(targets);
  for (const loop of loops) {
    const atOnce = loop.filter((id) => ownValue(journey.activities, id)?.type.startsWith('wait'));
    const note = atOnce.length
      ? ` (the wait at "${atOnce[0]}" may end at once: a zero duration, or a date that has passed or is missing)`
      : '';
    add(['activities', loop[0] as string], `loops without a wait: ${showLoop(loop)}${note}`);
  }
  if (loops.length === 0) {
    const most = actionsWithoutWait(journey, targets);
    let worst: [string, number] | undefined;
    for (const id of targets.keys()) {
      const n = most.get(id) ?? 0;
      if (!worst || n > worst[1]) worst = [id, n];
    }
    if (worst && worst[1] > MAX_ACTIONS_WITHOUT_WAIT) {
      add(
        ['activities', worst[0]],
        `up to ${worst[1]} actions run from here without a wait between them; at most ${MAX_ACTIONS_WITHOUT_WAIT}`,
      );
    }
  }
  return problems;
}

/**
 * The journey, parsed with its defaults, or every problem found. `channels`: the channels the
 * tenant has configured (email, sms, push, webhook); unchecked when absent.
 */
export function validateJourney(
  input: unknown,
  options: { channels?: readonly string[] } = {},
): { journey: Journey; problems: [] } | { journey?: undefined; problems: Problem[] } {
  const parsed = Journey.safeParse(input);
  if (!parsed.success) return { problems: sortProblems(schemaProblems(input, parsed.error.issues)) };
  const problems = staticProblems(parsed.data, options.channels);
  return problems.length > 0 ? { problems: sortProblems(problems) } : { journey: parsed.data, problems: [] };
}

function sortProblems(problems: Problem[]): Problem[] {
  problems.sort((a, b) => a.path.localeCompare(b.path));
  if (problems.length <= MAX_PROBLEMS) return problems;
  const more = problems.length - MAX_PROBLEMS + 1;
  return [...problems.slice(0, MAX_PROBLEMS - 1), { path: '$', message: `and ${more} more problems` }];
}
