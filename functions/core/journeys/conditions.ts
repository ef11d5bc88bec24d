/**
 * The condition language (condition-schema.ts): its validator, which names every problem
 * with its JSON path in words a marketer can act on, and its compiler, which turns a
 * condition once into the source of one JavaScript function (see "compilation" below for why
 * and for what makes that safe on untrusted input) so that evaluating it is a few property
 * reads and comparisons: fact paths become fixed reads, constants literals, times in the
 * condition are parsed at compile time, and the members of each group ordered cheap first;
 * evaluation allocates nothing.
 */

import { childPath } from '../json-path';
import { ownValue } from '../own';
import { storableNumberProblem } from '../storable';
import {
  type Condition,
  type Facts,
  type Leaf,
  MAX_DAYS,
  MAX_DEPTH,
  MAX_GROUP,
  MAX_LIST,
  MAX_STRING,
  OPERATORS,
  type Operator,
  Time,
} from './condition-schema';

export type ConditionError = { path: string; message: string };
export type Predicate = (facts: Facts) => boolean;

const DAY_MS = 86_400_000;

// ---- validation -----------------------------------------------------------------------------

const GROUP_KEYS = ['all', 'any', 'not'] as const;
const LEAF_KEYS = ['fact', 'op', 'value', 'days'] as const;
const OP_LIST = OPERATORS.join(', ');

/** Spellings marketers reach for, and the operator they mean. */
const OP_ALIASES: Record<string, Operator> = {
  '=': 'eq',
  '==': 'eq',
  '===': 'eq',
  equal: 'eq',
  equals: 'eq',
  is: 'eq',
  '!=': 'ne',
  '!==': 'ne',
  '<>': 'ne',
  neq: 'ne',
  not_equal: 'ne',
  notequal: 'ne',
  '>': 'gt',
  greater: 'gt',
  greaterthan: 'gt',
  greater_than: 'gt',
  '>=': 'gte',
  ge: 'gte',
  greaterthaninclusive: 'gte',
  '<': 'lt',
  less: 'lt',
  lessthan: 'lt',
  less_than: 'lt',
  '<=': 'lte',
  le: 'lte',
  lessthaninclusive: 'lte',
  range: 'between',
  one_of: 'in',
  oneof: 'in',
  notin: 'nin',
  not_in: 'nin',
  includes: 'contains',
  has: 'contains',
  exist: 'exists',
  present: 'exists',
  absent: 'missing',
  not_exists: 'missing',
  within: 'within_last',
  in_last: 'within_last',
  withinlast: 'within_last',
};
const KEY_ALIASES: Record<string, string> = { and: 'all', or: 'any', '!': 'not', operator: 'op', path: 'fact' };

const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'an object'
        : `the ${typeof v} ${show(v)}`;

const isStorable = (v: number) => storableNumberProblem(v) === undefined;
const isScalar = (v: unknown) =>
  v === null || typeof v === 'boolean' || (typeof v === 'number' && isStorable(v)) || typeof v === 'string';
const isTime = (v: unknown): v is string => typeof v === 'string' && Time.safeParse(v).success;
const isComparable = (v: unknown) => (typeof v === 'number' && isStorable(v)) || isTime(v);
/** What is wrong with a number the store could not keep, said of `what`. */
const numberProblem = (v: unknown, what: string) =>
  typeof v === 'number' && !isStorable(v) ? `${what} ${show(v)} ${storableNumberProblem(v)}` : undefined;

const TIME_EXAMPLE = '"2026-01-31T00:00:00Z"';

/**
 * Every problem in a condition as written, each with the JSON path of the offending spot
 * (`path` is where the condition sits in the document, e.g. `$.activities.check.branches[0].condition`).
 * No problems means `Condition.parse` accepts it and `compileCondition` may compile it.
 */
export function conditionErrors(input: unknown, path = '$'): ConditionError[] {
  const errors: ConditionError[] = [];
  checkCondition(input, path, 1, errors);
  return errors;
}

