// The record of a campaign run: who it took and what it queued, written once its offers are queued.
import { z } from 'zod';

export const CampaignRun = z.object({
  campaignId: z.string(),
  runId: z.string(),
  startedAt: z.iso.datetime(),
  /** Buyers read. */
  candidates: z.int().min(0),
  /** Members of the audience with a rung, after maxAudience. */
  audience: z.int().min(0),
  treated: z.int().min(0),
  heldOut: z.int().min(0),
  /** Actions put on the queue. */
  offers: z.int().min(0),
  byRung: z.record(z.string(), z.int().min(0)),
});
export type CampaignRun = z.infer<typeof CampaignRun>;

export const CampaignRunItem = z.looseObject({
  pk: z.string().endsWith('#CAMPAIGNS'),
  sk: z.string().startsWith('RUN#'),
  ...CampaignRun.shape,
});

export const campaignRunKey = (tenantId: string, campaignId: string, runId: string) => ({
  pk: `${tenantId}#CAMPAIGNS`,
  sk: `RUN#${campaignId}#${runId}`,
});
