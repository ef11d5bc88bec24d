/**
 * A campaign run as the table keeps it. The run record (`<tenant>#CAMPAIGNS` / `RUN#<campaign>#<run>`)
 * moves selected → offered → reported, or failed (the state machine's Catch writes that); its
 * audience is kept in pages of members (`<tenant>#CAMPAIGN#<campaign>#RUN#<run>` / `PAGE#000001`…),
 * each with their arm, their rung and what they had done when the run began, so the measurement
 * counts what they did since. Pages expire 90 days after the run's measurement time.
 */
import { z } from 'zod';
import type { Key } from '../../ports';
import { ownValue, setOwn } from '../own';
import { Campaign } from './schema';

export const RUN_STATUSES = ['selected', 'offered', 'reported', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Members a page holds at most: a page item stays well under DynamoDB's 400 KB. */
export const PAGE_MEMBERS = 1000;
/** How long a run's pages (its members' ids) are kept after its measurement time. */
export const PAGE_RETENTION_DAYS = 90;

const Time = z.iso.datetime();
const Counts = z.record(z.string(), z.int().min(0));

/** What the offers of one page, or of the whole run, came to. */
export const Offered = z.object({
  treated: z.int().min(0),
  heldOut: z.int().min(0),
  /** Actions put on the actions queue. */
  offers: z.int().min(0),
  byRung: Counts,
});
export type Offered = z.infer<typeof Offered>;

export const CampaignRun = z.object({
  campaignId: z.string(),
  runId: z.string(),
  status: z.enum(RUN_STATUSES),
  /** Absent from a run that failed before its audience was chosen (the state machine wrote only the failure). */
  startedAt: Time.optional(),
  /** When the audience was chosen and its pages written: a run carried out again keeps them. */
  selectedAt: Time.optional(),
  /** Profiles read to choose the audience. */
  candidates: z.int().min(0).default(0),
  /** Members of the audience with a rung, after maxAudience. */
  audience: z.int().min(0).default(0),
  pages: z.int().min(0).default(0),
  offeredAt: Time.optional(),
  /** When the attribution window ends and the lift is measured. */
  measureAt: Time.optional(),
  offered: Offered.optional(),
  /** The measurement (campaign.report's detail), once reported. */
  report: z.looseObject({}).optional(),
  /** The error the state machine caught, when failed. */
  error: z.string().optional(),
});
export type CampaignRun = z.infer<typeof CampaignRun>;

export const CampaignRunItem = z.looseObject({
  pk: z.string().endsWith('#CAMPAIGNS'),
  sk: z.string().startsWith('RUN#'),
  ...CampaignRun.shape,
});

/** One member of a run: arm (`t` treated, `h` held out), rung, and at the start their success events and gross revenue. */
export const PageMember = z.object({
  c: z.string(),
  arm: z.enum(['t', 'h']),
  rung: z.string(),
  /** Success events folded into their profile when the run began. */
  n: z.int().min(0),
  /** Gross revenue in the tenant's currency (minor units) when the run began. */
  g: z.int(),
});
export type PageMember = z.infer<typeof PageMember>;

export const RunPageItem = z.looseObject({
  pk: z.string().includes('#CAMPAIGN#'),
  sk: z.string().startsWith('PAGE#'),
  members: z.array(PageMember),
});

export const CAMPAIGNS_PK_SUFFIX = '#CAMPAIGNS';

/** A campaign as saved through the admin API: its definition and when it was last saved. */
export const CampaignDefinitionItem = z.looseObject({
  pk: z.string().endsWith('#CAMPAIGNS'),
  sk: z.string().startsWith('DEF#'),
  campaign: Campaign,
  updatedAt: Time,
});

export const campaignDefinitionKey = (tenantId: string, campaignId: string): Key => ({
  pk: `${tenantId}${CAMPAIGNS_PK_SUFFIX}`,
  sk: `DEF#${campaignId}`,
});

export const campaignRunKey = (tenantId: string, campaignId: string, runId: string): Key => ({
  pk: `${tenantId}${CAMPAIGNS_PK_SUFFIX}`,
  sk: `RUN#${campaignId}#${runId}`,
});

export const runPageKey = (tenantId: string, campaignId: string, runId: string, page: number): Key => ({
  pk: `${tenantId}#CAMPAIGN#${campaignId}#RUN#${runId}`,
  sk: `PAGE#${String(page).padStart(6, '0')}`,
});

/** The sum of the pages' offers. */
export function totalOffered(pages: readonly Offered[]): Offered {
  const total: Offered = { treated: 0, heldOut: 0, offers: 0, byRung: {} };
  for (const page of pages) {
    total.treated += page.treated;
    total.heldOut += page.heldOut;
    total.offers += page.offers;
    for (const [rung, n] of Object.entries(page.byRung))
      setOwn(total.byRung, rung, (ownValue(total.byRung, rung) ?? 0) + n);
  }
  return total;
}
