/**
 * A small minimizer for smooth functions of a few parameters: BFGS on the inverse Hessian
 * (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithm 6.1) with a backtracking
 * line search under the Armijo condition, using the caller's analytic gradient, run from each
 * given start; the best end point wins. Optional box bounds are enforced by treating any
 * point outside the box as +∞, so the line search backtracks into it (a minimum on a bound
 * therefore ends with `converged: false`). A non-finite value anywhere is treated the same.
 * With `firstConverged`, the starts after the first converged run are skipped.
 * A run stops when the gradient norm reaches the tolerance (`converged: true`), when a step
 * no longer lowers the value beyond rounding noise, or after `maxIterations`.
 */

export interface Evaluation {
  value: number;
  gradient: number[];
}

export type Objective = (x: readonly number[]) => Evaluation;

export interface MinimizeOptions {
  /** Starting points; at least one. Each is clamped into the bounds. */
  starts: readonly (readonly number[])[];
  lower?: readonly number[];
  upper?: readonly number[];
  /** Converged when the Euclidean norm of the gradient is at most this. Default 1e-6. */
  gradientTolerance?: number;
  /** Per start. Default 500. */
  maxIterations?: number;
  /** Longest step the line search tries, in the parameters' own units. Default 1. */
  maxStep?: number;
  /**
   * Skip the remaining starts once a run converges (gradient norm within the tolerance); the
   * best end point of the runs made is returned. For objectives known to
   * have one interior optimum, where the later starts only guard against a failed run.
   * Default false.
   */
  firstConverged?: boolean;
}

export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
  gradientNorm: number;
}

const ARMIJO_C1 = 1e-4;
const BACKTRACK = 0.5;
const MAX_BACKTRACKS = 60;

const dot = (u: readonly number[], v: readonly number[]): number =>
  u.reduce((s, ui, i) => s + ui * (v[i] as number), 0);
const norm = (u: readonly number[]): number => Math.sqrt(dot(u, u));
const identity = (n: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const matVec = (m: readonly number[][], v: readonly number[]): number[] => m.map((row) => dot(row, v));

export function minimize(f: Objective, options: MinimizeOptions): MinimizeResult {
  if (options.starts.length === 0) throw new Error('minimize: at least one starting point is required');
  let best: MinimizeResult | undefined;
  for (const start of options.starts) {
    const result = minimizeFrom(f, start, options);
    if (!best || result.value < best.value || (result.value === best.value && result.converged && !best.converged)) {
      best = result;
    }
    if (options.firstConverged && result.converged) break;
  }
  return best as MinimizeResult;
}

function minimizeFrom(f: Objective, start: readonly number[], options: MinimizeOptions): MinimizeResult {
  const n = start.length;
  const lower = options.lower ?? Array<number>(n).fill(Number.NEGATIVE_INFINITY);
  const upper = options.upper ?? Array<number>(n).fill(Number.POSITIVE_INFINITY);
  const tolerance = options.gradientTolerance ?? 1e-6;
  const maxIterations = options.maxIterations ?? 500;
  const maxStep = options.maxStep ?? 1;
  const inside = (x: readonly number[]) => x.every((xi, i) => xi >= (lower[i] as number) && xi <= (upper[i] as number));
  const evaluate = (x: readonly number[]): Evaluation => {
    if (!inside(x)) return { value: Number.POSITIVE_INFINITY, gradient: [] };
    const e = f(x);
    return Number.isFinite(e.value) && e.gradient.every(Number.isFinite)
      ? e
      : { value: Number.POSITIVE_INFINITY, gradient: [] };
  };

  let x = start.map((xi, i) => Math.min(Math.max(xi, lower[i] as number), upper[i] as number));
  let current = evaluate(x);
  if (!Number.isFinite(current.value)) {
    return { x, value: Number.POSITIVE_INFINITY, iterations: 0, converged: false, gradientNorm: Number.NaN };
  }
  let h = identity(n);
  let fresh = true; // h is the identity: no curvature information yet
  let iterations = 0;

  while (iterations < maxIterations && norm(current.gradient) > tolerance) {
    let direction = matVec(h, current.gradient).map((v) => -v);
    let slope = dot(direction, current.gradient);
    if (!(slope < 0)) {
      h = identity(n);
      fresh = true;
      direction = current.gradient.map((v) => -v);
      slope = dot(direction, current.gradient);
    }
    const length = norm(direction);
    let step = length > maxStep ? maxStep / length : 1;
    let next: Evaluation | undefined;
    let candidate: number[] = x;
    for (let k = 0; k < MAX_BACKTRACKS; k++) {
      candidate = x.map((xi, i) => xi + step * (direction[i] as number));
      const e = evaluate(candidate);
      if (e.value <= current.value + ARMIJO_C1 * step * slope) {
        next = e;
        break;
      }
      step *= BACKTRACK;
    }
    if (!next) {
      if (fresh) break; // even steepest descent makes no progress: stop where we are
      h = identity(n);
      fresh = true;
      continue;
    }
    iterations++;
    const progress = current.value - next.value;
    const s = candidate.map((ci, i) => ci - (x[i] as number));
    const y = next.gradient.map((gi, i) => gi - (current.gradient[i] as number));
    const sy = dot(s, y);
    x = candidate;
    current = next;
    if (sy > 1e-12 * norm(s) * norm(y)) {
      if (fresh) {
        // Scale the first inverse Hessian guess (Nocedal & Wright eq. 6.20).
        const scale = sy / dot(y, y);
        h = h.map((row) => row.map((v) => v * scale));
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1 / yᵀs (eq. 6.17)
      const rho = 1 / sy;
      const hy = matVec(h, y);
      const yhy = dot(y, hy);
      h = h.map((row, i) =>
        row.map(
          (v, j) =>
            v -
            rho * ((hy[i] as number) * (s[j] as number) + (s[i] as number) * (hy[j] as number)) +
            (rho * rho * yhy + rho) * (s[i] as number) * (s[j] as number),
        ),
      );
      fresh = false;
    }
    // No decrease above rounding noise: the gradient is as small as this objective allows.
    if (progress <= 1e-15 * Math.abs(current.value)) break;
  }
  const gradientNorm = norm(current.gradient);
  return { x, value: current.value, iterations, converged: gradientNorm <= tolerance, gradientNorm };
}

export type LogSpaceFit = { x: number[]; logLikelihood: number; converged: boolean; iterations: number };

/**
 * Maximum likelihood over log-parameters within ±`bound`: minimizes the negative mean
 * log-likelihood over `count` observations (scaled so the gradient tolerance does not depend
 * on the data size); the starts after the first converged run are a fallback only.
 */
export function maximizeLogLikelihood(
  logLikelihood: (logParams: readonly number[]) => Evaluation,
  options: { starts: readonly (readonly number[])[]; bound: number; count: number },
): LogSpaceFit {
  const dims = options.starts[0]?.length ?? 0;
  const scale = 1 / Math.max(1, options.count);
  const result = minimize(
    (v) => {
      const ll = logLikelihood(v);
      return { value: -ll.value * scale, gradient: ll.gradient.map((g) => -g * scale) };
    },
    {
      starts: options.starts,
      lower: Array(dims).fill(-options.bound),
      upper: Array(dims).fill(options.bound),
      gradientTolerance: 1e-7,
      maxIterations: 1000,
      firstConverged: true,
    },
  );
  return {
    x: result.x,
    logLikelihood: -result.value / scale,
    converged: result.converged,
    iterations: result.iterations,
  };
}
