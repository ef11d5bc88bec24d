// A tenant's group buying (拼团): how many customers a group needs, how long it stays open, and
// what every member gets when it fills. Tenants without it take no group events.
import { z } from 'zod';
import { Duration, Id } from '../journeys/schema';

/** The largest group any tenant may run: its members and their notices live in one item. */
export const MAX_GROUP_SIZE = 100;
/** The longest a group may stay open (30 days). */
export const MAX_GROUP_WINDOW_HOURS = 720;

/** What every member gets when the group completes: a coupon from a pool, or points. */
export const GroupReward = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('coupon'), pool: Id, expiresIn: Duration.optional() }),
  z.strictObject({ kind: z.literal('points'), points: z.int().min(1).max(1_000_000) }),
]);
export type GroupReward = z.infer<typeof GroupReward>;

export const GroupBuyingSettings = z
  .strictObject({
    /** Members a group needs, the leader included, when group_created does not say. */
    size: z.int().min(2).max(MAX_GROUP_SIZE).default(3),
    /** Hours from group_created within which the group must fill, when group_created does not say. */
    windowHours: z.int().min(1).max(MAX_GROUP_WINDOW_HOURS).default(24),
    /** The largest size a group_created may ask for: a larger group is refused. */
    maxSize: z.int().min(2).max(MAX_GROUP_SIZE).default(10),
    /** Granted to every member on completion, none on expiry. Absent: the store applies the group price itself (it listens to group_completed). */
    reward: GroupReward.optional(),
  })
  .refine((s) => s.size <= s.maxSize, { message: 'size must not exceed maxSize', path: ['size'] });
export type GroupBuyingSettings = z.infer<typeof GroupBuyingSettings>;
