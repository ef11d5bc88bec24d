import { type Answer, answer, reject } from '../../contracts/answers';
import type { TenantDirectory } from '../../core/config/tenants';
import { profileKey } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import { profileView } from '../../core/profiles/view';
import { fromModelItem, modelKey } from '../../core/scoring/model-items';
import { evaluateProfile } from '../../core/scoring/profile-scores';
import type { Clock, Store } from '../../ports';
import { createScoringContexts } from '../common/scoring-contexts';

export type ReadCustomerDeps = { store: Store; tenants: TenantDirectory; clock: Clock };

/** What the admin API shows of a tenant's customers and models. */
export function createCustomerReads(deps: ReadCustomerDeps) {
  const contextOf = createScoringContexts(deps);
  return {
    /** The customer's profile, lifecycle stage as stored, and scores as of now against the tenant's latest model. */
    async profile(command: { tenantId: string; customerId: string }): Promise<Answer> {
      const stored = liveProfile(
        await deps.store.get(profileKey(command.tenantId, command.customerId), { consistent: true }),
      );
      if (!stored) return reject(404, 'not_found', `no profile for customer ${command.customerId}`, 'path.customerId');
      const { profile, lifecycle } = stored;
      const { scores } = evaluateProfile(profile, lifecycle, await contextOf(command.tenantId), deps.clock.now());
      return answer(200, { ...profileView(profile), lifecycle: lifecycle ?? null, scores });
    },

    /** The tenant's fitted model, its diagnostics and those of the latest fit. */
    async model(command: { tenantId: string }): Promise<Answer> {
      const stored = fromModelItem(await deps.store.get(modelKey(command.tenantId)));
      if (!stored) return reject(404, 'not_found', 'no model has been fitted for this tenant yet', 'path');
      return answer(200, stored);
    },
  };
}
