// The one contract every Bus adapter must pass: events reach the queues the shared route table
// (functions/routes.ts) names, in the envelope EventBridge delivers to an SQS target.
import { expect, it } from 'vitest';
import type { EventEnvelope } from '../../functions/adapters/local/bus';
import { matchesPattern } from '../../functions/core/events/pattern';
import type { Bus, BusEvent, Queue } from '../../functions/ports';
import { type PatternValue, type Route, routes } from '../../functions/routes';

export type BusSubject = {
  bus: Bus;
  /** Reads what the bus delivered, by the route table's queue names. */
  queue: Queue;
  close(): Promise<void>;
  /** An emulator gap: moto 5.2 delivers the envelope without `account`. Only emulator subjects set this. */
  omitsAccount?: boolean;
};

function sample(values: PatternValue[] | undefined, fallback: string): string {
  const first = values?.[0];
  if (first === undefined) return fallback;
  return typeof first === 'string' ? first : `${first.prefix}contract`;
}

/** An event the route's pattern matches. */
function eventFor(route: Route, detail: Record<string, unknown>): BusEvent {
  return {
    source: sample(route.pattern.source, 'growthloop.contract'),
    detailType: sample(route.pattern['detail-type'], 'contract_event'),
    detail,
  };
}

const unrouted: BusEvent = {
  source: 'contract.nobody-listens',
  detailType: 'nobody_listens',
  detail: { unrouted: true },
};

/** Receives (and acks) until `count` deliveries arrived on `queue` or a few receives came back empty. */
async function deliveries(subject: BusSubject, queue: string, count: number): Promise<EventEnvelope[]> {
  const got: EventEnvelope[] = [];
  let emptyRounds = 0;
  while (got.length < count && emptyRounds < 5) {
    const batch = await subject.queue.receive(queue, { max: Math.max(count - got.length, 1) });
    if (batch.length === 0) emptyRounds++;
    for (const message of batch) got.push(JSON.parse(message.body) as EventEnvelope);
    if (batch.length > 0) {
      await subject.queue.ack(
        queue,
        batch.map((message) => message.receipt),
      );
    }
  }
  return got;
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export function busContract(makeSubject: () => Promise<BusSubject>): void {
  async function withSubject(test: (subject: BusSubject) => Promise<void>): Promise<void> {
    const subject = await makeSubject();
    try {
      await test(subject);
    } finally {
      await subject.close();
    }
  }

  for (const route of routes) {
    it(`an event matching route ${route.name} arrives on ${route.queue} as the EventBridge envelope`, () =>
      withSubject(async (subject) => {
        const detail = {
          tenantId: 'tenant-a',
          eventId: 'evt-1',
          customerId: 'cust-1',
          total: { amount: 4200, currency: 'EUR' },
          items: [{ sku: 'tee', quantity: 2 }],
          note: 'Grüße 🎉',
        };
        const event = eventFor(route, detail);
        await subject.bus.put([event]);
        const [delivered, ...extra] = await deliveries(subject, route.queue, 1);
        expect(extra).toEqual([]);
        expect(delivered).toBeDefined();
        expect(delivered?.version).toBe('0');
        expect(delivered?.id).toEqual(expect.any(String));
        expect(delivered?.['detail-type']).toBe(event.detailType);
        expect(delivered?.source).toBe(event.source);
        expect(delivered?.detail).toEqual(detail);
        if (!subject.omitsAccount) expect(delivered?.account).toMatch(/^\d{12}$/);
        expect(delivered?.region).toEqual(expect.any(String));
        expect(delivered?.resources).toEqual([]);
        expect(delivered?.time).toMatch(ISO_SECONDS);
        expect(Number.isFinite(Date.parse(delivered?.time ?? ''))).toBe(true);
      }));
  }

  it('an event no route matches is not delivered anywhere', () =>
    withSubject(async (subject) => {
      for (const route of routes)
        expect(matchesPattern(route.pattern, { ...unrouted, 'detail-type': unrouted.detailType })).toBe(false);
      const [first] = routes;
      if (!first) return;
      // The routed marker goes in after the unrouted event: once it arrives, the other would have too.
      await subject.bus.put([unrouted]);
      await subject.bus.put([eventFor(first, { marker: true })]);
      const queueNames = [...new Set(routes.map((route) => route.queue))];
      for (const queue of queueNames) {
        const delivered = await deliveries(subject, queue, queue === first.queue ? 1 : 0);
        expect(delivered.map((envelope) => envelope.source)).not.toContain(unrouted.source);
        const late = await subject.queue.receive(queue, { max: 10 });
        expect(late.map((message) => (JSON.parse(message.body) as EventEnvelope).source)).not.toContain(
          unrouted.source,
        );
      }
    }));

  it('delivers all 25 events put in one call', () =>
    withSubject(async (subject) => {
      const [route] = routes;
      if (!route) return;
      const events = Array.from({ length: 25 }, (_, index) => eventFor(route, { index, eventId: `evt-${index}` }));
      await subject.bus.put(events);
      const delivered = await deliveries(subject, route.queue, 25);
      const indexes = delivered.map((envelope) => (envelope.detail as { index: number }).index).sort((a, b) => a - b);
      expect(indexes).toEqual(Array.from({ length: 25 }, (_, index) => index));
      expect(new Set(delivered.map((envelope) => envelope.id)).size).toBe(25);
    }));
}
