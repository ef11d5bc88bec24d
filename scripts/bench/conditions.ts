import jsonLogic, { type RulesLogic } from 'json-logic-js';
import { Engine, type TopLevelCondition } from 'json-rules-engine';
import type { Condition, Facts } from '../../functions/core/journeys/condition-schema';
import { compileCondition, conditionErrors } from '../../functions/core/journeys/conditions';
import type { Results } from './results';

const PROFILES = 1_000;
const ROUNDS = 9;
/** Each round of each library runs at least this long, so timer resolution does not matter. */
const ROUND_MS = 100;
const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00Z');
const FIRST_ORDER_BEFORE = '2026-01-01T00:00:00Z';

/**
 * The same win-back rule in the three languages, 11 clauses: at risk or dormant, a real
 * customer (2+ orders or 100.00+ spent), an order in the last 90 days, a customer since
 * before this year, not opted out, email consent, a valuable RFM segment or a high churn
 * score, an email address, and a cart of 20.00–500.00 in the event.
 */
const ours: Condition = {
  all: [
    { fact: 'profile.lifecycle.stage', op: 'in', value: ['at_risk', 'dormant'] },
    {
      any: [
        { fact: 'profile.orders', op: 'gte', value: 2 },
        { fact: 'profile.revenue', op: 'gte', value: 10_000 },
      ],
    },
    { fact: 'profile.lastOrderAt', op: 'within_last', days: 90 },
    { fact: 'profile.firstOrderAt', op: 'lt', value: FIRST_ORDER_BEFORE },
    { not: { fact: 'profile.tags', op: 'contains', value: 'no-marketing' } },
    { fact: 'profile.consent.email', op: 'eq', value: 'granted' },
    {
      any: [
        { fact: 'profile.rfm.segment', op: 'in', value: ['champions', 'loyal', 'cannot_lose', 'at_risk'] },
        { fact: 'profile.scores.churn', op: 'gte', value: 0.5 },
      ],
    },
    { fact: 'profile.traits.email', op: 'exists' },
    { fact: 'event.properties.value.amount', op: 'between', value: [2_000, 50_000] },
  ],
};

/** json-rules-engine: facts `profile` and `event` read by JSONPath, times as epoch ms. */
const jreConditions: TopLevelCondition = {
  all: [
    { fact: 'profile', path: '$.lifecycle.stage', operator: 'in', value: ['at_risk', 'dormant'] },
    {
      any: [
        { fact: 'profile', path: '$.orders', operator: 'greaterThanInclusive', value: 2 },
        { fact: 'profile', path: '$.revenue', operator: 'greaterThanInclusive', value: 10_000 },
      ],
    },
    // within the last 90 days: (now − 90 days, now], the bounds given as runtime facts
    { fact: 'profile', path: '$.lastOrderAt', operator: 'greaterThan', value: { fact: 'windowStart' } },
    { fact: 'profile', path: '$.lastOrderAt', operator: 'lessThanInclusive', value: { fact: 'now' } },
    { fact: 'profile', path: '$.firstOrderAt', operator: 'lessThan', value: Date.parse(FIRST_ORDER_BEFORE) },
    { not: { fact: 'profile', path: '$.tags', operator: 'contains', value: 'no-marketing' } },
    { fact: 'profile', path: '$.consent.email', operator: 'equal', value: 'granted' },
    {
      any: [
        {
          fact: 'profile',
          path: '$.rfm.segment',
          operator: 'in',
          value: ['champions', 'loyal', 'cannot_lose', 'at_risk'],
        },
        { fact: 'profile', path: '$.scores.churn', operator: 'greaterThanInclusive', value: 0.5 },
      ],
    },
    { fact: 'profile', path: '$.traits.email', operator: 'exists', value: true },
    { fact: 'event', path: '$.properties.value.amount', operator: 'greaterThanInclusive', value: 2_000 },
    { fact: 'event', path: '$.properties.value.amount', operator: 'lessThanInclusive', value: 50_000 },
  ],
};

/** json-logic-js: `var` paths, times as epoch ms; a missing var is null, which `<` would take for 0, hence the guard. */
const jsonLogicRule = {
  and: [
    { in: [{ var: 'profile.lifecycle.stage' }, ['at_risk', 'dormant']] },
    { or: [{ '>=': [{ var: 'profile.orders' }, 2] }, { '>=': [{ var: 'profile.revenue' }, 10_000] }] },
    { '>': [{ var: 'profile.lastOrderAt' }, { '-': [{ var: 'now' }, 90 * DAY] }] },
    { '<=': [{ var: 'profile.lastOrderAt' }, { var: 'now' }] },
    { '!=': [{ var: 'profile.firstOrderAt' }, null] },
    { '<': [{ var: 'profile.firstOrderAt' }, Date.parse(FIRST_ORDER_BEFORE)] },
    { '!': { in: ['no-marketing', { var: 'profile.tags' }] } },
    { '===': [{ var: 'profile.consent.email' }, 'granted'] },
    {
      or: [
        { in: [{ var: 'profile.rfm.segment' }, ['champions', 'loyal', 'cannot_lose', 'at_risk']] },
        { '>=': [{ var: 'profile.scores.churn' }, 0.5] },
      ],
    },
    { '!=': [{ var: 'profile.traits.email' }, null] },
    { '<=': [2_000, { var: 'event.properties.value.amount' }, 50_000] },
  ],
} as RulesLogic;

