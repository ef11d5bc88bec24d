/**
 * Simulated shoppers: the BG/NBD generative process (Fader, Hardie & Lee 2005) turned into a
 * history of canonical events, with the ground truth of every customer kept for calibration.
 *
 * Per customer (all rates per week):
 * - λ ~ Gamma(r, rate α), p ~ Beta(a, b); the customer joins at a uniform time in the first
 *   `joinDays` and places a first order then.
 * - Repeat purchases follow a Poisson process with rate λ (gaps ~ Exp(λ)); right after each
 *   repeat purchase the customer dies with probability p. A customer with no repeat purchase is
 *   alive by construction. Nothing happens after death.
 * - Order values follow the Gamma-Gamma spend model: ν ~ Gamma(q, rate γ) per customer, each
 *   order ~ Gamma(p, rate ν) in major units (mean p/ν), rounded to minor units (at least 1).
 * - At joining: session_started 6 min before the first order, identify (first_name, email,
 *   timezone; a push endpoint for those who opt into push) and consent_changed for email and
 *   push (granted with probability `optIn`).
 * - Before each repeat order: session_started 2–30 min earlier (uniform) and a login 30 s after
 *   it (never before the previous order).
 * - While alive, background sessions: a Poisson process of `sessionsPerWeek` from joining until
 *   death or the end, each followed 20 s later by a login with probability `loginShare`.
 *
 * Every customer draws from its own random streams (seed, customer index), so customer i's
 * history does not depend on how many customers are simulated. Times are whole seconds in
 * [start, start + days); events come out merged in time order (ties by customer, then in the
 * customer's own order). Pure: no clock, the seed is the only randomness.
 */
import { currencyExponent } from '../currency';
import type { CanonicalEvent } from '../events/schemas';
import { MinHeap } from '../min-heap';
import type { BgnbdParams } from '../scoring/bgnbd';
import { createRandom, type Random, sampleBeta, sampleExponential, sampleGamma } from './random';

/** The BG/NBD fit on CDNOW (2,357 customers, weeks) in the lifetimes Quickstart. */
export const CDNOW_BGNBD: BgnbdParams = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

/** Gamma-Gamma spend parameters in major currency units: order ~ Gamma(p, ν), ν ~ Gamma(q, rate gamma). */
export interface SpendParams {
  p: number;
  q: number;
  gamma: number;
}

/** Close to the Gamma-Gamma fit on CDNOW's repeat buyers: a mean order of p·γ/(q−1) ≈ 35 major units. */
export const DEFAULT_SPEND: SpendParams = { p: 6.25, q: 3.74, gamma: 15.44 };

