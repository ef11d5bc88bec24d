import { describe, expect, it } from 'vitest';
import { MAX_BATCH, parseIngestBody } from '../../../../functions/core/events/ingest';

/** When the requests arrive: the events below are dated before. */
const RECEIVED = Date.parse('2026-11-21T09:30:00Z');

const order = (overrides: Record<string, unknown> = {}) => ({
  type: 'order_placed',
  eventId: 'e1',
  customerId: 'c1',
  occurredAt: '2026-11-20T10:00:00Z',
  properties: { orderId: 'o1', total: { amount: 4999, currency: 'EUR' } },
  ...overrides,
});

describe('parsing an ingest body', () => {
  it('accepts one event, stamps the tenant, defaults the source and normalises the time', () => {
    const result = parseIngestBody(JSON.stringify(order()), 'shop', RECEIVED);
    expect(result).toEqual({
      kind: 'events',
      errors: [],
      events: [{ ...order(), tenantId: 'shop', source: 'api', occurredAt: '2026-11-20T10:00:00.000Z' }],
    });
  });

  it('accepts the valid events of a batch and names the path of each bad one', () => {
    const bad = order({ properties: { orderId: 'o2', total: { amount: 12.5, currency: 'EUR' } } });
    const result = parseIngestBody(
      JSON.stringify({ batch: [order(), bad, order({ type: 'teleported' })] }),
      'shop',
      RECEIVED,
    );
    if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result.rejection)}`);
    expect(result.events).toHaveLength(1);
    expect(result.errors.map((e) => [e.index, e.path])).toEqual([
      [1, '$.batch[1].properties.total.amount'],
      [2, '$.batch[2].type'],
    ]);
  });

  it('refuses a body whose every event is invalid with 400 and the first path', () => {
    const result = parseIngestBody(
      JSON.stringify(order({ occurredAt: '2026-11-20T10:00:00+01:00' })),
      'shop',
      RECEIVED,
    );
    expect(result).toMatchObject({
      kind: 'rejected',
      rejection: { status: 400, body: { error: 'invalid_event', path: '$.occurredAt', errors: [{ index: 0 }] } },
    });
  });

  it('refuses invalid JSON, empty and oversized batches, and another tenant', () => {
    const rejection = (body: string) => {
      const result = parseIngestBody(body, 'shop', RECEIVED);
      if (result.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
      return result.rejection;
    };
    expect(rejection('{"type":')).toMatchObject({ status: 400, body: { error: 'invalid_json', path: '$' } });
    expect(rejection('{"batch":[]}')).toMatchObject({ status: 400, body: { path: '$.batch' } });
    const tooMany = JSON.stringify({ batch: Array.from({ length: MAX_BATCH + 1 }, () => order()) });
    expect(rejection(tooMany)).toMatchObject({ status: 413 });
    expect(rejection(JSON.stringify(order({ tenantId: 'other' })))).toEqual({
      status: 403,
      body: {
        error: 'wrong_tenant',
        message: '$.tenantId names a tenant this API key does not belong to',
        path: '$.tenantId',
      },
    });
    expect(rejection('x'.repeat(2 * 1024 * 1024))).toMatchObject({ status: 413 });
  });

  it('refuses the events of a batch dated after the receive time plus 5 minutes, naming each path, and accepts the rest', () => {
    const batch = [
      order({ eventId: 'now' }),
      order({ eventId: 'far', occurredAt: '9999-12-31T00:00:00Z' }),
      order({ eventId: 'skew', occurredAt: '2026-11-21T09:35:00Z' }),
      order({ eventId: 'late', occurredAt: '2026-11-21T09:35:00.001Z' }),
      order({ eventId: 'old', occurredAt: '1999-12-31T23:59:59Z' }),
    ];
    const result = parseIngestBody(JSON.stringify({ batch }), 'shop', RECEIVED);
    if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result.rejection)}`);
    expect(result.events.map((e) => e.eventId)).toEqual(['now', 'skew']);
    expect(result.errors).toEqual([
      {
        index: 1,
        error: 'invalid_event',
        message:
          '$.batch[1].occurredAt: must not be later than the time of receipt plus 5 minutes (2026-11-21T09:35:00Z)',
        path: '$.batch[1].occurredAt',
      },
      {
        index: 3,
        error: 'invalid_event',
        message:
          '$.batch[3].occurredAt: must not be later than the time of receipt plus 5 minutes (2026-11-21T09:35:00Z)',
        path: '$.batch[3].occurredAt',
      },
      {
        index: 4,
        error: 'invalid_event',
        message: '$.batch[4].occurredAt: must not be earlier than 2000-01-01T00:00:00Z',
        path: '$.batch[4].occurredAt',
      },
    ]);
  });

  it('refuses one event dated 9999-12-31 with 400 and its path', () => {
    const result = parseIngestBody(JSON.stringify(order({ occurredAt: '9999-12-31T00:00:00Z' })), 'shop', RECEIVED);
    expect(result).toEqual({
      kind: 'rejected',
      rejection: {
        status: 400,
        body: {
          error: 'invalid_event',
          message: '$.occurredAt: must not be later than the time of receipt plus 5 minutes (2026-11-21T09:35:00Z)',
          path: '$.occurredAt',
          errors: [expect.objectContaining({ index: 0, path: '$.occurredAt' })],
        },
      },
    });
  });

  it('still refuses a body naming another tenant whole, whatever the dates of its events', () => {
    const batch = [order({ occurredAt: '9999-12-31T00:00:00Z' }), order({ tenantId: 'other' })];
    const result = parseIngestBody(JSON.stringify({ batch }), 'shop', RECEIVED);
    expect(result).toMatchObject({ kind: 'rejected', rejection: { status: 403, body: { error: 'wrong_tenant' } } });
  });
});
