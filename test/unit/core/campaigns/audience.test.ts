import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assign,
  type CampaignFacts,
  campaignFacts,
  holdoutPosition,
  isHeldOut,
  meets,
  offerKey,
} from '../../../../functions/core/campaigns/audience';
import { Campaign } from '../../../../functions/core/campaigns/schema';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { sampleRatioMismatch } from '../../../../functions/core/metrics/srm';
import { foldEvents, type Profile } from '../../../../functions/core/profiles/profile';
import { DEFAULT_SCORING_SETTINGS } from '../../../../functions/core/scoring/settings';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const context = { settings: DEFAULT_SCORING_SETTINGS, currency: 'EUR' };
const recall = Campaign.parse(
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../../examples/campaigns/recall-at-risk.json'), 'utf8')),
);

/** A customer with orders `daysAgo` before NOW (and consent to push). */
function customer(id: string, daysAgo: number[], amount = 5_000): Profile {
  const events = [
    ...daysAgo.map(
      (d, i) =>
        ({
          type: 'order_placed',
          tenantId: 't',
          customerId: id,
          eventId: `${id}-o${i}`,
          occurredAt: new Date(NOW - d * DAY).toISOString(),
          source: 'test',
          properties: { orderId: `${id}-o${i}`, total: { amount, currency: 'EUR' } },
        }) as CanonicalEvent,
    ),
    {
      type: 'consent_changed',
      tenantId: 't',
      customerId: id,
      eventId: `${id}-consent`,
      occurredAt: new Date(NOW - 200 * DAY).toISOString(),
      source: 'test',
      properties: { channel: 'push', granted: true },
    } as CanonicalEvent,
  ];
  return foldEvents(undefined, events) as Profile;
}

const facts = (over: Partial<CampaignFacts> = {}): CampaignFacts => ({
  stage: 'repeat',
  valueTier: 'mid',
  tags: new Set(),
  consented: new Set(['push']),
  ...over,
});

describe('campaign audiences', () => {
  it('finds the early warning: a customer due to become at_risk within 7 days, first-time buyers too, not one due later', () => {
    const soon = campaignFacts(customer('soon', [120, 60, 25]), undefined, context, NOW);
    expect(soon.stage).toBe('repeat');
    // At risk 30 days after the last order: 5 days from now.
    expect(soon.next).toEqual({ stage: 'at_risk', at: NOW + 5 * DAY });
    expect(soon.daysSinceLastOrder).toBe(25);
    expect(meets(recall.audience, soon, NOW)).toBe(true);
    const later = campaignFacts(customer('later', [120, 60, 10]), undefined, context, NOW);
    expect(later.next).toEqual({ stage: 'at_risk', at: NOW + 20 * DAY });
    expect(meets(recall.audience, later, NOW)).toBe(false);
    const once = campaignFacts(customer('once', [25]), undefined, context, NOW);
    expect(once.stage).toBe('activated');
    expect(meets(recall.audience, once, NOW)).toBe(true);
    const lapsed = campaignFacts(customer('lapsed', [120, 60, 35]), undefined, context, NOW);
    expect(lapsed.stage).toBe('at_risk');
    expect(meets(recall.audience, lapsed, NOW)).toBe(false);
  });

  it('holds each criterion as written; one the facts cannot answer does not hold', () => {
    expect(meets({ churnRiskAtLeast: 0.5 }, facts(), NOW)).toBe(false);
    expect(meets({ churnRiskAtLeast: 0.5 }, facts({ churnRisk: 0.5 }), NOW)).toBe(true);
    expect(meets({ churnRiskBelow: 0.5 }, facts({ churnRisk: 0.5 }), NOW)).toBe(false);
    expect(meets({ valueTiers: ['high'] }, facts(), NOW)).toBe(false);
    expect(meets({ rfmSegments: ['champions'] }, facts({ rfmSegment: 'champions' }), NOW)).toBe(true);
    expect(meets({ daysSinceLastOrder: { atLeast: 30 } }, facts(), NOW)).toBe(false);
    expect(meets({ daysSinceLastOrder: { atLeast: 30, atMost: 60 } }, facts({ daysSinceLastOrder: 60 }), NOW)).toBe(
      true,
    );
    expect(meets({ tags: { all: ['vip'] } }, facts({ tags: new Set(['vip']) }), NOW)).toBe(true);
    expect(meets({ tags: { none: ['vip'] } }, facts({ tags: new Set(['vip']) }), NOW)).toBe(false);
    expect(meets({ consent: ['email', 'sms'] }, facts(), NOW)).toBe(false);
    expect(meets({ consent: ['email', 'push'] }, facts(), NOW)).toBe(true);
    expect(meets({}, facts(), NOW)).toBe(true);
  });

  it('gives each member the first rung they meet: the gift pack for high value, push alone for low', () => {
    const due = { next: { stage: 'at_risk' as const, at: NOW + DAY } };
    const treated = ['c1', 'c2', 'c3', 'c4', 'c5'].find((id) => !isHeldOut(recall, id)) as string;
    const rungOf = (over: Partial<CampaignFacts>) => {
      const a = assign(recall, treated, facts({ ...due, ...over }), NOW);
      return a?.arm === 'treated' ? a.rung.name : a?.arm;
    };
    expect(rungOf({ valueTier: 'high' })).toBe('high-value-gift-pack');
    expect(rungOf({ valueTier: 'mid' })).toBe('mid-value-gift');
    expect(rungOf({ valueTier: 'low' })).toBe('low-value-push');
    expect(rungOf({ valueTier: 'low', stage: 'at_risk' })).toBeUndefined();
  });

  it('holds out 10 % of 100,000 ids, the same ones on every run, others under another salt', () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `customer-${i}`);
    const held = ids.filter((id) => isHeldOut(recall, id));
    expect(Math.abs(held.length / ids.length - 0.1)).toBeLessThan(0.003);
    expect(
      sampleRatioMismatch({ treated: ids.length - held.length, holdout: held.length, expectedHoldoutShare: 0.1 }),
    ).toMatchObject({ mismatch: false });
    expect(ids.filter((id) => isHeldOut(recall, id))).toEqual(held);
    const resalted = { ...recall, salt: 'recall-at-risk-2027' };
    const both = held.filter((id) => isHeldOut(resalted, id)).length;
    expect(Math.abs(both / ids.length - 0.01)).toBeLessThan(0.002);
    for (const id of ids.slice(0, 1000)) {
      const u = holdoutPosition('s', id);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it('keys each offer by campaign, run, member and action', () => {
    expect(offerKey('t', 'recall-at-risk', '2026-06-01', 'c1', 0)).toBe('t:campaign:recall-at-risk:2026-06-01:c1:0');
  });
});
