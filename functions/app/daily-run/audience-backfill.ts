import type { TenantDirectory } from '../../core/config/tenants';
import { audienceBackfillKey } from '../../core/migrations';
import { fromProfileItem, type StoredProfile, toProfileItem } from '../../core/profiles/items';
import { isMarker } from '../../core/profiles/markers';
import { fromModelItem, modelKey } from '../../core/scoring/model-items';
import { type ScoringContext, stageAtDue } from '../../core/scoring/profile-scores';
import { scoringSettings } from '../../core/scoring/settings';
import type { Item } from '../../ports';
import type { AppPorts } from '../common/ports';
import { createIndexBackfill, type IndexBackfillRun } from './index-backfill';

export type AudienceBackfillDeps = Pick<AppPorts, 'store' | 'log'> & {
  tenants: Pick<TenantDirectory, 'byId'>;
  now: () => number;
};

/**
 * The one-time backfill of the audience index (its place in `MIGRATIONS` / `AUDIENCE_INDEX`): each
 * profile with a lifecycle stage written again with its index keys. A stored lifecycle from before `nextStage` is given the
 * stage its `nextDueAt` leads to, under the tenant's current model, so that the customers due to
 * become at_risk are found before their next rescore. The daily pass alone would not do: it
 * rewrites only the customers due, and never those with nothing due (every customer without an order).
 */
export function createAudienceBackfill(deps: AudienceBackfillDeps): IndexBackfillRun {
  const { store } = deps;
  const contexts = new Map<string, ScoringContext | undefined>();

  /** The tenant's scoring context, read once per backfill run; none for a tenant no longer configured. */
  async function contextOf(tenantId: string): Promise<ScoringContext | undefined> {
    if (contexts.has(tenantId)) return contexts.get(tenantId);
    const tenant = await deps.tenants.byId(tenantId);
    const model = tenant && fromModelItem(await store.get(modelKey(tenantId)))?.model;
    const context = tenant && {
      settings: scoringSettings(tenant.scoring),
      currency: tenant.currency,
      ...(model ? { model } : {}),
    };
    contexts.set(tenantId, context);
    return context;
  }

  /** The lifecycle with the stage it is due to enter, when it was stored without it. */
  async function withNextStage(stored: StoredProfile): Promise<StoredProfile> {
    const { lifecycle, profile } = stored;
    if (!lifecycle || lifecycle.nextDueAt === undefined || lifecycle.nextStage !== undefined) return stored;
    const context = await contextOf(profile.tenantId);
    try {
      const nextStage = context && stageAtDue(profile, lifecycle, context);
      return nextStage ? { ...stored, lifecycle: { ...lifecycle, nextStage } } : stored;
    } catch {
      // A lifecycle that cannot be evaluated (a time that does not parse) is indexed by its stage alone.
      return stored;
    }
  }

  /** A profile item with a stage written before the audience index existed: it lacks the index keys. */
  async function unindexed(item: Item): Promise<Item | undefined> {
    if (item.sk !== 'PROFILE' || isMarker(item) || item.audienceShard !== undefined) return undefined;
    let stored: StoredProfile;
    try {
      stored = fromProfileItem(item);
    } catch {
      // A profile that does not decode is left as it is: no campaign could take it either.
      return undefined;
    }
    if (stored.mergedInto !== undefined || !stored.lifecycle) return undefined;
    return toProfileItem(await withNextStage(stored));
  }

  return createIndexBackfill(deps, { key: audienceBackfillKey, index: 'audience', rewrite: unindexed });
}
