import type { TenantDirectory } from '../core/config/tenants';
import { type StoredProfile, toProfileItem } from '../core/profiles/items';
import { PROFILES_SOURCE } from '../core/profiles/lifecycle';
import { fromModelItem, modelKey } from '../core/scoring/model-items';
import type { ScoringContext } from '../core/scoring/profile-scores';
import { scoringSettings } from '../core/scoring/settings';
import { type Bus, type Clock, ConditionFailedError, type Store } from '../ports';

/** How long a function keeps a tenant's model before reading it again: a new fit reaches scores within this. */
export const MODEL_CACHE_MS = 5 * 60_000;

/** Each tenant's scoring context (settings from the tenant directory, model from the table), cached. */
export function createScoringContexts(deps: { store: Store; tenants: TenantDirectory; clock: Clock }) {
  const cache = new Map<string, { context: ScoringContext; readAt: number }>();
  return async function contextOf(tenantId: string): Promise<ScoringContext> {
    const now = deps.clock.now();
    const cached = cache.get(tenantId);
    if (cached && now - cached.readAt < MODEL_CACHE_MS) return cached.context;
    const tenant = deps.tenants.byId(tenantId);
    if (!tenant) throw new Error(`tenant ${tenantId} is not configured`);
    const stored = fromModelItem(await deps.store.get(modelKey(tenantId)));
    const context: ScoringContext = {
      settings: scoringSettings(tenant.scoring),
      currency: tenant.currency,
      ...(stored?.model ? { model: stored.model } : {}),
    };
    cache.set(tenantId, { context, readAt: now });
    return context;
  };
}
export type ScoringContexts = ReturnType<typeof createScoringContexts>;

/**
 * Puts the profile's pending stage changes on the bus, then removes them from the stored item.
 * If the item changed meanwhile, the writer that changed it carried them over and sends them
 * again: consumers drop the repeat by its eventId.
 */
export async function flushOutbox(store: Store, bus: Bus, stored: StoredProfile): Promise<void> {
  if (!stored.outbox?.length) return;
  await bus.put(stored.outbox.map((detail) => ({ source: PROFILES_SOURCE, detailType: detail.type, detail })));
  const { outbox: _, ...sent } = stored;
  try {
    await store.put(toProfileItem({ ...sent, version: stored.version + 1 }), { ifVersion: stored.version });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
}
