import { newcombeDifferenceInterval } from '../../../../functions/core/metrics/proportions';
import { binomialDraw, seededUniform } from './seeded-draws';

export interface Scenario {
  nHoldout: number;
  nTreated: number;
  holdoutRate: number;
  treatedRate: number;
}

export interface CoverageResult {
  /** Share of campaigns whose 95 % interval contains the true treated − holdout difference. */
  coverage: number;
  /** Share of campaigns whose interval excludes 0 (the false-positive rate when there is no effect). */
  excludesZero: number;
}

/** Runs `campaigns` simulated campaigns of `scenario` and scores the Newcombe interval of each. */
export function simulateCoverage(scenario: Scenario, campaigns: number, seed: number): CoverageResult {
  const uniform = seededUniform(seed);
  const truth = scenario.treatedRate - scenario.holdoutRate;
  let covered = 0;
  let excludesZero = 0;
  for (let i = 0; i < campaigns; i++) {
    const xHoldout = binomialDraw(uniform, scenario.nHoldout, scenario.holdoutRate);
    const xTreated = binomialDraw(uniform, scenario.nTreated, scenario.treatedRate);
    const { lower, upper } = newcombeDifferenceInterval(xTreated, scenario.nTreated, xHoldout, scenario.nHoldout);
    if (lower <= truth && truth <= upper) covered++;
    if (lower > 0 || upper < 0) excludesZero++;
  }
  return { coverage: covered / campaigns, excludesZero: excludesZero / campaigns };
}
