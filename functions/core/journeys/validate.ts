/**
 * Validation of a journey as written: the schema, then the static checks a runtime cannot make
 * up for (activities that do not exist or cannot be reached, loops without a wait, branches
 * without a default, splits that do not add up, channels the tenant has not configured).
 * Every problem names its JSON path.
 */

import type { z } from 'zod';
import { EVENT_TYPES } from '../events/schemas';
import { jsonPath } from '../json-path';
import { hasOwnKey, ownPath, ownValue } from '../own';
import { conditionErrors } from './conditions';

const toPath = (path: readonly PropertyKey[]) => jsonPath('$', path);

import { type Activity, CHANNEL_OF, Journey } from './schema';

export type Problem = { path: string; message: string };

/** Event types journeys can name: the canonical ones and growthloop's own. */
export const JOURNEY_EVENT_TYPES: readonly string[] = [...EVENT_TYPES, 'lifecycle.stage_changed', 'segment.entered'];

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

const isWait = (a: Activity | undefined) => a?.type === 'wait' || a?.type === 'wait_for_event';

/** Cycles that pass no wait, each as the list of activities around it. */
function loopsWithoutWait(journey: Journey): string[][] {
  const loops: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string) => {
    state.set(id, 'open');
    stack.push(id);
    const activity = ownValue(journey.activities, id);
    for (const { target } of activity ? successors(activity) : []) {
      if (target === undefined || !hasOwnKey(journey.activities, target)) continue;
      if (isWait(ownValue(journey.activities, target))) continue;
      if (state.get(target) === 'open') loops.push([...stack.slice(stack.indexOf(target)), target]);
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const [id, activity] of Object.entries(journey.activities)) if (!state.has(id) && !isWait(activity)) visit(id);
  return loops;
}

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
  for (const loop of loopsWithoutWait(journey)) {
    add(['activities', loop[0] as string], `loops without a wait: ${loop.join(' → ')}`);
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

const sortProblems = (problems: Problem[]) => problems.sort((a, b) => a.path.localeCompare(b.path));