export const DEFAULT_START = '2025-01-01T00:00:00Z';
export const DEFAULT_TIME_ZONES = [
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/London',
  'Europe/Madrid',
  'America/New_York',
  'Asia/Shanghai',
] as const;
const FIRST_NAMES = ['Ada', 'Ben', 'Chloé', 'David', 'Emma', 'Felix', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Lena', 'Mia'];

export interface ShopperOptions {
  customers: number;
  days: number;
  seed: number;
  /** ISO-8601 start of the period (default DEFAULT_START). */
  start?: string;
  /** Customers join uniformly over the first joinDays (default days / 3). */
  joinDays?: number;
  /** BG/NBD parameters per week (default CDNOW_BGNBD). */
  params?: BgnbdParams;
  spend?: SpendParams;
  /** ISO 4217 code of the order totals (default EUR). */
  currency?: string;
  /** Share of customers who opt in, per channel (default email 0.6, push 0.4). */
  optIn?: { email?: number; push?: number };
  /** Background sessions per week while alive (default 0.5). */
  sessionsPerWeek?: number;
  /** Share of background sessions with a login (default 0.3). */
  loginShare?: number;
  /** Starts every id (default `sim${seed}`): customers PREFIX-cI, events PREFIX-cI-eK. */
  idPrefix?: string;
  /** The events' source (default "simulator"). */
  source?: string;
  timeZones?: readonly string[];
}

/** What really happened to one customer: the model's draws and the outcome at the end. */
export interface ShopperTruth {
  customerId: string;
  /** Purchase rate per week. */
  lambda: number;
  /** Probability of dying after each repeat purchase. */
  p: number;
  joinedAt: string;
  /** The customer's expected order value in minor units (Gamma-Gamma p/ν). */
  meanOrderValue: number;
  orders: number;
  repeatPurchases: number;
  lastOrderAt: string;
  /** The repeat purchase after which the customer died, or null if alive at the end. */
  diedAt: string | null;
  aliveAtEnd: boolean;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A canonical event as posted (no tenantId: the API key names the tenant). */
export type ShopperEvent = DistributiveOmit<CanonicalEvent, 'tenantId'>;

export interface ShopperSimulation {
  /** Ground truth per customer, in customer order. */
  truth: ShopperTruth[];
  /** The resolved settings (defaults filled in). */
  settings: ResolvedOptions;
  /** The events in time order; each call replays the same history from the seed. */
  events(): Generator<ShopperEvent>;
}

export interface ShopperSummary {
  customers: number;
  orders: number;
  /** Customers with at least one repeat purchase. */
  repeatBuyers: number;
  aliveAtEnd: number;
}

export type ResolvedOptions = Required<Omit<ShopperOptions, 'optIn'>> & {
  optIn: { email: number; push: number };
  startMs: number;
  endMs: number;
  minorPerMajor: number;
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`simulateShoppers: ${message}`);
}

const isShare = (x: number) => x >= 0 && x <= 1;
const isPositive = (x: number) => Number.isFinite(x) && x > 0;

function resolve(options: ShopperOptions): ResolvedOptions {
  const { customers, days, seed } = options;
  check(Number.isInteger(customers) && customers >= 0, `customers must be a whole number ≥ 0, got ${customers}`);
  check(isPositive(days), `days must be > 0, got ${days}`);
  check(Number.isInteger(seed), `seed must be an integer, got ${seed}`);
  const start = options.start ?? DEFAULT_START;
  const startMs = Date.parse(start);
  check(Number.isFinite(startMs), `start "${start}" is not an ISO-8601 time`);
  const joinDays = options.joinDays ?? days / 3;
  check(isPositive(joinDays) && joinDays <= days, `joinDays must be in (0, days], got ${joinDays}`);
  const params = options.params ?? CDNOW_BGNBD;
  check(Object.values(params).every(isPositive), 'BG/NBD parameters must be > 0');
  const spend = options.spend ?? DEFAULT_SPEND;
  check(Object.values(spend).every(isPositive), 'spend parameters must be > 0');
  const optIn = { email: options.optIn?.email ?? 0.6, push: options.optIn?.push ?? 0.4 };
  check(isShare(optIn.email) && isShare(optIn.push), 'opt-in shares must be between 0 and 1');
  const sessionsPerWeek = options.sessionsPerWeek ?? 0.5;
  check(Number.isFinite(sessionsPerWeek) && sessionsPerWeek >= 0, 'sessionsPerWeek must be ≥ 0');
  const loginShare = options.loginShare ?? 0.3;
  check(isShare(loginShare), 'loginShare must be between 0 and 1');
  const timeZones = options.timeZones ?? DEFAULT_TIME_ZONES;
  check(timeZones.length > 0, 'timeZones must name at least one zone');
  const currency = options.currency ?? 'EUR';
  return {
    customers,
    days,
    seed,
    start,
    joinDays,
    params,
    spend,
    currency,
    optIn,
    sessionsPerWeek,
    loginShare,
    idPrefix: options.idPrefix ?? `sim${seed}`,
    source: options.source ?? 'simulator',
    timeZones,
    startMs,
    endMs: startMs + days * DAY,
    minorPerMajor: 10 ** currencyExponent(currency),
  };
}

/** What a customer is, drawn first from the customer's purchase stream. */
interface Profile {
  index: number;
  customerId: string;
  lambda: number;
  p: number;
  joinAt: number;
  /** Gamma-Gamma ν (rate of the order-value Gamma). */
  nu: number;
  firstName: string;
  timeZone: string;
  email: boolean;
  push: boolean;
}

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random.next() * list.length)] as T;
const wholeSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;

