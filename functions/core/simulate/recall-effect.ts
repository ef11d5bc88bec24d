/**
 * The true effect of an offer, injected into a simulated history as it is played through the
 * pipeline: a member the offer reached, who would not have ordered in the attribution window on
 * their own, orders in it with probability effect / (1 − P_C), so that the probability of ordering
 * in the window rises from P_C to exactly P_C + effect (P_C as in offer.ts: alive · (1 − e^(−λW))).
 * A member with a natural order in the window already counts as converted and gets nothing more.
 * Pure: the two uniforms are the caller's draws.
 */
import { offerProbabilities } from './offer';
import type { ShopperTruth } from './shoppers';

const DAY = 86_400_000;

export interface ReachedMember {
  truth: ShopperTruth;
  /** When the campaign's offers went out (the run's offeredAt). */
  offeredAt: number;
  /** The end of the attribution window (the run's measureAt). */
  measureAt: number;
  /** Whether the customer's own history has an order in (offeredAt, measureAt]. */
  ordersAnyway: boolean;
}

/** P_C and P_C + the effect (at most 1) of this member over the window. */
export function windowProbabilities(member: ReachedMember, effectPp: number) {
  if (!(effectPp >= 0 && effectPp <= 100)) throw new RangeError(`effectPp must be in [0, 100], got ${effectPp}`);
  return offerProbabilities(member.truth, {
    startAt: new Date(member.offeredAt).toISOString(),
    windowDays: (member.measureAt - member.offeredAt) / DAY,
    effectPp,
  });
}

/**
 * The time of the order the offer causes, or undefined when it causes none. `u` decides whether,
 * `v` when: uniformly in [from, measureAt), `from` being the earliest time the order may still be
 * placed (the moment the simulation learns the offer reached the member).
 */
export function injectedOrderAt(
  member: ReachedMember,
  effectPp: number,
  draw: { u: number; v: number; from: number },
): number | undefined {
  if (member.ordersAnyway || effectPp === 0) return undefined;
  const { pControl, pTreatment } = windowProbabilities(member, effectPp);
  if (!(draw.u * (1 - pControl) < pTreatment - pControl)) return undefined;
  const from = Math.max(draw.from, member.offeredAt);
  if (!(from < member.measureAt)) return undefined;
  return Math.floor(from + draw.v * (member.measureAt - from));
}
