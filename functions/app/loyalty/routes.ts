/**
 * The loyalty admin API: GET /v1/customers/{customerId}/points (the account and tier folded as of
 * now), POST /v1/customers/{customerId}/points/redemptions (spend, once per redemption id) and
 * POST /v1/customers/{customerId}/tier/memberships (buy the paid level, once per purchase id).
 */

import type { z } from 'zod';
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import { MembershipRequest, type PointsAccountView, RedemptionRequest } from '../../contracts/http-api';
import type { TenantRecord } from '../../core/config/tenants';
import { jsonPath } from '../../core/json-path';
import { expiringOf } from '../../core/loyalty/items';
import { benefitsOf } from '../../core/loyalty/tiers';
import { foldAccount, ledgerEntries, tierSettingsOf } from './points';
import { buyMembership, type RedeemDeps, redeemPoints } from './redeem';

const MAX_BODY_BYTES = 4 * 1024;

function parseRequest<T>(schema: z.ZodType<T>, body: string): { ok: true; value: T } | { ok: false; answer: Answer } {
  const parsed = parseJsonBody(body, { maxBytes: MAX_BODY_BYTES });
  if (!parsed.ok) return { ok: false, answer: parsed.rejection };
  const request = schema.safeParse(parsed.value);
  if (request.success) return { ok: true, value: request.data };
  const issue = request.error.issues[0];
  return {
    ok: false,
    answer: reject(400, 'invalid_request', issue?.message ?? 'invalid', jsonPath('$', issue?.path ?? [])),
  };
}

export function loyaltyRoutes(deps: RedeemDeps) {
  return {
    async account(tenant: TenantRecord, customerId: string): Promise<Answer> {
      const asOf = new Date(deps.clock.now()).toISOString();
      const tiers = tierSettingsOf(tenant);
      const { points, tier } = foldAccount(await ledgerEntries(deps.store, tenant.id, customerId), asOf, tiers);
      const benefits = benefitsOf(tiers, tier.level);
      const view: PointsAccountView = {
        customerId,
        balance: points.balance,
        available: points.available,
        pending: points.pending,
        debt: points.debt,
        earned: points.earned,
        redeemed: points.redeemed,
        expired: points.expired,
        clawedBack: points.clawedBack,
        forgiven: points.forgiven,
        streak: points.streak ?? null,
        expiring: expiringOf(points),
        tier: {
          level: tier.level,
          since: tier.since,
          reviewAt: tier.reviewAt ?? null,
          qualified: tier.qualified,
          measure: tier.measure,
          paidUntil: tier.paidUntil ?? null,
          benefits: { ...benefits, birthdayGift: benefits.birthdayGift ?? null },
        },
        asOf,
      };
      return answer(200, view);
    },

    async redeem(tenant: TenantRecord, customerId: string, body: string): Promise<Answer> {
      const request = parseRequest(RedemptionRequest, body);
      if (!request.ok) return request.answer;
      const { redemptionId, points, reason } = request.value;
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

    async buyMembership(tenant: TenantRecord, customerId: string, body: string): Promise<Answer> {
      const request = parseRequest(MembershipRequest, body);
      if (!request.ok) return request.answer;
      const { membershipId } = request.value;
      const result = await buyMembership(deps, tenant, customerId, membershipId);
      if (result === 'no_paid_tier')
        return reject(409, 'no_paid_tier', "the tenant's tiers have no paid level (loyalty.tiers.paid)", 'path');
      return answer(result.outcome === 'bought' ? 201 : 200, { membershipId, ...result });
    },
  };
}
