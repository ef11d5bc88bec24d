import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { foldEvents, type Profile } from '../../../../functions/core/profiles/profile';
import { rescore, SEGMENT_ENTERED } from '../../../../functions/core/profiles/profile-changes';
import { fromModelItem, modelItems } from '../../../../functions/core/scoring/model-items';
import { evaluateProfile } from '../../../../functions/core/scoring/profile-scores';
import { DEFAULT_SCORING_SETTINGS } from '../../../../functions/core/scoring/settings';
import { fitTenantModel, type TenantModel } from '../../../../functions/core/scoring/tenant-model';
import { formatDay, parseCdnowText } from '../../../../functions/core/scoring/transactions';

const DAY = 86_400_000;
const CALIBRATION_END = Date.parse('1997-09-30T12:00:00Z');
const text = readFileSync(join(import.meta.dirname, '../../../fixtures/cdnow/CDNOW_sample.txt'), 'utf8');

/** Profiles folded from the CDNOW orders placed up to the end of calibration, in cents. */
function cdnowProfiles(): Profile[] {
  const byCustomer = new Map<string, CanonicalEvent[]>();
  parseCdnowText(text).forEach((t, i) => {
    const placedAt = `${formatDay(t.day)}T10:00:00.000Z`;
    if (Date.parse(placedAt) > CALIBRATION_END) return;
    const events = byCustomer.get(t.customerId) ?? [];
    events.push({
      type: 'order_placed',
      tenantId: 'cdnow',
      eventId: `o-${i}`,
      customerId: t.customerId,
      occurredAt: placedAt,
      source: 'test',
      properties: { orderId: `o-${i}`, total: { amount: Math.round(t.amount * 100), currency: 'USD' } },
    });
    byCustomer.set(t.customerId, events);
  });
  return [...byCustomer.values()].map((events) => foldEvents(undefined, events) as Profile);
}

const relative = (got: number, want: number) => Math.abs(got - want) / want;

