import { describe, expect, it } from 'vitest';
import { ARM_NOTES, armLifts, holdoutOf, journeyLift, LIFT_NOTES } from '../../../../functions/core/journeys/lift';
import type { Journey, JourneyInput } from '../../../../functions/core/journeys/schema';
import { validateJourney } from '../../../../functions/core/journeys/validate';
import { measureLift } from '../../../../functions/core/metrics/lift';

function journey(activities: JourneyInput['activities'], startActivity = Object.keys(activities)[0]!): Journey {
  const result = validateJourney({
    id: 'lift',
    name: 'lift',
    status: 'live',
    entry: { type: 'event', event: 'session_started' },
    startActivity,
    activities,
    goals: [{ event: 'order_placed' }],
  });
  if (!result.journey) throw new Error(JSON.stringify(result.problems));
  return result.journey;
}

const hello = { type: 'action', action: { kind: 'email', template: 'hello' } } as const;
const withHoldout = (percent: number) => journey({ holdout: { type: 'holdout', percent, next: 'hello' }, hello });
const counts = { treated: 20, treatedConverted: 6, heldOut: 20, holdoutConverted: 2 };

describe('a journey’s holdout lift', () => {
  it('measures the one holdout’s arms from the counters, its percent as the expected split', () => {
    const result = journeyLift(withHoldout(50), counts);
    expect(result.liftNote).toBeNull();
    expect(result.lift).toEqual(
      measureLift({
        treated: { n: 20, conversions: 6 },
        holdout: { n: 20, conversions: 2 },
        expectedHoldoutShare: 0.5,
      }),
    );
    expect(result.lift).toMatchObject({
      status: 'insufficient_data',
      reasons: ['treated_below_min_members', 'holdout_below_min_members', 'holdout_below_min_conversions'],
      treated: { n: 20, conversions: 6, rate: 0.3 },
      holdout: { n: 20, conversions: 2, rate: 0.1 },
    });
    expect(result.lift?.absoluteLift.estimate).toBeCloseTo(0.2, 12);
  });

  it('a holdout of 10 % is checked against a 10 % split', () => {
    const even = journeyLift(withHoldout(10), {
      treated: 900,
      treatedConverted: 90,
      heldOut: 100,
      holdoutConverted: 5,
    });
    expect(even.lift?.srm.mismatch).toBe(false);
    const skewed = journeyLift(withHoldout(10), {
      treated: 500,
      treatedConverted: 50,
      heldOut: 500,
      holdoutConverted: 5,
    });
    expect(skewed.lift?.srm.mismatch).toBe(true);
  });

  it('a journey without a holdout, or with none to read, has no lift', () => {
    expect(journeyLift(journey({ hello }), counts)).toEqual({ lift: null, liftNote: LIFT_NOTES.noHoldout });
    expect(journeyLift(undefined, counts)).toEqual({ lift: null, liftNote: 'no holdout activity' });
  });

  it('a journey with two holdouts has no lift: the counters do not tell their arms apart', () => {
    const two = journey({
      first: { type: 'holdout', percent: 10, next: 'second' },
      second: { type: 'holdout', percent: 20, next: 'hello' },
      hello,
    });
    expect(journeyLift(two, counts)).toEqual({ lift: null, liftNote: 'more than one holdout activity' });
    expect(holdoutOf(two)).toEqual({ note: LIFT_NOTES.manyHoldouts });
  });

  it('the holdout is found wherever it is in the journey', () => {
    const later = journey({
      'wait-1h': { type: 'wait', for: '1h', next: 'control' },
      control: { type: 'holdout', percent: 25, next: 'hello' },
      hello,
    });
    expect(holdoutOf(later)).toEqual({ activity: 'control', percent: 25 });
  });

  it('there is no lift until both arms have a customer', () => {
    const none = { treated: 0, treatedConverted: 0, heldOut: 0, holdoutConverted: 0 };
    expect(journeyLift(withHoldout(50), none)).toEqual({
      lift: null,
      liftNote: 'no customer has reached the holdout yet',
    });
    expect(journeyLift(withHoldout(50), { ...none, heldOut: 3, holdoutConverted: 1 })).toEqual({
      lift: null,
      liftNote: LIFT_NOTES.noneTreated,
    });
    expect(journeyLift(withHoldout(50), { ...none, treated: 3, treatedConverted: 1 })).toEqual({
      lift: null,
      liftNote: LIFT_NOTES.noneHeldOut,
    });
    const one = journeyLift(withHoldout(50), { treated: 1, treatedConverted: 0, heldOut: 1, holdoutConverted: 0 });
    expect(one.lift?.status).toBe('insufficient_data');
  });

  it('a holdout of 100 % has no treated arm to measure', () => {
    expect(journeyLift(withHoldout(100), { ...counts, treated: 0, treatedConverted: 0 })).toEqual({
      lift: null,
      liftNote: LIFT_NOTES.everyoneHeldOut,
    });
  });

  it('counters that cannot be arms (counted twice, edited by hand) give a note, never a throw', () => {
    for (const bad of [
      { ...counts, treatedConverted: 21 },
      { ...counts, holdoutConverted: 21 },
      { ...counts, heldOut: -1 },
      { ...counts, treated: 2.5 },
    ]) {
      expect(journeyLift(withHoldout(50), bad)).toEqual({ lift: null, liftNote: LIFT_NOTES.inconsistent });
    }
  });
});

