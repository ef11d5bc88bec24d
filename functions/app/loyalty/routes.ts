/**
 * The points admin API: GET /v1/customers/{customerId}/points (the account folded as of now) and
 * POST /v1/customers/{customerId}/points/redemptions (spend, once per redemption id).
 */
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import { type PointsAccountView, RedemptionRequest } from '../../contracts/http-api';
import type { TenantRecord } from '../../core/config/tenants';
import { jsonPath } from '../../core/json-path';
import { expiringOf } from '../../core/loyalty/items';
import { foldLedger } from '../../core/loyalty/ledger';
import { ledgerEntries } from './points';
import { type RedeemDeps, redeemPoints } from './redeem';

const MAX_BODY_BYTES = 4 * 1024;

export function pointsRoutes(deps: RedeemDeps) {
  return {
    async account(tenant: TenantRecord, customerId: string): Promise<Answer> {
      const asOf = new Date(deps.clock.now()).toISOString();
      const fold = foldLedger(await ledgerEntries(deps.store, tenant.id, customerId), asOf);
      const view: PointsAccountView = {
        customerId,
        balance: fold.balance,
        available: fold.available,
        pending: fold.pending,
        debt: fold.debt,
        earned: fold.earned,
        redeemed: fold.redeemed,
        expired: fold.expired,
        clawedBack: fold.clawedBack,
        forgiven: fold.forgiven,
        streak: fold.streak ?? null,
        expiring: expiringOf(fold),
        asOf,
      };
      return answer(200, view);
    },

    async redeem(tenant: TenantRecord, customerId: string, body: string): Promise<Answer> {
      const parsed = parseJsonBody(body, { maxBytes: MAX_BODY_BYTES });
      if (!parsed.ok) return parsed.rejection;
      const request = RedemptionRequest.safeParse(parsed.value);
      if (!request.success) {
        const issue = request.error.issues[0];
        return reject(400, 'invalid_request', issue?.message ?? 'invalid', jsonPath('$', issue?.path ?? []));
      }
      const { redemptionId, points, reason } = request.data;
      const result = await redeemPoints(deps, tenant, customerId, {
        id: redemptionId,
        points,
        ...(reason ? { reason } : {}),
      });
      if (result.outcome === 'insufficient')
        return reject(
          409,
          'insufficient_points',
          `${points} points asked, ${result.account.available} spendable`,
          '$.points',
          { available: result.account.available },
        );
      return answer(result.outcome === 'redeemed' ? 201 : 200, {
        redemptionId,
        outcome: result.outcome,
        ...result.account,
      });
    },
  };
}
