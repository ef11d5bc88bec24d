/**
 * The backtester: replays an event history through the same pure pieces the live system runs
 * (profile fold, lifecycle rescoring with its daily pass, journey runtime) on a simulated clock,
 * and reports what the journeys would have done. It sends nothing. Deterministic: the same
 * input gives the same report.
 */

import type { CanonicalEvent } from '../events/schemas';
import { MinHeap } from '../min-heap';
import type { StoredProfile } from '../profiles/items';
import { type ProfileChange, rescore } from '../profiles/lifecycle';
import { foldEvents } from '../profiles/profile';
import type { ScoringContext } from '../scoring/profile-scores';
import { createCatalog } from './catalog';
import {
  type CustomerJourneys,
  emptyCustomerJourneys,
  type JourneyIntent,
  type JourneyTimer,
  onCustomerEvent,
  onCustomerTimer,
} from './customer';
import { journeyCustomer } from './facts';
import type { JourneyEvent } from './runtime';
import type { Journey } from './schema';

const DAY = 86_400_000;
/** The daily lifecycle pass runs at 00:15 UTC, as deployed. */
const DAILY_PASS_OFFSET = 15 * 60_000;

export type SimulationOptions = {
  journeys: readonly Journey[];
  /** The history, in any order; events outside [from, to) are left out. */
  events: readonly CanonicalEvent[];
  scoring: ScoringContext & { timeZone: string };
  from?: number;
  /** Timers and daily passes run until here (default: a day after the last event). */
  to?: number;
  /** What one coupon of each pool costs, in minor units of the tenant's currency. */
  couponValues?: Record<string, number>;
};

export type JourneyTotals = {
  entered: number;
  refused: Record<string, number>;
  completed: number;
  exited: number;
  heldOut: number;
  converted: number;
  /** Actions not sent because the journey had reached its daily cap. */
  capped: number;
  actions: Record<string, number>;
  coupons: Record<string, number>;
};

export type Send = { at: string; journeyId: string; customerId: string; activity: string; kind: string; key: string };

export type SimulationReport = {
  from: string;
  to: string;
  events: number;
  customers: number;
  journeys: Record<string, JourneyTotals>;
  actions: Record<string, number>;
  coupons: { issued: number; byPool: Record<string, number>; cost: number | null };
  /** Every action the journeys would have sent, in order. */
  sends: Send[];
};

type Customer = { stored?: StoredProfile; journeys: CustomerJourneys };
type PendingTimer = JourneyTimer & { at: number; seq: number; customerId: string };

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

