// EventBridge event-pattern matching for the subset growthloop routes with: per field, a list
// of exact strings and `{ prefix }` filters. Pure, so the local bus and tests share it.
import type { EventPattern, PatternValue } from '../../routes';

function valueMatches(filter: PatternValue, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (typeof filter === 'string') return value === filter;
  return value.startsWith(filter.prefix);
}

function fieldMatches(filters: readonly PatternValue[], value: unknown): boolean {
  // EventBridge: an array in the event matches when any of its elements matches.
  const values = Array.isArray(value) ? value : [value];
  return filters.some((filter) => values.some((candidate) => valueMatches(filter, candidate)));
}

/**
 * True when `event` (an EventBridge envelope: `source`, `detail-type`, ...) matches `pattern`.
 * EventBridge semantics: every field the pattern names must match (AND); within a field any listed
 * value may match (OR); a field the pattern leaves out matches anything; a field the pattern names
 * but the event lacks does not match; an empty list matches nothing.
 */
export function matchesPattern(pattern: EventPattern, event: Readonly<Record<string, unknown>>): boolean {
  for (const [field, filters] of Object.entries(pattern) as [string, readonly PatternValue[] | undefined][]) {
    if (filters === undefined) continue;
    if (!Object.hasOwn(event, field)) return false;
    if (!fieldMatches(filters, event[field])) return false;
  }
  return true;
}