function checkCondition(input: unknown, path: string, depth: number, errors: ConditionError[]): void {
  const add = (at: string, message: string) => errors.push({ path: at, message });
  if (!isObject(input)) {
    add(
      path,
      `a condition must be an object such as {"fact": "profile.orders", "op": "gte", "value": 2} or {"all": [...]}, not ${kindOf(input)}`,
    );
    return;
  }
  if (depth > MAX_DEPTH) {
    add(path, `conditions may nest at most ${MAX_DEPTH} levels deep`);
    return;
  }
  const keys = Object.keys(input);
  const groups = GROUP_KEYS.filter((k) => Object.hasOwn(input, k));
  const leafKeys = LEAF_KEYS.filter((k) => Object.hasOwn(input, k));
  const unknown = keys.filter(
    (k) => !(GROUP_KEYS as readonly string[]).includes(k) && !(LEAF_KEYS as readonly string[]).includes(k),
  );

  if (groups.length === 0 && leafKeys.length === 0) {
    if (unknown.length === 0) add(path, 'empty condition: use "all", "any", "not", or a "fact" with an "op"');
    for (const k of unknown) {
      const alias = ownValue(KEY_ALIASES, k.toLowerCase());
      add(
        childPath(path, k),
        alias
          ? `unknown key "${k}"; did you mean "${alias}"?`
          : `unknown key "${k}"; a condition has "all", "any", "not", or "fact" and "op"`,
      );
    }
    return;
  }

  if (groups.length > 0) {
    if (groups.length > 1) {
      add(
        path,
        `a condition has one of "all", "any" or "not", found ${groups.map((g) => `"${g}"`).join(' and ')}: nest one inside the other`,
      );
    }
    if (leafKeys.length > 0) {
      add(
        path,
        `a condition is either a group ("${groups[0]}") or a fact test ("fact", "op", ...), not both; put the fact test inside the group`,
      );
    }
    for (const k of unknown) add(childPath(path, k), `unknown key "${k}"; a group has only "${groups[0]}"`);
    for (const g of groups) {
      const at = childPath(path, g);
      const value = input[g];
      if (g === 'not') {
        if (Array.isArray(value)) {
          add(at, '"not" takes one condition, not a list; to negate several, use "not": {"any": [...]}');
        } else checkCondition(value, at, depth + 1, errors);
        continue;
      }
      if (!Array.isArray(value)) {
        add(at, `"${g}" must be a list of conditions, such as "${g}": [{...}, {...}], not ${kindOf(value)}`);
      } else if (value.length === 0) {
        add(at, `"${g}" needs at least one condition`);
      } else if (value.length > MAX_GROUP) {
        add(at, `"${g}" has ${value.length} conditions; at most ${MAX_GROUP}`);
      } else {
        for (const [i, c] of value.entries()) checkCondition(c, `${at}[${i}]`, depth + 1, errors);
      }
    }
    return;
  }

  checkLeaf(input, path, unknown, errors);
}

