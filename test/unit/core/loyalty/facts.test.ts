import { describe, expect, it } from 'vitest';
import { compileCondition } from '../../../../functions/core/journeys/conditions';
import { journeyCustomer, pointsFacts } from '../../../../functions/core/journeys/facts';
import { emptyProfile } from '../../../../functions/core/profiles/profile';
import { DEFAULT_SCORING_SETTINGS } from '../../../../functions/core/scoring/settings';

const now = Date.parse('2026-06-01T00:00:00Z');
const scoring = { settings: DEFAULT_SCORING_SETTINGS, currency: 'CNY', timeZone: 'Asia/Shanghai' };
const profile = emptyProfile('shop', 'c1', '2026-05-01T00:00:00Z');

describe('points as journey facts', () => {
  it('gives journeys the balance, spendable and pending points, and the next expiry', () => {
    const rich = compileCondition({ fact: 'profile.points.balance', op: 'gte', value: 500 });
    const soon = compileCondition({ fact: 'profile.points.expiringNext', op: 'lt', value: '2026-07-01T00:00:00Z' });
    const account = { balance: 620, available: 600, pending: 20, expiring: [{ at: '2026-06-20T16:00:00.000Z' }] };
    const customer = journeyCustomer(profile, undefined, scoring, now, pointsFacts(account));
    expect(customer.profile.points).toEqual({
      balance: 620,
      available: 600,
      pending: 20,
      expiringNext: '2026-06-20T16:00:00.000Z',
    });
    expect(rich({ profile: customer.profile, now })).toBe(true);
    expect(soon({ profile: customer.profile, now })).toBe(true);
    // A customer without an account has none of either.
    const none = journeyCustomer(profile, undefined, scoring, now);
    expect(rich({ profile: none.profile, now })).toBe(false);
    expect(soon({ profile: none.profile, now })).toBe(false);
  });
});
