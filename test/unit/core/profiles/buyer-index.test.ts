import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { BUYER_SHARDS, buyerShards } from '../../../../functions/core/profiles/buyer-index';
import { fromProfileItem, type StoredProfile, toProfileItem } from '../../../../functions/core/profiles/items';
import { foldEvents, type Profile } from '../../../../functions/core/profiles/profile';

const base = { tenantId: 'shop', source: 'test', occurredAt: '2026-05-01T10:00:00.000Z' } as const;
const order = (customerId: string, n: number): CanonicalEvent =>
  ({
    ...base,
    type: 'order_placed',
    customerId,
    eventId: `o-${n}`,
    properties: { orderId: `o-${n}`, total: { amount: 1_000, currency: 'EUR' } },
  }) as CanonicalEvent;
const session = (customerId: string): CanonicalEvent =>
  ({ ...base, type: 'session_started', customerId, eventId: 's-1', properties: {} }) as CanonicalEvent;
const stored = (profile: Profile | undefined): StoredProfile => ({ profile: profile as Profile, version: 1, seen: {} });

describe('the buyer index key on a profile item', () => {
  it("is one of the tenant's shards for a customer with an order, the same on every write, and never read back into the profile", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (customerId) => {
        const once = toProfileItem(stored(foldEvents(undefined, [order(customerId, 1)])));
        const twice = toProfileItem(stored(foldEvents(undefined, [order(customerId, 1), order(customerId, 2)])));
        expect(buyerShards('shop')).toContain(once.buyerShard);
        expect(twice.buyerShard).toBe(once.buyerShard);
        const decoded = fromProfileItem(once);
        expect('buyerShard' in decoded.profile).toBe(false);
        expect(toProfileItem(decoded).buyerShard).toBe(once.buyerShard);
      }),
      { seed: 10, numRuns: 200 },
    );
  });

  it('is absent for a customer who never ordered and for a profile merged into another', () => {
    expect(toProfileItem(stored(foldEvents(undefined, [session('visitor')]))).buyerShard).toBeUndefined();
    const merged = { ...stored(foldEvents(undefined, [order('anon:v', 1)])), mergedInto: 'member' };
    expect(toProfileItem(merged).buyerShard).toBeUndefined();
  });

  it('spreads the customers of a tenant over all its shards', () => {
    const shards = new Set(
      Array.from(
        { length: 400 },
        (_, i) => toProfileItem(stored(foldEvents(undefined, [order(`c-${i}`, i)]))).buyerShard,
      ),
    );
    expect(shards.size).toBe(BUYER_SHARDS);
  });
});
