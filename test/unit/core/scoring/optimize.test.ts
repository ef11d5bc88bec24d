import { describe, expect, it } from 'vitest';
import { minimize } from '../../../../functions/core/scoring/optimize';

const rosenbrock = ([x = 0, y = 0]: readonly number[]) => ({
  value: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  gradient: [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
});

describe('minimize (BFGS + Armijo backtracking)', () => {
  it('minimizes an ill-conditioned quadratic', () => {
    const f = ([x = 0, y = 0, z = 0]: readonly number[]) => ({
      value: (x - 1) ** 2 + 1000 * (y + 2) ** 2 + 0.01 * (z - 3) ** 2,
      gradient: [2 * (x - 1), 2000 * (y + 2), 0.02 * (z - 3)],
    });
    const result = minimize(f, { starts: [[0, 0, 0]], gradientTolerance: 1e-10 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 8);
    expect(result.x[1]).toBeCloseTo(-2, 8);
    expect(result.x[2]).toBeCloseTo(3, 6);
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-10);
  });

  it('finds the Rosenbrock minimum', () => {
    const result = minimize(rosenbrock, { starts: [[-1.2, 1]], gradientTolerance: 1e-8 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.value).toBeLessThan(1e-12);
    expect(result.iterations).toBeLessThan(200);
  });

  it('keeps the best of several starts', () => {
    // Two minima: x = -1 (value -1) and x = 2 (value about -8.7 after the tilt).
    const f = ([x = 0]: readonly number[]) => ({
      value: (x + 1) ** 2 * (x - 2) ** 2 - x - 1,
      gradient: [2 * (x + 1) * (x - 2) ** 2 + 2 * (x + 1) ** 2 * (x - 2) - 1],
    });
    const result = minimize(f, { starts: [[-1.5], [3]] });
    expect(result.x[0]).toBeGreaterThan(1.5);
    const left = minimize(f, { starts: [[-1.5]] });
    expect(result.value).toBeLessThan(left.value);
  });

  it('treats the box as a wall and non-finite values as +Infinity', () => {
    const f = ([x = 0]: readonly number[]) => ({ value: x > 5 ? Number.NaN : (x - 3) ** 2, gradient: [2 * (x - 3)] });
    const inside = minimize(f, { starts: [[4.9]], lower: [-10], upper: [10] });
    expect(inside.converged).toBe(true);
    expect(inside.x[0]).toBeCloseTo(3, 6);
    const onBound = minimize(f, { starts: [[0]], lower: [-1], upper: [2] });
    expect(onBound.x[0]).toBeLessThanOrEqual(2);
    expect(onBound.x[0]).toBeGreaterThan(1.99);
    expect(onBound.converged).toBe(false);
  });

  it('rejects an empty list of starts', () => {
    expect(() => minimize(rosenbrock, { starts: [] })).toThrow();
  });
});
