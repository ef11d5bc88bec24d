import type { Item, Key } from '../../ports';
import type { ModelDiagnostics, ModelFit, TenantModel } from './tenant-model';

/**
 * The tenant's current model: the parameters of the last successful fit with its diagnostics,
 * and the diagnostics of the latest attempt (which may have found too little data).
 */
export type StoredModel = { model?: TenantModel; diagnostics?: ModelDiagnostics; latest: ModelDiagnostics };

export const modelKey = (tenantId: string): Key => ({ pk: `${tenantId}#MODEL`, sk: 'CURRENT' });

/** One item per fit day, kept for a year through the table's TTL, to audit how scores moved. */
export const modelHistoryKey = (tenantId: string, fittedAt: string): Key => ({
  pk: `${tenantId}#MODEL`,
  sk: `FIT#${fittedAt.slice(0, 10)}`,
});

const HISTORY_DAYS = 400;

/** The items a fit writes: the new current model (keeping the previous one if this fit found too little data) and its history entry. */
export function modelItems(tenantId: string, fit: ModelFit, previous: StoredModel | undefined): Item[] {
  const current: StoredModel = fit.model
    ? { model: fit.model, diagnostics: fit.diagnostics, latest: fit.diagnostics }
    : {
        ...(previous?.model ? { model: previous.model, diagnostics: previous.diagnostics } : {}),
        latest: fit.diagnostics,
      };
  const fittedAt = fit.diagnostics.fittedAt;
  const expiresAt = Math.floor(Date.parse(fittedAt) / 1000) + HISTORY_DAYS * 86_400;
  return [
    { ...modelKey(tenantId), ...current },
    {
      ...modelHistoryKey(tenantId, fittedAt),
      ...(fit.model ? { model: fit.model } : {}),
      diagnostics: fit.diagnostics,
      expiresAt,
    },
  ];
}

export function fromModelItem(item: Item | undefined): StoredModel | undefined {
  if (!item) return undefined;
  const { model, diagnostics, latest } = item as Item & StoredModel;
  return { ...(model ? { model } : {}), ...(diagnostics ? { diagnostics } : {}), latest };
}