function checkLeaf(input: Record<string, unknown>, path: string, unknown: string[], errors: ConditionError[]): void {
  const add = (at: string, message: string) => errors.push({ path: at, message });

  // fact
  const fact = input.fact;
  const factAt = childPath(path, 'fact');
  if (!Object.hasOwn(input, 'fact')) {
    add(factAt, 'missing "fact": a path such as profile.orders or event.properties.total.amount');
  } else if (typeof fact !== 'string') {
    add(factAt, `fact must be a dotted path such as profile.orders, not ${kindOf(fact)}`);
  } else {
    const [root, ...rest] = fact.split('.');
    if (root !== 'event' && root !== 'profile') {
      add(factAt, `fact must start with event. or profile. (such as profile.orders), not "${fact}"`);
    } else if (rest.length === 0) {
      add(
        factAt,
        `fact must name a field under ${root}, such as ${root === 'event' ? 'event.properties.total.amount' : 'profile.orders'}`,
      );
    } else if (rest.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
      add(factAt, `fact "${fact}" may have only letters, digits, _ and - between its dots`);
    } else if (rest.includes('__proto__')) {
      add(factAt, 'fact may not name "__proto__"');
    }
  }

  // op
  const op = input.op;
  const opAt = childPath(path, 'op');
  if (!Object.hasOwn(input, 'op')) {
    add(opAt, `missing "op": use one of ${OP_LIST}`);
    return;
  }
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    const alias =
      typeof op === 'string' ? (ownValue(OP_ALIASES, op.toLowerCase()) ?? ownValue(OP_ALIASES, op)) : undefined;
    add(
      opAt,
      typeof op === 'string'
        ? `unknown operator "${op}"; ${alias ? `did you mean "${alias}"? ` : ''}use one of ${OP_LIST}`
        : `op must be one of ${OP_LIST}, not ${kindOf(op)}`,
    );
    return;
  }
  const operator = op as Operator;

  // what the operator takes
  const takes =
    operator === 'exists' || operator === 'missing' ? 'nothing' : operator === 'within_last' ? 'days' : 'value';
  const shape = takes === 'nothing' ? 'fact and op' : `fact, op and ${takes}`;
  for (const k of unknown) add(childPath(path, k), `unknown key "${k}"; a ${operator} condition has only ${shape}`);
  const valueAt = childPath(path, 'value');
  const daysAt = childPath(path, 'days');
  if (takes === 'nothing') {
    if (Object.hasOwn(input, 'value')) add(valueAt, `${operator} takes no "value"; remove it`);
    if (Object.hasOwn(input, 'days')) add(daysAt, `${operator} takes no "days"; remove it`);
    return;
  }
  if (takes === 'days') {
    if (Object.hasOwn(input, 'value')) add(valueAt, 'within_last takes "days" (such as "days": 30), not "value"');
    if (!Object.hasOwn(input, 'days')) {
      if (!Object.hasOwn(input, 'value'))
        add(daysAt, 'within_last needs "days": how many days back, such as "days": 30');
      return;
    }
    const days = input.days;
    if (typeof days !== 'number' || !Number.isFinite(days))
      add(daysAt, `"days" must be a number of days such as 30, not ${kindOf(days)}`);
    else if (numberProblem(days, '"days"')) add(daysAt, numberProblem(days, '"days"') as string);
    else if (days <= 0) add(daysAt, `"days" must be more than 0, not ${days}`);
    else if (days > MAX_DAYS) add(daysAt, `"days" must be at most ${MAX_DAYS} (100 years), not ${days}`);
    return;
  }
  if (Object.hasOwn(input, 'days')) add(daysAt, `${operator} takes "value", not "days" (days go with within_last)`);
  if (!Object.hasOwn(input, 'value')) {
    add(valueAt, `${operator} needs "value": ${VALUE_NEEDS[operator]}`);
    return;
  }
  checkValue(operator, input.value, valueAt, errors);
}

const VALUE_NEEDS: Record<Operator, string> = {
  eq: 'a string, number, boolean or null',
  ne: 'a string, number, boolean or null',
  gt: `a number or an ISO-8601 time such as ${TIME_EXAMPLE}`,
  gte: `a number or an ISO-8601 time such as ${TIME_EXAMPLE}`,
  lt: `a number or an ISO-8601 time such as ${TIME_EXAMPLE}`,
  lte: `a number or an ISO-8601 time such as ${TIME_EXAMPLE}`,
  between: 'two numbers or two ISO-8601 times, low first, such as [1000, 5000]',
  in: 'a list of values such as ["at_risk", "dormant"]',
  nin: 'a list of values such as ["at_risk", "dormant"]',
  contains: 'a string, number or boolean',
  exists: 'nothing',
  missing: 'nothing',
  within_last: 'nothing',
};

