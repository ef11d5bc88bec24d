/**
 * Seeded randomness for simulations: xoshiro128** (Blackman & Vigna) seeded through splitmix32,
 * and the samplers the shopper model needs (exponential, normal, Gamma by Marsaglia–Tsang, Beta
 * from two Gammas). Pure: a Random is a value the caller creates from a seed and passes in.
 */

/** A stream of uniform numbers in [0, 1). */
export interface Random {
  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number;
}

/** splitmix32: a 32-bit mixing sequence, used only to spread a seed over xoshiro's 128-bit state. */
function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state ^ (state >>> 16);
    z = Math.imul(z, 0x21f0aaad);
    z ^= z >>> 15;
    z = Math.imul(z, 0x735a2d97);
    z ^= z >>> 15;
    return z >>> 0;
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/**
 * xoshiro128** with 128 bits of state (period 2^128 − 1). `stream` picks an independent-looking
 * sequence for the same seed (the simulator gives each customer and process its own, so that one
 * customer's history does not depend on how many others are simulated).
 */
export function createRandom(seed: number, stream = 0): Random {
  if (!Number.isInteger(seed) || !Number.isInteger(stream)) {
    throw new RangeError(`createRandom: seed and stream must be integers, got ${seed}, ${stream}`);
  }
  const first = splitmix32(seed >>> 0);
  const mix = splitmix32((first() ^ stream) >>> 0);
  let s0 = mix();
  let s1 = mix();
  let s2 = mix();
  let s3 = mix();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is the one xoshiro cannot leave
  const next32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  return {
    next: () => ((next32() >>> 5) * 67_108_864 + (next32() >>> 6)) / 9_007_199_254_740_992,
  };
}

/** Exp(rate): mean 1/rate. */
export function sampleExponential(random: Random, rate: number): number {
  return -Math.log1p(-random.next()) / rate;
}

/** A standard normal draw (Box–Muller; one of the pair is used). */
export function sampleNormal(random: Random): number {
  const u = 1 - random.next(); // (0, 1]
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * log of a Gamma(shape, rate 1) draw. Marsaglia & Tsang (2000) for shape ≥ 1; below 1 the
 * boost Gamma(shape) = Gamma(shape + 1) · U^(1/shape), kept in logs so that small shapes do not
 * underflow to 0.
 */
export function sampleLogGamma(random: Random, shape: number): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`Gamma shape must be > 0, got ${shape}`);
  if (shape < 1) {
    const u = 1 - random.next(); // (0, 1]
    return sampleLogGamma(random, shape + 1) + Math.log(u) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleNormal(random);
    const base = 1 + c * x;
    if (base <= 0) continue;
    const v = base * base * base;
    const u = random.next();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
      return Math.log(d) + Math.log(v);
    }
  }
}

/** Gamma(shape, rate): mean shape/rate, variance shape/rate². */
export function sampleGamma(random: Random, shape: number, rate = 1): number {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`Gamma rate must be > 0, got ${rate}`);
  return Math.exp(sampleLogGamma(random, shape)) / rate;
}

/** Beta(a, b) = X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b), computed from their logs. */
export function sampleBeta(random: Random, a: number, b: number): number {
  const x = sampleLogGamma(random, a);
  const y = sampleLogGamma(random, b);
  return 1 / (1 + Math.exp(y - x));
}
