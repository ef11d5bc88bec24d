import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import {
  AUDIENCE_SHARDS,
  audienceIndexAttributes,
  audienceKey,
  audienceRanges,
  audienceShards,
} from '../../../../functions/core/profiles/audience-index';
import { fromProfileItem, type StoredProfile, toProfileItem } from '../../../../functions/core/profiles/items';
import { foldEvents, type Profile } from '../../../../functions/core/profiles/profile';
import { rescore } from '../../../../functions/core/profiles/profile-changes';
import { type LifecycleState, stageAtDue } from '../../../../functions/core/scoring/profile-scores';
import { DEFAULT_SCORING_SETTINGS } from '../../../../functions/core/scoring/settings';
import { type LifecycleInput, nextStage, STAGES, type Stage } from '../../../../functions/core/scoring/stages';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

const order = (customerId: string, daysAgo: number): CanonicalEvent =>
  ({
    tenantId: 'shop',
    source: 'test',
    type: 'order_placed',
    customerId,
    eventId: `o-${customerId}-${daysAgo}`,
    occurredAt: iso(NOW - daysAgo * DAY),
    properties: { orderId: `o-${customerId}-${daysAgo}`, total: { amount: 1_000, currency: 'EUR' } },
  }) as CanonicalEvent;

const context = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };

/** A customer who ordered `daysAgo`, with the lifecycle evaluated now with no model. */
function scored(customerId: string, daysAgo: number): StoredProfile {
  const profile = foldEvents(undefined, [order(customerId, daysAgo)]) as Profile;
  // The lifecycle as the rescore stores it, with the stage it is due to enter.
  const { lifecycle } = rescore({ profile, version: 1, seen: {} }, context, NOW);
  return { profile, version: 1, seen: {}, lifecycle };
}