function checkValue(op: Operator, value: unknown, at: string, errors: ConditionError[]): void {
  const add = (where: string, message: string) => errors.push({ path: where, message });
  const longString = (v: unknown) => typeof v === 'string' && v.length > MAX_STRING;
  const comparableProblem = (v: unknown): string | undefined => {
    if (isComparable(v)) return undefined;
    const unstorable = numberProblem(v, 'the number');
    if (unstorable) return unstorable;
    if (typeof v === 'string') {
      if (v.trim() !== '' && Number.isFinite(Number(v)))
        return `must be the number ${Number(v)}, not the string ${show(v)}`;
      return `${show(v)} is not an ISO-8601 time with a zone, such as ${TIME_EXAMPLE}`;
    }
    return `must be a number or an ISO-8601 time such as ${TIME_EXAMPLE}, not ${kindOf(v)}`;
  };
  switch (op) {
    case 'eq':
    case 'ne':
      if (numberProblem(value, '"value"')) add(at, numberProblem(value, '"value"') as string);
      else if (!isScalar(value)) {
        const hint = Array.isArray(value) ? `; to match one of several values use "${op === 'eq' ? 'in' : 'nin'}"` : '';
        add(at, `"value" must be a string, number, boolean or null for ${op}, not ${kindOf(value)}${hint}`);
      } else if (longString(value)) add(at, `"value" is longer than ${MAX_STRING} characters`);
      return;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const problem = comparableProblem(value);
      if (problem) add(at, `"value" must be a number or an ISO-8601 time for ${op}: ${problem}`);
      return;
    }
    case 'between': {
      if (!Array.isArray(value)) {
        add(at, `"value" must be [low, high] for between: two numbers or two ISO-8601 times, not ${kindOf(value)}`);
        return;
      }
      if (value.length !== 2) {
        add(at, `between takes exactly two values [low, high], got ${value.length}`);
        return;
      }
      let ok = true;
      value.forEach((v, i) => {
        const problem = comparableProblem(v);
        if (problem) {
          ok = false;
          add(`${at}[${i}]`, `${i === 0 ? 'low' : 'high'} value ${problem}`);
        }
      });
      if (!ok) return;
      const [low, high] = value as [number | string, number | string];
      if (typeof low !== typeof high) {
        add(at, 'between needs two numbers or two times, not one of each');
      } else if (
        (typeof low === 'number' ? low : Date.parse(low)) > (typeof high === 'number' ? high : Date.parse(high))
      ) {
        add(at, `between needs the low value first: [${show(low)}, ${show(high)}] holds for nothing`);
      }
      return;
    }
    case 'in':
    case 'nin':
      if (!Array.isArray(value)) {
        const hint = isScalar(value) ? `; for one value use "${op === 'in' ? 'eq' : 'ne'}"` : '';
        add(
          at,
          `"value" must be a list of values for ${op}, such as ["at_risk", "dormant"], not ${kindOf(value)}${hint}`,
        );
      } else if (value.length === 0) {
        add(at, `"value" needs at least one value for ${op}`);
      } else if (value.length > MAX_LIST) {
        add(at, `"value" has ${value.length} values; ${op} takes at most ${MAX_LIST}`);
      } else {
        value.forEach((v, i) => {
          const unstorable = numberProblem(v, 'the number');
          if (unstorable) add(`${at}[${i}]`, unstorable);
          else if (!isScalar(v)) add(`${at}[${i}]`, `must be a string, number, boolean or null, not ${kindOf(v)}`);
          else if (longString(v)) add(`${at}[${i}]`, `is longer than ${MAX_STRING} characters`);
        });
      }
      return;
    case 'contains':
      if (numberProblem(value, '"value"')) add(at, numberProblem(value, '"value"') as string);
      else if (!isScalar(value) || value === null) {
        add(at, `"value" must be a string, number or boolean for contains, not ${kindOf(value)}`);
      } else if (longString(value)) add(at, `"value" is longer than ${MAX_STRING} characters`);
      return;
    default:
      return;
  }
}

// ---- time parsing ---------------------------------------------------------------------------

/** The two-digit number at `i`, or NaN. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

/**
 * `Date.parse` of a fact, fast for the form profiles and events store times in
 * (`2026-01-31T09:30:00.000Z`, as `toISOString` writes it, milliseconds optional): read digit
 * by digit with no allocation, about three times faster than `Date.parse`. Any other form, or a
 * field out of range, goes to `Date.parse`, so the result is always `Date.parse`'s.
 */
