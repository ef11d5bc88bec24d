import { describe, expect, it } from 'vitest';
import { fraudFlags, isDisposableEmail, NO_SIGNALS } from '../../../../functions/core/referrals/fraud';
import { FraudSettings } from '../../../../functions/core/referrals/settings';

const settings = FraudSettings.parse({ disposableDomains: ['Junk.CN'] });
const party = (id: string, more: object = {}) => ({ id, signals: NO_SIGNALS, ...more });

describe('the fraud checks of a referral', () => {
  it('know disposable e-mail services, their subdomains and the tenant’s own list, in any case', () => {
    expect(isDisposableEmail('x@mailinator.com', [])).toBe(true);
    expect(isDisposableEmail('x@eu.Yopmail.COM', [])).toBe(true);
    expect(isDisposableEmail('x@junk.cn', settings.disposableDomains)).toBe(true);
    expect(isDisposableEmail('x@example.com', settings.disposableDomains)).toBe(false);
    expect(isDisposableEmail('not an address', [])).toBe(false);
  });

  it('see one phone in two spellings, and one e-mail in two cases', () => {
    const friend = party('f', { email: 'Ann@Example.com ', phone: '+86 138-0013-8000' });
    const inviter = party('i', { email: 'ann@example.com', phone: '8613800138000' });
    expect(fraudFlags(friend, inviter, settings)).toEqual(['shared_email', 'shared_phone']);
  });

  it('flag velocity only above the thresholds, and pass a clean pair untouched', () => {
    const clean = fraudFlags(party('f'), party('i'), settings, { inviterAccepts: 10, deviceAccepts: 3 }, 5);
    expect(clean).toEqual([]);
    const fast = fraudFlags(party('f'), party('i'), settings, { inviterAccepts: 11, deviceAccepts: 4 }, 6);
    expect(fast).toEqual(['inviter_velocity', 'device_velocity', 'order_burst']);
    expect(fraudFlags(party('same'), party('same'), settings)).toEqual(['self']);
  });
});