describe('the next stage of a lifecycle', () => {
  const facts = fc.record({
    orders: fc.integer({ min: 0, max: 7 }),
    lastOrderDaysAgo: fc.integer({ min: 0, max: 400 }),
    lastLoginDaysAgo: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    recallDaysAgo: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    stage: fc.option(fc.constantFrom(...STAGES), { nil: undefined }),
    sinceDaysAgo: fc.integer({ min: 0, max: 60 }),
    churnSlope: fc.option(fc.double({ min: 0, max: 0.01, noNaN: true }), { nil: undefined }),
  });

  it('is the stage the customer is in at nextDueAt, and is there exactly when nextDueAt is', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const input: LifecycleInput = {
          ...(f.stage ? { stage: f.stage, since: iso(NOW - f.sinceDaysAgo * DAY) } : {}),
          ...(f.recallDaysAgo === undefined ? {} : { lastRecallAt: iso(NOW - f.recallDaysAgo * DAY) }),
          facts: {
            orders: f.orders,
            ...(f.orders > 0 ? { lastOrderAt: iso(NOW - f.lastOrderDaysAgo * DAY) } : {}),
            ...(f.lastLoginDaysAgo === undefined ? {} : { lastLoginAt: iso(NOW - f.lastLoginDaysAgo * DAY) }),
          },
        };
        // Churn risk that rises with time without events, as the model's does.
        const slope = f.churnSlope;
        const scoresAt =
          slope === undefined
            ? undefined
            : (at: number) => ({ churnRisk: Math.min(1, 0.3 + ((at - NOW) / DAY) * slope) });
        const result = nextStage(input, NOW, undefined, scoresAt);
        if (result.nextDueAt === undefined) {
          expect(result.nextStage).toBeUndefined();
          return;
        }
        const due = Date.parse(result.nextDueAt);
        const then = nextStage({ ...input, stage: result.stage, since: result.since }, due, undefined, scoresAt);
        expect(result.nextStage).toBe(then.stage);
        expect(result.nextStage).not.toBe(result.stage);
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it('is at_risk for a customer who ordered once, 30 days after the order', () => {
    const { lifecycle } = scored('ada', 10);
    expect(lifecycle).toMatchObject({ stage: 'activated', nextDueAt: iso(NOW + 20 * DAY), nextStage: 'at_risk' });
  });

  it('is kept on the stored lifecycle by a rescore, and so in the audience key', () => {
    const profile = foldEvents(undefined, [order('ada', 10)]) as Profile;
    const { outbox: _, ...stored } = rescore({ profile, version: 1, seen: {} }, context, NOW);
    expect(stored.lifecycle).toMatchObject({ stage: 'activated', nextStage: 'at_risk' });
    expect(toProfileItem(stored).audienceKey).toBe(`activated#at_risk#${iso(NOW + 20 * DAY).slice(0, 10)}`);
  });

  it('is what stageAtDue finds for a lifecycle stored without it', () => {
    const { profile, lifecycle } = scored('ada', 10);
    const { nextStage: _, ...before } = lifecycle as LifecycleState;
    expect(stageAtDue(profile, before, context)).toBe('at_risk');
    expect(stageAtDue(profile, { ...before, nextDueAt: undefined }, context)).toBeUndefined();
  });
});

describe('the audience index key on a profile item', () => {
  it('is the stage, the next stage and the UTC day it is due, with "-" for what is absent', () => {
    expect(audienceKey('repeat', 'at_risk', '2026-06-30T23:59:59.999Z')).toBe('repeat#at_risk#2026-06-30');
    expect(audienceKey('new')).toBe('new#-#-');
    expect(audienceKey('recalled', undefined, '2026-07-01T00:00:00.000Z')).toBe('recalled#-#2026-07-01');
  });

  it("is on the profile item while it has a stage, under one of the tenant's shards, and never read back into the profile", () => {
    const stored = scored('ada', 10);
    const item = toProfileItem(stored);
    expect(audienceShards('shop')).toContain(item.audienceShard);
    expect(item.audienceKey).toBe(`activated#at_risk#${iso(NOW + 20 * DAY).slice(0, 10)}`);
    const decoded = fromProfileItem(item);
    expect('audienceShard' in decoded.profile || 'audienceKey' in decoded.profile).toBe(false);
    expect(decoded.lifecycle?.nextStage).toBe('at_risk');
    expect(toProfileItem(decoded)).toEqual(item);
    // The shard depends on the customer alone; the key follows the lifecycle.
    const later = scored('ada', 40);
    expect(toProfileItem(later).audienceShard).toBe(item.audienceShard);
    expect(toProfileItem(later).audienceKey).toBe(`at_risk#dormant#${iso(NOW + 50 * DAY).slice(0, 10)}`);
  });

  it('is absent from a profile with no stage yet and from a profile merged into another', () => {
    const { lifecycle: _, ...unscored } = scored('ada', 10);
    expect(audienceIndexAttributes(unscored)).toEqual({});
    expect(toProfileItem(unscored).audienceShard).toBeUndefined();
    expect(toProfileItem({ ...scored('anon:v', 10), mergedInto: 'member' }).audienceKey).toBeUndefined();
  });

  it('spreads the customers of a tenant over all its shards', () => {
    const shards = new Set(Array.from({ length: 400 }, (_, i) => toProfileItem(scored(`c-${i}`, 3)).audienceShard));
    expect(shards.size).toBe(AUDIENCE_SHARDS);
  });
});

describe('the audience index ranges a campaign reads', () => {
  const others = (stage: Stage) => STAGES.filter((s) => s !== stage);

  it('are none when the criteria name neither stages nor a due stage', () => {
    expect(audienceRanges({}, NOW)).toBeUndefined();
  });

  it("are each stage's keys, and the customers due to enter it by today whom the daily pass has not moved yet", () => {
    expect(audienceRanges({ stages: ['at_risk', 'dormant', 'at_risk'] }, NOW)).toEqual([
      { prefix: 'at_risk#' },
      ...others('at_risk').map((s) => ({ from: `${s}#at_risk#`, to: `${s}#at_risk#2026-06-01` })),
      { prefix: 'dormant#' },
      ...others('dormant').map((s) => ({ from: `${s}#dormant#`, to: `${s}#dormant#2026-06-01` })),
    ]);
  });

  it('are, for a due stage, every other stage due to enter it from today to the day the window ends', () => {
    expect(audienceRanges({ dueToBecome: { stage: 'at_risk', within: '7d' } }, NOW)).toEqual(
      others('at_risk').map((s) => ({ from: `${s}#at_risk#2026-06-01`, to: `${s}#at_risk#2026-06-08` })),
    );
  });

  it('are, for stages and a due stage together, the due ranges of the stages listed', () => {
    expect(
      audienceRanges({ stages: ['repeat', 'loyal', 'at_risk'], dueToBecome: { stage: 'at_risk', within: '36h' } }, NOW),
    ).toEqual([
      { from: 'repeat#at_risk#2026-06-01', to: 'repeat#at_risk#2026-06-02' },
      { from: 'loyal#at_risk#2026-06-01', to: 'loyal#at_risk#2026-06-02' },
    ]);
  });

  it('hold every key the index files a matching customer under', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STAGES),
        fc.option(fc.constantFrom(...STAGES), { nil: undefined }),
        fc.integer({ min: 0, max: 14 * 24 }),
        fc.constantFrom(...STAGES),
        (stage, next, hoursAhead, target) => {
          const due = NOW + hoursAhead * 3_600_000;
          const key = audienceKey(stage, next, next ? iso(due) : undefined);
          const held = (ranges: ReturnType<typeof audienceRanges>) =>
            (ranges ?? []).some((r) => ('prefix' in r ? key.startsWith(r.prefix) : key >= r.from && key <= r.to));
          expect(held(audienceRanges({ stages: [stage] }, NOW))).toBe(true);
          const dueSoon = next === target && stage !== target && hoursAhead <= 7 * 24;
          if (dueSoon) expect(held(audienceRanges({ dueToBecome: { stage: target, within: '7d' } }, NOW))).toBe(true);
          if (!(next === target && stage !== target))
            expect(held(audienceRanges({ dueToBecome: { stage: target, within: '7d' } }, NOW))).toBe(false);
        },
      ),
      { seed: 12, numRuns: 500 },
    );
  });
});
