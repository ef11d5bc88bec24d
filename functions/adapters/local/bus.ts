// The local bus: routes events in-process with the same route table the CDK stack turns into
// EventBridge rules, and delivers exactly the envelope EventBridge hands an SQS target.
import { randomUUID } from 'node:crypto';
import { matchesPattern } from '../../core/events/pattern';
import type { Bus, BusEvent, Clock, Queue } from '../../ports';
import { routes as defaultRoutes, type Route } from '../../routes';

/** The event as EventBridge delivers it to a target. */
export type EventEnvelope = {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
};

/** PutEvents' limit on one entry (and one request). */
const MAX_ENTRY_BYTES = 256 * 1024;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** EventBridge timestamps have second precision: 2024-03-01T09:30:00Z. */
function eventTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function checkEvent(event: BusEvent, index: number): void {
  if (!event.source) throw new Error(`event ${index}: source is required`);
  if (!event.detailType) throw new Error(`event ${index}: detailType is required`);
  if (!isPlainObject(event.detail)) throw new Error(`event ${index}: detail must be a JSON object (MalformedDetail)`);
  const detail = JSON.stringify(event.detail);
  const size =
    Buffer.byteLength(event.source, 'utf8') + Buffer.byteLength(event.detailType, 'utf8') + Buffer.byteLength(detail);
  if (size > MAX_ENTRY_BYTES) {
    throw new Error(
      `event ${index} (${event.detailType}) is ${size} bytes; EventBridge accepts at most ${MAX_ENTRY_BYTES}`,
    );
  }
}

export function createLocalBus(options: {
  queue: Queue;
  clock: Clock;
  routes?: Route[];
  /** Sees every envelope before it is delivered, as the AWS bus's archive does. */
  archive?: (envelopes: readonly EventEnvelope[]) => void;
}): Bus {
  const { queue, clock } = options;
  const table = options.routes ?? defaultRoutes;

  return {
    async put(events) {
      // Validate everything first, so a bad entry delivers nothing.
      events.forEach(checkEvent);
      const byQueue = new Map<string, string[]>();
      const envelopes = events.map(
        (event): EventEnvelope => ({
          version: '0',
          id: randomUUID(),
          'detail-type': event.detailType,
          source: event.source,
          account: '000000000000',
          time: eventTime(clock.now()),
          region: 'local',
          resources: [],
          detail: event.detail,
        }),
      );
      options.archive?.(envelopes);
      for (const envelope of envelopes) {
        const body = JSON.stringify(envelope);
        // Each matching rule delivers once, as EventBridge does (two rules to one queue: two copies).
        for (const route of table) {
          if (!matchesPattern(route.pattern, envelope)) continue;
          const bodies = byQueue.get(route.queue) ?? [];
          bodies.push(body);
          byQueue.set(route.queue, bodies);
        }
      }
      await Promise.all([...byQueue].map(([name, bodies]) => queue.send(name, bodies)));
    },
  };
}
