import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { planProfileWrite } from '../../functions/core/profiles/apply';
import { groupByCustomer } from '../../functions/core/profiles/batch';
import { shopHistory } from '../workload';
import type { Results } from './results';

const NOW = Date.parse('2026-04-01T00:00:00Z');

/** Median of `rounds` timings of `run` after a warm-up, in microseconds per `units`. */
export function microsPer(units: number, run: () => void, rounds = 9): number {
  run();
  const timings: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    run();
    timings.push(((performance.now() - started) * 1000) / units);
  }
  return timings.sort((a, b) => a - b)[Math.floor(rounds / 2)] as number;
}

/** 90 days of 2,000 shoppers, and each customer's events per batch of 500, as the profile function groups them. */
export function foldWorkload() {
  const events = shopHistory({ customers: 2000, events: 50_000, seed: 5 }).map(
    (e) => ({ ...e, tenantId: 'bench' }) as CanonicalEvent,
  );
  const groups: CanonicalEvent[][] = [];
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500).map((event, i) => ({ event, recordId: String(i) }));
    for (const customer of groupByCustomer(batch)) groups.push(customer.events);
  }
  return { events, groups };
}

/** The profile fold as the handler runs it: each customer's events of a batch planned into one write. */
export async function benchFold(): Promise<Results> {
  const { events, groups } = foldWorkload();
  const bodies = events.map((e) => JSON.stringify({ detail: e }));
  const fold = () => {
    const stored = new Map<string, ReturnType<typeof planProfileWrite>['next']>();
    for (const group of groups) {
      const id = (group[0] as CanonicalEvent).customerId;
      stored.set(id, planProfileWrite(stored.get(id), group, {}, NOW).next ?? stored.get(id));
    }
  };
  const parse = () => {
    for (const body of bodies) JSON.parse(body);
  };
  const foldUs = microsPer(events.length, fold);
  const parseUs = microsPer(events.length, parse);
  return {
    'profile.fold_us': {
      value: foldUs,
      unit: 'µs/event',
      better: 'lower',
      target: 5,
      anchor: { name: 'JSON.parse of the delivery', value: parseUs },
    },
  };
}
