/**
 * The condition language of journeys: a small typed JSON expression over facts.
 *
 *   { "all": [C, ...] }  { "any": [C, ...] }  { "not": C }
 *   { "fact": "profile.orders", "op": "gte", "value": 2 }
 *   { "fact": "event.properties.total.amount", "op": "between", "value": [1000, 5000] }
 *   { "fact": "profile.lifecycle.stage", "op": "in", "value": ["at_risk", "dormant"] }
 *   { "fact": "profile.tags", "op": "contains", "value": "vip" }
 *   { "fact": "profile.lastOrderAt", "op": "within_last", "days": 30 }
 *   { "fact": "profile.traits.email", "op": "exists" }
 *
 * A fact is a dotted path from `event` (the event being evaluated, when there is one) or
 * `profile` (the customer's profile view with `lifecycle`, `rfm`, `scores` and `tags`).
 * Comparisons (`gt`, `gte`, `lt`, `lte`, `between`) take numbers, or ISO-8601 times, which
 * compare the fact as a time. `within_last` holds for a time in (now − days, now].
 * A missing fact makes every operator false except `missing` (and `ne`/`nin`, which hold).
 *
 * In detail (functions/core/journeys/conditions.ts compiles it):
 * - A fact is missing when the path does not lead to a value, or leads to null.
 * - `eq`/`ne` compare scalars strictly ("2" is not 2). A null `value` names the missing fact:
 *   `eq null` is `missing`, `ne null` is `exists`; likewise a null in an `in`/`nin` list.
 * - Number comparisons need a number fact; time comparisons need a fact that is a time string
 *   (`Date.parse`); any other fact makes them false. `between` is inclusive at both ends.
 * - `contains`: an array fact holds the value, or a string fact holds the string value.
 * - Numbers are what the store keeps exactly (../storable.ts): a journey is stored as written.
 * - Groups nest at most MAX_DEPTH levels deep.
 * - `conditionErrors` (conditions.ts) accepts exactly what this schema accepts, and says what
 *   is wrong with the rest in words a marketer can act on, each with its exact JSON path.
 */

import { z } from 'zod';
import { StorableNumber } from '../storable';

export const FACT_ROOTS = ['event', 'profile'] as const;

export const OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'in',
  'nin',
  'contains',
  'exists',
  'missing',
  'within_last',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const MAX_GROUP = 100;
export const MAX_LIST = 1000;
export const MAX_STRING = 256;
export const MAX_DAYS = 36_500;
export const MAX_DEPTH = 20;

export const FactPath = z
  .string()
  .regex(
    /^(event|profile)(\.(?!__proto__(\.|$))[A-Za-z0-9_-]+)+$/,
    'must be a dotted path starting with event. or profile., such as profile.orders',
  );

export const Scalar = z.union([z.string().max(MAX_STRING), StorableNumber, z.boolean(), z.null()]);
export const Time = z.iso.datetime({ offset: true });
export const Comparable = z.union([StorableNumber, Time]);

/** [low, high]: two numbers or two times, low first. */
export const Range = z
  .tuple([Comparable, Comparable])
  .refine(([low, high]) => typeof low === typeof high, 'must be two numbers or two times, not one of each')
  .refine(
    ([low, high]) =>
      (typeof low === 'number' ? low : Date.parse(low)) <= (typeof high === 'number' ? high : Date.parse(high)),
    'must put the low value first',
  );

const leaf = <O extends Operator, V extends z.ZodType>(ops: readonly [O, ...O[]], value: V) =>
  z.strictObject({ fact: FactPath, op: z.enum(ops), value });

export const Leaf = z.discriminatedUnion('op', [
  leaf(['eq', 'ne'], Scalar),
  leaf(['gt', 'gte', 'lt', 'lte'], Comparable),
  leaf(['between'], Range),
  leaf(['in', 'nin'], z.array(Scalar).min(1).max(MAX_LIST)),
  leaf(['contains'], z.union([z.string().max(MAX_STRING), StorableNumber, z.boolean()])),
  z.strictObject({ fact: FactPath, op: z.enum(['exists', 'missing']) }),
  z.strictObject({ fact: FactPath, op: z.literal('within_last'), days: StorableNumber.positive().max(MAX_DAYS) }),
]);
export type Leaf = z.infer<typeof Leaf>;

export type Condition = Leaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };

const ConditionTree: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(ConditionTree).min(1).max(MAX_GROUP) }),
    z.strictObject({ any: z.array(ConditionTree).min(1).max(MAX_GROUP) }),
    z.strictObject({ not: ConditionTree }),
    Leaf,
  ]),
);

/** Whether groups nest deeper than `MAX_DEPTH`; looks no deeper than that, so no input can exhaust the stack. */
function tooDeep(input: unknown, depth = 1): boolean {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  if (depth > MAX_DEPTH) return true;
  const group = input as { all?: unknown; any?: unknown; not?: unknown };
  for (const members of [group.all, group.any]) {
    if (Array.isArray(members) && members.some((m) => tooDeep(m, depth + 1))) return true;
  }
  return tooDeep(group.not, depth + 1);
}

/** A condition; the nesting is checked first, so that parsing a hostile one cannot overflow the stack. */
export const Condition: z.ZodType<Condition> = z.preprocess((input, ctx) => {
  if (tooDeep(input)) ctx.addIssue({ code: 'custom', message: `conditions may nest at most ${MAX_DEPTH} levels deep` });
  return input;
}, ConditionTree);

/** The facts a condition is evaluated on. */
export type Facts = { event?: unknown; profile: unknown; now: number };
