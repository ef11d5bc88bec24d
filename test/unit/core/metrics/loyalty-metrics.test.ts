import { describe, expect, it } from 'vitest';
import { pointsLiability, referralMetrics, tierDistribution } from '../../../../functions/core/metrics/loyalty-metrics';

describe('the loyalty metrics', () => {
  it('match the hand-computed figures of a small programme', () => {
    const at = (day: string) => `${day}T08:00:00.000Z`;
    const metrics = referralMetrics({
      from: '2026-05-01',
      to: '2026-06-30',
      customers: 10,
      invites: [
        { customerId: 'ann', at: at('2026-05-01') },
        { customerId: 'ann', at: at('2026-05-02') },
        { customerId: 'ann', at: at('2026-06-30') },
        { customerId: 'bob', at: at('2026-05-09') },
        { customerId: 'cat', at: at('2026-04-30') }, // before the range
      ],
      referrals: [
        { friendId: 'fay', inviterId: 'ann', acceptedAt: at('2026-05-01'), rewardValue: 100 },
        { friendId: 'gus', inviterId: 'ann', acceptedAt: at('2026-05-09'), rewardValue: 50 },
        { friendId: 'hal', inviterId: 'bob', acceptedAt: at('2026-06-14'), rewardValue: 0 },
        { friendId: 'old', inviterId: 'cat', acceptedAt: at('2026-04-01'), rewardValue: 50 },
      ],
      orders: new Map([
        ['fay', [at('2026-05-02'), at('2026-05-20')]], // referred, again within 30 days
        ['gus', [at('2026-05-10')]], // referred, not again
        ['hal', [at('2026-06-15')]], // too late to tell
        ['x1', [at('2026-05-03'), at('2026-06-10')]], // again after 38 days
        ['x2', [at('2026-05-04'), at('2026-05-05')]],
        ['x3', [at('2026-04-01'), at('2026-05-05')]], // first order before the range
      ]),
    });
    expect(metrics).toEqual({
      invitesSent: 4,
      invitesPerCustomer: { value: 0.4, numerator: 4, denominator: 10 },
      inviteConversion: { value: 0.75, numerator: 3, denominator: 4 },
      kFactor: expect.closeTo(0.3, 12),
      participationRate: { value: 0.2, numerator: 2, denominator: 10 },
      friendsAttributed: 3,
      newCustomersPerReferrer: { value: 1.5, numerator: 3, denominator: 2 },
      repurchase30: {
        referred: { value: 0.5, numerator: 1, denominator: 2 },
        others: { value: 0.5, numerator: 1, denominator: 2 },
      },
      rewardCost: 150,
      rewardCostPerAcquired: { value: 50, numerator: 150, denominator: 3 },
    });
  });

  it('has no rates but zeros for a programme nobody used', () => {
    const metrics = referralMetrics({
      from: '2026-05-01',
      to: '2026-05-31',
      customers: 0,
      invites: [],
      referrals: [],
      orders: new Map(),
    });
    expect(metrics.kFactor).toBeNull();
    expect(metrics.inviteConversion).toEqual({ value: null, numerator: 0, denominator: 0 });
  });

  it('values the outstanding points and counts customers per tier at each instant', () => {
    const accounts = [
      { balance: 120, pending: 30 },
      { balance: -20, pending: 10 }, // owes more than is coming: no liability
      { balance: 0, pending: 0 },
    ];
    expect(pointsLiability(accounts, 1)).toEqual({ points: 150, value: 150 });
    expect(pointsLiability(accounts, 0.5)).toEqual({ points: 150, value: 75 });
    expect(
      tierDistribution(
        ['t1', 't2'],
        ['member', 'silver', 'gold'],
        [
          ['member', 'silver'],
          ['member', 'member'],
          ['silver', 'gold'],
        ],
      ),
    ).toEqual([
      { at: 't1', counts: { member: 2, silver: 1, gold: 0 } },
      { at: 't2', counts: { member: 1, silver: 1, gold: 1 } },
    ]);
  });
});
