/**
 * The tenant's global control group: customers who get no marketing from any journey or
 * campaign, counted as skipped so that lift can be measured against them.
 *
 * A customer's bucket is HMAC-SHA256(salt, customerId) out of 10,000; buckets below
 * percent × 100 are in the group (5 % by default, at most 15 %). The hash is keyed rather than
 * FNV (../hash): with a public hash anyone who can choose a customer id (a guest checkout, a
 * sign-up) could pick one inside or outside the group; with a secret salt nobody can. Hashing is
 * deterministic, so this stays pure.
 *
 * Salts come in dated generations `{from, salt}`: the generation in force at the action's time
 * decides. A reshuffle adds a generation and keeps the older ones, so membership at any past
 * instant stays answerable (Braze loses it). Before the first generation nobody is in the group:
 * the tenant's provisioning, which may draw random numbers, adds the first generation with a
 * random salt.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';

/** The number of buckets: a customer's bucket is 0–9,999. */
export const CONTROL_BUCKETS = 10_000;
/** The default share of customers in the control group, in percent. */
export const DEFAULT_CONTROL_PERCENT = 5;
/** The largest share allowed, in percent. */
export const MAX_CONTROL_PERCENT = 15;

const percent = z
  .number()
  .min(0)
  .max(MAX_CONTROL_PERCENT)
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'must be a multiple of 0.01 (one bucket)');

/** When a salt takes effect: an ISO date (its 00:00 UTC) or an ISO date-time with offset. */
const From = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/**
 * One generation of the control group: from `from` on, buckets are computed with `salt`; its
 * own `percent` (when set) keeps a change of share from rewriting history too.
 */
export const SaltGeneration = z.strictObject({
  from: From,
  salt: z.string().min(16, 'must be at least 16 characters of secret').max(256),
  percent: percent.optional(),
});
export type SaltGeneration = z.infer<typeof SaltGeneration>;

/** The tenant's control group: its share (percent of customers) and its salt generations, any order. */
export const ControlGroup = z.strictObject({
  percent: percent.default(DEFAULT_CONTROL_PERCENT),
  generations: z
    .array(SaltGeneration)
    .max(100)
    .default([])
    .refine((gs) => new Set(gs.map((g) => Date.parse(g.from))).size === gs.length, 'two generations start together'),
});
export type ControlGroup = z.infer<typeof ControlGroup>;
export type ControlGroupInput = z.input<typeof ControlGroup>;

/** A customer's bucket, 0–9,999, under `salt`: the first 48 bits of HMAC-SHA256(salt, customerId) mod 10,000. */
export function controlBucket(salt: string, customerId: string): number {
  const digest = createHmac('sha256', salt).update(customerId, 'utf8').digest();
  return digest.readUIntBE(0, 6) % CONTROL_BUCKETS;
}

/** The generation in force at `at` (epoch ms): the one with the latest `from` not after it; undefined before the first. */
export function generationAt(group: ControlGroup, at: number): SaltGeneration | undefined {
  let best: SaltGeneration | undefined;
  for (const g of group.generations) {
    const from = Date.parse(g.from);
    if (from <= at && (best === undefined || from > Date.parse(best.from))) best = g;
  }
  return best;
}

/** Whether a customer is in the control group at an instant, with the generation (its `from`) and bucket that decided. */
export type ControlMembership =
  | { member: boolean; generation: string; bucket: number; rule: string }
  | { member: false; generation?: undefined; bucket?: undefined; rule: 'control_group_not_in_force' };

/** Whether `customerId` is in the control group at `at` (epoch ms), by the generation in force then. */
export function controlMembership(group: ControlGroup, customerId: string, at: number): ControlMembership {
  const generation = generationAt(group, at);
  if (!generation) return { member: false, rule: 'control_group_not_in_force' };
  const share = Math.round((generation.percent ?? group.percent) * 100);
  const bucket = controlBucket(generation.salt, customerId);
  return { member: bucket < share, generation: generation.from, bucket, rule: `control_group:${generation.from}` };
}
