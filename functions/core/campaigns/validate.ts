/**
 * Campaign checks beyond the schema: what would make a campaign send to no one, to everyone, or
 * never reach a rung of its ladder. Every problem names its JSON path.
 */

import { CHANNEL_OF } from '../journeys/schema';
import type { Problem } from '../journeys/validate';
import { jsonPath } from '../json-path';
import { Campaign, type Criteria } from './schema';

const MAX_PROBLEMS = 50;

function criteriaProblems(criteria: Criteria, path: (string | number)[]): Problem[] {
  const problems: Problem[] = [];
  const { churnRiskAtLeast, churnRiskBelow, daysSinceLastOrder, tags } = criteria;
  if (churnRiskAtLeast !== undefined && churnRiskBelow !== undefined && churnRiskAtLeast >= churnRiskBelow)
    problems.push({
      path: jsonPath('$', [...path, 'churnRiskBelow']),
      message: 'must be more than churnRiskAtLeast, or no customer matches',
    });
  const { atLeast, atMost } = daysSinceLastOrder ?? {};
  if (atLeast !== undefined && atMost !== undefined && atLeast > atMost)
    problems.push({
      path: jsonPath('$', [...path, 'daysSinceLastOrder', 'atMost']),
      message: 'must be at least atLeast, or no customer matches',
    });
  for (const tag of tags?.all ?? [])
    if (tags?.none?.includes(tag))
      problems.push({
        path: jsonPath('$', [...path, 'tags', 'none']),
        message: `"${tag}" is both required and excluded, so no customer matches`,
      });
  return problems;
}

function staticProblems(campaign: Campaign, channels: readonly string[] | undefined): Problem[] {
  const problems: Problem[] = [];
  if (Object.keys(campaign.audience).length === 0)
    problems.push({ path: '$.audience', message: 'names no criterion: a campaign is never sent to every customer' });
  problems.push(...criteriaProblems(campaign.audience, ['audience']));
  const names = new Set<string>();
  campaign.offers.forEach((rung, i) => {
    if (names.has(rung.name)) problems.push({ path: `$.offers[${i}].name`, message: `"${rung.name}" is used twice` });
    names.add(rung.name);
    if (rung.when) problems.push(...criteriaProblems(rung.when, ['offers', i, 'when']));
    else if (i < campaign.offers.length - 1)
      problems.push({
        path: `$.offers[${i}]`,
        message: `has no "when", so it takes every member and the rungs after it are never reached`,
      });
    rung.actions.forEach((action, j) => {
      const channel = action.kind === 'coupon' ? action.channel : CHANNEL_OF[action.kind];
      if (channels && channel && !channels.includes(channel))
        problems.push({
          path: `$.offers[${i}].actions[${j}]`,
          message: `sends on ${channel}, which the tenant does not use (channels: ${channels.join(', ') || 'none'})`,
        });
    });
  });
  const currencies = new Set(
    [campaign.budget?.perRun?.money, campaign.budget?.total?.money].flatMap((m) => (m ? [m.currency] : [])),
  );
  if (currencies.size > 1)
    problems.push({ path: '$.budget', message: 'its money budgets are in different currencies' });
  return problems;
}

/** The campaign, or every problem with it (sorted by path, at most MAX_PROBLEMS). */
export function validateCampaign(
  input: unknown,
  options: { channels?: readonly string[] } = {},
): { campaign: Campaign; problems: [] } | { campaign?: undefined; problems: Problem[] } {
  const parsed = Campaign.safeParse(input);
  const problems = parsed.success
    ? staticProblems(parsed.data, options.channels)
    : parsed.error.issues.map((issue) => ({ path: jsonPath('$', issue.path), message: issue.message }));
  if (parsed.success && problems.length === 0) return { campaign: parsed.data, problems: [] };
  problems.sort((a, b) => a.path.localeCompare(b.path));
  if (problems.length > MAX_PROBLEMS) {
    const more = problems.length - MAX_PROBLEMS + 1;
    problems.splice(MAX_PROBLEMS - 1, Infinity, { path: '$', message: `and ${more} more problems` });
  }
  return { problems };
}
