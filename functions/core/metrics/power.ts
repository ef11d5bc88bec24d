/**
 * Power before sending: how small a lift a campaign of a given size can detect, and how many
 * members it needs to detect a given one. Both are for the two-sided two-proportion z test.
 */
import { assertCount, assertOpenUnit } from './checks';
import { normalCdf, normalQuantile } from './normal';

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_POWER = 0.8;

export interface PowerInput {
  nTreated: number;
  nHoldout: number;
  /** The holdout's (expected) conversion rate. */
  baseRate: number;
  alpha?: number;
}

function checkPowerInput({ nTreated, nHoldout, baseRate, alpha = DEFAULT_ALPHA }: PowerInput): number {
  assertCount('nTreated', nTreated, 1);
  assertCount('nHoldout', nHoldout, 1);
  assertOpenUnit('baseRate', baseRate);
  assertOpenUnit('alpha', alpha);
  return alpha;
}

function powerAt(nTreated: number, nHoldout: number, baseRate: number, zCritical: number, delta: number): number {
  const treatedRate = baseRate + delta;
  const sigma = Math.sqrt((baseRate * (1 - baseRate)) / nHoldout + (treatedRate * (1 - treatedRate)) / nTreated);
  const shift = delta / sigma;
  return 1 - normalCdf(zCritical - shift) + normalCdf(-zCritical - shift);
}

/**
 * The power to detect an absolute lift `delta` (treated rate = baseRate + delta):
 * π = 1 − Φ(z₁₋α/₂ − Δ/σΔ) + Φ(z_α/₂ − Δ/σΔ), σΔ = √(p_h q_h/n_h + p_t q_t/n_t).
 */
export function powerOfTest(input: PowerInput & { delta: number }): number {
  const alpha = checkPowerInput(input);
  const { nTreated, nHoldout, baseRate, delta } = input;
  if (!(delta >= 0 && baseRate + delta <= 1)) {
    throw new RangeError(`delta must be between 0 and 1 − baseRate, got ${delta}`);
  }
  return powerAt(nTreated, nHoldout, baseRate, normalQuantile(1 - alpha / 2), delta);
}

export interface DetectableEffect {
  /** The smallest absolute lift (difference of rates) detected with the requested power. */
  absolute: number;
  /** The same, relative to the base rate. */
  relative: number;
}

/**
 * The minimum detectable (upward) effect: the smallest Δ whose power reaches `power`, by
 * bisection (the power grows with Δ). Null when even a treated rate of 100 % falls short.
 */
export function minimumDetectableEffect(input: PowerInput & { power?: number }): DetectableEffect | null {
  const alpha = checkPowerInput(input);
  const { nTreated, nHoldout, baseRate, power = DEFAULT_POWER } = input;
  assertOpenUnit('power', power);
  if (power <= alpha) throw new RangeError(`power (${power}) must exceed alpha (${alpha}): Δ = 0 already has power α`);
  const zCritical = normalQuantile(1 - alpha / 2);
  let low = 0;
  let high = 1 - baseRate;
  if (powerAt(nTreated, nHoldout, baseRate, zCritical, high) < power) return null;
  for (let i = 0; i < 200 && high - low > 1e-13; i++) {
    const middle = (low + high) / 2;
    if (powerAt(nTreated, nHoldout, baseRate, zCritical, middle) >= power) high = middle;
    else low = middle;
  }
  return { absolute: high, relative: high / baseRate };
}

export interface SampleSize {
  holdout: number;
  treated: number;
  total: number;
}

// Guards the ceilings against results such as 2659.0000000000005 that are integers in exact arithmetic.
const ceilCount = (value: number): number => Math.ceil(value - 1e-9);

/**
 * Members needed to detect a move from `baseRate` to `treatedRate` with a holdout share of
 * `holdoutShare` (k = treated per holdout member):
 * n_h = (z₁₋α/₂·√(p̄q̄(1 + 1/k)) + z_power·√(p_h q_h + p_t q_t/k))² / Δ², p̄ = (p_h + k·p_t)/(1 + k),
 * rounded up, and the treated arm k·n_h rounded up.
 */
export function sampleSize(input: {
  baseRate: number;
  treatedRate: number;
  holdoutShare: number;
  alpha?: number;
  power?: number;
}): SampleSize {
  const { baseRate, treatedRate, holdoutShare, alpha = DEFAULT_ALPHA, power = DEFAULT_POWER } = input;
  assertOpenUnit('baseRate', baseRate);
  assertOpenUnit('treatedRate', treatedRate);
  assertOpenUnit('holdoutShare', holdoutShare);
  assertOpenUnit('alpha', alpha);
  assertOpenUnit('power', power);
  if (treatedRate === baseRate) throw new RangeError('treatedRate must differ from baseRate');
  const k = (1 - holdoutShare) / holdoutShare;
  const pooled = (baseRate + k * treatedRate) / (1 + k);
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zPower = normalQuantile(power);
  const root =
    zAlpha * Math.sqrt(pooled * (1 - pooled) * (1 + 1 / k)) +
    zPower * Math.sqrt(baseRate * (1 - baseRate) + (treatedRate * (1 - treatedRate)) / k);
  const holdout = ceilCount(root ** 2 / (treatedRate - baseRate) ** 2);
  const treated = ceilCount(k * holdout);
  return { holdout, treated, total: holdout + treated };
}
