import { z } from 'zod';
import type { Item, Key } from '../../ports';
import { decodeItem, ItemKey } from '../stored-item';
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

// ---- stored item schemas (docs/data-model.md) --------------------------------------------------

const Numbers = z.array(z.number());

/** A fitted model (functions/core/scoring/tenant-model.ts): every parameter scoring computes with. */
export const TenantModelSchema = z.looseObject({
  tenantId: z.string().min(1),
  fittedAt: z.string(),
  currency: z.string(),
  churnHorizonDays: z.number(),
  bgnbd: z.looseObject({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
  gammaGamma: z.looseObject({ p: z.number(), q: z.number(), gamma: z.number() }).optional(),
  churn: z.looseObject({ weights: Numbers, mean: Numbers, sd: Numbers }),
  rfm: z.looseObject({ recencyDays: Numbers, frequency: Numbers, monetary: Numbers }),
});

const FitDiagnostics = z.looseObject({ logLikelihood: z.number(), converged: z.boolean(), iterations: z.number() });

export const ModelDiagnosticsSchema = z.looseObject({
  fittedAt: z.string(),
  status: z.enum(['fitted', 'insufficient_data']),
  reason: z.string().optional(),
  customers: z.number(),
  buyers: z.number(),
  repeatBuyers: z.number(),
  bgnbd: FitDiagnostics.optional(),
  gammaGamma: FitDiagnostics.extend({ customers: z.number() }).optional(),
  churn: z
    .looseObject({ trainHorizonWeeks: z.number(), trainCutoff: z.string(), trainCustomers: z.number() })
    .optional(),
});

/** `<tenant>#MODEL` / `CURRENT`. */
export const ModelItem = z.looseObject({
  ...ItemKey,
  model: TenantModelSchema.optional(),
  diagnostics: ModelDiagnosticsSchema.optional(),
  latest: ModelDiagnosticsSchema,
});

/** `<tenant>#MODEL` / `FIT#<date>`: read by no code, kept to audit how the parameters moved. */
export const ModelHistoryItem = z.looseObject({
  ...ItemKey,
  model: TenantModelSchema.optional(),
  diagnostics: ModelDiagnosticsSchema,
  expiresAt: z.int(),
});

export function fromModelItem(item: Item | undefined): StoredModel | undefined {
  if (!item) return undefined;
  const { model, diagnostics, latest } = decodeItem(ModelItem, item);
  return { ...(model ? { model } : {}), ...(diagnostics ? { diagnostics } : {}), latest };
}
