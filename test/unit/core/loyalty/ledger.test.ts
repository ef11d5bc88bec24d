import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { entriesOf, expiryOf, grantEntry, reminderOf, revokeEntry } from '../../../../functions/core/loyalty/entries';
import { foldLedger } from '../../../../functions/core/loyalty/ledger';
import { defaultPointsSettings, PointsSettings } from '../../../../functions/core/loyalty/settings';
import { testEvent } from '../../../helpers/events';

const TZ = 'Asia/Shanghai';
const settings = defaultPointsSettings();
const DAY = 86_400_000;
const t0 = Date.parse('2026-03-01T02:00:00Z'); // 10:00 in Shanghai

const event = (type: string, at: number, properties: object, id?: string) =>
  testEvent('shop', type, 'c1', at, properties, id) as CanonicalEvent;
const entries = (...events: CanonicalEvent[]) => events.flatMap((e) => entriesOf(e, settings, TZ));
const cny = (yuan: number) => ({ amount: yuan * 100, currency: 'CNY' });
const order = (id: string, at: number, yuan: number) => event('order_placed', at, { orderId: id, total: cny(yuan) });
const iso = (ms: number) => new Date(ms).toISOString();

/** A deterministic shuffle (mulberry32). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed;
  const random = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('the points ledger', () => {
  it('earns 1 point per yuan, pending until the return window closes', () => {
    const ledger = entries(order('o1', t0, 128.9));
    expect(foldLedger(ledger, iso(t0 + DAY))).toMatchObject({ balance: 0, pending: 128, earned: 128 });
    expect(foldLedger(ledger, iso(t0 + 7 * DAY))).toMatchObject({ balance: 128, pending: 0 });
  });

  it('earns an order once, on the report the settings name', () => {
    const paid = event('order_paid', t0 + 60_000, { orderId: 'o1', total: cny(50) });
    expect(entries(order('o1', t0, 50), paid).map((e) => e.id)).toEqual(['order:o1']);
    const onPaid = PointsSettings.parse({ earnOn: 'order_paid' });
    const earned = [order('o1', t0, 50), paid].flatMap((e) => entriesOf(e, onPaid, TZ));
    expect(earned).toMatchObject([{ id: 'order:o1', at: iso(t0 + 60_000), points: 50 }]);
  });

  it('gives the same account for entries in any order, each delivered several times', () => {
    const events: CanonicalEvent[] = [];
    for (let n = 0; n < 2500; n++) {
      const at = t0 + n * 3_600_000;
      const kind = n % 10;
      if (kind < 4) events.push(event('sign_in', at, {}, `s${n}`));
      else if (kind < 6) events.push(order(`o${n}`, at, 20 + (n % 97)));
      else if (kind === 6) events.push(event('share', at, {}, `sh${n}`));
      else if (kind === 7 && n > 50)
        events.push(event('refund', at, { orderId: `o${n - 42}`, amount: cny(7) }, `r${n}`));
      else if (kind === 8 && n > 100) events.push(event('points_redeemed', at, { points: 15 }, `p${n}`));
      else events.push(event('review', at, { rating: 5 }, `rv${n}`));
    }
    const ledger = entries(...events);
    const now = iso(t0 + 400 * DAY);
    const once = foldLedger(ledger, now);
    expect(once.earned).toBeGreaterThan(0);
    expect(once.expired).toBeGreaterThan(0);
    for (const seed of [1, 2, 3]) {
      const redelivered = shuffled([...ledger, ...ledger, ...ledger.slice(0, 500)], seed);
      // The store keeps an entry once by its id: a redelivery is the same entry again.
      const unique = [...new Map(redelivered.map((e) => [e.id, e])).values()];
      expect(foldLedger(unique, now)).toEqual(once);
    }
  });

  it('takes back a partial refund exactly; after a redemption the policy decides what is owed', () => {
    const placed = order('o1', t0, 100); // 100 points
    const redeem = event('points_redeemed', t0 + 8 * DAY, { points: 80 }, 'spend');
    const refund30 = event('refund', t0 + 9 * DAY, { orderId: 'o1', refundId: 'r1', amount: cny(30) });
    const refund45 = event('refund', t0 + 10 * DAY, { orderId: 'o1', refundId: 'r2', amount: cny(45) });
    const now = iso(t0 + 11 * DAY);
    // Before any redemption: 30 % and then 45 % more of 100 points come back off the order's own lot.
    expect(foldLedger(entries(placed, refund30, refund45), now)).toMatchObject({
      balance: 25,
      clawedBack: 75,
      debt: 0,
    });
    // 80 spent, 20 left: the refunds take 30 and 45; 50 of them were already spent.
    const negative = foldLedger(entries(placed, redeem, refund30, refund45), now);
    expect(negative).toMatchObject({ balance: -55, available: 0, debt: 55, clawedBack: 75, forgiven: 0 });
    const forgiving = PointsSettings.parse({ spentClawback: 'forgive' });
    const forgiven = foldLedger(
      [placed, redeem, refund30, refund45].flatMap((e) => entriesOf(e, forgiving, TZ)),
      now,
    );
    expect(forgiven).toMatchObject({ balance: 0, debt: 0, clawedBack: 75, forgiven: 55 });
    // A debt is paid from the points earned next.
    const later = order('o2', t0 + 12 * DAY, 60);
    expect(foldLedger(entries(placed, redeem, refund30, refund45, later), iso(t0 + 20 * DAY))).toMatchObject({
      balance: 5,
      debt: 0,
    });
  });

  it('claws back all of a cancelled order, pending or not, and a refund after the cancellation takes nothing more', () => {
    const placed = order('o1', t0, 40);
    const cancelled = event('order_cancelled', t0 + DAY, {
      orderId: 'o1',
      total: cny(40),
      placedAt: iso(t0),
    });
    const refund = event('refund', t0 + 2 * DAY, { orderId: 'o1', amount: cny(40) });
    expect(foldLedger(entries(placed, cancelled, refund), iso(t0 + 30 * DAY))).toMatchObject({
      balance: 0,
      pending: 0,
      clawedBack: 40,
      debt: 0,
    });
  });

  it('pays sign-in streaks with the day-7 bonus, once a day, and starts again after a missed day', () => {
    const days = [0, 1, 2, 3, 4, 5, 6, 8].map((d) => event('sign_in', t0 + d * DAY, {}, `s${d}`));
    const twice = event('sign_in', t0 + 6 * DAY + 3_600_000, {}, 'again');
    const account = foldLedger(entries(...days, twice), iso(t0 + 9 * DAY));
    expect(account.balance).toBe(8 + 10);
    expect(account.streak).toEqual({ day: '2026-03-09', length: 1 });
  });

  it('rewards shares and reviews up to their daily limit on the local day', () => {
    // 15:59 and 16:01 UTC fall on two days in Shanghai.
    const base = Date.parse('2026-03-01T15:59:00Z');
    const shares = [0, 1, 2, 3].map((n) => event('share', base - n * 60_000, {}, `sh${n}`));
    const nextDay = event('share', base + 2 * 60_000, {}, 'sh-next');
    expect(foldLedger(entries(...shares, nextDay), iso(base + DAY)).balance).toBe(3 * 5 + 5);
  });

  it("expires points on the day they should in the tenant's time zone, with the reminder 30 days before", () => {
    // Earned at 23:30 on 2026-03-01 in Shanghai (15:30 UTC): they expire at the start of 2027-03-01 there.
    const earnedAt = Date.parse('2026-03-01T15:30:00Z');
    const expiresAt = expiryOf(earnedAt, settings, TZ);
    expect(iso(expiresAt)).toBe('2027-02-28T16:00:00.000Z');
    expect(iso(reminderOf(expiresAt, settings, TZ))).toBe('2027-01-29T16:00:00.000Z');
    const ledger = entries(event('points_earned', earnedAt, { points: 50 }, 'g1'));
    expect(foldLedger(ledger, iso(expiresAt - 1))).toMatchObject({ balance: 50, expired: 0 });
    expect(foldLedger(ledger, iso(expiresAt))).toMatchObject({
      balance: 0,
      expired: 50,
      expiredLots: [{ id: 'grant:g1', points: 50 }],
    });
    // In Berlin the same instant is still 2026-03-01: a day later there.
    expect(iso(expiryOf(earnedAt, settings, 'Europe/Berlin'))).toBe('2027-02-28T23:00:00.000Z');
    // 31 January plus 12 months is 31 January; 29 February plus 12 months is 28 February.
    expect(iso(expiryOf(Date.parse('2028-02-29T04:00:00Z'), settings, TZ))).toBe('2029-02-27T16:00:00.000Z');
  });

  it('takes back all of a revoked grant once, and what was spent of it by the policy', () => {
    const grant = grantEntry({ key: 'k1', points: 50, reason: 'referral_inviter', at: iso(t0) }, settings, TZ);
    const spend = event('points_redeemed', t0 + DAY, { points: 30 }, 'r1');
    const revoke = revokeEntry('k1', iso(t0 + 2 * DAY), settings);
    const kept = foldLedger([grant, ...entries(order('o1', t0, 10))], iso(t0 + 8 * DAY));
    const revoked = foldLedger([grant, revoke, revoke, ...entries(order('o1', t0, 10), spend)], iso(t0 + 8 * DAY));
    expect(kept.balance).toBe(60);
    // 30 of the 50 were spent: the 20 left come off the grant and 30 are owed, of which the order's
    // 10 points pay 10 when its return window closes.
    expect(revoked).toMatchObject({ balance: -20, clawedBack: 50, debt: 20 });
    const forgiving = revokeEntry('k1', iso(t0 + 2 * DAY), PointsSettings.parse({ spentClawback: 'forgive' }));
    const forgiven = foldLedger([grant, forgiving, ...entries(order('o1', t0, 10), spend)], iso(t0 + 8 * DAY));
    expect(forgiven).toMatchObject({ balance: 10, forgiven: 30, debt: 0 });
  });

  it('spends the points that expire first', () => {
    const old = event('points_earned', t0, { points: 30 }, 'old');
    const recent = event('points_earned', t0 + 100 * DAY, { points: 30 }, 'new');
    const spend = event('points_redeemed', t0 + 101 * DAY, { points: 40 }, 'spend');
    const account = foldLedger(entries(old, recent, spend), iso(t0 + 200 * DAY));
    expect(account.lots.map((l) => [l.id, l.remaining])).toEqual([['grant:new', 20]]);
    // The old lot was used up, so its expiry takes nothing.
    expect(foldLedger(entries(old, recent, spend), iso(t0 + 380 * DAY))).toMatchObject({ expired: 0, balance: 20 });
  });
});
