/**
 * Consent, checked at send time from the profile's consent registers (the latest
 * `consent_changed` per channel, folded by ../profiles/profile).
 *
 * - Marketing needs an explicit grant: the channel's latest register says `true`. No register
 *   (never asked) is a refusal, as GDPR, PIPL and the TCPA's prior express written consent expect.
 * - Transactional (order, shipping, password messages: answers to the customer's own doing)
 *   needs no opt-in and passes a marketing unsubscribe on e-mail and push, as CAN-SPAM and GDPR
 *   allow. One exception: an SMS revocation blocks SMS for every purpose, because a STOP reply
 *   opts the number out of all messages from the sender (CTIA guidelines; AWS End User
 *   Messaging's opt-out list refuses every later message to that number anyway).
 *   Addresses that bounced hard or complained are kept off by the SES account suppression list,
 *   not here.
 * - A WeChat channel revoked (the user refused or used up a mini-program subscription, unfollowed the
 *   official account, or the store reported so) blocks every purpose too: WeChat refuses every later
 *   message to that user until they subscribe again (errcode 43101 / 43004), whatever it is for.
 * - The rules are the same on every channel, webhooks included: a webhook that reaches the
 *   customer (a WeCom bot, a mini-program) is marketing; one to the store's own systems should
 *   be declared transactional by its journey.
 */
import { z } from 'zod';
import { type Channel, WECHAT_CHANNELS } from '../events/schemas';
import { ownValue } from '../own';
import type { Profile } from '../profiles/profile';

/** The purposes a message may have. */
export const PURPOSES = ['marketing', 'transactional'] as const;
/** Why a message is sent: marketing (promotions, recalls) or transactional (the customer's own order or account). */
export const Purpose = z.enum(PURPOSES);
export type Purpose = z.infer<typeof Purpose>;

/** The profile's consent registers: the latest grant (`v: true`) or revocation per channel, with its time. */
export type ConsentRegisters = Profile['consent'];

/** Whether a channel may be used for a purpose, and the rule that said so. */
export type ConsentDecision = { allowed: boolean; rule: ConsentRule };

/** The rule names a consent decision reports. */
export type ConsentRule =
  | 'marketing_opt_in'
  | 'marketing_no_opt_in'
  | 'marketing_opted_out'
  | 'transactional'
  | 'transactional_sms_opted_out'
  | 'wechat_subscription_revoked';

/** Whether `channel` may carry a message of `purpose` to a customer with these registers (rules above). */
export function consentDecision(
  consent: ConsentRegisters | undefined,
  channel: Channel,
  purpose: Purpose,
): ConsentDecision {
  const granted = ownValue(consent as Record<string, { v: boolean }> | undefined, channel)?.v;
  if (granted === false && (WECHAT_CHANNELS as readonly string[]).includes(channel))
    return { allowed: false, rule: 'wechat_subscription_revoked' };
  if (purpose === 'transactional') {
    return channel === 'sms' && granted === false
      ? { allowed: false, rule: 'transactional_sms_opted_out' }
      : { allowed: true, rule: 'transactional' };
  }
  if (granted === true) return { allowed: true, rule: 'marketing_opt_in' };
  return { allowed: false, rule: granted === false ? 'marketing_opted_out' : 'marketing_no_opt_in' };
}
