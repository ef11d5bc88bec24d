/**
 * A tenant's fitted models, learned from its own customers' orders: BG/NBD, Gamma-Gamma, the
 * churn score's logistic weights and the RFM quintile boundaries. The scheduled fit stores one
 * of these per tenant; every profile is scored against it. Pure: `now` is a parameter.
 *
 * A customer's history is the days on which they placed orders that were not cancelled (UTC
 * days); a day's amount is the total of that day's orders in the tenant's currency, in major
 * units (orders in other currencies count as purchases with no spend).
 */

import { currencyExponent } from '../currency';
import { ownValue } from '../own';
import { orderDays } from '../profiles/order-book';
import type { Profile } from '../profiles/profile';
import { type BgnbdParams, fitBgnbd } from './bgnbd';
import type { LogisticModel } from './churn';
import { scoreChurn } from './churn';
import { fitGammaGamma, type GammaGammaParams } from './gammagamma';
import { type RfmBreakpoints, type RfmInput, rfmBreakpoints } from './rfm';
import type { ScoringSettings } from './settings';
import { type CustomerSummary, type PurchaseDay, summarize } from './transactions';

const DAY_MS = 86_400_000;

/** Fewer customers than this give parameters too uncertain to score with. */
export const MIN_BUYERS = 50;
export const MIN_REPEAT_BUYERS = 10;

export interface TenantModel {
  tenantId: string;
  fittedAt: string;
  currency: string;
  churnHorizonDays: number;
  bgnbd: BgnbdParams;
  /** Absent when too few repeat buyers spent in the tenant's currency. */
  gammaGamma?: GammaGammaParams;
  churn: LogisticModel;
  rfm: RfmBreakpoints;
}

export interface FitDiagnostics {
  logLikelihood: number;
  converged: boolean;
  iterations: number;
}

export interface ModelDiagnostics {
  fittedAt: string;
  status: 'fitted' | 'insufficient_data';
  /** Why no model was fitted. */
  reason?: string;
  /** Profiles read, of which buyers placed an order, of which repeat buyers ordered on two days or more. */
  customers: number;
  buyers: number;
  repeatBuyers: number;
  bgnbd?: FitDiagnostics;
  gammaGamma?: FitDiagnostics & { customers: number };
  churn?: { trainHorizonWeeks: number; trainCutoff: string; trainCustomers: number };
}

export type ModelFit = { model?: TenantModel; diagnostics: ModelDiagnostics };

/** The customer's purchase days from the profile's order book and past orders, oldest first. */
export function purchaseDaysOfProfile(
  profile: Pick<Profile, 'orderBook' | 'orderBookFrom' | 'pastOrders'>,
  currency: string,
): PurchaseDay[] {
  return orderDays(profile, currency, 10 ** currencyExponent(currency));
}

/** The BG/NBD and Gamma-Gamma summary of purchase days at `now` (x, t_x, T in weeks). */
export function summaryAt(id: string, days: readonly PurchaseDay[], now: number): CustomerSummary | undefined {
  return summarize(new Map([[id, days]]), Math.floor(now / DAY_MS))[0];
}

export function rfmInputOf(
  profile: Pick<Profile, 'customerId' | 'orders' | 'lastOrderAt' | 'revenue'>,
  currency: string,
  now: number,
): RfmInput | undefined {
  if (profile.orders <= 0 || profile.lastOrderAt === undefined) return undefined;
  const totals = ownValue(profile.revenue, currency);
  return {
    id: profile.customerId,
    recencyDays: Math.max(0, Math.floor((now - Date.parse(profile.lastOrderAt)) / DAY_MS)),
    frequency: profile.orders,
    monetary: totals ? totals.gross - totals.refunded : 0,
  };
}

const diagnosticsOf = (fit: FitDiagnostics): FitDiagnostics => ({
  logLikelihood: fit.logLikelihood,
  converged: fit.converged,
  iterations: fit.iterations,
});

/** Fits the tenant's models on its profiles as of `now`. */
export function fitTenantModel(
  tenantId: string,
  profiles: readonly Profile[],
  currency: string,
  settings: ScoringSettings,
  now: number,
): ModelFit {
  const fittedAt = new Date(now).toISOString();
  const days = new Map<string, PurchaseDay[]>();
  const rfm: RfmInput[] = [];
  for (const profile of profiles) {
    const list = purchaseDaysOfProfile(profile, currency);
    if (list.length > 0) days.set(profile.customerId, list);
    const input = rfmInputOf(profile, currency, now);
    if (input) rfm.push(input);
  }
  const today = Math.floor(now / DAY_MS);
  const summaries = summarize(days, today);
  const repeatBuyers = summaries.filter((c) => c.x > 0).length;
  const counts = { customers: profiles.length, buyers: summaries.length, repeatBuyers };
  const insufficient = (reason: string): ModelFit => ({
    diagnostics: { fittedAt, status: 'insufficient_data', reason, ...counts },
  });
  if (summaries.length < MIN_BUYERS) return insufficient(`${summaries.length} buyers; at least ${MIN_BUYERS} needed`);
  if (repeatBuyers < MIN_REPEAT_BUYERS) {
    return insufficient(`${repeatBuyers} repeat buyers; at least ${MIN_REPEAT_BUYERS} needed`);
  }

  const bgnbd = fitBgnbd(summaries);
  const horizonWeeks = settings.churnHorizonDays / 7;
  let churn: ReturnType<typeof scoreChurn>;
  try {
    churn = scoreChurn(days, today, horizonWeeks, summaries, bgnbd.params);
  } catch (e) {
    if (e instanceof RangeError) return insufficient(e.message);
    throw e;
  }
  const spenders = summaries.filter((c) => c.x > 0 && c.zbar > 0);
  const gammaGamma = spenders.length >= MIN_REPEAT_BUYERS ? fitGammaGamma(spenders) : undefined;
  return {
    model: {
      tenantId,
      fittedAt,
      currency,
      churnHorizonDays: settings.churnHorizonDays,
      bgnbd: bgnbd.params,
      ...(gammaGamma ? { gammaGamma: gammaGamma.params } : {}),
      churn: churn.combined,
      rfm: rfmBreakpoints(rfm),
    },
    diagnostics: {
      fittedAt,
      status: 'fitted',
      ...counts,
      bgnbd: diagnosticsOf(bgnbd),
      ...(gammaGamma ? { gammaGamma: { ...diagnosticsOf(gammaGamma), customers: spenders.length } } : {}),
      churn: {
        trainHorizonWeeks: churn.trainHorizon,
        trainCutoff: new Date(churn.trainCutoff * DAY_MS).toISOString().slice(0, 10),
        trainCustomers: churn.trainCustomers,
      },
    },
  };
}
