import { describe, expect, it } from 'vitest';
import { fitBgnbd } from '../../../../functions/core/scoring/bgnbd';
import { fitLogistic, predictLogistic, scoreChurn } from '../../../../functions/core/scoring/churn';
import { auc } from '../../../../functions/core/scoring/evaluate';
import { type PurchaseDay, summarize } from '../../../../functions/core/scoring/transactions';

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fitLogistic', () => {
  it('recovers the sign and ordering of a simulated logistic relation', () => {
    const rand = rng(1);
    const rows: number[][] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 2000; i++) {
      const x1 = rand() * 4 - 2;
      const x2 = rand() * 10;
      rows.push([x1, x2]);
      labels.push(rand() < 1 / (1 + Math.exp(-(0.5 + 2 * x1 - 0.1 * x2))));
    }
    const model = fitLogistic(rows, labels, 0);
    const w1 = model.weights[1]! / model.sd[0]!;
    const w2 = model.weights[2]! / model.sd[1]!;
    expect(w1).toBeGreaterThan(1.6);
    expect(w1).toBeLessThan(2.4);
    expect(w2).toBeLessThan(0);
    expect(predictLogistic(model, [2, 0])).toBeGreaterThan(predictLogistic(model, [-2, 0]));
  });
});

/** A simulated BG/NBD population: weekly purchase rate ~ Gamma, dropout after a purchase ~ Beta-ish. */
function simulate(n: number, seed: number) {
  const rand = rng(seed);
  const days = new Map<string, PurchaseDay[]>();
  for (let i = 0; i < n; i++) {
    const first = Math.floor(rand() * 84);
    const rate = -Math.log(rand()) * 0.3; // purchases per week
    const dropout = rand() * 0.6;
    const list: PurchaseDay[] = [{ day: first, amount: 10 }];
    let t = first;
    while (rand() > dropout) {
      t += Math.max(1, Math.round((-Math.log(rand()) / Math.max(rate, 1e-3)) * 7));
      if (t > 546) break;
      if (list[list.length - 1]!.day !== t) list.push({ day: t, amount: 10 });
    }
    days.set(String(i), list);
  }
  return days;
}

describe('scoreChurn', () => {
  const days = simulate(3000, 7);
  const end = 273;
  const customers = summarize(days, end);
  const fit = fitBgnbd(customers);

  it('learns on a time split that never looks past the end of calibration', () => {
    const s = scoreChurn(days, end, 13, customers, fit.params);
    expect(s.trainHorizon).toBe(13);
    expect(s.trainCutoff).toBe(end - 91);
    // the same score whatever happens after the end of calibration
    const truncated = new Map([...days].map(([id, list]) => [id, list.filter((d) => d.day <= end)]));
    const again = scoreChurn(truncated, end, 13, customers, fit.params);
    expect(again.churn).toEqual(s.churn);
  });

  it('gives probabilities in 0..1 that rank holdout churn at least as well as recency and BG/NBD alone', () => {
    for (const h of [13, 26]) {
      const s = scoreChurn(days, end, h, customers, fit.params);
      expect(s.churn.every((p) => p > 0 && p < 1)).toBe(true);
      const labels = customers.map((c) => !c.holdout.some((w) => w <= h));
      const churnAuc = auc(s.churn, labels);
      expect(churnAuc).toBeGreaterThan(0.6);
      expect(churnAuc).toBeGreaterThanOrEqual(Math.max(auc(s.model, labels), auc(s.recency, labels)) - 0.01);
    }
  });

  it('shortens the training horizon when the calibration period is too short, and refuses when hopeless', () => {
    const s = scoreChurn(days, end, 39, customers, fit.params);
    expect(s.trainHorizon).toBeLessThan(39);
    expect(s.trainHorizon).toBeGreaterThanOrEqual(1);
    const young = summarize(days, 20);
    expect(() => scoreChurn(days, 20, 13, young, fitBgnbd(young).params)).toThrow(/too short/);
  });
});
