import { describe, expect, it } from 'vitest';
import { binomialDraw, seededUniform } from './seeded-draws';
import { type Scenario, simulateCoverage } from './simulated-campaigns';

const CAMPAIGNS = 400;
// The Monte Carlo band for a nominal 0.95 over 400 campaigns (research §7): 0.95 ± 1.96·√(0.95·0.05/400).
// A correct interval still falls outside it for about one seed in twenty (with seed 2 the second
// scenario covers 0.975; over 20,000 campaigns it covers 0.952), so the seeds are fixed.
const BAND = { lower: 0.929, upper: 0.971 };
const SEED = 20_250_101;

describe('the 95 % Newcombe interval over 400 simulated campaigns', () => {
  const scenarios: [string, Scenario, number][] = [
    [
      '2,000 holdout / 18,000 treated, 4 % → 5 %',
      { nHoldout: 2000, nTreated: 18_000, holdoutRate: 0.04, treatedRate: 0.05 },
      SEED,
    ],
    [
      '200 holdout / 1,800 treated, 4 % → 5 %',
      { nHoldout: 200, nTreated: 1800, holdoutRate: 0.04, treatedRate: 0.05 },
      SEED + 1,
    ],
    [
      '100 holdout / 900 treated, 1 % → 1.2 %',
      { nHoldout: 100, nTreated: 900, holdoutRate: 0.01, treatedRate: 0.012 },
      SEED + 2,
    ],
  ];

  it.each(scenarios)('covers the true lift at the nominal rate: %s', (_name, scenario, seed) => {
    const { coverage } = simulateCoverage(scenario, CAMPAIGNS, seed);
    expect(coverage).toBeGreaterThanOrEqual(BAND.lower);
    expect(coverage).toBeLessThanOrEqual(BAND.upper);
  });

  it('claims a lift in at most 7.1 % of A/A campaigns (2,000 / 18,000 at 4 %, no effect)', () => {
    const scenario = { nHoldout: 2000, nTreated: 18_000, holdoutRate: 0.04, treatedRate: 0.04 };
    const { excludesZero } = simulateCoverage(scenario, CAMPAIGNS, SEED + 3);
    expect(excludesZero).toBeLessThanOrEqual(0.071);
  });
});

describe('the simulation’s binomial draws', () => {
  it('have the binomial mean, variance and P(0) at a small n·p, where a normal approximation would fail', () => {
    const uniform = seededUniform(7);
    const draws = Array.from({ length: 100_000 }, () => binomialDraw(uniform, 100, 0.01));
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    const variance = draws.reduce((sum, x) => sum + (x - mean) ** 2, 0) / draws.length;
    expect(mean).toBeCloseTo(1, 1.5);
    expect(variance).toBeCloseTo(0.99, 1.5);
    expect(draws.filter((x) => x === 0).length / draws.length).toBeCloseTo(0.99 ** 100, 2);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(100);
  });

  it('are the same for the same seed', () => {
    const a = seededUniform(42);
    const b = seededUniform(42);
    expect(Array.from({ length: 5 }, () => binomialDraw(a, 1000, 0.05))).toEqual(
      Array.from({ length: 5 }, () => binomialDraw(b, 1000, 0.05)),
    );
  });
});
