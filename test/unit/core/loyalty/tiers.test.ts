import { describe, expect, it } from 'vitest';
import { nextStoredAccount } from '../../../../functions/core/loyalty/account';
import { entriesOf } from '../../../../functions/core/loyalty/entries';
import { foldLedger, type PointsEntry } from '../../../../functions/core/loyalty/ledger';
import { defaultPointsSettings, TierSettings } from '../../../../functions/core/loyalty/settings';
import type { TierState } from '../../../../functions/core/loyalty/tiers';
import { testEvent } from '../../../helpers/events';

const TZ = 'Asia/Shanghai';
const DAY = 86_400_000;
const tiers = TierSettings.parse({ paid: { level: 'gold', months: 12 } });
const t0 = Date.parse('2026-01-10T02:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const cny = (yuan: number) => ({ amount: yuan * 100, currency: 'CNY' });
const order = (id: string, at: number, yuan: number) =>
  entriesOf(
    testEvent('shop', 'order_placed', 'c1', at, { orderId: id, total: cny(yuan) }, id),
    defaultPointsSettings(),
    TZ,
  );
const refund = (orderId: string, at: number, yuan: number) =>
  entriesOf(
    testEvent('shop', 'refund', 'c1', at, { orderId, refundId: `r-${orderId}`, amount: cny(yuan) }, `r-${orderId}`),
    defaultPointsSettings(),
    TZ,
  );
const tierAt = (entries: PointsEntry[], at: number) => foldLedger(entries, iso(at), tiers).tier as TierState;
const levels = tiers.levels.map((l) => l.id);
const never = () => Date.parse('2999-01-01T00:00:00Z');

describe('membership tiers', () => {
  it('upgrades at once when the 12 months behind qualify', () => {
    const entries = [...order('o1', t0, 600), ...order('o2', t0 + 30 * DAY, 500)];
    expect(tierAt(entries, t0 + DAY)).toMatchObject({ level: 'member', measure: 600 });
    expect(tierAt(entries, t0 + 30 * DAY)).toMatchObject({
      level: 'silver',
      since: iso(t0 + 30 * DAY),
      reviewAt: iso(t0 + 30 * DAY + 365 * DAY),
      measure: 1100,
    });
  });

  it('downgrades only at the yearly review, to what the 12 months behind it qualify for', () => {
    const entries = [...order('o1', t0, 1200)];
    // A refund brings the spend under the threshold: the level stays until the review.
    const refunded = [...entries, ...refund('o1', t0 + 10 * DAY, 400)];
    expect(tierAt(refunded, t0 + 11 * DAY)).toMatchObject({ level: 'silver', qualified: 'member', measure: 800 });
    expect(tierAt(refunded, t0 + 364 * DAY)).toMatchObject({ level: 'silver' });
    expect(tierAt(refunded, t0 + 365 * DAY)).toMatchObject({ level: 'member', since: iso(t0 + 365 * DAY) });
    // Up to gold within the year: its own review is a year after that.
    const gold = [...entries, ...order('o2', t0 + 300 * DAY, 4000)];
    expect(tierAt(gold, t0 + 400 * DAY)).toMatchObject({ level: 'gold', since: iso(t0 + 300 * DAY) });
    // Still qualifying at the review: kept for another year.
    const kept = [...entries, ...order('o3', t0 + 300 * DAY, 1000)];
    expect(tierAt(kept, t0 + 366 * DAY)).toMatchObject({ level: 'silver', reviewAt: iso(t0 + 2 * 365 * DAY) });
  });

  it('holds a bought level until its membership ends', () => {
    const bought: PointsEntry = {
      kind: 'membership',
      id: 'membership:m1',
      at: iso(t0),
      level: 'gold',
      until: iso(t0 + 360 * DAY),
    };
    expect(tierAt([bought], t0 + DAY)).toMatchObject({
      level: 'gold',
      qualified: 'member',
      paidUntil: iso(t0 + 360 * DAY),
    });
    expect(tierAt([bought], t0 + 360 * DAY)).toMatchObject({ level: 'member' });
  });

  it("multiplies an order's points by the level held when it was placed, whatever order the entries come in", () => {
    const entries = [...order('o1', t0, 1000), ...order('o2', t0 + DAY, 101)];
    const account = foldLedger(entries, iso(t0 + 30 * DAY), tiers);
    // o1 reached silver (x1.2), so o2 earns 121 points; o1 itself earned at member (x1).
    expect(account.earned).toBe(1000 + 121);
    expect(foldLedger([...entries].reverse(), iso(t0 + 30 * DAY), tiers)).toEqual(account);
  });

  it('tells tier.changed when the level changes', () => {
    const empty = foldLedger([], iso(t0 - DAY), tiers);
    const before = nextStoredAccount(undefined, empty, empty.tier as TierState, t0 - DAY, never, levels);
    const entries = [...order('o1', t0, 1200)];
    const fold = foldLedger(entries, iso(t0 + DAY), tiers);
    const after = nextStoredAccount(before, fold, fold.tier as TierState, t0 + DAY, never, levels);
    expect(after.unsent).toEqual([
      {
        type: 'tier.changed',
        eventId: `tier.changed:silver:${iso(t0)}`,
        occurredAt: iso(t0),
        properties: { from: 'member', to: 'silver', reason: 'qualified', reviewAt: iso(t0 + 365 * DAY) },
      },
    ]);
    // The account comes back when the order's points are released, then when they expire (the start of
    // 2027-01-10 in Shanghai), then at the review.
    expect(after.nextChangeAt).toBe(iso(t0 + 7 * DAY));
    const released = foldLedger(entries, iso(t0 + 8 * DAY), tiers);
    const later = nextStoredAccount(
      { ...after, unsent: [] },
      released,
      released.tier as TierState,
      t0 + 8 * DAY,
      never,
      levels,
    );
    expect(later.unsent).toEqual([]);
    expect(later.nextChangeAt).toBe('2027-01-09T16:00:00.000Z');
  });

  it("tells tier.changed from the lowest level when a customer's first order reaches a higher one", () => {
    const fold = foldLedger(order('o1', t0, 1200), iso(t0 + DAY), tiers);
    const first = nextStoredAccount(undefined, fold, fold.tier as TierState, t0 + DAY, never, levels);
    expect(first.unsent).toMatchObject([{ type: 'tier.changed', properties: { from: 'member', to: 'silver' } }]);
    const small = foldLedger(order('o2', t0, 10), iso(t0 + DAY), tiers);
    expect(nextStoredAccount(undefined, small, small.tier as TierState, t0 + DAY, never, levels).unsent).toEqual([]);
  });

  it('refuses levels that do not climb, repeat, or a paid level it does not have', () => {
    const problems = (input: unknown) => TierSettings.safeParse(input).error?.issues.map((i) => i.path.join('.'));
    expect(
      problems({
        levels: [
          { id: 'a', threshold: 10 },
          { id: 'b', threshold: 5 },
          { id: 'b', threshold: 50 },
        ],
        paid: { level: 'vip' },
      }),
    ).toEqual(['levels.0.threshold', 'levels.1.threshold', 'levels.2.id', 'paid.level']);
  });
});
