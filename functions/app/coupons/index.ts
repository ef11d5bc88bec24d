// Coupons: pools (create, upload or generate codes, stats), issuing per action key, redemption from
// order discount codes and voiding on refunds.
export { type IssuedCoupon, type IssueRefusal, type IssueResult, issueCoupon } from './issue';
export {
  type AddCodesResult,
  CouponPoolNotFoundError,
  type CreatePoolResult,
  createPool,
  type GenerateDeps,
  generatePoolCodes,
  listPools,
  type PoolDeps,
  type PoolStats,
  poolStats,
  readPool,
  uploadCodes,
} from './pools';
export {
  type CouponAttribution,
  type OrderEvent,
  type RedemptionOutcome,
  redeemCoupons,
  type VoidingEvent,
  type VoidOutcome,
  voidCoupons,
} from './redeem';