/** A small deterministic generator (mulberry32), so every run measures the same profiles. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Profile = {
  customerId: string;
  lifecycle: { stage: string; since: string };
  orders: number;
  revenue: number;
  firstOrderAt?: string;
  lastOrderAt?: string;
  tags?: string[];
  consent: Record<string, string>;
  rfm: { r: number; f: number; m: number; segment: string };
  scores: { churn: number; clv: number };
  traits: Record<string, string>;
};

/**
 * 1,000 profiles with a cart event each: 40% built to match, the others to miss on one or two
 * clauses (any of them, so evaluation stops at every depth), some with facts missing.
 */
function workload(): { profile: Profile; event: unknown }[] {
  const next = random(20260601);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T;
  const iso = (ms: number) => new Date(ms).toISOString();
  return Array.from({ length: PROFILES }, (_, i) => {
    const profile: Profile = {
      customerId: `customer-${i}`,
      lifecycle: { stage: pick(['at_risk', 'dormant']), since: iso(NOW - (5 + next() * 60) * DAY) },
      orders: 2 + Math.floor(next() * 8),
      revenue: 5_000 + Math.floor(next() * 40_000),
      firstOrderAt: iso(NOW - (200 + next() * 700) * DAY),
      lastOrderAt: iso(NOW - (31 + next() * 58) * DAY),
      tags: next() < 0.5 ? ['newsletter', 'vip'] : ['newsletter'],
      consent: { email: 'granted', sms: pick(['granted', 'denied']) },
      rfm: { r: 2, f: 3, m: 4, segment: pick(['champions', 'loyal', 'cannot_lose', 'at_risk']) },
      scores: { churn: 0.3 + next() * 0.6, clv: Math.round(next() * 90_000) },
      traits: { email: `c${i}@example.com`, firstName: `Name${i}` },
    };
    const amount = 2_000 + Math.floor(next() * 48_000);
    const event = {
      type: 'cart_updated',
      customerId: profile.customerId,
      occurredAt: iso(NOW - 60_000),
      properties: { value: { amount, currency: 'EUR' }, itemCount: 1 + Math.floor(next() * 5) },
    };
    if (next() >= 0.4) {
      const misses = next() < 0.7 ? 1 : 2;
      for (let m = 0; m < misses; m++) {
        switch (Math.floor(next() * 12)) {
          case 0:
            profile.lifecycle.stage = pick(['new', 'active', 'churned']);
            break;
          case 1:
            profile.orders = 1;
            profile.revenue = Math.floor(next() * 9_999);
            break;
          case 2:
            profile.lastOrderAt = iso(NOW - (91 + next() * 300) * DAY);
            break;
          case 3:
            profile.lastOrderAt = undefined;
            profile.firstOrderAt = undefined;
            profile.orders = 0;
            profile.revenue = 0;
            break;
          case 4:
            profile.firstOrderAt = iso(NOW - next() * 100 * DAY);
            break;
          case 5:
            profile.tags = ['newsletter', 'no-marketing'];
            break;
          case 6:
            profile.consent.email = pick(['denied', 'pending']);
            break;
          case 7:
            profile.rfm.segment = pick(['hibernating', 'new_customers', 'promising']);
            profile.scores.churn = next() * 0.49;
            break;
          case 8:
            delete profile.traits.email;
            break;
          case 9:
            event.properties.value.amount = pick([0, 1_999, 50_001, 120_000]);
            break;
          case 10:
            // No tags at all: the opt-out cannot be there, so this still matches on that clause.
            profile.tags = undefined;
            break;
          default:
            profile.lastOrderAt = iso(NOW + DAY);
        }
      }
    }
    // As the store hands them over: parsed JSON (which also drops the undefined fields).
    return JSON.parse(JSON.stringify({ profile, event })) as { profile: Profile; event: unknown };
  });
}