export function parseTime(s: string): number {
  const n = s.length;
  if (
    (n === 20 || (n === 24 && s.charCodeAt(19) === 46)) &&
    s.charCodeAt(n - 1) === 90 && // Z
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(10) === 84 && // T
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58
  ) {
    const year = two(s, 0) * 100 + two(s, 2);
    const month = two(s, 5);
    const day = two(s, 8);
    const hour = two(s, 11);
    const minute = two(s, 14);
    const second = two(s, 17);
    let ms = 0;
    if (n === 24) {
      const c = s.charCodeAt(22) - 48;
      ms = two(s, 20) * 10 + (c >= 0 && c <= 9 ? c : Number.NaN);
    }
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const monthDays =
      month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
    // NaN fails every test here, so a non-digit anywhere falls through to Date.parse.
    if (
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= monthDays &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 59 &&
      ms >= 0
    ) {
      // Days since 1970-01-01 of the proleptic Gregorian date (Hinnant's days_from_civil).
      const y = month <= 2 ? year - 1 : year;
      const era = Math.floor(y / 400);
      const yoe = y - era * 400;
      const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
      const days = era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
      return days * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
    }
  }
  return Date.parse(s);
}

// ---- compilation ----------------------------------------------------------------------------
//
// A condition compiles to the source of one JavaScript function, made once with `new Function`.
// Why generate code rather than compose closures: in the generated function every step of every
// fact path is its own fixed property read (`v["lifecycle"]`) with its own inline cache, which
// stays monomorphic or nearly so on profiles of one shape; closures shared by all conditions
// funnel every read of every path through one property access, which V8 sees with every shape
// at once (megamorphic) and serves from a slow global cache. Constants end up in the code as
// literals, which the optimiser folds.
//
// Safety: a condition is untrusted JSON, so nothing of it is spliced into the source as written.
// - Property names must match FACT_NAME (letters, digits, _ and -, as validation demands too)
//   and are written as JSON string literals inside brackets; the root is one of two fixed words.
// - Values are written as JSON literals (strings, finite numbers, booleans, null), with the two
//   line separators JSON leaves raw escaped too; anything else (a Set, a non-finite number) is
//   passed in through the constants array `k` and referred to as `k[i]`.
// - Operators and groups only choose among the fixed templates below; nothing else is generated.
// - Each step of a fact path reads an own property only, so no fact ever walks into a prototype,
//   whatever the names: they are data (trait names, tags, ...). Facts are JSON data, whose
//   objects inherit from Object.prototype or Array.prototype (or nothing), so a step whose name
//   neither has (`segment`, `orders`) can only find an own property and reads it directly; a
//   name they do have (`constructor`, `toString`, `length`) is checked with `hasOwn` first. A
//   check on every step would make evaluating a condition 2.5 times slower.

const FACT_NAME = /^[A-Za-z0-9_-]+$/;

/** Whether plain objects or arrays have a member `name` that a fact path could walk into. */
const isInherited = (name: string): boolean => name in Object.prototype || name in Array.prototype;

/** What a missing fact is once read: the path led nowhere (undefined), to null, or to a function (never data). */
const MISSING = '(v === undefined || v === null || typeof v === "function")';
/** Up to this many values, `in` compares one by one (faster than a Set on a handful); beyond, a Set. */
const INLINE_IN = 8;

const time = (v: number | string): number => (typeof v === 'number' ? v : Date.parse(v));

/** The source being generated: the leaf functions, and the constants they refer to as `k[i]`. */
class Source {
  /** k[0] is parseTime, which the preamble in `conditionSource` names. */
  readonly constants: unknown[] = [parseTime];
  readonly leaves: string[] = [];

