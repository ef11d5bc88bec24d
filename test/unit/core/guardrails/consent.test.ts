import { describe, expect, it } from 'vitest';
import { type ConsentRegisters, consentDecision } from '../../../../functions/core/guardrails/consent';

const at = '2026-03-01T10:00:00.000Z';
const registers: ConsentRegisters = { email: { v: true, at }, sms: { v: false, at }, push: { v: false, at } };

describe('consent', () => {
  it('marketing goes out on a channel whose latest register is a grant', () => {
    expect(consentDecision(registers, 'email', 'marketing')).toEqual({ allowed: true, rule: 'marketing_opt_in' });
  });

  it('marketing without any register for the channel is refused: opt-in must be explicit', () => {
    expect(consentDecision(registers, 'webhook', 'marketing')).toEqual({ allowed: false, rule: 'marketing_no_opt_in' });
    expect(consentDecision({}, 'email', 'marketing').allowed).toBe(false);
    expect(consentDecision(undefined, 'push', 'marketing').allowed).toBe(false);
  });

  it('marketing to a customer who revoked the channel is refused', () => {
    expect(consentDecision(registers, 'push', 'marketing')).toEqual({ allowed: false, rule: 'marketing_opted_out' });
  });

  it('transactional messages need no opt-in and pass an e-mail or push unsubscribe', () => {
    expect(consentDecision({}, 'email', 'transactional')).toEqual({ allowed: true, rule: 'transactional' });
    expect(consentDecision(registers, 'push', 'transactional').allowed).toBe(true);
    expect(consentDecision({ email: { v: false, at } }, 'email', 'transactional').allowed).toBe(true);
  });

  it('an SMS STOP blocks transactional SMS too', () => {
    expect(consentDecision(registers, 'sms', 'transactional')).toEqual({
      allowed: false,
      rule: 'transactional_sms_opted_out',
    });
    expect(consentDecision({}, 'sms', 'transactional').allowed).toBe(true);
  });

  it('a revoked WeChat channel (a refused or used-up subscription) blocks every purpose, as WeChat does', () => {
    const wechat: ConsentRegisters = { wechat_miniprogram: { v: false, at }, wecom: { v: true, at } };
    for (const purpose of ['marketing', 'transactional'] as const)
      expect(consentDecision(wechat, 'wechat_miniprogram', purpose)).toEqual({
        allowed: false,
        rule: 'wechat_subscription_revoked',
      });
    expect(consentDecision(wechat, 'wecom', 'marketing')).toEqual({ allowed: true, rule: 'marketing_opt_in' });
    expect(consentDecision(wechat, 'wechat_oa', 'marketing').rule).toBe('marketing_no_opt_in');
  });

  it('reads only the registers the profile holds itself', () => {
    const inherited = Object.create({ email: { v: true, at } }) as ConsentRegisters;
    expect(consentDecision(inherited, 'email', 'marketing').allowed).toBe(false);
  });
});
