// Events and requests as tests build them.
import type { CanonicalEvent } from '../../functions/core/events/schemas';

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