export function simulate(options: SimulationOptions): SimulationReport {
  const catalog = createCatalog(options.journeys);
  const sorted = [...options.events]
    .filter(
      (e) =>
        (options.from === undefined || Date.parse(e.occurredAt) >= options.from) &&
        (options.to === undefined || Date.parse(e.occurredAt) < options.to),
    )
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId));
  const first = sorted.at(0);
  const last = sorted.at(-1);
  const from = options.from ?? (first ? Date.parse(first.occurredAt) : 0);
  const to = options.to ?? (last ? Date.parse(last.occurredAt) + DAY : from);

  const customers = new Map<string, Customer>();
  const seen = new Set<string>();
  // Pending timers, earliest first (ties in the order they were set).
  const timers = new MinHeap<PendingTimer>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  let seq = 0;
  const totals: Record<string, JourneyTotals> = {};
  const journeyTotals = (id: string) =>
    (totals[id] ??= {
      entered: 0,
      refused: {},
      completed: 0,
      exited: 0,
      heldOut: 0,
      converted: 0,
      capped: 0,
      actions: {},
      coupons: {},
    });
  /** Messages sent per journey and UTC day, against the journeys' daily caps. */
  const sentOnDay = new Map<string, number>();
  const actions: Record<string, number> = {};
  const byPool: Record<string, number> = {};
  const sends: Send[] = [];

  const customerOf = (id: string): Customer => {
    const known = customers.get(id);
    if (known) return known;
    const created: Customer = { journeys: emptyCustomerJourneys() };
    customers.set(id, created);
    return created;
  };

  function apply(customerId: string, intents: readonly JourneyIntent[], now: number) {
    for (const intent of intents) {
      const t = journeyTotals(intent.journeyId);
      if (intent.type === 'set_timer') {
        timers.push({
          journeyId: intent.journeyId,
          instanceId: intent.instanceId,
          timerId: intent.timerId,
          at: Date.parse(intent.at),
          seq: seq++,
          customerId,
        });
      } else if (intent.type === 'metric') {
        if (intent.metric === 'entered') t.entered++;
        else if (intent.metric === 'completed') t.completed++;
        else if (intent.metric === 'exited') t.exited++;
        else if (intent.metric === 'held_out') t.heldOut++;
        else if (intent.metric === 'converted') t.converted++;
      } else {
        const cap = catalog.version(intent.journeyId, intent.version)?.limits.dailyCap;
        if (cap !== undefined) {
          const day = `${intent.journeyId}#${new Date(now).toISOString().slice(0, 10)}`;
          const count = (sentOnDay.get(day) ?? 0) + 1;
          sentOnDay.set(day, count);
          if (count > cap) {
            t.capped++;
            continue;
          }
        }
        const kind = intent.action.kind;
        bump(t.actions, kind);
        bump(actions, kind);
        if (intent.action.kind === 'coupon') {
          bump(t.coupons, intent.action.pool);
          bump(byPool, intent.action.pool);
        }
        sends.push({
          at: new Date(now).toISOString(),
          journeyId: intent.journeyId,
          customerId,
          activity: intent.activity,
          kind,
          key: intent.key,
        });
      }
    }
  }

  function toJourneys(customerId: string, event: JourneyEvent, now: number) {
    const c = customerOf(customerId);
    if (!c.stored) return;
    const facts = journeyCustomer(c.stored.profile, c.stored.lifecycle, options.scoring, now);
    const step = onCustomerEvent(catalog, c.journeys, event, facts, now);
    c.journeys = step.state;
    for (const r of step.refused) bump(journeyTotals(r.journeyId).refused, r.reason);
    apply(customerId, step.intents, now);
  }

  /** Rescores the customer's lifecycle, as the profile function does, and returns the stage changes. */
  function rescoreCustomer(c: Customer, now: number): ProfileChange[] {
    if (!c.stored) return [];
    const { outbox = [], ...kept } = rescore(c.stored, options.scoring, now);
    c.stored = kept;
    return outbox;
  }

  function runTimersUntil(until: number) {
    for (;;) {
      const next = timers.peek();
      if (!next || next.at > until) return;
      timers.pop();
      const c = customerOf(next.customerId);
      if (!c.stored) continue;
      const facts = journeyCustomer(c.stored.profile, c.stored.lifecycle, options.scoring, next.at);
      const step = onCustomerTimer(catalog, c.journeys, next, facts, next.at);
      c.journeys = step.state;
      apply(next.customerId, step.intents, next.at);
    }
  }

  /** Timers and daily passes due up to `until`, in time order. */
  let nextPass = Math.floor(from / DAY) * DAY + DAILY_PASS_OFFSET;
  if (nextPass <= from) nextPass += DAY;
  function advanceTo(until: number) {
    while (nextPass <= until) {
      runTimersUntil(nextPass);
      for (const [id, c] of customers) {
        const due = c.stored?.lifecycle?.nextDueAt;
        if (due === undefined || Date.parse(due) > nextPass) continue;
        for (const change of rescoreCustomer(c, nextPass)) toJourneys(id, change, nextPass);
      }
      nextPass += DAY;
    }
    runTimersUntil(until);
  }

  for (const event of sorted) {
    const now = Date.parse(event.occurredAt);
    advanceTo(now);
    const key = `${event.customerId}\u0000${event.eventId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const c = customerOf(event.customerId);
    const profile = foldEvents(c.stored?.profile, [event]) as StoredProfile['profile'];
    c.stored = { ...(c.stored ?? { version: 0, seen: {} }), profile };
    const changes = rescoreCustomer(c, now);
    toJourneys(event.customerId, event, now);
    for (const change of changes) toJourneys(event.customerId, change, now);
  }
  advanceTo(to);

  const issued = Object.values(byPool).reduce((s, n) => s + n, 0);
  const values = options.couponValues;
  const cost = values ? Object.entries(byPool).reduce((s, [pool, n]) => s + n * (values[pool] ?? 0), 0) : null;
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    events: seen.size,
    customers: customers.size,
    journeys: totals,
    actions,
    coupons: { issued, byPool, cost },
    sends,
  };
}