/** The same profile with its times as epoch milliseconds: how the anchors compare times. */
function withEpochTimes(profile: Profile) {
  const ms = (t: string | undefined) => (t === undefined ? undefined : Date.parse(t));
  const { firstOrderAt, lastOrderAt, ...rest } = profile;
  return {
    ...rest,
    lifecycle: { ...profile.lifecycle, since: Date.parse(profile.lifecycle.since) },
    ...(firstOrderAt === undefined ? {} : { firstOrderAt: ms(firstOrderAt) }),
    ...(lastOrderAt === undefined ? {} : { lastOrderAt: ms(lastOrderAt) }),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Evaluations per second of one round: `evaluateAll` runs over every fact object until ROUND_MS passed. */
async function rate(evaluateAll: () => number | Promise<number>): Promise<number> {
  let evaluations = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    evaluations += await evaluateAll();
    elapsed = performance.now() - started;
  } while (elapsed < ROUND_MS);
  return evaluations / (elapsed / 1000);
}

/**
 * The journey condition compiler against json-rules-engine and json-logic-js: one 11-clause
 * win-back rule in each language, evaluated over the same 1,000 profile-and-event fact
 * objects, side by side in one run; all three must agree on every one.
 */
export async function benchConditions(): Promise<Results> {
  const problems = conditionErrors(ours);
  if (problems.length > 0) throw new Error(`the bench rule is invalid: ${JSON.stringify(problems)}`);
  const rows = workload();

  const ourFacts: Facts[] = rows.map(({ profile, event }) => ({ event, profile, now: NOW }));
  const logicFacts = rows.map(({ profile, event }) => ({ profile: withEpochTimes(profile), event, now: NOW }));
  const jreFacts = logicFacts.map((f) => ({ ...f, windowStart: NOW - 90 * DAY }));

  const test = compileCondition(ours);
  const engine = new Engine();
  engine.addOperator<unknown, unknown>('exists', (factValue) => factValue !== undefined && factValue !== null);
  engine.addRule({ conditions: jreConditions, event: { type: 'win-back' } });
  const jreHolds = async (facts: object) => (await engine.run(facts)).events.length > 0;

  // The same work: every fact object gets the same answer from all three.
  let matches = 0;
  for (let i = 0; i < rows.length; i++) {
    const a = test(ourFacts[i] as Facts);
    const b = jsonLogic.apply(jsonLogicRule, logicFacts[i]) === true;
    const c = await jreHolds(jreFacts[i] as object);
    if (a !== b || a !== c) {
      throw new Error(
        `the three disagree on profile ${i} (ours ${a}, json-logic-js ${b}, json-rules-engine ${c}): ${JSON.stringify(rows[i])}`,
      );
    }
    if (a) matches++;
  }
  if (matches === 0 || matches === rows.length)
    throw new Error(`the workload must mix matches and misses (${matches} match)`);

  let sink = 0;
  const runOurs = () => {
    for (let i = 0; i < ourFacts.length; i++) if (test(ourFacts[i] as Facts)) sink++;
    return ourFacts.length;
  };
  const runLogic = () => {
    for (let i = 0; i < logicFacts.length; i++) if (jsonLogic.apply(jsonLogicRule, logicFacts[i]) === true) sink++;
    return logicFacts.length;
  };
  const runJre = async () => {
    for (let i = 0; i < jreFacts.length; i++) if (await jreHolds(jreFacts[i] as object)) sink++;
    return jreFacts.length;
  };

  // Warm-up, then rounds interleaved so drift in the machine hits all three alike.
  await rate(runOurs);
  await rate(runLogic);
  await rate(runJre);
  const oursRates: number[] = [];
  const logicRates: number[] = [];
  const jreRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    oursRates.push(await rate(runOurs));
    logicRates.push(await rate(runLogic));
    jreRates.push(await rate(runJre));
  }
  if (sink === 0) throw new Error('nothing matched while timing');

  const evalsPerS = median(oursRates);
  const logicPerS = median(logicRates);
  const jrePerS = median(jreRates);
  // Speedups are the median of each round's ratio: the three ran back to back, so a slow
  // moment of a shared machine touches both sides of a ratio.
  const vsLogic = median(oursRates.map((x, r) => x / (logicRates[r] as number)));
  const vsJre = median(oursRates.map((x, r) => x / (jreRates[r] as number)));
  const workloadNote = `one 11-clause win-back rule (nested all/any/not; in, gte, within_last, lt on a time, contains, eq, exists, between) over the same ${rows.length.toLocaleString('en')} profile+cart-event fact objects, ${matches} of which match; all three agree on every one; median of ${ROUNDS} rounds of ≥ ${ROUND_MS} ms after a warm-up, the three interleaved; speedups are medians of the per-round ratios`;
  const timesNote =
    'ours reads times as ISO-8601 strings, as profiles store them, and parses them per evaluation; the anchors get epoch-ms numbers (neither has a time type: numbers are their idiomatic form), converted before timing, which spares them the parsing';
  return {
    'conditions.evals_per_s': {
      value: evalsPerS,
      unit: 'evals/s',
      better: 'higher',
      note: `compileCondition once, then the closure per fact object; ${workloadNote}`,
    },
    'conditions.speedup_vs_json_rules_engine': {
      value: vsJre,
      unit: 'x',
      better: 'higher',
      target: 100,
      anchor: { name: 'json-rules-engine', value: jrePerS, unit: 'evals/s' },
      note: `json-rules-engine 7: the rule added once, then await engine.run(facts) per fact object with facts {profile, event, now, windowStart} read by its default JSONPath resolver, a custom "exists" operator, the 90-day window as two comparisons against runtime facts; ${timesNote}`,
    },
    'conditions.speedup_vs_json_logic': {
      value: vsLogic,
      unit: 'x',
      better: 'higher',
      target: 10,
      anchor: { name: 'json-logic-js', value: logicPerS, unit: 'evals/s' },
      note: `json-logic-js 2: jsonLogic.apply(rule, data) per fact object, the 90-day window as {"-": [now, 90 days]}, a != null guard before the time comparison (a missing var is null, which < takes for 0); ${timesNote}`,
    },
  };
}
