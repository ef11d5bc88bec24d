// The fraud checks of a referral. Each returns flags; a flagged referral is held for review.
import type { FraudSettings } from './settings';

export const REFERRAL_FLAGS = [
  'self',
  'shared_email',
  'shared_phone',
  'shared_device',
  'shared_payment',
  'shared_address',
  'inviter_velocity',
  'device_velocity',
  'disposable_email',
  'order_burst',
] as const;
export type ReferralFlag = (typeof REFERRAL_FLAGS)[number];

/** Opaque identifiers a customer was seen with, by kind: device ids, payment fingerprints, address hashes. */
export type Signals = { device: string[]; payment: string[]; address: string[] };
export const NO_SIGNALS: Signals = { device: [], payment: [], address: [] };

/** What the checks compare of the two customers: their profiles' e-mail and phone, and the signals. */
export type Party = { id: string; email?: string; phone?: string; signals: Signals };

/** Services that hand out throwaway addresses (a subdomain of one counts too). */
const DISPOSABLE_DOMAINS = new Set([
  '10minutemail.com',
  '20minutemail.com',
  '33mail.com',
  'bccto.me',
  'burnermail.io',
  'chacuo.net',
  'discard.email',
  'dispostable.com',
  'emailondeck.com',
  'fakeinbox.com',
  'getnada.com',
  'guerrillamail.com',
  'guerrillamail.net',
  'linshiyouxiang.net',
  'mail.tm',
  'maildrop.cc',
  'mailinator.com',
  'mailnesia.com',
  'mintemail.com',
  'moakt.com',
  'mohmal.com',
  'sharklasers.com',
  'spamgourmet.com',
  'temp-mail.org',
  'tempmail.com',
  'tempmail.net',
  'tempr.email',
  'throwawaymail.com',
  'trashmail.com',
  'yopmail.com',
]);

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
/** Digits only, so that "+86 138-0013-8000" and "8613800138000" are one phone. */
export const normalizePhone = (phone: string): string => phone.replace(/\D/g, '');

export function isDisposableEmail(email: string, extra: readonly string[]): boolean {
  const domain = normalizeEmail(email).split('@')[1];
  if (!domain) return false;
  const listed = new Set([...extra.map((d) => d.toLowerCase())]);
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const suffix = labels.slice(i).join('.');
    if (DISPOSABLE_DOMAINS.has(suffix) || listed.has(suffix)) return true;
  }
  return false;
}

const shares = (a: readonly string[], b: readonly string[]) => a.some((v) => b.includes(v));

/** Self-referral: the same customer, or two customers sharing an e-mail, phone, device, card or address. */
export function selfReferralFlags(friend: Party, inviter: Party): ReferralFlag[] {
  if (friend.id === inviter.id) return ['self'];
  const flags: ReferralFlag[] = [];
  if (friend.email && inviter.email && normalizeEmail(friend.email) === normalizeEmail(inviter.email))
    flags.push('shared_email');
  const phones = [friend.phone, inviter.phone].map((p) => (p ? normalizePhone(p) : ''));
  if (phones[0] && phones[0] === phones[1]) flags.push('shared_phone');
  if (shares(friend.signals.device, inviter.signals.device)) flags.push('shared_device');
  if (shares(friend.signals.payment, inviter.signals.payment)) flags.push('shared_payment');
  if (shares(friend.signals.address, inviter.signals.address)) flags.push('shared_address');
  return flags;
}

/** Counts within the hour of the acceptance (this one included). */
export type AcceptRates = { inviterAccepts: number; deviceAccepts?: number };

export function velocityFlags(rates: AcceptRates, settings: FraudSettings): ReferralFlag[] {
  const flags: ReferralFlag[] = [];
  if (rates.inviterAccepts > settings.inviterAcceptsPerHour) flags.push('inviter_velocity');
  if (rates.deviceAccepts !== undefined && rates.deviceAccepts > settings.deviceAcceptsPerHour)
    flags.push('device_velocity');
  return flags;
}

/** The checks of a referral at acceptance or at the friend's first order, as far as what is known then allows. */
export function fraudFlags(
  friend: Party,
  inviter: Party,
  settings: FraudSettings,
  rates?: AcceptRates,
  firstOrdersThisHour?: number,
): ReferralFlag[] {
  const flags = selfReferralFlags(friend, inviter);
  if (friend.email && isDisposableEmail(friend.email, settings.disposableDomains)) flags.push('disposable_email');
  if (rates) flags.push(...velocityFlags(rates, settings));
  if (firstOrdersThisHour !== undefined && firstOrdersThisHour > settings.firstOrdersPerHour) flags.push('order_burst');
  return flags;
}
