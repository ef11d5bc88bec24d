/**
 * A journey's holdout lift: what the journey changed for the customers its holdout let in (the
 * treated arm) against those it held out, measured by functions/core/metrics/lift.ts on the
 * journey's counters (items.ts statsOf). The counters hold one pair of arms per journey, so the
 * lift is measured only for a journey with exactly one holdout activity; otherwise, or while an
 * arm is still empty, there is no lift and a note says why.
 */

import { type LiftReport, measureLift } from '../metrics/lift';
import { ownValue } from '../own';
import type { Journey } from './schema';

/** The counters of both arms (statsOf's fields of the same names). */
export type HoldoutCounts = {
  /** Instances that passed the holdout into the journey. */
  treated: number;
  /** Of those, instances that reached a goal. */
  treatedConverted: number;
  /** Instances the holdout kept from the journey. */
  heldOut: number;
  /** Of those, instances that reached a goal within its attribution window. */
  holdoutConverted: number;
};

/** The lift, or null and why there is none. */
export type JourneyLift = { lift: LiftReport; liftNote: null } | { lift: null; liftNote: string };

export const LIFT_NOTES = {
  noHoldout: 'no holdout activity',
  manyHoldouts: 'more than one holdout activity',
  everyoneHeldOut: 'the holdout holds out every customer: there is no treated arm',
  noneReached: 'no customer has reached the holdout yet',
  noneTreated: 'no customer has passed the holdout into the journey yet',
  noneHeldOut: 'no customer has been held out yet',
  inconsistent: 'the counters are inconsistent (an arm has more conversions than customers, or a count is not one)',
} as const;

/** The journey's holdout activity, if it has exactly one; else the note why it has none to measure. */
export function holdoutOf(
  journey: Pick<Journey, 'activities'> | undefined,
): { activity: string; percent: number } | { note: string } {
  const holdouts = Object.entries(journey?.activities ?? {}).flatMap(([id, activity]) =>
    activity.type === 'holdout' ? [{ activity: id, percent: activity.percent }] : [],
  );
  const [only, ...others] = holdouts;
  if (!only) return { note: LIFT_NOTES.noHoldout };
  if (others.length > 0) return { note: LIFT_NOTES.manyHoldouts };
  return only;
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/**
 * The lift of the journey's one holdout from its counters, with the holdout's percent as the
 * expected split (for the sample-ratio check). `journey` is the version whose holdout is read
 * (the detail's journey: the latest published version, else the draft).
 */
export function journeyLift(journey: Pick<Journey, 'activities'> | undefined, counts: HoldoutCounts): JourneyLift {
  const holdout = holdoutOf(journey);
  if ('note' in holdout) return { lift: null, liftNote: holdout.note };
  if (holdout.percent >= 100) return { lift: null, liftNote: LIFT_NOTES.everyoneHeldOut };
  const { treated, treatedConverted, heldOut, holdoutConverted } = counts;
  // Counters are added to, never checked: one counted twice (see statsOf) must not fail the read.
  const consistent =
    [treated, treatedConverted, heldOut, holdoutConverted].every(isCount) &&
    treatedConverted <= treated &&
    holdoutConverted <= heldOut;
  if (!consistent) return { lift: null, liftNote: LIFT_NOTES.inconsistent };
  if (treated === 0 && heldOut === 0) return { lift: null, liftNote: LIFT_NOTES.noneReached };
  if (treated === 0) return { lift: null, liftNote: LIFT_NOTES.noneTreated };
  if (heldOut === 0) return { lift: null, liftNote: LIFT_NOTES.noneHeldOut };
  const lift = measureLift({
    treated: { n: treated, conversions: treatedConverted },
    holdout: { n: heldOut, conversions: holdoutConverted },
    expectedHoldoutShare: holdout.percent / 100,
  });
  return { lift, liftNote: null };
}

/** Members and goal conversions of one arm of a split or holdout (statsOf's `arms`). */
export type ArmCounts = { n: number; conversions: number };

/** One arm's lift against the reference arm of its activity, or null and why there is none. */
export type ArmComparison = {
  arm: string;
  /** The arm it is measured against: the holdout's held-out arm, or the split's first path. */
  against: string;
  lift: LiftReport | null;
  liftNote: string | null;
};

/** The arms of one split or holdout activity of the journey, with their counts and lifts. */
export type ActivityArms = {
  activity: string;
  type: 'holdout' | 'split';
  /** Every arm the activity has, in the journey's order (a split's paths; treated, then holdout). */
  arms: (ArmCounts & { name: string; percent: number })[];
  /** Each arm but the reference one against it. */
  lifts: ArmComparison[];
};

export const ARM_NOTES = {
  noneOnArm: 'no customer has taken this arm yet',
  noneOnReference: 'no customer has taken the arm it is measured against yet',
  inconsistent: 'the counters are inconsistent (an arm has more conversions than customers, or a count is not one)',
} as const;

function compare(
  arm: ArmCounts & { name: string; percent: number },
  reference: ArmCounts & { name: string; percent: number },
): ArmComparison {
  const base = { arm: arm.name, against: reference.name };
  const consistent =
    [arm.n, arm.conversions, reference.n, reference.conversions].every(isCount) &&
    arm.conversions <= arm.n &&
    reference.conversions <= reference.n;
  if (!consistent) return { ...base, lift: null, liftNote: ARM_NOTES.inconsistent };
  if (arm.n === 0) return { ...base, lift: null, liftNote: ARM_NOTES.noneOnArm };
  if (reference.n === 0) return { ...base, lift: null, liftNote: ARM_NOTES.noneOnReference };
  const lift = measureLift({
    treated: { n: arm.n, conversions: arm.conversions },
    holdout: { n: reference.n, conversions: reference.conversions },
    // The share the reference arm takes of the two, by the percentages the activity splits by.
    expectedHoldoutShare: reference.percent / (reference.percent + arm.percent),
  });
  return { ...base, lift, liftNote: null };
}

/**
 * Every split and holdout activity of `journey` with its arms' members and goal conversions (the
 * `arm#` and `conv#` counters, counted for instances that entered since they were kept) and each
 * arm's lift with its interval: a holdout's treated arm against its held-out arm, a split's paths
 * after the first against the first. A holdout of 100 % has no treated arm to measure.
 */
export function armLifts(
  journey: Pick<Journey, 'activities'> | undefined,
  counts: Readonly<Record<string, Readonly<Record<string, ArmCounts>>>>,
): ActivityArms[] {
  const none: ArmCounts = { n: 0, conversions: 0 };
  const out: ActivityArms[] = [];
  for (const [activity, definition] of Object.entries(journey?.activities ?? {})) {
    const byArm = ownValue(counts, activity) ?? {};
    const countsOf = (name: string) => ownValue(byArm, name) ?? none;
    if (definition.type === 'holdout') {
      const treated = { name: 'treated', percent: 100 - definition.percent, ...countsOf('treated') };
      const holdout = { name: 'holdout', percent: definition.percent, ...countsOf('holdout') };
      const lifts = definition.percent >= 100 ? [] : [compare(treated, holdout)];
      out.push({ activity, type: 'holdout', arms: [treated, holdout], lifts });
    } else if (definition.type === 'split') {
      const arms = definition.paths.map((p) => ({ name: p.name, percent: p.percent, ...countsOf(p.name) }));
      const [reference, ...others] = arms;
      const lifts = reference ? others.map((arm) => compare(arm, reference)) : [];
      out.push({ activity, type: 'split', arms, lifts });
    }
  }
  return out;
}