  /** `value` as source text: a JSON literal for a plain scalar, else a reference into `k`. */
  constant(value: unknown): string {
    if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      return JSON.stringify(value);
    }
    if (typeof value === 'string') {
      // JSON.stringify escapes quotes, backslashes and control characters; U+2028 and U+2029
      // are legal inside JS strings since ES2019, but escaped all the same, so that no reader
      // of the source can take them for line ends.
      return JSON.stringify(value)
        .replace(/\u2028/g, '\\u2028')
        .replace(/\u2029/g, '\\u2029');
    }
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }
}

/** What a leaf holds for a missing fact (the early return while reading its path). */
function whenMissing(leaf: Leaf): boolean {
  switch (leaf.op) {
    case 'eq':
      return leaf.value === null;
    case 'ne':
      return leaf.value !== null;
    case 'in':
      return leaf.value.includes(null);
    case 'nin':
      return !leaf.value.includes(null);
    case 'missing':
      return true;
    default:
      return false;
  }
}

/**
 * Lines that read a fact path into `v`, one fixed property read a step: a step from anything but
 * an object (or array), or to a key the object does not hold itself, leads nowhere, so the
 * function returns what the leaf holds for a missing fact. Fact names are data (trait names,
 * tags): `profile.traits.constructor` is the trait, never the function every object inherits.
 */
function readLines(path: string, missing: boolean): string[] {
  const [root, ...names] = path.split('.');
  if (
    (root !== 'event' && root !== 'profile') ||
    names.length === 0 ||
    names.some((name) => !FACT_NAME.test(name) || name === '__proto__')
  ) {
    throw new Error(`cannot compile fact ${JSON.stringify(path)}: it must be a path under event. or profile.`);
  }
  const lines = [`let v = f.${root};`];
  for (const name of names) {
    const key = JSON.stringify(name);
    const own = isInherited(name) ? ` || !hasOwn(v, ${key})` : '';
    lines.push(`if (typeof v !== "object" || v === null${own}) return ${missing};`, `v = v[${key}];`);
  }
  return lines;
}

/** Lines that decide a leaf on the fact read into `v` (which may be missing: see MISSING). */
function testLines(leaf: Leaf, src: Source): string[] {
  const c = (value: unknown) => src.constant(value);
  switch (leaf.op) {
    case 'eq':
      return [leaf.value === null ? `return ${MISSING};` : `return v === ${c(leaf.value)};`];
    case 'ne':
      return [leaf.value === null ? `return !${MISSING};` : `return v !== ${c(leaf.value)};`];
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[leaf.op];
      // A time string that is no time parses to NaN, and every comparison with NaN is false.
      return typeof leaf.value === 'number'
        ? [`return typeof v === "number" && v ${op} ${c(leaf.value)};`]
        : [`return typeof v === "string" && parseTime(v) ${op} ${c(time(leaf.value))};`];
    }
    case 'between': {
      const [low, high] = leaf.value;
      if (typeof low === 'number' && typeof high === 'number') {
        return [`return typeof v === "number" && v >= ${c(low)} && v <= ${c(high)};`];
      }
      return [
        'if (typeof v !== "string") return false;',
        'const t = parseTime(v);',
        `return t >= ${c(time(low))} && t <= ${c(time(high))};`,
      ];
    }
    case 'in':
    case 'nin': {
      // A null in the list stands for the missing fact; the other values are compared strictly
      // (for JSON scalars `===` and a Set's SameValueZero agree).
      const values = [...new Set(leaf.value.filter((x) => x !== null))];
      const member =
        values.length === 0
          ? 'false'
          : values.length <= INLINE_IN
            ? values.map((x) => `v === ${c(x)}`).join(' || ')
            : `${c(new Set(values))}.has(v)`;
      const holds = leaf.value.includes(null) ? `${MISSING} || ${member}` : member;
      return [leaf.op === 'in' ? `return ${holds};` : `return !(${holds});`];
    }
    case 'contains': {
      const value = c(leaf.value);
      return typeof leaf.value === 'string'
        ? [`return typeof v === "string" ? v.includes(${value}) : Array.isArray(v) && v.includes(${value});`]
        : [`return Array.isArray(v) && v.includes(${value});`];
    }
    case 'exists':
      return [`return !${MISSING};`];
    case 'missing':
      return [`return ${MISSING};`];
    case 'within_last':
      return [
        'if (typeof v !== "string") return false;',
        'const t = parseTime(v);',
        'const now = f.now;',
        `return t <= now && t > now - ${c(leaf.days * DAY_MS)};`,
      ];
  }
  throw new Error(`cannot compile operator ${JSON.stringify((leaf as { op: unknown }).op)}`);
}