describe('fitTenantModel', () => {
  const profiles = cdnowProfiles();
  const fit = fitTenantModel('cdnow', profiles, 'USD', DEFAULT_SCORING_SETTINGS, CALIBRATION_END);
  const model = fit.model as TenantModel;

  it('fitted on profiles of the CDNOW orders, reproduces the published BG/NBD and Gamma-Gamma parameters', () => {
    expect(fit.diagnostics).toMatchObject({ status: 'fitted', customers: 2357, buyers: 2357, repeatBuyers: 946 });
    expect(fit.diagnostics.bgnbd?.converged).toBe(true);
    expect(fit.diagnostics.bgnbd?.logLikelihood).toBeCloseTo(-9582.43, 1);
    const published = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };
    for (const [name, want] of Object.entries(published)) {
      expect(relative(model.bgnbd[name as keyof typeof published], want)).toBeLessThan(0.005);
    }
    expect(relative(model.gammaGamma!.p, 6.2496)).toBeLessThan(0.005);
    expect(relative(model.gammaGamma!.q, 3.7442)).toBeLessThan(0.005);
    expect(relative(model.gammaGamma!.gamma, 15.4435)).toBeLessThan(0.005);
    expect(fit.diagnostics.churn).toMatchObject({ trainHorizonWeeks: 90 / 7, trainCutoff: '1997-07-02' });
  });

  it('scores a repeat buyer and a one-time buyer: P(alive) is 1 for the one-time buyer, but the churn risk is not', () => {
    const repeat = profiles.find((p) => p.orders >= 5)!;
    const once = profiles.find((p) => p.orders === 1 && Date.parse(p.lastOrderAt!) < Date.parse('1997-02-01'))!;
    const context = { model, settings: DEFAULT_SCORING_SETTINGS, currency: 'USD' };
    const r = evaluateProfile(repeat, undefined, context, CALIBRATION_END).scores;
    const o = evaluateProfile(once, undefined, context, CALIBRATION_END).scores;
    expect(o.model?.pAlive).toBe(1);
    expect(o.model!.churnRisk).toBeGreaterThan(0.9);
    expect(r.model!.churnRisk).toBeLessThan(o.model!.churnRisk);
    expect(r.model!.expectedPurchases).toBeGreaterThan(o.model!.expectedPurchases);
    expect(r.model!.clv).toBeGreaterThan(0);
    expect(r.rfm?.f).toBe(5);
    expect(o.rfm).toMatchObject({ f: 1, r: 1 });
  });

  it('puts the next due time on the first day the scores move the stage, found without new events', () => {
    const context = { model, settings: DEFAULT_SCORING_SETTINGS, currency: 'USD' };
    // A customer who just ordered for the fifth time: loyal now, at risk once the scores or 30 days say so.
    const recent = profiles.find((p) => p.orders >= 5 && CALIBRATION_END - Date.parse(p.lastOrderAt!) < 10 * DAY)!;
    const now = CALIBRATION_END;
    const { lifecycle } = evaluateProfile(recent, undefined, context, now);
    expect(lifecycle.stage).toBe('loyal');
    const due = Date.parse(lifecycle.nextDueAt!);
    expect(due).toBeLessThanOrEqual(Date.parse(recent.lastOrderAt!) + 30 * DAY);
    const stored = { stage: lifecycle.stage, since: lifecycle.since, reason: lifecycle.reason };
    expect(evaluateProfile(recent, stored, context, due).lifecycle.stage).toBe('at_risk');
    expect(evaluateProfile(recent, stored, context, due - DAY).lifecycle.stage).toBe('loyal');
  });

  it('with too few buyers stores no model and says why', () => {
    const few = fitTenantModel('small', profiles.slice(0, 20), 'USD', DEFAULT_SCORING_SETTINGS, CALIBRATION_END);
    expect(few.model).toBeUndefined();
    expect(few.diagnostics).toMatchObject({ status: 'insufficient_data', buyers: 20 });
    expect(few.diagnostics.reason).toMatch(/20 buyers; at least 50 needed/);
  });

  it('without a model, scores value tiers and leaves the model scores out', () => {
    const lapsed = profiles.find((p) => CALIBRATION_END - Date.parse(p.lastOrderAt!) > 200 * DAY && p.orders === 1)!;
    const { scores, lifecycle } = evaluateProfile(
      lapsed,
      undefined,
      { settings: DEFAULT_SCORING_SETTINGS, currency: 'USD' },
      CALIBRATION_END,
    );
    expect(scores.model).toBeUndefined();
    expect(scores.rfm).toBeUndefined();
    expect(scores.value.tier).toBe('low');
    expect(lifecycle.stage).toBe('churned');
  });

  it('a fit with too little data keeps the model in use and records why, with a dated history entry', () => {
    const few = fitTenantModel('cdnow', profiles.slice(0, 20), 'USD', DEFAULT_SCORING_SETTINGS, CALIBRATION_END + DAY);
    const [first] = modelItems('cdnow', fit, undefined);
    const [current, history] = modelItems('cdnow', few, fromModelItem(first));
    const stored = fromModelItem(current);
    expect(stored?.model).toEqual(model);
    expect(stored?.diagnostics).toEqual(fit.diagnostics);
    expect(stored?.latest).toMatchObject({ status: 'insufficient_data', fittedAt: '1997-10-01T12:00:00.000Z' });
    expect(history).toMatchObject({ pk: 'cdnow#MODEL', sk: 'FIT#1997-10-01', diagnostics: few.diagnostics });
    expect(history?.model).toBeUndefined();
  });

  it('a rescore that moves the customer into an RFM segment puts segment.entered in the outbox, once', () => {
    const context = { model, settings: DEFAULT_SCORING_SETTINGS, currency: 'USD' };
    const loyal = profiles.find((p) => p.orders >= 5 && CALIBRATION_END - Date.parse(p.lastOrderAt!) < 10 * DAY)!;
    const first = rescore({ profile: loyal, version: 1, seen: {} }, context, CALIBRATION_END);
    const entered = first.outbox?.filter((e) => e.type === SEGMENT_ENTERED);
    expect(entered).toEqual([
      expect.objectContaining({ properties: { segment: 'Champions', previous: null }, customerId: loyal.customerId }),
    ]);
    const { outbox: _, ...sent } = first;
    expect(rescore(sent, context, CALIBRATION_END + DAY).outbox).toBeUndefined();
  });
});