describe('the lift of every arm of a journey’s splits and holdouts', () => {
  const both = journey({
    first: { type: 'holdout', percent: 10, next: 'pick' },
    pick: {
      type: 'split',
      paths: [
        { name: 'A', percent: 25, next: 'later' },
        { name: 'B', percent: 25, next: 'later' },
        { name: 'C', percent: 50, next: 'later' },
      ],
    },
    later: { type: 'holdout', percent: 100 },
  });

  it('measures a holdout’s treated arm against its held-out one, and each split path after the first against the first', () => {
    const counts = {
      first: { treated: { n: 90, conversions: 9 }, holdout: { n: 10, conversions: 1 } },
      pick: { A: { n: 20, conversions: 2 }, B: { n: 25, conversions: 5 }, C: { n: 45, conversions: 0 } },
    };
    const [first, pick, later] = armLifts(both, counts);
    expect(first?.lifts).toEqual([
      {
        arm: 'treated',
        against: 'holdout',
        lift: measureLift({
          treated: { n: 90, conversions: 9 },
          holdout: { n: 10, conversions: 1 },
          expectedHoldoutShare: 0.1,
        }),
        liftNote: null,
      },
    ]);
    expect(pick?.arms.map((a) => [a.name, a.percent, a.n])).toEqual([
      ['A', 25, 20],
      ['B', 25, 25],
      ['C', 50, 45],
    ]);
    expect(pick?.lifts.map((l) => [l.arm, l.against])).toEqual([
      ['B', 'A'],
      ['C', 'A'],
    ]);
    // C takes twice A's share: A is a third of the pair.
    expect(pick?.lifts[1]?.lift).toEqual(
      measureLift({
        treated: { n: 45, conversions: 0 },
        holdout: { n: 20, conversions: 2 },
        expectedHoldoutShare: 1 / 3,
      }),
    );
    // A holdout of everyone has no treated arm to measure.
    expect(later).toMatchObject({ activity: 'later', type: 'holdout', lifts: [] });
  });

  it('says why an arm has no lift: empty arms, or counters that do not add up', () => {
    const [first, pick] = armLifts(both, { pick: { A: { n: 3, conversions: 5 }, B: { n: 4, conversions: 1 } } });
    expect(first?.lifts[0]).toMatchObject({ lift: null, liftNote: ARM_NOTES.noneOnArm });
    expect(pick?.lifts).toEqual([
      { arm: 'B', against: 'A', lift: null, liftNote: ARM_NOTES.inconsistent },
      { arm: 'C', against: 'A', lift: null, liftNote: ARM_NOTES.inconsistent },
    ]);
    expect(armLifts(undefined, {})).toEqual([]);
    const [, onlyArm] = armLifts(both, { pick: { B: { n: 4, conversions: 1 } } });
    expect(onlyArm?.lifts[0]).toMatchObject({ liftNote: ARM_NOTES.noneOnReference });
  });
});