function drawProfile(s: ResolvedOptions, index: number, random: Random): Profile {
  const { r, alpha, a, b } = s.params;
  return {
    index,
    customerId: `${s.idPrefix}-c${index}`,
    lambda: sampleGamma(random, r, alpha),
    p: sampleBeta(random, a, b),
    joinAt: wholeSecond(s.startMs + random.next() * s.joinDays * DAY),
    nu: sampleGamma(random, s.spend.q, s.spend.gamma),
    firstName: pick(random, FIRST_NAMES),
    timeZone: pick(random, s.timeZones),
    email: random.next() < s.optIn.email,
    push: random.next() < s.optIn.push,
  };
}

/** One order of the purchase process: when, how much, how long its session started before, whether the customer dies after it. */
interface Purchase {
  at: number;
  amount: number;
  sessionLead: number;
  dies: boolean;
}

/** The first order at joining, then the repeat purchases until death or the end of the period. */
function* purchases(s: ResolvedOptions, profile: Profile, random: Random): Generator<Purchase> {
  const amount = () => Math.max(1, Math.round(sampleGamma(random, s.spend.p, profile.nu) * s.minorPerMajor));
  yield { at: profile.joinAt, amount: amount(), sessionLead: 6 * MINUTE, dies: false };
  let t = profile.joinAt;
  for (;;) {
    t += sampleExponential(random, profile.lambda) * WEEK;
    const at = wholeSecond(t);
    if (!(at < s.endMs)) return;
    const value = amount();
    const sessionLead = (2 + 28 * random.next()) * MINUTE;
    const dies = random.next() < profile.p;
    yield { at, amount: value, sessionLead, dies };
    if (dies) return;
  }
}

/** The SNS platform endpoint of a customer who opted into push: their app registered a device. */
const pushEndpoint = (customerId: string) =>
  `arn:aws:sns:eu-central-1:000000000000:endpoint/GCM/growthloop-simulator/${customerId}`;

const purchaseStream = (index: number) => 2 * index;
const browsingStream = (index: number) => 2 * index + 1;

function truthOf(s: ResolvedOptions, index: number): ShopperTruth {
  const random = createRandom(s.seed, purchaseStream(index));
  const profile = drawProfile(s, index, random);
  let orders = 0;
  let lastOrderAt = profile.joinAt;
  let diedAt: number | null = null;
  for (const purchase of purchases(s, profile, random)) {
    orders++;
    lastOrderAt = purchase.at;
    if (purchase.dies) diedAt = purchase.at;
  }
  return {
    customerId: profile.customerId,
    lambda: profile.lambda,
    p: profile.p,
    joinedAt: new Date(profile.joinAt).toISOString(),
    meanOrderValue: (s.spend.p / profile.nu) * s.minorPerMajor,
    orders,
    repeatPurchases: orders - 1,
    lastOrderAt: new Date(lastOrderAt).toISOString(),
    diedAt: diedAt === null ? null : new Date(diedAt).toISOString(),
    aliveAtEnd: diedAt === null,
  };
}

/** An event before its ids: its time and what it says. */
type Timed = { at: number } & DistributiveOmit<
  ShopperEvent,
  'eventId' | 'customerId' | 'occurredAt' | 'source' | 'tenantId'
>;

function* purchaseTimeline(s: ResolvedOptions, profile: Profile, random: Random): Generator<Timed> {
  const orderId = (n: number) => `${profile.customerId}-o${n}`;
  let n = 0;
  let previous = s.startMs;
  for (const purchase of purchases(s, profile, random)) {
    const sessionAt = Math.max(previous, wholeSecond(purchase.at - purchase.sessionLead));
    const properties = { sessionId: `${profile.customerId}-p${n}` };
    yield { at: sessionAt, type: 'session_started', properties };
    if (n === 0) {
      const signUp = Math.min(purchase.at, sessionAt + MINUTE);
      const traits = {
        first_name: profile.firstName,
        email: `${profile.customerId}@example.com`,
        ...(profile.push ? { push_endpoint: pushEndpoint(profile.customerId) } : {}),
      };
      yield { at: signUp, type: 'identify', properties: { traits, timezone: profile.timeZone } };
      yield { at: signUp, type: 'consent_changed', properties: { channel: 'email', granted: profile.email } };
      yield { at: signUp, type: 'consent_changed', properties: { channel: 'push', granted: profile.push } };
    } else {
      yield { at: Math.min(purchase.at, sessionAt + 30 * SECOND), type: 'login', properties: { method: 'password' } };
    }
    const total = { amount: purchase.amount, currency: s.currency };
    yield { at: purchase.at, type: 'order_placed', properties: { orderId: orderId(n), total } };
    previous = purchase.at;
    n++;
  }
}

