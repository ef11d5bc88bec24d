import { z } from 'zod';

// What the store keeps exactly. DynamoDB holds numbers of magnitude 1e-130 up to 1e126 (38
// digits), and its JavaScript SDK refuses to write integers past 2^53 - 1 (they would come back
// rounded). A number from outside is checked against both before anything answers 2xx.

export const MIN_STORABLE_MAGNITUDE = 1e-130;

/** Why the store could not keep `n` exactly, or undefined when it can. */
export function storableNumberProblem(n: number): string | undefined {
  if (!Number.isFinite(n)) return 'must be a finite number';
  const magnitude = Math.abs(n);
  if (magnitude > Number.MAX_SAFE_INTEGER) return `must be at most ${Number.MAX_SAFE_INTEGER} in magnitude`;
  if (magnitude !== 0 && magnitude < MIN_STORABLE_MAGNITUDE) return 'must be 0 or at least 1e-130 in magnitude';
  return undefined;
}

export const isStorableNumber = (n: number): boolean => storableNumberProblem(n) === undefined;

/** A number the store keeps exactly. */
export const StorableNumber = z.number().check((ctx) => {
  const problem = storableNumberProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});