/**
 * A rough cost of evaluating a condition, in units of one property read: a time parse costs
 * about eight. Groups evaluate their cheap members first, which changes nothing but speed
 * (members are pure and total), and skips most time parsing when a cheap member decides.
 */
function cost(c: Condition): number {
  if ('all' in c) return c.all.reduce((sum, x) => sum + cost(x), 0);
  if ('any' in c) return c.any.reduce((sum, x) => sum + cost(x), 0);
  if ('not' in c) return cost(c.not);
  const reads = c.fact.split('.').length;
  switch (c.op) {
    case 'within_last':
      return reads + 8;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return reads + (typeof c.value === 'string' ? 8 : 1);
    case 'between':
      return reads + (typeof c.value[0] === 'string' ? 8 : 1);
    case 'in':
    case 'nin':
    case 'contains':
      return reads + 2;
    default:
      return reads + 1;
  }
}

const cheapFirst = (members: Condition[]): Condition[] =>
  members
    .map((c, i) => ({ c, i, cost: cost(c) }))
    .sort((a, b) => a.cost - b.cost || a.i - b.i)
    .map((m) => m.c);

/**
 * A condition as a JavaScript expression over `f`: each leaf becomes a small function `cN(f)`
 * of its own (added to `src`), small enough for V8 to inline into the whole; groups become
 * `&&`, `||` and `!` of them, cheap members first.
 */
function expression(condition: Condition, src: Source, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error(`cannot compile a condition nested more than ${MAX_DEPTH} levels deep`);
  const group = (members: Condition[], op: '&&' | '||') => {
    if (members.length === 0) throw new Error('cannot compile an empty group');
    const parts = cheapFirst(members).map((m) => expression(m, src, depth + 1));
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(` ${op} `)})`;
  };
  if ('all' in condition) return group(condition.all, '&&');
  if ('any' in condition) return group(condition.any, '||');
  if ('not' in condition) return `!${expression(condition.not, src, depth + 1)}`;
  const name = `c${src.leaves.length}`;
  const body = [...readLines(condition.fact, whenMissing(condition)), ...testLines(condition, src)];
  src.leaves.push(`function ${name}(f) {\n${body.map((line) => `  ${line}`).join('\n')}\n}`);
  return `${name}(f)`;
}

/** The source of a condition's function, and the constants it takes; for `compileCondition` and tests. */
export function conditionSource(condition: Condition): { source: string; constants: unknown[] } {
  const src = new Source();
  const test = expression(condition, src, 1);
  const source = [
    '"use strict";',
    'const parseTime = k[0];',
    'const hasOwn = Object.hasOwn;',
    ...src.leaves,
    `return function condition(f) {\n  return ${test};\n};`,
  ].join('\n');
  return { source, constants: src.constants };
}

/**
 * The condition as a function of facts, compiled once. The condition must be valid
 * (`conditionErrors` finds nothing); compile it once per journey version and reuse it.
 */
export function compileCondition(condition: Condition): Predicate {
  const { source, constants } = conditionSource(condition);
  // The code generation is safe on untrusted input: see the top of this section.
  return new Function('k', source)(constants) as Predicate;
}

/** The distinct fact paths a condition reads, in the order they first appear. */
export function factsUsed(condition: Condition): string[] {
  const seen = new Set<string>();
  const walk = (c: Condition): void => {
    if ('all' in c) c.all.forEach(walk);
    else if ('any' in c) c.any.forEach(walk);
    else if ('not' in c) walk(c.not);
    else seen.add(c.fact);
  };
  walk(condition);
  return [...seen];
}
