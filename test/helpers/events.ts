// Events and requests as tests build them.
import type { QueueRecord } from '../../functions/contracts/messages';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { INGEST_SOURCE } from '../../functions/routes';

/** A canonical event of `tenantId` (source `api`), untyped properties: for tests of what reads events. */
export const testEvent = (
  tenantId: string,
  type: string,
  customerId: string,
  at: number,
  properties: object,
  eventId = `${type}-${customerId}-${at}`,
) =>
  ({
    type,
    eventId,
    tenantId,
    customerId,
    source: 'api',
    occurredAt: new Date(at).toISOString(),
    properties,
  }) as CanonicalEvent;

/** POST /v1/events on a running growthloop with the tenant's API key. */
export const postEvents = (url: string, apiKey: string, body: unknown) =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

let deliveries = 0;
/** An event as the bus delivers it to a queue, put on the bus at `receivedAt` (EventBridge's envelope time, to the second). */
export const busDelivery = (event: CanonicalEvent, receivedAt: number): QueueRecord => ({
  id: `record-${++deliveries}`,
  body: JSON.stringify({
    version: '0',
    source: INGEST_SOURCE,
    'detail-type': event.type,
    time: new Date(Math.floor(receivedAt / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    detail: event,
  }),
});
