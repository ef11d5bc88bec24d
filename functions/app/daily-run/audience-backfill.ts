import type { TenantDirectory } from '../../core/config/tenants';
import { AudienceBackfillItem, audienceBackfillKey } from '../../core/profiles/audience-migration';
import { fromProfileItem, type StoredProfile, toProfileItem } from '../../core/profiles/items';
import { isMarker } from '../../core/profiles/markers';
import { fromModelItem, modelKey } from '../../core/scoring/model-items';
import { type ScoringContext, stageAtDue } from '../../core/scoring/profile-scores';
import { scoringSettings } from '../../core/scoring/settings';
import { decodeItem } from '../../core/stored-item';
import { ConditionFailedError, type Item } from '../../ports';
import type { AppPorts } from '../common/ports';

const SCAN_PAGE = 1000;

export type AudienceBackfillDeps = Pick<AppPorts, 'store' | 'log'> & {
  tenants: Pick<TenantDirectory, 'byId'>;
  now: () => number;
};

/**
 * The one-time backfill of the audience index in a table whose profiles were written before it: a
 * scan of the table, page by page, keeping its place in `MIGRATIONS` / `AUDIENCE_INDEX`, that writes
 * each profile with a lifecycle stage again with its index keys, on the version read (a profile
 * written meanwhile carries them already). A stored lifecycle from before `nextStage` is given the
 * stage its `nextDueAt` leads to, under the tenant's current model, so that the customers due to
 * become at_risk are found before their next rescore. The daily pass alone would not do: it
 * rewrites only the customers due, and never those with nothing due (every customer without an order).
 */
export function createAudienceBackfill(deps: AudienceBackfillDeps) {
  const { store, log } = deps;
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

  return async (options: { until?: number } = {}): Promise<{ done: boolean; indexed: number }> => {
    const current = await store.get(audienceBackfillKey, { consistent: true });
    let state = current
      ? decodeItem(AudienceBackfillItem, current)
      : { ...audienceBackfillKey, done: false, indexed: 0 };
    while (!state.done) {
      const page = await store.scanPage('', {
        limit: SCAN_PAGE,
        ...(state.cursor === undefined ? {} : { cursor: state.cursor }),
      });
      let indexed = 0;
      for (const item of page.items) {
        const next = await unindexed(item);
        if (!next) continue;
        try {
          await store.put(next, { ifVersion: next.version as number });
          indexed++;
        } catch (e) {
          if (!(e instanceof ConditionFailedError)) throw e;
        }
      }
      const { cursor: _, ...rest } = state;
      state = {
        ...rest,
        ...(page.next === undefined ? { done: true } : { cursor: page.next }),
        indexed: state.indexed + indexed,
      };
      await store.put(state);
      if (options.until !== undefined && deps.now() >= options.until) break;
    }
    if (state.done && !current?.done) log.info('audience index backfilled', { indexed: state.indexed });
    return { done: state.done, indexed: state.indexed };
  };
}
