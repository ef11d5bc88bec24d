import { type Answer, answer, reject } from '../../contracts/answers';
import type { TenantDirectory } from '../../core/config/tenants';
import { NO_POINTS, pointsFacts } from '../../core/journeys/facts';
import { customerJourneysKey, fromCustomerJourneysItem } from '../../core/journeys/items';
import { pointsAccountKey, storedAccountOf } from '../../core/loyalty/items';
import { profileKey } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import { customerEvents } from '../../core/profiles/timeline';
import { profileView } from '../../core/profiles/view';
import { fromModelItem, modelKey } from '../../core/scoring/model-items';
import { evaluateProfile } from '../../core/scoring/profile-scores';
import type { Clock, Store } from '../../ports';
import { readTogether } from '../common/read-together';
import { createScoringContexts } from '../common/scoring-contexts';
import { customerSends } from '../dispatch/outcomes';

const TIMELINE_ENTRIES = 200;

function pick<T extends object, K extends keyof T>(value: T, names: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const name of names) if (value[name] !== undefined) out[name] = value[name];
  return out;
}

export type ReadCustomerDeps = { store: Store; tenants: TenantDirectory; clock: Clock };

/** What the admin API shows of a tenant's customers and models. */
export function createCustomerReads(deps: ReadCustomerDeps) {
  const contextOf = createScoringContexts(deps);
  return {
    /** The customer's profile, lifecycle stage as stored, and scores as of now against the tenant's latest model. */
    async profile(command: { tenantId: string; customerId: string }): Promise<Answer> {
      const [profileItem, pointsItem] = await readTogether(deps.store, [
        profileKey(command.tenantId, command.customerId),
        pointsAccountKey(command.tenantId, command.customerId),
      ]);
      const stored = liveProfile(profileItem);
      if (!stored) return reject(404, 'not_found', `no profile for customer ${command.customerId}`, 'path.customerId');
      const { profile, lifecycle } = stored;
      const { scores } = evaluateProfile(profile, lifecycle, await contextOf(command.tenantId), deps.clock.now());
      const account = storedAccountOf(pointsItem);
      const points = account ? pointsFacts(account) : NO_POINTS;
      return answer(200, { ...profileView(profile), lifecycle: lifecycle ?? null, scores, points });
    },

    /**
     * The customer's messages (every send and skip, with its reason) and events (as the profile and
     * the journeys keep them: core/profiles/timeline.ts), latest first.
     */
    async timeline(command: { tenantId: string; customerId: string }): Promise<Answer> {
      const [records, [profileItem, journeysItem]] = await Promise.all([
        customerSends(deps.store, command.tenantId, command.customerId),
        readTogether(deps.store, [
          profileKey(command.tenantId, command.customerId),
          customerJourneysKey(command.tenantId, command.customerId),
        ]),
      ]);
      // Only a live profile's: an erased or merged-away id shows none.
      const stored = liveProfile(profileItem);
      const events = stored ? customerEvents(stored, fromCustomerJourneysItem(journeysItem)?.state.instances) : [];
      const entries = records.slice(0, TIMELINE_ENTRIES).map((r) => ({
        key: r.key,
        state: r.state,
        ...pick(r, [
          'channel',
          'journeyId',
          'campaignId',
          'activity',
          'reason',
          'rule',
          'nextEligibleAt',
          'deferredUntil',
          'sentAt',
          'provider',
        ]),
        decisions: r.decisions,
        updatedAt: r.updatedAt,
      }));
      return answer(200, { customerId: command.customerId, entries, events });
    },

    /** The tenant's fitted model, its diagnostics and those of the latest fit. */
    async model(command: { tenantId: string }): Promise<Answer> {
      const stored = fromModelItem(await deps.store.get(modelKey(command.tenantId)));
      if (!stored) return reject(404, 'not_found', 'no model has been fitted for this tenant yet', 'path');
      return answer(200, stored);
    },
  };
}
