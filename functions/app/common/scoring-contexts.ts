import type { TenantDirectory } from '../../core/config/tenants';
import { fromModelItem, modelKey } from '../../core/scoring/model-items';
import type { ScoringContext } from '../../core/scoring/profile-scores';
import { scoringSettings } from '../../core/scoring/settings';
import type { Clock, Store } from '../../ports';

/** How long a function keeps a tenant's model before reading it again: a new fit reaches scores within this. */
export const MODEL_CACHE_MS = 5 * 60_000;

/** Each tenant's scoring context (settings from the tenant directory, model from the table), cached. */
export function createScoringContexts(deps: { store: Store; tenants: TenantDirectory; clock: Clock }) {
  const cache = new Map<string, { context: ScoringContext; readAt: number }>();
  return async function contextOf(tenantId: string): Promise<ScoringContext> {
    const now = deps.clock.now();
    const cached = cache.get(tenantId);
    if (cached && now - cached.readAt < MODEL_CACHE_MS) return cached.context;
    const tenant = await deps.tenants.byId(tenantId);
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