function* browsingTimeline(s: ResolvedOptions, profile: Profile, until: number): Generator<Timed> {
  if (s.sessionsPerWeek === 0) return;
  const random = createRandom(s.seed, browsingStream(profile.index));
  let n = 0;
  let last = profile.joinAt;
  for (let t = profile.joinAt; ; ) {
    t += sampleExponential(random, s.sessionsPerWeek) * WEEK;
    // Not before the previous session's login, so that the timeline stays in order.
    const at = Math.max(last, wholeSecond(t));
    if (!(at + MINUTE < until)) return;
    const login = random.next() < s.loginShare;
    yield { at, type: 'session_started', properties: { sessionId: `${profile.customerId}-b${n++}` } };
    last = at;
    if (login) {
      last = at + 20 * SECOND;
      yield { at: last, type: 'login', properties: { method: 'password' } };
    }
  }
}

/** The two timelines of one customer merged in time order (purchases first on a tie). */
function* customerTimeline(s: ResolvedOptions, truth: ShopperTruth, index: number): Generator<Timed> {
  const random = createRandom(s.seed, purchaseStream(index));
  const profile = drawProfile(s, index, random);
  const until = truth.diedAt === null ? s.endMs : Date.parse(truth.diedAt);
  const a = purchaseTimeline(s, profile, random);
  const b = browsingTimeline(s, profile, until);
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    if (!x.done && (y.done || x.value.at <= y.value.at)) {
      yield x.value;
      x = a.next();
    } else if (!y.done) {
      yield y.value;
      y = b.next();
    }
  }
}

interface Cursor {
  index: number;
  customerId: string;
  timeline: Generator<Timed>;
  next: Timed;
  seq: number;
}

function* mergedEvents(s: ResolvedOptions, truth: readonly ShopperTruth[]): Generator<ShopperEvent> {
  const heap = new MinHeap<Cursor>((x, y) => x.next.at < y.next.at || (x.next.at === y.next.at && x.index < y.index));
  truth.forEach((t, index) => {
    const timeline = customerTimeline(s, t, index);
    const first = timeline.next();
    if (!first.done) heap.push({ index, customerId: t.customerId, timeline, next: first.value, seq: 0 });
  });
  for (let cursor = heap.pop(); cursor; cursor = heap.pop()) {
    const { at, ...event } = cursor.next;
    yield {
      ...event,
      eventId: `${cursor.customerId}-e${cursor.seq++}`,
      customerId: cursor.customerId,
      occurredAt: new Date(at).toISOString(),
      source: s.source,
    } as ShopperEvent;
    const following = cursor.timeline.next();
    if (!following.done) {
      cursor.next = following.value;
      heap.push(cursor);
    }
  }
}

/** Simulates the customers' ground truth now and their events on demand (see the module comment). */
export function simulateShoppers(options: ShopperOptions): ShopperSimulation {
  const settings = resolve(options);
  const truth = Array.from({ length: settings.customers }, (_, index) => truthOf(settings, index));
  return { truth, settings, events: () => mergedEvents(settings, truth) };
}

export function summarizeShoppers(truth: readonly ShopperTruth[]): ShopperSummary {
  let orders = 0;
  let repeatBuyers = 0;
  let aliveAtEnd = 0;
  for (const t of truth) {
    orders += t.orders;
    if (t.repeatPurchases > 0) repeatBuyers++;
    if (t.aliveAtEnd) aliveAtEnd++;
  }
  return { customers: truth.length, orders, repeatBuyers, aliveAtEnd };
}
