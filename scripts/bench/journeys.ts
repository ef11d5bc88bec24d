import { createCatalog } from '../../functions/core/journeys/catalog';
import type { Condition } from '../../functions/core/journeys/condition-schema';
import { emptyCustomerJourneys, onCustomerEvent } from '../../functions/core/journeys/customer';
import { type Customer, isEntryEvent, type JourneyEvent } from '../../functions/core/journeys/runtime';
import { Journey } from '../../functions/core/journeys/schema';
import { random } from '../workload';
import type { Results } from './results';

const JOURNEYS = 1_000;
const EVENTS = 2_000;
const ROUNDS = 7;
const WARMUP_ROUNDS = 1;
const NOW = Date.parse('2026-06-01T12:00:00Z');

const ENTRY_TYPES = [
  'checkout_started',
  'order_placed',
  'session_started',
  'login',
  'product_viewed',
  'cart_updated',
  'identify',
  'review',
  'coupon_redeemed',
  'points_earned',
  'message_clicked',
  'invite_accepted',
] as const;
const STAGES = ['new', 'activated', 'repeat', 'loyal', 'at_risk', 'dormant', 'churned'] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const SEGMENTS = 40;

/**
 * An entry condition as marketers write them: the audience (one of 40 segments, a trait) and 0
 * to 3 more clauses on the event and the profile.
 */
function condition(rand: () => number): Condition {
  const audience: Condition = { fact: 'profile.traits.segment', op: 'eq', value: `s-${Math.floor(rand() * SEGMENTS)}` };
  const clauses: Condition[] = [
    { fact: 'profile.orders', op: 'gte', value: Math.floor(rand() * 4) },
    { fact: 'profile.lifecycle.stage', op: 'in', value: STAGES.filter(() => rand() < 0.5).concat('new') },
    { fact: 'profile.tags', op: 'contains', value: rand() < 0.5 ? 'vip' : 'no-marketing' },
    { fact: 'profile.lastOrderAt', op: 'within_last', days: 30 + Math.floor(rand() * 90) },
    { fact: 'event.properties.value.amount', op: 'between', value: [Math.floor(rand() * 5000), 20_000] },
  ];
  const picked = clauses.sort(() => rand() - 0.5).slice(0, Math.floor(rand() * 4));
  return picked.length === 0 ? audience : { all: [audience, ...picked] };
}

/** 1,000 live journeys: entries spread over a dozen event types and the lifecycle stages, most with a goal. */
function journeys(): Journey[] {
  const rand = random(42);
  return Array.from({ length: JOURNEYS }, (_, i) => {
    const lifecycle = rand() < 0.25;
    const type = ENTRY_TYPES[Math.floor(rand() * ENTRY_TYPES.length)] as string;
    return Journey.parse({
      id: `j-${i}`,
      name: `journey ${i}`,
      status: 'live',
      version: 1,
      entry: lifecycle
        ? { type: 'lifecycle', stages: [STAGES[Math.floor(rand() * STAGES.length)]], condition: condition(rand) }
        : { type: 'event', event: type, condition: condition(rand) },
      startActivity: 'wait',
      activities: {
        wait: { type: 'wait', for: '1d', next: 'send' },
        send: { type: 'action', action: { kind: 'email', template: `t-${i}` } },
      },
      goals: rand() < 0.7 ? [{ event: 'order_placed' }] : [],
    });
  });
}

function events(): JourneyEvent[] {
  const rand = random(7);
  return Array.from({ length: EVENTS }, (_, i) => {
    const lifecycle = rand() < 0.1;
    return {
      type: lifecycle ? 'lifecycle.stage_changed' : (ENTRY_TYPES[Math.floor(rand() * ENTRY_TYPES.length)] as string),
      eventId: `e-${i}`,
      customerId: `c-${i % 200}`,
      occurredAt: new Date(NOW).toISOString(),
      properties: lifecycle
        ? { from: 'repeat', to: STAGES[Math.floor(rand() * STAGES.length)] }
        : { value: { amount: Math.floor(rand() * 20_000), currency: 'EUR' }, checkoutId: `k-${i}` },
    };
  });
}

const customer = (i: number): Customer => ({
  profile: {
    customerId: `c-${i}`,
    orders: i % 5,
    lifecycle: { stage: STAGES[i % STAGES.length] },
    tags: i % 3 === 0 ? ['vip'] : [],
    traits: { segment: `s-${i % SEGMENTS}` },
    lastOrderAt: new Date(NOW - (i % 100) * 86_400_000).toISOString(),
  },
  timeZone: 'Europe/Berlin',
});

/**
 * One event against 1,000 live journeys: `onCustomerEvent` for a customer already in three
 * journeys (goals and awaited events checked, entries found through the index by event type),
 * against scanning every journey's entry for each event, side by side in one run.
 */
export async function benchJourneys(): Promise<Results> {
  const all = journeys();
  const catalog = createCatalog(all);
  const stream = events();
  const customers = Array.from({ length: 200 }, (_, i) => customer(i));
  // Each customer is in three journeys, waiting.
  const states = customers.map((c, i) => {
    let state = emptyCustomerJourneys();
    for (const j of [all[i % JOURNEYS], all[(i * 7) % JOURNEYS], all[(i * 13) % JOURNEYS]]) {
      if (!j) continue;
      const type = j.entry.type === 'event' ? j.entry.event : 'lifecycle.stage_changed';
      const entered = onCustomerEvent(
        createCatalog([j]),
        state,
        {
          type,
          eventId: `seed-${j.id}`,
          customerId: `c-${i}`,
          occurredAt: new Date(NOW).toISOString(),
          properties: { to: 'new' },
        },
        { ...c, profile: { ...c.profile, lifecycle: { stage: 'new' } } },
        NOW,
      );
      state = entered.state;
    }
    return state;
  });

  const perEvent = (run: (event: JourneyEvent, i: number) => unknown) => {
    const rounds: number[] = [];
    for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
      const started = performance.now();
      for (let i = 0; i < stream.length; i++) run(stream[i] as JourneyEvent, i % 200);
      if (r >= WARMUP_ROUNDS) rounds.push(((performance.now() - started) * 1000) / stream.length);
    }
    return median(rounds);
  };
  let entered = 0;
  const indexed = perEvent((event, i) => {
    entered += onCustomerEvent(
      catalog,
      states[i] as ReturnType<typeof emptyCustomerJourneys>,
      event,
      customers[i] as Customer,
      NOW,
    ).intents.length;
  });
  let matched = 0;
  const scanning = perEvent((event, i) => {
    const facts = { event, profile: (customers[i] as Customer).profile, now: NOW };
    for (const journey of all) if (isEntryEvent(journey, event, facts)) matched++;
  });
  if (entered === 0 || matched === 0) throw new Error('the benchmark matched nothing: it would measure no work');
  return {
    'journeys.match_us_1000': {
      value: indexed,
      unit: 'µs/event',
      better: 'lower',
      target: 10,
      anchor: { name: 'every journey’s entry checked', value: scanning },
      note: `${JOURNEYS} live journeys over ${ENTRY_TYPES.length} event types and the lifecycle; a customer in 3 of them; median of ${ROUNDS} rounds of ${EVENTS} events`,
    },
  };
}
