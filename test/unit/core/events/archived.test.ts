import { describe, expect, it } from 'vitest';
import { archivedEvent, wanted } from '../../../../functions/core/events/archived';
import { INGEST_SOURCE } from '../../../../functions/routes';
import { testEvent } from '../../../helpers/events';

const event = testEvent('shop', 'login', 'c1', Date.parse('2026-03-01T10:00:00Z'), {});
const line = (envelope: object) => JSON.stringify(envelope);

describe('archive lines', () => {
  it('reads an ingested event and when the bus received it', () => {
    expect(archivedEvent(line({ source: INGEST_SOURCE, time: '2026-03-01T10:00:05Z', detail: event }))).toEqual({
      event,
      receivedAt: '2026-03-01T10:00:05Z',
    });
  });

  it("tells other sources' envelopes from lines that hold no event", () => {
    expect(archivedEvent(line({ source: 'growthloop.profiles', detail: {} }))).toBe('other');
    for (const bad of [
      line({ source: INGEST_SOURCE, detail: event }).slice(0, 40), // cut short while being written
      '[1,2]',
      line({ detail: event }),
      line({ source: INGEST_SOURCE, detail: { ...event, occurredAt: 'yesterday' } }),
      line({ source: INGEST_SOURCE, detail: { ...event, eventId: 7 } }),
    ])
      expect(archivedEvent(bad), bad).toBeUndefined();
  });

  it('keeps the tenant and the half-open range of occurrence', () => {
    const at = Date.parse(event.occurredAt);
    expect(wanted(event, { tenantId: 'shop' })).toBe(true);
    expect(wanted(event, { tenantId: 'other' })).toBe(false);
    expect(wanted(event, { tenantId: 'shop', from: at, to: at + 1 })).toBe(true);
    expect(wanted(event, { tenantId: 'shop', from: at + 1 })).toBe(false);
    expect(wanted(event, { tenantId: 'shop', to: at })).toBe(false);
  });
});
