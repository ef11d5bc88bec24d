/**
 * A known effect injected into simulated shoppers: for an audience chosen from the history, the
 * probability that each member orders within a window with and without an offer, and one draw
 * of the outcome. Pure: the seed is the only randomness.
 *
 * Without the offer (exact under BG/NBD: a customer alive at the start stays alive until the
 * next purchase, which comes at rate λ):
 *   P_C = alive · (1 − e^(−λW))
 * With the offer, one of two forms:
 * - additive (`effectPp`, the default form): P_T = clamp(P_C + effectPp/100, 0, 1). Every member,
 *   alive or not, gains the same number of points, so the true effect is exactly effectPp
 *   wherever the clamp does not bite: the simplest figure to check a lift estimate against.
 * - multiplier (`multiplier` m, `resurrection` ρ, the research's form):
 *   P_T = alive · (1 − e^(−mλW)) + (1 − alive) · ρ: the offer speeds up the living and brings
 *   back a share ρ of the dead; the true effect varies by member.
 *
 * Common random numbers: each member gets one uniform u from (seed, customerId), and orders in
 * their arm when u < P_arm. Both potential outcomes are reported; since P_T ≥ P_C whenever the
 * effect is positive, a member who orders without the offer also orders with it.
 *
 * The outcome is a fresh draw from the model, not the rest of the simulated history: startAt is
 * meant to be the end of the simulated period (simulate to t0, select, then apply the offer).
 */
import { fnv1a32 } from '../hash';
import { createRandom } from './random';
import type { ShopperTruth } from './shoppers';

export type OfferEffect = { effectPp: number } | { multiplier: number; resurrection?: number };
export type OfferSpec = { startAt: string; windowDays: number } & OfferEffect;
export type Arm = 'treatment' | 'control';

export interface OfferDraw {
  /** Seeds the members' uniforms. */
  seed: number;
  /** The arm of each member (e.g. a stable-hash holdout). */
  arm: (customerId: string, index: number) => Arm;
}

export interface OfferMember {
  customerId: string;
  arm: Arm;
  alive: boolean;
  pControl: number;
  pTreatment: number;
  /** The member's one uniform, used for whichever arm the member is in. */
  u: number;
  orderedIfControl: boolean;
  orderedIfTreated: boolean;
  /** The outcome in the member's arm. */
  ordered: boolean;
}

export interface ArmOutcome {
  members: number;
  orders: number;
  /** orders / members (0 for an empty arm). */
  rate: number;
}

export interface OfferOutcome {
  members: OfferMember[];
  treatment: ArmOutcome;
  control: ArmOutcome;
  /** The ground truth τ = mean(P_T − P_C) over the audience. */
  trueEffect: number;
  /** treatment.rate − control.rate: what a campaign report would estimate. */
  observedEffect: number;
  /** mean(orderedIfTreated − orderedIfControl) over the audience: the realized effect of this draw. */
  realizedEffect: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

function checkOffer(offer: OfferSpec): number {
  const startMs = Date.parse(offer.startAt);
  if (!Number.isFinite(startMs)) throw new RangeError(`applyOffer: startAt "${offer.startAt}" is not an ISO-8601 time`);
  if (!(offer.windowDays > 0) || !Number.isFinite(offer.windowDays)) {
    throw new RangeError(`applyOffer: windowDays must be > 0, got ${offer.windowDays}`);
  }
  if ('effectPp' in offer) {
    if (!(Math.abs(offer.effectPp) <= 100)) throw new RangeError('applyOffer: effectPp must be in [−100, 100]');
  } else {
    const rho = offer.resurrection ?? 0;
    if (!(offer.multiplier >= 0) || !Number.isFinite(offer.multiplier) || !(rho >= 0 && rho <= 1)) {
      throw new RangeError('applyOffer: multiplier must be ≥ 0 and resurrection in [0, 1]');
    }
  }
  return startMs;
}

/** P_C and P_T of one customer for the offer (see the module comment). */
export function offerProbabilities(
  truth: ShopperTruth,
  offer: OfferSpec,
): { alive: boolean; pControl: number; pTreatment: number } {
  const startMs = checkOffer(offer);
  if (Date.parse(truth.joinedAt) > startMs) {
    throw new RangeError(`applyOffer: ${truth.customerId} joins after ${offer.startAt}: not a customer yet`);
  }
  const alive = truth.diedAt === null || Date.parse(truth.diedAt) > startMs;
  const weeks = offer.windowDays / 7;
  const pControl = alive ? -Math.expm1(-truth.lambda * weeks) : 0;
  if ('effectPp' in offer) return { alive, pControl, pTreatment: clamp01(pControl + offer.effectPp / 100) };
  const pTreatment = alive ? -Math.expm1(-offer.multiplier * truth.lambda * weeks) : (offer.resurrection ?? 0);
  return { alive, pControl, pTreatment };
}

const outcome = (members: readonly OfferMember[]): ArmOutcome => {
  const orders = members.filter((m) => m.ordered).length;
  return { members: members.length, orders, rate: members.length === 0 ? 0 : orders / members.length };
};

/** Applies the offer to the audience and draws one outcome with common random numbers. */
export function applyOffer(audience: readonly ShopperTruth[], offer: OfferSpec, draw: OfferDraw): OfferOutcome {
  checkOffer(offer);
  if (!Number.isInteger(draw.seed)) throw new RangeError(`applyOffer: seed must be an integer, got ${draw.seed}`);
  const members = audience.map((truth, index): OfferMember => {
    const { alive, pControl, pTreatment } = offerProbabilities(truth, offer);
    const u = createRandom(draw.seed, fnv1a32(truth.customerId)).next();
    const arm = draw.arm(truth.customerId, index);
    const orderedIfControl = u < pControl;
    const orderedIfTreated = u < pTreatment;
    const ordered = arm === 'treatment' ? orderedIfTreated : orderedIfControl;
    return {
      customerId: truth.customerId,
      arm,
      alive,
      pControl,
      pTreatment,
      u,
      orderedIfControl,
      orderedIfTreated,
      ordered,
    };
  });
  const treatment = outcome(members.filter((m) => m.arm === 'treatment'));
  const control = outcome(members.filter((m) => m.arm === 'control'));
  const n = members.length;
  const mean = (f: (m: OfferMember) => number) => (n === 0 ? 0 : members.reduce((sum, m) => sum + f(m), 0) / n);
  return {
    members,
    treatment,
    control,
    trueEffect: mean((m) => m.pTreatment - m.pControl),
    observedEffect: treatment.rate - control.rate,
    realizedEffect: mean((m) => Number(m.orderedIfTreated) - Number(m.orderedIfControl)),
  };
}
