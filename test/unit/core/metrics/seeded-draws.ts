/**
 * Deterministic random draws for the simulation tests: mulberry32 (a 32-bit generator), and
 * exact binomial draws as the number of successes whose geometric gaps fit in n trials.
 */

/** A uniform draw in (0, 1] from a seeded mulberry32 stream. */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 2 ** 32;
  };
}

/**
 * Binomial(n, p): the trials up to and including each success are Geometric(p), drawn by
 * inversion as ⌊ln U / ln(1 − p)⌋ + 1; count the successes until the trials run past n.
 * About n·p + 1 uniforms per draw, and exact (no normal approximation) at any n·p.
 */
export function binomialDraw(uniform: () => number, n: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return n;
  const logFailure = Math.log1p(-p);
  let trials = 0;
  let successes = 0;
  for (;;) {
    trials += Math.floor(Math.log(uniform()) / logFailure) + 1;
    if (trials > n) return successes;
    successes++;
  }
}
