/**
 * The referral admin API: a customer's code, link and referrals (GET /v1/customers/{id}/referral),
 * their code made on first use (POST /v1/customers/{id}/referral/code), the referrals held for
 * review and the decisions made (GET /v1/referrals/review), and a decision (POST
 * /v1/referrals/{friendId}/review).
 */
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import { ReviewRequest } from '../../contracts/http-api';
import type { TenantRecord } from '../../core/config/tenants';
import { jsonPath } from '../../core/json-path';
import { inviteLink } from '../../core/referrals/codes';
import { createReferrals, type ReferralDeps, ReferralRefused } from './referrals';

const MAX_BODY_BYTES = 4 * 1024;
const noProgramme = () =>
  reject(409, 'no_referral_programme', 'the tenant runs no referral programme (tenant config `referrals`)', 'path');

export function referralRoutes(deps: ReferralDeps) {
  const referrals = createReferrals(deps);
  return {
    async summary(tenant: TenantRecord, customerId: string): Promise<Answer> {
      if (!tenant.referrals) return noProgramme();
      return answer(200, await referrals.summary(tenant, customerId));
    },

    async code(tenant: TenantRecord, customerId: string): Promise<Answer> {
      if (!tenant.referrals) return noProgramme();
      const code = await referrals.codeFor(tenant, customerId);
      const link = inviteLink(tenant.referrals.linkBase, code);
      return answer(200, { code, ...(link ? { link } : {}) });
    },

    async reviewList(tenant: TenantRecord, query: Record<string, string | undefined>): Promise<Answer> {
      if (!tenant.referrals) return noProgramme();
      if (query.decided !== undefined && query.decided !== 'true' && query.decided !== 'false')
        return reject(400, 'invalid_request', 'decided is true or false', 'query.decided');
      if (query.decided === 'true')
        return answer(200, { decisions: await referrals.reviewList(tenant.id, { decided: true }) });
      return answer(200, { referrals: await referrals.reviewList(tenant.id) });
    },

    async review(tenant: TenantRecord, friendId: string, body: string): Promise<Answer> {
      const parsed = parseJsonBody(body, { maxBytes: MAX_BODY_BYTES });
      if (!parsed.ok) return parsed.rejection;
      const request = ReviewRequest.safeParse(parsed.value);
      if (!request.success) {
        const issue = request.error.issues[0];
        return reject(400, 'invalid_request', issue?.message ?? 'invalid', jsonPath('$', issue?.path ?? []));
      }
      if (!tenant.referrals) return noProgramme();
      try {
        return answer(200, await referrals.review(tenant, friendId, request.data));
      } catch (e) {
        if (!(e instanceof ReferralRefused)) throw e;
        return reject(e.status, e.status === 404 ? 'not_found' : 'not_awaiting_review', e.message, 'path.friendId');
      }
    },
  };
}
