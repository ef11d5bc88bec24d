/**
 * The commands of the coupon use cases (functions/app/coupons), valid once parsed: the admin API,
 * the CLI and the dispatcher build them with these schemas.
 */

import { z } from 'zod';
import { PoolId, parseExpiryDuration } from './coupon-pool';

const TenantId = z.string().min(1).max(63);
const Id = z.string().min(1).max(128);

/** Upload codes to an uploaded pool: a CSV file's text, or a list. */
export const UploadCodesCommand = z.union([
  z.strictObject({ tenantId: TenantId, poolId: PoolId, csv: z.string().max(8_000_000) }),
  z.strictObject({ tenantId: TenantId, poolId: PoolId, codes: z.array(z.string().max(256)).max(100_000) }),
]);
export type UploadCodesCommand = z.output<typeof UploadCodesCommand>;

/** Generate codes for a generated pool: `count` more (default: the pool's count, when it has no codes yet). */
export const GenerateCodesCommand = z.strictObject({
  tenantId: TenantId,
  poolId: PoolId,
  count: z.int().min(1).max(1_000_000).optional(),
});
export type GenerateCodesCommand = z.output<typeof GenerateCodesCommand>;

/** Give one coupon of a pool for one action: the action key makes it idempotent. */
export const IssueCouponCommand = z.strictObject({
  tenantId: TenantId,
  poolId: PoolId,
  actionKey: z.string().min(1).max(512),
  customerId: Id,
  journeyId: Id.optional(),
  campaignId: Id.optional(),
  /** The action's own relative expiry (a journey's coupon `expiresIn`), instead of the pool's. */
  expiresIn: z
    .string()
    .max(64)
    .refine((text) => {
      try {
        return parseExpiryDuration(text) > 0;
      } catch {
        return false;
      }
    }, 'must be a duration such as P3D, PT12H or 3d')
    .optional(),
});
export type IssueCouponCommand = z.output<typeof IssueCouponCommand>;
