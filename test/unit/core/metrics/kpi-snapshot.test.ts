// The KPI snapshot's packing: what goes in comes out (times, amounts, currencies), in chunks of
// bounded size, without the customer and order ids.
import { describe, expect, it } from 'vitest';
import type { CustomerHistory } from '../../../../functions/core/metrics/kpi-input';
import { packHistories, unpackHistories } from '../../../../functions/core/metrics/kpi-snapshot';

const history = (customerId: string, orders: [string, number, string][]): CustomerHistory => ({
  customerId,
  orders: orders.map(([at, amount, currency], i) => ({
    orderId: `${customerId}-${i}`,
    at,
    total: { amount, currency },
  })),
});

const shape = (histories: CustomerHistory[]) =>
  histories.map((h) => h.orders.map((o) => [o.at, o.total.amount, o.total.currency]));

describe('KPI snapshot packing', () => {
  it('keeps every order time, amount and currency, and no id', () => {
    const histories = [
      history('ada@example.com', [
        ['2026-01-05T12:00:00.000Z', 4_000, 'EUR'],
        ['2026-01-08T09:30:15.250Z', 2_050, 'CNY'],
      ]),
      history('bo', []),
      history('cy', [['2025-12-31T23:59:59.999Z', 0, 'EUR']]),
    ];
    const packed = packHistories(histories);
    expect(packed.currencies).toEqual(['EUR', 'CNY']);
    expect(packed.chunks.join()).not.toContain('ada');
    const back = unpackHistories(packed);
    expect(shape(back)).toEqual(shape(histories));
    expect(new Set(back.map((h) => h.customerId)).size).toBe(3);
  });

  it('splits into chunks no longer than asked, keeping the order of the customers', () => {
    const histories = Array.from({ length: 500 }, (_, c) =>
      history(
        `c${c}`,
        Array.from(
          { length: 1 + (c % 7) },
          (_, o) =>
            [new Date(Date.UTC(2026, 0, 1 + o, c % 24)).toISOString(), 100 * c + o, 'EUR'] as [string, number, string],
        ),
      ),
    );
    const packed = packHistories(histories, 2_000);
    expect(packed.chunks.length).toBeGreaterThan(10);
    for (const chunk of packed.chunks) expect(chunk.length).toBeLessThanOrEqual(2_000);
    expect(shape(unpackHistories(packed))).toEqual(shape(histories));
  });

  it('packs no buyers as no chunk, and refuses a chunk that is not one', () => {
    expect(packHistories([])).toEqual({ currencies: [], chunks: [] });
    expect(unpackHistories({ currencies: [], chunks: [] })).toEqual([]);
    expect(() => unpackHistories({ currencies: ['EUR'], chunks: ['[[1,2]]'] })).toThrow(/triples/);
    expect(() => unpackHistories({ currencies: ['EUR'], chunks: ['[[1,2,3]]'] })).toThrow(/currency index 3/);
    expect(() => unpackHistories({ currencies: ['EUR'], chunks: ['{'] })).toThrow();
  });
});
